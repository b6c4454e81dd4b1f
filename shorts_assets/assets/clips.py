from dagster import AssetExecutionContext, Output, ResourceParam, asset

from ..models import Clip, Clips, MediaFile, Script
from ..partitions import content_items
from ..providers.footage import Footage
from ..store import scratch_dir
from . import SERVICE_RETRY, bad_input_is_permanent


def clip_seconds(text: str) -> float:
    """Long enough for the scene at a slow speaking pace; the renderer loops a short clip."""
    return round(len(text.split()) / 2.2 + 1.0, 1)


@asset(partitions_def=content_items, group_name="production", pool="footage", retry_policy=SERVICE_RETRY)
def clips(context: AssetExecutionContext, script: Script, footage: ResourceParam[Footage]) -> Output[Clips]:
    """One vertical clip per scene, chosen from the scene's visual cue."""
    work = scratch_dir(context)
    made = []
    for index, scene in enumerate(script.scenes):
        path = work / f"clip-{index:02d}.mp4"
        seconds = clip_seconds(scene.narration)
        with bad_input_is_permanent():
            source = footage.make_clip(scene, index, script.item_id, seconds, path)
        made.append(Clip(scene=index, media=MediaFile(name=path.name, mime="video/mp4", path=path),
                         duration_s=seconds, source=source))
    record = Clips(item_id=script.item_id, clips=made, provider=type(footage).__name__)
    return Output(
        record,
        metadata={
            "clips": len(made),
            "seconds": round(sum(c.duration_s for c in made), 1),
            "megabytes": round(sum(c.media.local().stat().st_size for c in made) / 1e6, 2),
            "sources": ", ".join(c.source for c in made),
        },
    )
