from dagster import AssetExecutionContext, AssetKey, Output

from ..media.ffmpeg import MediaError
from ..media.format import OutputFormat
from ..media.scenes import write_preview
from ..models import Clip, Clips, Cost, Idea, MediaFile, Script
from ..output import OutputResource
from ..pacing import clip_seconds
from ..parallel import in_order
from ..policy import Policy
from ..providers import PermanentError
from ..providers.footage import ClipRequest, Footage
from ..store import media_files, scratch_dir
from . import cost_metadata, service_call

CLIPS = AssetKey("clips")


def scene_clip(footage: Footage, request: ClipRequest, fmt: OutputFormat) -> tuple[Clip, Cost | None]:
    """One scene's record and what it cost: the provider decides its source, and a preview drawn
    from that source refuses here, not at the render, one that ffmpeg cannot draw."""
    made = footage.make_clip(request)
    preview = request.folder / f"preview-{request.index:02d}.jpg"
    try:
        write_preview(made.picture, clip_seconds(request.scene.narration), fmt, preview)
    except MediaError as error:
        raise PermanentError(f"scene {request.index}'s picture ({made.source}) cannot be drawn: {error}") from error
    return Clip(scene=request.index, picture=made.picture, preview=MediaFile(name=preview.name, mime="image/jpeg",
                path=preview), source=made.source, credit=made.credit), made.cost


def draw_clips(
    context: AssetExecutionContext, idea: Idea, script: Script, footage: Footage, policy: Policy,
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
        for clip, cost in results:
            made.append(clip)
            costs += [cost] if cost else []
    record = Clips(item_id=script.item_id, clips=made, provider=footage.name, costs=costs)
    return Output(
        record,
        output_name=CLIPS.to_python_identifier(),
        metadata={
            "clips": len(made),
            "megabytes": round(sum(media.local().stat().st_size for media in media_files(record)) / 1e6, 2),
            "sources": ", ".join(c.source for c in made),
            **cost_metadata(costs),
        },
    )
