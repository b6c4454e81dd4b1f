"""An item's scenes heard and seen: `narration` and `clips`, made in one step at the same time.

Both wait on services scene by scene (a voice, footage). Dagster runs an item's steps one at a
time in one process (automation/jobs.py says why), so as two steps the item would wait for one
and then the other; as one step it waits for the slower. Either can still be made alone
(rematerialize only the narration after a voice change), and what one made is kept when the
other fails or waits for the day's budget.
"""

from concurrent.futures import ThreadPoolExecutor

from dagster import AssetExecutionContext, AssetOut, ResourceParam, multi_asset

from ..deferrals import unless_deferred
from ..models import Idea, Script
from ..output import OutputResource
from ..partitions import content_items
from ..policy import Policy
from ..providers.footage_chain import FootageChain
from ..providers.voices import Voice
from ..store import StoreResource
from . import SERVICE_RETRY
from .clips import CLIPS, draw_clips
from .narration import NARRATION, narrate


@multi_asset(
    outs={
        NARRATION.to_python_identifier(): AssetOut(
            key=NARRATION, is_required=False,
            description="The script spoken, with a timing for every word and the loudness the render needs."),
        CLIPS.to_python_identifier(): AssetOut(
            key=CLIPS, is_required=False,
            description="What each scene shows: its source and how it fits the frame, with a small preview."),
    },
    partitions_def=content_items, group_name="production", pool="scenes", retry_policy=SERVICE_RETRY,
    can_subset=True,
)
def scenes(
    context: AssetExecutionContext, idea: Idea, script: Script, voice: ResourceParam[Voice],
    footage: ResourceParam[FootageChain], store: StoreResource, policy: Policy, output: OutputResource,
):
    """The selected of `narration` and `clips`, side by side; a failure of either is raised once
    the other is stored, so a retry pays only for what is missing (both keep what they paid for)."""
    makers = {
        NARRATION: lambda: narrate(context, idea, script, voice, store, policy),
        CLIPS: lambda: draw_clips(context, idea, script, footage, policy, output),
    }
    selected = [key for key in makers if key in context.selected_asset_keys]
    with ThreadPoolExecutor(max_workers=len(selected), thread_name_prefix="scenes") as side_by_side:
        futures = [side_by_side.submit(unless_deferred, context, key.to_user_string(), makers[key])
                   for key in selected]
    for future in futures:
        if future.exception() is None and future.result() is not None:
            yield future.result()
    failed = next((future.exception() for future in futures if future.exception() is not None), None)
    if failed is not None:
        raise failed
