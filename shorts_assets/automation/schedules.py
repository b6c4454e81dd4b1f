"""The analytics schedule: one analytics cycle a tick, once something is published.

Why a schedule and a job rather than declarative automation: the cycle is a clock, not a
reaction to new data (metrics change on the platforms, not in Dagster), and it must be one
run whatever the number of posts. An `on_cron` condition on post_metrics would request its
live partitions, but the items between them (drafts, retracted) split them into many runs,
and the learning assets would follow in yet another run. Here the schedule first brings the
`live_posts` partitions in step with what is published, then targets all of them as one
contiguous range with the learning assets behind them, in one run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from ..assets.post import published_post
from ..assets.retraction import retracted_post
from ..partitions import live_posts
from .jobs import LEARNING_ASSETS, analytics_cycle

# The run tags by which Dagster runs a range of partitions in one run (its single-run backfills).
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class Cycle:
    """What one analytics run targets: every live post (a partition range) and the learning assets."""

    posts: list[str]
    tags: dict[str, str] = field(default_factory=dict)
    asset_selection: list[AssetKey] | None = None


def next_cycle(instance: DagsterInstance) -> Cycle:
    """Add a live_posts partition for each item published and not retracted, drop the retracted
    ones, and target them all. With no live post the run learns from nothing new (the
    strategy's prior still proposes ideas), so post_metrics is left out of it."""
    published = instance.get_materialized_partitions(published_post.key)
    live = published - instance.get_materialized_partitions(retracted_post.key)
    known = instance.get_dynamic_partitions(live_posts.name)
    for gone in set(known) - live:
        instance.delete_dynamic_partition(live_posts.name, gone)
    if new := sorted(live - set(known)):
        instance.add_dynamic_partitions(live_posts.name, new)
    posts = instance.get_dynamic_partitions(live_posts.name)  # in the order they were added: one range
    if not posts:
        return Cycle(posts=[], asset_selection=[asset.key for asset in LEARNING_ASSETS])
    return Cycle(posts=list(posts), tags={RANGE_START: posts[0], RANGE_END: posts[-1]})


def run_cycle(defs, instance: DagsterInstance, **options):
    """One analytics cycle in this process, targeting what the schedule would (demo, tests)."""
    target = next_cycle(instance)
    return defs.resolve_job_def(analytics_cycle.name).execute_in_process(
        instance=instance, tags=target.tags, asset_selection=target.asset_selection, **options)


def analytics_schedule(cron: str) -> ScheduleDefinition:
    """One analytics cycle a tick (SHORTS_ANALYTICS_CRON): its run key makes it exactly once."""

    @schedule(job=analytics_cycle, cron_schedule=cron, default_status=DefaultScheduleStatus.RUNNING,
              description="Reads performance back and decides what to make next.")
    def analytics_schedule(context: ScheduleEvaluationContext):
        if not context.instance.get_materialized_partitions(published_post.key):
            return SkipReason("nothing is published yet")
        cycle, when = next_cycle(context.instance), context.scheduled_execution_time.isoformat()
        return RunRequest(run_key=f"analytics:{when}", tags={**cycle.tags, "shorts/cycle": when},
                          asset_selection=cycle.asset_selection)

    return analytics_schedule
