"""The jobs: produce an item, publish it, both at once, review it, retract it, and one analytics cycle.

One run per item, its steps in one process: an item's stages run one after another anyway,
and items run in parallel up to the run queue's limit (dagster.yaml). Runs that render carry
RENDERS, so the production queue can cap them apart from the rest.
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

from ..assets.analytics import channel_analytics
from ..assets.idea import idea
from ..assets.metrics import post_metrics
from ..assets.post import published_post
from ..assets.proposals import idea_proposals
from ..assets.retraction import retracted_post
from ..assets.review import review_decision
from ..assets.scenes import scenes
from ..assets.script import script
from ..assets.strategy import content_strategy
from ..assets.video import rendered_video

PRODUCE_ASSETS = (idea, script, scenes, rendered_video)
PUBLISH_ASSETS = (published_post,)
LEARNING_ASSETS = (channel_analytics, content_strategy, idea_proposals)
PRODUCE = AssetSelection.assets(*PRODUCE_ASSETS)
PUBLISH = AssetSelection.assets(*PUBLISH_ASSETS)
RENDERS = {"shorts/renders": "true"}

content_pipeline = define_asset_job(
    "content_pipeline",
    tags=RENDERS,
    selection=PRODUCE | PUBLISH,
    executor_def=in_process_executor,
    description="Produce one content item and publish it (SHORTS_REVIEW=auto).",
)
produce_content = define_asset_job(
    "produce_content",
    tags=RENDERS,
    selection=PRODUCE,
    executor_def=in_process_executor,
    description="Produce one content item up to its rendered video, which then awaits review.",
)
publish_content = define_asset_job(
    "publish_content",
    selection=PUBLISH,
    executor_def=in_process_executor,
    description="Publish one approved content item; the next analytics cycle takes its metrics.",
)
# Retraction is never part of producing or publishing an item, hence a job of its own.
retract_content = define_asset_job(
    "retract_content",
    selection=AssetSelection.assets(retracted_post),
    executor_def=in_process_executor,
    description="Take the selected content items' posts down (config: reason); their history stays.",
)
# A reviewer's decision on the items selected in the UI: a backfill over them with the decision as config,
# one run per item (each carries the item's partition tag, and one refusal fails only its own item).
review_content = define_asset_job(
    "review_content",
    selection=AssetSelection.assets(review_decision),
    executor_def=in_process_executor,
    description="Approve or reject the selected content items (config: decision, reason): writes the decision to "
                "their sheet rows; the sheet sync publishes what is approved.",
)
analytics_cycle = define_asset_job(
    "analytics_cycle",
    selection=AssetSelection.assets(post_metrics, *LEARNING_ASSETS),
    executor_def=in_process_executor,
    description="Snapshot every live post, then learn the strategy and propose the next ideas: one run a cycle "
                "(it targets every live post as one partition range; see automation.schedules.next_cycle).",
)


def production_job(holds_videos: bool):
    """The job a new item runs in: up to its video when it waits there (for a person, for its
    publishing slot: `Policy.holds_videos`), else all the way."""
    return produce_content if holds_videos else content_pipeline
