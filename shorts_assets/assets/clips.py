from dagster import AssetExecutionContext, Output, ResourceParam, asset

from ..deferrals import deferrable
from ..models import Clip, Clips, Idea, MediaFile, Script
from ..output import OutputResource
from ..parallel import in_order
from ..partitions import content_items
from ..policy import Policy
from ..providers.footage import ClipRequest, Footage
from ..store import StoreResource, scratch_dir
from . import SERVICE_RETRY, cost_metadata, service_call


def clip_seconds(text: str) -> float:
    """Long enough for the scene at a slow speaking pace; the renderer loops a short clip."""
    return round(len(text.split()) / 2.2 + 1.0, 1)


@asset(partitions_def=content_items, group_name="production", pool="footage", retry_policy=SERVICE_RETRY,
       output_required=False)
@deferrable
def clips(
    context: AssetExecutionContext, idea: Idea, script: Script, footage: ResourceParam[Footage], policy: Policy,
    store: StoreResource, output: OutputResource,
) -> Output[Clips]:
    """One vertical clip per scene, from the row's own media or the scene's visual cue. Waits
    when the day's budget is spent (the store keeps why)."""
    policy.hold_paid_work(context.instance, context.asset_key)
    made, costs = [], []
    with scratch_dir(context) as work:
        requests = [
            ClipRequest(item_id=idea.item_id, index=index, scene=scene, seconds=clip_seconds(scene.narration),
                        out_path=work / f"clip-{index:02d}.mp4",
                        media=idea.media[index] if index < len(idea.media) else "", topic=idea.topic,
                        language=idea.language, fmt=output.format)
            for index, scene in enumerate(script.scenes)
        ]
        with service_call():  # the scenes at once: the step waits for its slowest, not for their sum
            results = in_order(footage.make_clip, requests, policy.scene_concurrency)
        for request, result in zip(requests, results, strict=True):
            index, path = request.index, request.out_path
            costs += [result.cost] if result.cost else []
            made.append(Clip(scene=index, media=MediaFile(name=path.name, mime="video/mp4", path=path),
                             duration_s=request.seconds, source=result.source, credit=result.credit))
    record = Clips(item_id=script.item_id, clips=made, provider=footage.name, costs=costs)
    return Output(
        record,
        metadata={
            "clips": len(made),
            "seconds": round(sum(c.duration_s for c in made), 1),
            "megabytes": round(sum(c.media.local().stat().st_size for c in made) / 1e6, 2),
            "sources": ", ".join(c.source for c in made),
            **cost_metadata(costs),
        },
    )
