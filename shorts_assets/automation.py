"""The job that produces one content item, the sheet sensor that feeds it, and the
sensors that write each run's outcome back to its sheet row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    ResourceParam,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_failure_sensor,
    run_status_sensor,
    schedule,
    sensor,
)

from .deferrals import waiting
from .partitions import content_items
from .policy import Policy
from .providers.http_errors import retried
from .providers.sheets import Sheet
from .rows import RowError, idea_from_row, is_blank
from .store import StoreResource

PRODUCE_ASSETS = ("idea", "script", "narration", "clips", "rendered_video")
PUBLISH_ASSETS = ("published_post", "post_metrics")
PRODUCE = AssetSelection.assets(*PRODUCE_ASSETS)
PUBLISH = AssetSelection.assets(*PUBLISH_ASSETS)

# One run per item, its steps in one process: an item's stages run one after another
# anyway, and items run in parallel up to the run queue's limit (dagster.yaml). Runs that
# render carry RENDERS, so the production queue can cap them apart from the rest.
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
    description="Publish one approved content item and take its first metrics.",
)


analytics_cycle = define_asset_job(
    "analytics_cycle",
    selection=AssetSelection.groups("learning"),
    executor_def=in_process_executor,
    description="Snapshot every live post, then learn the strategy and propose the next ideas: one run a cycle.",
)


def analytics_schedule(cron: str) -> ScheduleDefinition:
    """One analytics cycle a tick (SHORTS_ANALYTICS_CRON): its run key makes it exactly once."""

    @schedule(job=analytics_cycle, cron_schedule=cron, default_status=DefaultScheduleStatus.RUNNING,
              description="Reads performance back and decides what to make next.")
    def analytics_schedule(context: ScheduleEvaluationContext):
        if not context.instance.get_materialized_partitions(AssetKey("published_post")):
            return SkipReason("nothing is published yet")
        cycle = context.scheduled_execution_time.isoformat()
        return RunRequest(run_key=f"analytics:{cycle}", tags={"shorts/cycle": cycle})

    return analytics_schedule


def known_items(instance) -> set[str]:
    """Keys in use now or ever materialized: a deleted key keeps its history, so never reuse it."""
    return set(instance.get_dynamic_partitions(content_items.name)) | set(
        instance.get_materialized_partitions(AssetKey("idea"))
    )


def to_read(sheet: Sheet, cursor: dict) -> list:
    """Rows past the cursor, and earlier proposals still waiting for a person to say `ready`.

    Rows before both are never fetched (Google) or turned into records (CSV).
    """
    pending = set(cursor.get("pending", []))
    rows = sheet.rows(after=min([cursor["rows"], *(number - 1 for number in pending)]))
    return [row for row in rows if row.number > cursor["rows"] or row.number in pending]


def write_back_watching(instance) -> bool:
    """Whether the sensors that write a run's outcome to its row have had their first tick.

    Dagster starts a run status sensor at the latest run event on its first tick, so a run that
    ends before then is never written back. On a fresh instance that first tick can come late
    (a tick queueing 50 rows keeps the daemon busy past the first runs' end), so new rows wait
    for it. Without a daemon (no sensor state, or no storage for it) there is none to await.
    """
    states = {state.instigator_name: state for state in instance.all_instigator_state()} \
        if instance.schedule_storage is not None else {}
    if not states:
        return True
    watchers = [states.get(name) for name in (content_status_sensor.name, content_failure_sensor.name)]
    return all(state is not None and (state.instigator_data.cursor or not state.is_running) for state in watchers)


@sensor(
    jobs=[content_pipeline, produce_content],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
    description="Reads rows added to the content sheet since the last tick; queues the good ones.",
)
def content_sheet_sensor(context: SensorEvaluationContext, sheet: ResourceParam[Sheet], policy: Policy):
    cursor = json.loads(context.cursor) if context.cursor else {"rows": 0}
    rows = to_read(sheet, cursor)
    if not rows:
        return SkipReason(f"no rows after row {cursor['rows']}")
    held = policy.budget_held(context.instance)
    if held is not None:
        return SkipReason(f"new rows wait: {held}")  # the cursor stays, so they are read again
    if cursor["rows"] == 0 and not write_back_watching(context.instance):  # only a fresh instance can race
        return SkipReason("new rows wait for the status sensors' first tick, so every outcome reaches its row")
    job = produce_content if policy.review_required else content_pipeline
    known: set[str] | None = None
    added: dict[str, None] = {}  # ordered, and quick to look up in a tick of thousands
    requests: list[RunRequest] = []
    updates: dict[int, dict[str, str]] = {}
    pending: list[int] = []
    looked_at: set[int] = set()
    for row in rows:
        if len(updates) >= policy.rows_per_tick:
            break  # the rest next tick: the cursor stops at the last row looked at
        looked_at.add(row.number)
        if row.status == "proposed":
            pending.append(row.number)  # a proposal waits until someone marks it ready
            continue
        if is_blank(row.values) or row.status not in ("", "ready"):
            continue
        known = known_items(context.instance) if known is None else known
        try:
            idea = idea_from_row(dict(row.values), row.number, policy.media_allowance)
            if idea.item_id in known or idea.item_id in added:
                raise RowError(f"duplicate of item {idea.item_id}")
        except RowError as error:
            updates[row.number] = {"status": f"rejected: {error}"}
            context.log.info(f"row {row.number} rejected: {error}")
            continue
        except Exception as error:  # a bug of ours on one odd row must not stop every row after it
            updates[row.number] = {"status": f"rejected: the factory could not check this row "
                                             f"({type(error).__name__}: {str(error)[:200]})"}
            context.log.exception(f"row {row.number} could not be checked")
            continue
        added[idea.item_id] = None
        requests.append(RunRequest(job_name=job.name, partition_key=idea.item_id, run_key=idea.item_id,
                                   tags={"shorts/row": str(row.number)}))
        updates[row.number] = {"item_id": idea.item_id, "status": "queued", "error": ""}
    # The sheet is written before the tick commits: if this raises, the tick fails, the
    # cursor stays, and the same rows are read again next tick.
    sheet.update_rows(updates)
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[content_items.build_add_request(list(added))] if added else [],
        cursor=json.dumps({
            "rows": max([cursor["rows"], *looked_at]),
            "pending": sorted(pending + [n for n in cursor.get("pending", []) if n not in looked_at]),
        }),
    )


@sensor(
    job=publish_content,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Publishes the items a reviewer marked approved in the content sheet.",
)
def approval_sensor(context: SensorEvaluationContext, sheet: ResourceParam[Sheet]):
    approved = [row for row in sheet.rows()
                if row.status == "approved" and row.values.get("item_id")]
    if not approved:
        return SkipReason("no approved rows")
    sheet.update_rows({row.number: {"status": "publishing", "error": ""} for row in approved})
    return [RunRequest(partition_key=row.values["item_id"],
                       run_key=f"publish:{row.values['item_id']}:{row.values.get('updated_at', '')}")
            for row in approved]


def outcome(item_id: str, store: StoreResource, policy: Policy) -> dict[str, str]:
    """What the store says an item has reached: its video, its posts and their retraction."""
    opened = store.open()
    values: dict[str, str] = {}
    video = opened.read_json(f"rendered_video/{item_id}/record.json")
    if video is not None:
        values.update(status="awaiting review" if policy.review_required else "rendered",
                      video_path=opened.uri(video["record"]["video"]["key"]))
    post = opened.read_json(f"published_post/{item_id}/record.json")
    if post is not None:
        values.update(status="published", post_url=" ".join(p["url"] for p in post["record"]["posts"]))
    retraction = opened.read_json(f"retracted_post/{item_id}/record.json")
    if retraction is not None:
        values.update(status="retracted", error="; ".join(retraction["record"]["failures"]))
    deferral = waiting(opened, item_id)
    if deferral is not None:
        values.update(status="deferred", error=f"{deferral['asset']}: {deferral['reason']}")
    return values


def resume_plan(item_id: str, deferral: dict, store, policy: Policy) -> RunRequest:
    """A run of the item's assets that are still missing, in the job the deferred asset belongs to.
    Its run key names the window, so a tick that fails after the request never launches it twice."""
    publishing = deferral["asset"] in PUBLISH_ASSETS
    job = publish_content if publishing else produce_content if policy.review_required else content_pipeline
    names = PUBLISH_ASSETS if publishing else PRODUCE_ASSETS + (() if policy.review_required else PUBLISH_ASSETS)
    missing = [name for name in names if store.read_json(f"{name}/{item_id}/record.json") is None]
    return RunRequest(job_name=job.name, partition_key=item_id, asset_selection=[AssetKey(n) for n in missing],
                      run_key=f"resume:{item_id}:{deferral['until']}", tags={"shorts/resumes": deferral["asset"]})


@sensor(
    jobs=[content_pipeline, produce_content, publish_content],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Takes up deferred items (a quota or the day's budget was used up) once their window reopens.",
)
def deferred_sensor(context: SensorEvaluationContext, sheet: ResourceParam[Sheet], store: StoreResource,
                    policy: Policy):
    opened, now = store.open(), datetime.now(UTC)
    requests, updates = [], {}
    for row in sheet.rows():
        item_id = row.values.get("item_id")
        deferral = waiting(opened, item_id) if row.status == "deferred" and item_id else None
        if deferral is None or datetime.fromisoformat(deferral["until"]) > now:
            continue
        request = resume_plan(item_id, deferral, opened, policy)
        requests.append(request)
        updates[row.number] = {"status": "publishing" if request.job_name == publish_content.name else "queued",
                               "error": ""}
    if not requests:
        return SkipReason("no deferred item is due")
    sheet.update_rows(updates)
    return requests


def write_back(context, sheet: Sheet, item_id: str, values: dict[str, str]) -> None:
    """The row is where a person looks, and a run status sensor that fails moves on past the
    run for good: a write the sheet's client gave up on is tried again (`retried`) before the
    tick fails. A row someone deleted is not an error worth stopping the sensor for."""
    try:
        retried(partial(sheet.update_item, item_id, values), f"writing {item_id}'s row back")
    except KeyError as missing:
        context.log.warning(f"not written back: {missing}")


def item_of(run) -> str | None:
    """The content item a run worked on: content_item is this code location's only partitioning,
    so runs launched from the UI (the implicit asset job) count as much as content_pipeline's."""
    return run.tags.get("dagster/partition")


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
    description="Writes rendered / published and the links back to the item's sheet row.",
)
def content_status_sensor(
    context: RunStatusSensorContext, sheet: ResourceParam[Sheet], store: StoreResource, policy: Policy
):
    item_id = item_of(context.dagster_run)
    if item_id:
        write_back(context, sheet, item_id, {"error": "", **outcome(item_id, store, policy)})


def innermost(error) -> str:
    """The original error under Dagster's wrappers (retries exhausted, check failed...)."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0]


def failure_reason(context: RunFailureSensorContext) -> str:
    """The first failed step and what failed it, in words a person can act on."""
    checks = context.instance.all_logs(context.dagster_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    failed_checks = [c for c in (e.dagster_event.event_specific_data for e in checks) if not c.passed]
    if failed_checks:
        return f"{failed_checks[0].check_name}: {failed_checks[0].description}"
    steps = context.get_step_failure_events()
    if not steps:
        return context.failure_event.message or "the run failed"
    event = steps[0]
    data = event.event_specific_data
    if data and data.user_failure_data and data.user_failure_data.description:
        message = data.user_failure_data.description
    elif data and data.error:
        message = innermost(data.error)
    else:
        message = event.message or "failed"
    return f"{event.step_key}: {message}"


@run_failure_sensor(
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
    description="Writes failed and the reason back to the item's sheet row.",
)
def content_failure_sensor(
    context: RunFailureSensorContext, sheet: ResourceParam[Sheet], store: StoreResource, policy: Policy
):
    item_id = item_of(context.dagster_run)
    if item_id:
        write_back(context, sheet, item_id, {**outcome(item_id, store, policy), "status": "failed",
                                             "error": failure_reason(context)})
