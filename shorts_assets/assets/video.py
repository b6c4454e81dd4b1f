import hashlib
from dataclasses import asdict

from dagster import AssetExecutionContext, Config, MetadataValue, Output, asset
from pydantic import Field

from .. import keys
from ..languages import UnknownLanguage, language
from ..media.caption_presets import DEFAULT_PRESET, PRESETS, UnknownPreset, preset
from ..media.captions import CaptionStyle, build_ass
from ..media.compose import RenderSpec, render_video, title_case
from ..media.fonts import UnreadableText, check_burned_in
from ..media.probe import probe
from ..models import Clips, Idea, MediaFile, Narration, RenderedVideo, Script
from ..output import OutputResource
from ..pacing import length_bucket
from ..partitions import content_items
from ..policy import Policy
from ..providers.footage import card_text
from ..review_pages import link_entries, video_page
from ..spec import video_problems
from ..store import StoreResource, scratch_dir
from . import TAIL_SECONDS, permanent


class CaptionConfig(Config):
    """How the captions look: a preset, sizes in pixels of a 1920-high frame, colours as RRGGBB.

    Change it in the launchpad and rematerialize rendered_video alone: the stored script,
    narration and clips are reused, so no writer, voice or footage service is asked again.
    """

    caption_preset: str = Field(
        default="", description=f"one of {', '.join(PRESETS)}; empty: the row's caption_preset, else {DEFAULT_PRESET}")
    font_size: int = CaptionStyle.font_size
    text_rgb: str = CaptionStyle.text_rgb
    highlight_rgb: str = CaptionStyle.highlight_rgb
    outline_rgb: str = CaptionStyle.outline_rgb
    words_per_line: int = CaptionStyle.words_per_line
    margin_v: float | None = Field(
        default=None, description="fraction of the height below the captions; empty: above every enabled "
        "platform's buttons (SHORTS_PLATFORMS)")


def caption_style(config: CaptionConfig, row_preset: str = "") -> CaptionStyle:
    """The config's look; its preset is the config's, else the row's, else the default."""
    margin_v = config.margin_v
    if not 24 <= config.font_size <= 200 or not 1 <= config.words_per_line <= 8 or not 0 <= (margin_v or 0) <= 0.9:
        raise permanent("caption style: font_size must be 24-200, words_per_line 1-8 and margin_v 0-0.9")
    fields = config.model_dump()
    try:
        name = preset(fields.pop("caption_preset") or row_preset or DEFAULT_PRESET).name
    except UnknownPreset as error:
        raise permanent(f"caption style: {error}") from error
    return CaptionStyle(preset=name, **fields)


@asset(partitions_def=content_items, group_name="production", pool="render")
def rendered_video(
    context: AssetExecutionContext, config: CaptionConfig, idea: Idea, script: Script, narration: Narration,
    clips: Clips, output: OutputResource, store: StoreResource, policy: Policy,
) -> Output[RenderedVideo]:
    """The short in one ffmpeg pass: each scene drawn from its source and cut to the words, captions,
    normalised voice; and its review page in the metadata (pictures, a link that plays it, the spec
    measured on the file, the cost so far, the captions' words)."""
    fmt = output.format
    with scratch_dir(context) as work:
        captions = work / "captions.ass"
        style = caption_style(config, idea.caption_preset)
        try:
            lang = language(idea.language)
        except UnknownLanguage as error:
            raise permanent(str(error)) from error
        cards = [text for scene in script.scenes if (text := card_text(scene.visual))]
        burned = {"title": [title_case(script.title, lang)], "card": cards}
        try:
            document = build_ass(narration.words, fmt, style, language=lang, also_burned=burned)
        except ValueError as error:
            raise permanent(f"caption style: {error}") from error
        try:
            check_burned_in(document)
        except UnreadableText as error:
            raise permanent(str(error)) from error
        captions.write_text(document, encoding="utf-8")
        spec = RenderSpec(
            scenes=[clip.picture for clip in clips.clips],
            scene_starts=narration.scene_starts,
            narration=narration.audio.local(),
            narration_duration_s=narration.duration_s,
            loudness=narration.loudness,
            captions=captions,
            out_video=work / "video.mp4",
            out_thumbnail=work / "thumbnail.jpg",
            out_preview=work / "preview.jpg",
            out_frames=work / "frames.jpg",
            title=script.title,
            music=idea.music,
            language=lang,
            seed=int(hashlib.sha256(idea.item_id.encode()).hexdigest()[:8], 16),
            tail_s=TAIL_SECONDS,
            fmt=fmt,
        )
        result = render_video(spec)
        info = probe(spec.out_video)
    record = RenderedVideo(
        item_id=idea.item_id,
        video=MediaFile(name="video.mp4", mime="video/mp4", path=spec.out_video),
        thumbnail=MediaFile(name="thumbnail.jpg", mime="image/jpeg", path=spec.out_thumbnail),
        captions=MediaFile(name="captions.ass", mime="text/x-ssa", path=captions),
        preview=MediaFile(name="preview.jpg", mime="image/jpeg", path=spec.out_preview),
        frames=MediaFile(name="frames.jpg", mime="image/jpeg", path=spec.out_frames),
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        fps=info.fps,
        render_seconds=round(result.seconds, 2),
        attributes={
            "category": idea.category,
            "hook_style": idea.hook_style.value,
            "voice": narration.voice,
            "language": idea.language,
            "length": length_bucket(info.duration_s),
            "music": idea.music,
            "footage": clips.provider,
            "writer": script.writer,
            "caption_style": style.preset,
        },
    )
    problems, figures = video_problems(record, narration.duration_s, fmt, output.platforms)
    checked = "; ".join(problems) or "meets the delivery spec"
    link = store.open().link(keys.media(context.asset_key, context.partition_key, record.video.name))
    cost = policy.item_cost(context.instance, idea.item_id)
    spoken = " ".join(scene.narration for scene in script.scenes)
    return Output(
        record,
        metadata={
            "preview": MetadataValue.md(
                video_page(spec.out_preview, spec.out_frames, link, spec_line(checked, figures), cost, spoken)),
            **link_entries("video", link),
            "spec_check": checked,
            "loudness_lufs": figures["loudness_lufs"],
            "cost_usd_so_far": round(cost, 4),
            "duration_s": record.duration_s,
            "render_seconds": record.render_seconds,
            "realtime_factor": round(record.render_seconds / max(record.duration_s, 0.1), 3),
            "size": f"{record.width}x{record.height} @ {record.fps:g} fps",
            "megabytes": round(spec.out_video.stat().st_size / 1e6, 2),
            "caption_style": asdict(style),
        },
    )


def spec_line(checked: str, figures: dict) -> str:
    return (f"{checked} ({figures['duration_s']:.1f} s, {figures['size']}, {figures['loudness_lufs']:.1f} LUFS, "
            f"{figures['caption_events']} caption lines)")

