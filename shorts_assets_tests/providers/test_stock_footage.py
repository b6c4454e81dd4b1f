"""Footage from outside: Pexels (against FakePexels) and the row's own media."""

from __future__ import annotations

import time
from pathlib import Path

import ffmpeg
import pytest

from shorts_assets import models
from shorts_assets.media.ffmpeg import run
from shorts_assets.media.format import PRODUCTION
from shorts_assets.providers import PermanentError, TransientError, http_errors
from shorts_assets.providers.downloads import MB
from shorts_assets.providers.footage import ClipRequest, Footage, NoFootage, scene_seed
from shorts_assets.providers.stock_footage import PexelsFootage, RowMediaFootage, best_file, portrait_mp4s
from shorts_assets_tests.conftest import SMALL
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.pexels_api import API_KEY, FakePexels


def _make(path: Path, source: str, **output) -> bytes:
    run(ffmpeg.output(ffmpeg.input(source, f="lavfi"), str(path), **output), f"make {path.name}")
    return path.read_bytes()


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, bytes]:
    """Small generated media: portrait and landscape 2 s MP4s and a portrait PNG."""
    folder = tmp_path_factory.mktemp("media")
    video = {"t": 2, "vcodec": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p"}
    return {
        "portrait": _make(folder / "p.mp4", "testsrc2=s=180x320:r=25:d=2", **video),
        "landscape": _make(folder / "l.mp4", "testsrc2=s=320x180:r=25:d=2", **video),
        "png": _make(folder / "i.png", "testsrc2=s=90x160:r=1:d=1", frames=1),
    }


@pytest.fixture
def pexels(media):
    files = {
        "portrait-hd.mp4": ("video/mp4", media["portrait"]),
        "portrait-sd.mp4": ("video/mp4", media["portrait"]),
        "portrait-4k.mp4": ("video/mp4", media["portrait"]),
        "landscape.mp4": ("video/mp4", media["landscape"]),
        "oversized.mp4": ("video/mp4", b"\0\0\0\x18ftypmp42" + bytes(2 * MB)),
        "page.mp4": ("text/html; charset=utf-8", b"<html>Access denied</html>"),
        "not-mp4.mp4": ("video/mp4", b"<html>Access denied</html>"),
        "bees.png": ("image/png", media["png"]),
    }
    with FakePexels(files) as fake:
        fake.videos = [
            fake.video(1001, [(11, 1920, 1080, "landscape.mp4")]),
            fake.video(1002, [(21, 1920, 1080, "landscape.mp4"), (22, 360, 640, "portrait-sd.mp4"),
                              (23, 1080, 1920, "portrait-hd.mp4"), (24, 2160, 3840, "portrait-4k.mp4")]),
        ]
        yield fake


def _pexels(fake, tmp_path, **fields) -> PexelsFootage:
    """Pexels at the fake, whose file links are on 127.0.0.1: allowed for the fake's port alone."""
    fields = {"allow_networks": [fake.address], **fields}
    return PexelsFootage(api_key=API_KEY, base_url=fake.url, cache_dir=str(tmp_path / "cache"), **fields)


def _request(tmp_path, visual="bees dancing on a honeycomb", index=0, media="", fmt=SMALL):
    scene = models.Scene(narration="Bees dance.", visual=visual)
    return ClipRequest("honeybees-1", index, scene, tmp_path, media=media, fmt=fmt)


def _assert_source(made, kind: type, data: bytes, name="scene-00.mp4"):
    """The scene is drawn from the very file fetched: nothing was encoded."""
    assert isinstance(made.picture, kind) and made.picture.media.name == name
    assert made.picture.media.local().read_bytes() == data


def test_all_are_footage(tmp_path):
    assert isinstance(PexelsFootage(api_key="k", cache_dir="c"), Footage)
    assert isinstance(RowMediaFootage(media_root=".", cache_dir="c"), Footage)


# --------------------------------------------------------------------------------------------
# Pexels


def test_pexels_searches_the_visual_and_takes_the_nearest_portrait_file(pexels, media, tmp_path):
    made = _pexels(pexels, tmp_path).make_clip(_request(tmp_path, fmt=PRODUCTION))

    [search] = pexels.calls("GET", "/videos/search")
    assert search.headers["Authorization"] == API_KEY
    assert search.query == {"query": ["bees dancing on a honeycomb"], "orientation": ["portrait"],
                            "size": ["medium"], "per_page": ["15"]}
    [download] = pexels.calls("GET", "/download/")
    assert download.path == "/download/portrait-hd.mp4"  # not the landscape, SD or 4K file
    assert "Authorization" not in download.headers  # the key goes to the API only
    _assert_source(made, models.VideoSource, media["portrait"])
    assert made.credit == "Video by Jane Doe on Pexels (https://www.pexels.com/video/test-clip-1002/)"
    assert made.source == "pexels:video 1002 file 23 1080x1920"
    assert best_file(portrait_mp4s(pexels.videos[1]), SMALL)["id"] == 22  # a small render takes the SD file


def test_pexels_choice_is_seeded_and_downloads_are_cached(pexels, media, tmp_path):
    pexels.videos = [pexels.video(2000 + i, [(i, 1080, 1920, "portrait-hd.mp4")]) for i in range(5)]
    expected = 2000 + scene_seed("honeybees-1", 3) % 5

    first = _pexels(pexels, tmp_path).make_clip(_request(tmp_path, index=3))
    again = _pexels(pexels, tmp_path).make_clip(_request(tmp_path, index=3))  # a new process, say

    assert first.source.startswith(f"pexels:video {expected} ") and again == first
    assert len(pexels.calls("GET", "/videos/search")) == 2
    assert len(pexels.calls("GET", "/download/")) == 1
    _assert_source(again, models.VideoSource, media["portrait"], "scene-03.mp4")


def test_pexels_has_nothing_for_text_cards_or_landscape_only_results(pexels, tmp_path):
    footage = _pexels(pexels, tmp_path)
    with pytest.raises(NoFootage, match="text card"):
        footage.make_clip(_request(tmp_path, visual="title card: Why bees dance"))
    assert pexels.requests == []
    pexels.videos = pexels.videos[:1]
    with pytest.raises(NoFootage, match="no portrait MP4 video for 'bees dancing"):
        footage.make_clip(_request(tmp_path))


def test_pexels_server_errors_and_dropped_downloads_are_transient(pexels, media, tmp_path, monkeypatch):
    monkeypatch.setattr(http_errors, "backoff_sleep", lambda seconds: None)
    footage = _pexels(pexels, tmp_path)
    pexels.fail_next(Response(503, "busy", {"Retry-After": "4"}), "/videos/search", times=http_errors.RETRIES + 1)
    with pytest.raises(TransientError, match="503") as error:
        footage.make_clip(_request(tmp_path))
    assert error.value.retry_after == 4
    pexels.fail_next(Response(drop=True), "/download/", times=http_errors.RETRIES + 1)
    with pytest.raises(TransientError, match="downloading"):
        footage.make_clip(_request(tmp_path))
    assert not list((tmp_path / "cache" / "blobs").iterdir())  # no partial file left behind

    _assert_source(footage.make_clip(_request(tmp_path)), models.VideoSource, media["portrait"])  # the retry


def test_pexels_rate_limit_waits_until_the_reset(pexels, tmp_path):
    footage = _pexels(pexels, tmp_path)
    pexels.fail_next(Response(429, "", {"X-Ratelimit-Reset": str(int(time.time()) + 120)}), "/videos/search")
    with pytest.raises(TransientError) as error:
        footage.make_clip(_request(tmp_path))
    assert error.value.retry_after == pytest.approx(120, abs=3)

    in_ten_days = str(int(time.time()) + 10 * 86400)  # the monthly quota: no point retrying
    pexels.fail_next(Response(429, "", {"X-Ratelimit-Reset": in_ten_days}), "/videos/search")
    with pytest.raises(PermanentError, match="quota is used up until"):
        footage.make_clip(_request(tmp_path))


def test_pexels_bad_key_is_permanent_and_names_the_variable_not_the_key(pexels, tmp_path):
    footage = PexelsFootage(api_key="wrong-key-123", base_url=pexels.url, cache_dir=str(tmp_path))
    with pytest.raises(PermanentError, match="PEXELS_API_KEY") as error:
        footage.make_clip(_request(tmp_path))
    assert "wrong-key-123" not in str(error.value)
    assert pexels.calls("GET", "/download/") == []


def test_pexels_file_links_inside_the_network_are_never_fetched_and_the_search_still_is(pexels, tmp_path):
    """The search goes to PEXELS_BASE_URL as configured; the file links are the answer's, so they are checked."""
    with pytest.raises(NoFootage) as nothing:
        _pexels(pexels, tmp_path, allow_networks=[]).make_clip(_request(tmp_path))
    assert len(pexels.calls("GET", "/videos/search")) == 1 and pexels.calls("GET", "/download/") == []
    assert "Pexels video 1002: http://127.0.0.1" in str(nothing.value)
    assert "a loopback address inside the factory's network" in str(nothing.value)


@pytest.mark.parametrize(
    ("download", "reason"),
    [("oversized.mp4", "over the 1 MB limit"), ("page.mp4", "text/html, not video/mp4"),
     ("not-mp4.mp4", "not an MP4 file")],
)
def test_pexels_files_that_are_too_big_or_not_mp4_are_no_footage(pexels, tmp_path, download, reason):
    pexels.videos = [pexels.video(3001, [(31, 1080, 1920, download)])]
    with pytest.raises(NoFootage, match=reason):
        _pexels(pexels, tmp_path, max_download_mb=1).make_clip(_request(tmp_path))
    assert not list((tmp_path / "cache" / "blobs").iterdir())


# --------------------------------------------------------------------------------------------
# Pexels: the writer's search terms and the video's palette

BLUES = models.VisualStyle(palette=["#1b3a4b", "#2c5f7c"], medium="35mm film photography", era="1970s")


def _styled(tmp_path, index=0, terms=(), style=BLUES):
    scene = models.Scene(narration="Bees dance.", visual="bees dancing on a honeycomb", search_terms=list(terms))
    return ClipRequest("honeybees-1", index, scene, tmp_path, fmt=SMALL, style=style)


@pytest.fixture(scope="module")
def previews(tmp_path_factory) -> dict[str, tuple[str, bytes]]:
    """One-colour preview pictures, as Pexels' video_pictures link them (JPEG)."""
    folder = tmp_path_factory.mktemp("previews")
    return {f"{name}.jpg": ("image/jpeg", _make(folder / f"{name}.jpg", f"color=c=0x{rgb}:s=32x32:d=1", frames=1))
            for name, rgb in {"red": "d62828", "green": "4f772d", "blue": "1d4560"}.items()}


def test_pexels_searches_the_scenes_search_terms_in_order_until_one_finds_video(pexels, tmp_path):
    pexels.results = {"honeybee on comb": []}
    terms = ["honeybee on comb", "beehive", "flower meadow"]
    made = _pexels(pexels, tmp_path).make_clip(_styled(tmp_path, terms=terms, style=None))
    asked = [call.query["query"] for call in pexels.calls("GET", "/videos/search")]
    assert asked == [["honeybee on comb"], ["beehive"]]  # not the visual cue, and two searches at most
    assert made.source == "pexels:video 1002 file 22 360x640"

    pexels.results = {term: [] for term in terms}
    with pytest.raises(NoFootage, match="no portrait MP4 video for 'honeybee on comb' or 'beehive'"):
        _pexels(pexels, tmp_path).make_clip(_styled(tmp_path, terms=terms, style=None))


def test_pexels_prefers_among_equal_results_the_one_nearest_the_videos_palette(pexels, previews, tmp_path):
    pexels.files |= previews
    pexels.videos = [pexels.video(4000 + i, [(i, 1080, 1920, "portrait-hd.mp4")], pictures=(f"{colour}.jpg",))
                     for i, colour in enumerate(("red", "green", "blue"))]
    footage = _pexels(pexels, tmp_path)
    seeded = {footage.make_clip(_styled(tmp_path, index, style=None)).source.split()[1] for index in range(6)}
    styled = {footage.make_clip(_styled(tmp_path, index)).source.split()[1] for index in range(6)}
    assert len(seeded) > 1 and styled == {"4002"}  # the blue one, whatever the seed
    previews_fetched = [c.path for c in pexels.calls("GET", "/download/") if c.path.endswith(".jpg")]
    assert sorted(previews_fetched) == ["/download/blue.jpg", "/download/green.jpg", "/download/red.jpg"]  # cached
    assert all("Authorization" not in call.headers for call in pexels.calls("GET", "/download/"))

    reds = models.VisualStyle(palette=["#c1121f", "#e4572e"], medium="film", era="1970s")
    assert footage.make_clip(_styled(tmp_path, 0, style=reds)).source.split()[1] == "4000"


def test_pexels_takes_a_results_avg_color_when_it_sends_one(pexels, tmp_path):
    pexels.videos = [pexels.video(5000, [(1, 1080, 1920, "portrait-hd.mp4")], avg_color="#D62828"),
                     pexels.video(5001, [(2, 1080, 1920, "portrait-hd.mp4")], avg_color="#1b3a4b")]
    footage = _pexels(pexels, tmp_path)
    assert footage.make_clip(_styled(tmp_path, 1, style=None)).source.split()[1] == "5000"  # the seed's pick
    assert footage.make_clip(_styled(tmp_path, 1)).source.split()[1] == "5001"
    assert {c.path for c in pexels.calls("GET", "/download/")} == {"/download/portrait-hd.mp4"}  # no preview


def test_a_preview_that_cannot_be_read_only_loses_its_place(pexels, previews, tmp_path):
    pexels.files |= previews | {"page.jpg": ("text/html", b"<html>gone</html>")}
    pexels.videos = [pexels.video(6000, [(1, 1080, 1920, "portrait-hd.mp4")], pictures=("page.jpg",)),
                     pexels.video(6001, [(2, 1080, 1920, "portrait-hd.mp4")], pictures=("missing.jpg",)),
                     pexels.video(6002, [(3, 1080, 1920, "portrait-hd.mp4")], pictures=("red.jpg",))]
    footage = _pexels(pexels, tmp_path)
    assert footage.make_clip(_styled(tmp_path, style=None)).source.split()[1] == "6001"  # the seed's pick
    assert footage.make_clip(_styled(tmp_path)).source.split()[1] == "6002"


def test_previews_inside_the_network_are_never_fetched(pexels, previews, tmp_path):
    pexels.files |= previews
    pexels.videos = [pexels.video(7000, [(1, 1080, 1920, "portrait-hd.mp4")], pictures=("blue.jpg",))]
    with pytest.raises(NoFootage, match="loopback address inside the factory's network"):
        _pexels(pexels, tmp_path, allow_networks=[]).make_clip(_styled(tmp_path))
    assert pexels.calls("GET", "/download/") == []


# --------------------------------------------------------------------------------------------
# The row's own media


@pytest.fixture
def media_root(tmp_path, media) -> Path:
    root = tmp_path / "home"
    (root / "clips").mkdir(parents=True)
    (root / "clips" / "bees.mp4").write_bytes(media["portrait"])
    (root / "clips" / "hive.png").write_bytes(media["png"])
    return root


def _row(root, tmp_path, **fields) -> RowMediaFootage:
    return RowMediaFootage(media_root=str(root), cache_dir=str(tmp_path / "cache"), **fields)


def test_row_media_uses_a_file_under_the_media_root(media_root, media, tmp_path):
    made = _row(media_root, tmp_path).make_clip(_request(tmp_path, media="clips/bees.mp4"))
    assert (made.source, made.credit, made.cost) == ("row-media:clips/bees.mp4", "", None)
    _assert_source(made, models.VideoSource, media["portrait"])


def test_row_media_turns_an_image_into_a_slow_zoom(media_root, media, tmp_path):
    made = _row(media_root, tmp_path).make_clip(_request(tmp_path, media="clips/hive.png"))
    _assert_source(made, models.StillSource, media["png"], "scene-00.png")
    assert made.picture.motion == "zoom-in"


def test_row_media_refuses_paths_outside_the_media_root(media_root, tmp_path):
    outside = tmp_path / "private" / "secret.mp4"
    outside.parent.mkdir()
    outside.write_bytes(b"not for the video")
    (media_root / "clips" / "escape.mp4").symlink_to(outside)
    footage = _row(media_root, tmp_path)
    for media in ("../../etc/passwd", "/etc/passwd", "clips/escape.mp4", "../private/secret.mp4"):
        with pytest.raises(PermanentError, match="outside the media folder"):
            footage.make_clip(_request(tmp_path, media=media))
    with pytest.raises(PermanentError, match="does not exist"):
        footage.make_clip(_request(tmp_path, media="clips/missing.mp4"))
    (media_root / "notes.txt").write_text("hello")
    with pytest.raises(PermanentError, match="not a video or image file"):
        footage.make_clip(_request(tmp_path, media="notes.txt"))
    (media_root / "broken.mp4").write_text("not a video")
    with pytest.raises(PermanentError, match="not a video or image ffmpeg can read"):
        footage.make_clip(_request(tmp_path, media="broken.mp4"))


def test_row_media_downloads_a_url_once_and_credits_it_without_its_query(pexels, media, media_root, tmp_path):
    footage = _row(media_root, tmp_path, allow_networks=[pexels.address])
    url = f"{pexels.url}/download/bees.png?signature=s3cret"
    made = footage.make_clip(_request(tmp_path, media=url))
    again = footage.make_clip(_request(tmp_path, media=url))

    assert made.credit == f"{pexels.url}/download/bees.png" and "s3cret" not in made.source
    assert len(pexels.calls("GET", "/download/bees.png")) == 1
    _assert_source(again, models.StillSource, media["png"], "scene-00.png")


def test_row_media_bad_links_are_permanent_and_outages_transient(pexels, media_root, tmp_path):
    footage = _row(media_root, tmp_path, max_download_mb=1, allow_networks=[pexels.address])
    with pytest.raises(NoFootage):
        footage.make_clip(_request(tmp_path, media=" "))
    for link, reason in [("oversized.mp4", "over the 1 MB limit"), ("page.mp4", "text/html, not a video or image"),
                         ("gone.mp4", "HTTP 404")]:
        with pytest.raises(PermanentError, match=reason):
            footage.make_clip(_request(tmp_path, media=f"{pexels.url}/download/{link}"))
    with pytest.raises(PermanentError, match="must be http"):
        footage.make_clip(_request(tmp_path, media="file:///etc/passwd"))
    pexels.fail_next(Response(502), "/download/")
    with pytest.raises(TransientError, match="502"):
        footage.make_clip(_request(tmp_path, media=f"{pexels.url}/download/bees.png"))
