"""Every pixel encoded once (issue 15): `clips` keeps each scene's source and a small preview,
and the render's one ffmpeg pass draws every scene from it, for every kind of source: procedural,
a Pexels stock video, a generated still (OpenAI images) and the row's own media. The delivery
check passes for each; a corrupt source is refused at `clips`, before any render."""

from __future__ import annotations

import ffmpeg
import pytest
from dagster import DagsterInstance

from shorts_assets.assets.clips import CLIPS
from shorts_assets.media import ffmpeg as media_ffmpeg
from shorts_assets.media.probe import probe
from shorts_assets.models import CardSource, ProceduralSource, StillSource, VideoSource
from shorts_assets.store import LocalStore, load_record
from shorts_assets_tests.assets.test_permanent_faults import attempts, definitions, failure, produce, rows
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, png
from shorts_assets_tests.fakes.pexels_api import API_KEY, FakePexels

# SHORTS_FOOTAGE and the row's media column per kind; what each scene's source must be.
KINDS = {
    "procedural": ("procedural", "", [CardSource, ProceduralSource]),
    "stock": ("pexels,procedural", "", [CardSource, VideoSource]),
    "still": ("openai-images", "", [StillSource, StillSource]),
    "row-media": ("row-media,procedural", "own/bees.mp4 | own/hive.png", [VideoSource, StillSource]),
}


@pytest.fixture(scope="module")
def portrait_mp4(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("media") / "portrait.mp4"
    media_ffmpeg.run(ffmpeg.input("testsrc2=s=180x320:r=25:d=2", f="lavfi").output(
        str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p"), "make a stock video")
    return path.read_bytes()


@pytest.fixture
def services(tmp_path, monkeypatch, offline, portrait_mp4):
    """Offline writer and voice; the footage services are fakes, the row's media is under SHORTS_HOME."""
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "bees.mp4").write_bytes(portrait_mp4)
    (tmp_path / "own" / "hive.png").write_bytes(png(90, 60))  # landscape: it must be cropped to fill the frame
    with FakeOpenAI() as openai, FakePexels({"hd.mp4": ("video/mp4", portrait_mp4)}) as pexels:
        pexels.videos = [pexels.video(1, [(11, 1080, 1920, "hd.mp4")])]
        env = {"SHORTS_HOME": str(tmp_path), "OPENAI_API_KEY": openai.api_key, "OPENAI_BASE_URL": f"{openai.url}/v1",
               "PEXELS_API_KEY": API_KEY, "PEXELS_BASE_URL": pexels.url,
               "SHORTS_MEDIA_ALLOW_NETWORKS": pexels.address}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield env


@pytest.fixture
def ffmpeg_calls(monkeypatch) -> list[list[str]]:
    """The argument list of every ffmpeg the factory runs from here on."""
    calls, run = [], media_ffmpeg.subprocess.run

    def recording(args, **options):
        calls.append([str(arg) for arg in args])
        return run(args, **options)

    monkeypatch.setattr(media_ffmpeg.subprocess, "run", recording)
    return calls


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_source_kind_is_drawn_by_the_render_alone_and_meets_the_spec(kind, services, ffmpeg_calls, tmp_path):
    footage, media, expected = KINDS[kind]
    item = f"{kind}-item"
    rows(tmp_path, {item: media})
    result = produce(definitions(services, footage), DagsterInstance.ephemeral(), item, upto="rendered_video")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == \
        [("rendered_video_meets_spec", True)]

    encodes = [call for call in ffmpeg_calls if "libx264" in call]
    assert len(encodes) == 1, "a video was encoded besides the render"
    assert {"video.mp4", "thumbnail.jpg"} <= {arg.rsplit("/", 1)[-1] for arg in encodes[0]}  # it is the render

    store = LocalStore(tmp_path / "store")
    record = load_record(store, CLIPS, item)
    clips = record.clips
    assert [type(clip.picture) for clip in clips[:2]] == expected
    for clip in clips:
        preview = probe(store.path(clip.preview.key))
        assert (preview.video_codec, preview.height) == ("mjpeg", 240)
    # the contact sheet: every scene's preview in one strip, linked from the clips metadata
    sheet = probe(store.path(record.contact_sheet.key))
    assert (sheet.width, sheet.height) == (preview.width * len(clips), preview.height)
    (made,) = [m for m in result.asset_materializations_for_node("scenes") if m.asset_key == CLIPS]
    assert made.metadata["contact-sheet.jpg"].value == store.uri(record.contact_sheet.key)
    stored = {p.suffix for p in (tmp_path / "store" / "clips" / item).iterdir()}
    assert stored <= {".json", ".jpg", ".png", ".mp4"} and (".mp4" not in stored or VideoSource in expected)


def test_a_corrupt_source_is_refused_at_clips_before_any_render(services, ffmpeg_calls, tmp_path, portrait_mp4):
    (tmp_path / "own" / "cut.mp4").write_bytes(portrait_mp4[: len(portrait_mp4) // 2])  # its index is at the end
    rows(tmp_path, {"corrupt-item": "own/cut.mp4"})
    result = produce(definitions(services, "row-media,procedural"), DagsterInstance.ephemeral(), "corrupt-item",
                     upto="rendered_video")
    assert not result.success and attempts(result, "scenes") == 1
    assert failure(result, "scenes").startswith("the row's media 'own/cut.mp4' is not a video or image ffmpeg can read")
    assert not [call for call in ffmpeg_calls if "libx264" in call]  # no render was tried
