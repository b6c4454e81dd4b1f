import json
from datetime import timedelta

from shorts_assets.providers.channels import Platforms
from shorts_assets.providers.instagram import InstagramReels
from shorts_assets.providers.platforms import Platform, SandboxChannel, SimulatedAudience, Upload
from shorts_assets.providers.tiktok import TikTokChannel
from shorts_assets.providers.youtube import YouTubeChannel


def upload_for(tmp_path, item_id="bees-1", **attributes) -> Upload:
    video, thumb = tmp_path / "v.mp4", tmp_path / "t.jpg"
    video.write_bytes(b"video-bytes")
    thumb.write_bytes(b"jpeg-bytes")
    return Upload(item_id=item_id, video=video, thumbnail=thumb, title="Bees", description="d", tags=["#bees"],
                  attributes={"category": "nature", "hook_style": "question", **attributes}, duration_s=30.0)


def test_every_platform_is_a_platform(tmp_path):
    platforms = Platforms(
        order=["sandbox", "youtube", "tiktok", "instagram"], sandbox=SandboxChannel(root=str(tmp_path)),
        youtube=YouTubeChannel(authorized_user_file="user.json"), tiktok=TikTokChannel(access_token="t"),
        instagram=InstagramReels(access_token="t", ig_user_id="1"),
    )
    assert [platform.name for platform in platforms.enabled()] == platforms.order
    assert all(isinstance(platform, Platform) for platform in platforms.enabled())


def test_sandbox_publishes_into_its_channel_folder(tmp_path):
    channel = SandboxChannel(root=str(tmp_path / "channel"))
    post = channel.publish(upload_for(tmp_path))
    folder = tmp_path / "channel" / post.post_id
    assert (folder / "video.mp4").read_bytes() == b"video-bytes"
    assert (folder / "thumbnail.jpg").read_bytes() == b"jpeg-bytes"
    meta = json.loads((folder / "post.json").read_text())
    assert meta["title"] == "Bees" and meta["simulator"] and post.simulated
    assert post.url == folder.resolve().as_uri()


def test_simulated_views_grow_with_time_and_are_reproducible(tmp_path):
    channel = SandboxChannel(root=str(tmp_path / "channel"), hours_per_second=1.0)
    post = channel.publish(upload_for(tmp_path))
    early = channel.metrics(post, post.published_at + timedelta(seconds=1))
    later = channel.metrics(post, post.published_at + timedelta(seconds=48))
    assert early.simulated and later.hours_since_post == 48
    assert 0 <= early.views < later.views
    assert later == channel.metrics(post, post.published_at + timedelta(seconds=48))
    assert 0 < later.avg_view_duration_s <= 30


def test_the_audience_has_preferences():
    audience = SimulatedAudience(seed=7)
    appeal = {style: audience.appeal({"hook_style": style}) for style in ("question", "story", "number")}
    assert len(set(appeal.values())) == 3
    assert SimulatedAudience(seed=8).appeal({"hook_style": "story"}) != appeal["story"]
