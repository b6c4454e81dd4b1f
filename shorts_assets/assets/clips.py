from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MetadataValue, Output

from ..media.ffmpeg import MediaError
from ..media.format import OutputFormat
from ..media.scenes import write_contact_sheet, write_preview
from ..models import Clip, Clips, Cost, Idea, MediaFile, Script
from ..output import OutputResource
from ..pacing import clip_seconds
from ..parallel import in_order
from ..policy import Policy
from ..providers import PermanentError
from ..providers.footage import ClipMade, ClipRequest
from ..providers.footage_chain import FootageChain
from ..providers.relevance import gate_metadata
from ..review_pages import picture
from ..store import media_files, scratch_dir
from . import cost_metadata, service_call

CLIPS = AssetKey("clips")
CONTACT_SHEET = "contact-sheet.jpg"  # every scene's preview in one picture, linked from the metadata


def scene_clip(footage: FootageChain, request: ClipRequest, fmt: OutputFormat) -> tuple[Clip, list[Cost]]:
    """One scene's record and what it cost: the chain offers its candidates and the relevance gate
    takes one (without a gate, the first). Each candidate's preview, drawn from its source, is what
    the gate looks at, and refuses here, not at the render, a source that ffmpeg cannot draw."""

    def look(made: ClipMade, attempt: int) -> Path:
        preview = request.folder / f"preview-{request.index:02d}-{attempt}.jpg"
        try:
            write_preview(made.picture, clip_seconds(request.scene.narration), fmt, preview)
        except MediaError as error:
            raise PermanentError(f"scene {request.index}'s picture ({made.source}) cannot be drawn: {error}") from error
        return preview

    chosen = footage.choose(request, look)
    made = chosen.made
    return Clip(scene=request.index, picture=made.picture, preview=MediaFile(
        name=f"preview-{request.index:02d}.jpg", mime="image/jpeg", path=chosen.preview), source=made.source,
        credit=made.credit, relevance=chosen.relevance, candidates=chosen.candidates, gate=chosen.gate), chosen.costs


def draw_clips(
    context: AssetExecutionContext, idea: Idea, script: Script, footage: FootageChain, policy: Policy,
    output: OutputResource,
) -> Output[Clips]:
    """The `clips` asset: what each scene shows, from the row's own media or the scene's visual cue:
    its source and how it fits the frame, with a small preview; the render draws the pictures.
    Waits when the day's budget is spent (the store keeps why)."""
    policy.hold_paid_work(context.instance, CLIPS)
    made, costs = [], []
    with scratch_dir(context, CLIPS) as work:
        requests = [
            ClipRequest(item_id=idea.item_id, index=index, scene=scene, folder=work,
                        media=idea.media[index] if index < len(idea.media) else "", topic=idea.topic,
                        language=idea.language, fmt=output.format, style=script.style)
            for index, scene in enumerate(script.scenes)
        ]
        with service_call():  # the scenes at once: the step waits for its slowest, not for their sum
            results = in_order(lambda request: scene_clip(footage, request, output.format), requests,
                               policy.scene_concurrency)
        for clip, paid in results:
            made.append(clip)
            costs += paid
        sheet = work / CONTACT_SHEET
        write_contact_sheet([clip.preview.path for clip in made], sheet)
        contact = picture("every scene, in order", sheet)
    record = Clips(item_id=script.item_id, clips=made, provider=footage.name, costs=costs,
                   contact_sheet=MediaFile(name=CONTACT_SHEET, mime="image/jpeg", path=sheet))
    return Output(
        record,
        output_name=CLIPS.to_python_identifier(),
        metadata={
            "clips": len(made),
            "megabytes": round(sum(media.local().stat().st_size for media in media_files(record)) / 1e6, 2),
            "sources": ", ".join(c.source for c in made),
            "contact_sheet": MetadataValue.md(contact),
            **gate_metadata(made, footage.gate),
            **cost_metadata(costs),
        },
    )
