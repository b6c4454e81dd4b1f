"""The analytics schedule: one analytics cycle a tick, once something is published."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from ..assets.post import published_post
from .jobs import analytics_cycle


def analytics_schedule(cron: str) -> ScheduleDefinition:
    """One analytics cycle a tick (SHORTS_ANALYTICS_CRON): its run key makes it exactly once."""

    @schedule(job=analytics_cycle, cron_schedule=cron, default_status=DefaultScheduleStatus.RUNNING,
              description="Reads performance back and decides what to make next.")
    def analytics_schedule(context: ScheduleEvaluationContext):
        if not context.instance.get_materialized_partitions(published_post.key):
            return SkipReason("nothing is published yet")
        cycle = context.scheduled_execution_time.isoformat()
        return RunRequest(run_key=f"analytics:{cycle}", tags={"shorts/cycle": cycle})

    return analytics_schedule
