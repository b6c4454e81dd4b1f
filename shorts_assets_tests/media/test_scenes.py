"""Scene pictures drawn from their sources, and the previews `clips` keeps of them."""

import ffmpeg
import pytest

from shorts_assets.media.ffmpeg import MediaError, ffmpeg_exe, run
from shorts_assets.media.probe import probe
from shorts_assets.media.scenes import (
    CONTACT_COLUMNS,
    MOTIONS,
    PREVIEW_HEIGHT,
    scene_picture,
    write_contact_sheet,
    write_preview,
)
from shorts_assets.models import CardSource, MediaFile, ProceduralSource, StillSource, VideoSource
from shorts_assets_tests.conftest import SMALL
from shorts_assets_tests.media.conftest import lavfi


def _file(path, mime):
    return MediaFile(name=f"scene-00.{path.suffix[1:]}", mime=mime, path=path)


def _draw(source, frames, tmp_path):
    """The scene's picture encoded alone, as a test's window on what the render draws."""
    out = tmp_path / "scene.mp4"
    run(ffmpeg.output(scene_picture(source, frames, SMALL, tmp_path), str(out), vcodec="libx264",
                      preset="ultrafast", pix_fmt="yuv420p"), "draw a scene")
    return probe(out)


def _sources(tmp_path, pattern_clip):
    still = lavfi(tmp_path / "still.png", "testsrc2=s=320x240", 0.04, "-frames:v", "1")
    return {
        "video": VideoSource(media=_file(pattern_clip, "video/mp4")),
        "still": StillSource(media=_file(still, "image/png"), motion="zoom-in"),
        "procedural": ProceduralSource(generator="life", seed=7),
        "card": CardSource(text="Why do bees dance?", language="en", seed=7),
    }


@pytest.mark.parametrize("kind", ["video", "still", "procedural", "card"])
def test_every_source_kind_fills_the_frame_for_its_frames(kind, pattern_clip, tmp_path):
    info = _draw(_sources(tmp_path, pattern_clip)[kind], 45, tmp_path)  # the video is 1 s: looped
    assert (info.width, info.height) == (SMALL.width, SMALL.height)
    assert info.duration_s == pytest.approx(45 / SMALL.fps, abs=0.05)


@pytest.mark.parametrize("motion", sorted(MOTIONS))
def test_a_still_moves_every_way(motion, tmp_path):
    still = lavfi(tmp_path / "still.png", "testsrc2=s=320x240", 0.04, "-frames:v", "1")
    info = _draw(StillSource(media=_file(still, "image/png"), motion=motion), 30, tmp_path)
    assert (info.width, info.height) == (SMALL.width, SMALL.height) and info.duration_s == pytest.approx(1.0, abs=0.05)


def test_an_unknown_motion_or_generator_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown motion"):
        scene_picture(StillSource(media=_file(tmp_path / "x.png", "image/png"), motion="spin"), 30, SMALL, tmp_path)
    with pytest.raises(ValueError, match="unknown generator"):
        scene_picture(ProceduralSource(generator="plasma", seed=1), 30, SMALL, tmp_path)


@pytest.mark.parametrize("kind", ["video", "still", "procedural", "card"])
def test_a_preview_is_a_small_jpeg(kind, pattern_clip, tmp_path):
    out = tmp_path / "previews" / "preview-00.jpg"
    write_preview(_sources(tmp_path, pattern_clip)[kind], 2.0, SMALL, out)
    info = probe(out)
    assert (info.video_codec, info.height) == ("mjpeg", PREVIEW_HEIGHT)
    assert [p.name for p in out.parent.iterdir()] == [out.name], "the card's files are left behind"


def test_a_corrupt_source_fails_its_preview(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0\0\0\x18ftypmp42" + bytes(4096))
    with pytest.raises(MediaError, match="preview"):
        write_preview(VideoSource(media=_file(broken, "video/mp4")), 2.0, SMALL, tmp_path / "preview.jpg")


@pytest.mark.parametrize(("scenes", "columns"), [(1, 1), (7, 7), (CONTACT_COLUMNS, CONTACT_COLUMNS), (11, 6)])
def test_the_contact_sheet_holds_every_preview_in_scene_order_in_rows(scenes, columns, tmp_path):
    """Scene n is a flat colour of its own; the sheet's tiles carry them left to right in rows as
    even as can be, and a short last row is filled with black."""
    colours = [(40 * n % 256, 255 - 30 * n % 256, 90) for n in range(scenes)]
    previews = [lavfi(tmp_path / f"preview-{n:02d}.jpg", f"color=c=0x{r:02x}{g:02x}{b:02x}:s=40x72", 0.04,
                      "-frames:v", "1") for n, (r, g, b) in enumerate(colours)]
    write_contact_sheet(previews, tmp_path / "sheet.jpg")
    rows = -(-scenes // columns)
    info = probe(tmp_path / "sheet.jpg")
    assert (info.width, info.height) == (40 * columns, 72 * rows)
    pixels, _ = (ffmpeg.input(str(tmp_path / "sheet.jpg")).output("pipe:", format="rawvideo", pix_fmt="rgb24")
                 .run(cmd=ffmpeg_exe(), capture_stdout=True, quiet=True))
    def at(x, y):
        offset = 3 * (y * info.width + x)
        return tuple(pixels[offset:offset + 3])
    for n, colour in enumerate(colours):
        tile = at(40 * (n % columns) + 20, 72 * (n // columns) + 36)
        assert all(abs(a - b) <= 12 for a, b in zip(tile, colour, strict=True)), (n, tile, colour)
    if scenes % columns:
        assert max(at(info.width - 20, info.height - 36)) <= 12  # past the last scene: black
