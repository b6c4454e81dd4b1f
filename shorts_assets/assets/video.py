import hashlib

from dagster import AssetExecutionContext, Output, asset

from ..media.captions import build_ass, caption_font
from ..media.compose import RenderSpec, render_video
from ..media.probe import probe
from ..models import Clips, Idea, MediaFile, Narration, RenderedVideo, Script
from ..partitions import content_items
from ..store import scratch_dir
from . import TAIL_SECONDS


def length_bucket(seconds: float) -> str:
    return "under-20s" if seconds < 20 else "20-40s" if seconds < 40 else "40-60s"


@asset(partitions_def=content_items, group_name="production", pool="render")
def rendered_video(
    context: AssetExecutionContext, idea: Idea, script: Script, narration: Narration, clips: Clips
) -> Output[RenderedVideo]:
    """The short in one ffmpeg pass: clips cut to the words, captions, normalised voice."""
    work = scratch_dir(context)
    captions = work / "captions.ass"
    captions.write_text(build_ass(narration.words), encoding="utf-8")
    spec = RenderSpec(
        clips=[clip.media.local() for clip in clips.clips],
        scene_starts=narration.scene_starts,
        narration=narration.audio.local(),
        narration_duration_s=narration.duration_s,
        loudness=narration.loudness,
        captions=captions,
        font=caption_font(),
        out_video=work / "video.mp4",
        out_thumbnail=work / "thumbnail.jpg",
        title=script.title,
        music=idea.music,
        seed=int(hashlib.sha256(idea.item_id.encode()).hexdigest()[:8], 16),
        tail_s=TAIL_SECONDS,
    )
    result = render_video(spec)
    info = probe(spec.out_video)
    record = RenderedVideo(
        item_id=idea.item_id,
        video=MediaFile(name="video.mp4", mime="video/mp4", path=spec.out_video),
        thumbnail=MediaFile(name="thumbnail.jpg", mime="image/jpeg", path=spec.out_thumbnail),
        captions=MediaFile(name="captions.ass", mime="text/x-ssa", path=captions),
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        fps=info.fps,
        render_seconds=round(result.seconds, 2),
        attributes={
            "category": idea.category,
            "hook_style": idea.hook_style.value,
            "voice": narration.voice,
            "length": length_bucket(info.duration_s),
            "music": idea.music,
            "footage": clips.provider,
            "writer": script.writer,
        },
    )
    return Output(
        record,
        metadata={
            "duration_s": record.duration_s,
            "render_seconds": record.render_seconds,
            "realtime_factor": round(record.render_seconds / max(record.duration_s, 0.1), 3),
            "size": f"{record.width}x{record.height} @ {record.fps:g} fps",
            "megabytes": round(spec.out_video.stat().st_size / 1e6, 2),
        },
    )
