"""What the instance and the store say about one content item now: its latest run, why that run
failed, what the item has reached (video, posts, retraction, deferral), and what a deferred
item still lacks. The sheet sync derives each row's status from this, never from run events."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunRecord, RunRequest, RunsFilter

from .. import keys
from ..assets.post import published_post
from ..assets.retraction import retracted_post
from ..assets.review import review_decision
from ..assets.video import rendered_video
from ..deferrals import waiting
from ..keys import RowStatus
from ..store import Store
from .jobs import PRODUCE_ASSETS, PUBLISH_ASSETS, production_job, publish_content, retract_content, review_content

PARTITION_TAG = "dagster/partition"
UNDER_WAY = {DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
             DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING}
RUN_PAGE = 5  # runs read at a time while looking past a reviewer's decisions
ENDED_BADLY = {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
# What a row says while a run of the job is under way; a run launched from the UI is production.
WORKING = {publish_content.name: RowStatus.PUBLISHING, retract_content.name: RowStatus.RETRACTING}


def decides(run: DagsterRun) -> bool:
    """A run of a reviewer's decision: it writes the item's row itself, and its failure (a rejection
    without a reason) is the reviewer's to read in the UI, not the item's."""
    return run.job_name == review_content.name or run.asset_selection == {review_decision.key}


def latest_run(instance: DagsterInstance, item_id: str) -> RunRecord | None:
    """The item's newest run that makes, publishes or retracts it, whichever job or UI launch it came
    from: content_item is this code location's only partitioning, so every run of an item carries its
    partition tag."""
    cursor = None
    while True:
        records = instance.get_run_records(filters=RunsFilter(tags={PARTITION_TAG: item_id}), limit=RUN_PAGE,
                                           cursor=cursor)
        found = next((record for record in records if not decides(record.dagster_run)), None)
        if found is not None or len(records) < RUN_PAGE:
            return found
        cursor = records[-1].dagster_run.run_id


def unix(when: datetime) -> float:
    """A run storage time as a UNIX time (the storage keeps UTC, with or without its zone)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def answers(record: RunRecord, asked: tuple[str, datetime]) -> bool:
    """Whether the run is news to a row that has said `status` (queued, publishing, retracting) since
    `asked_at`: a run created since (the one the sync asked for), or one that was already doing what
    the row says then and has changed since (a publish or retraction launched from the UI, which the
    row showed under way)."""
    status, asked_at = asked
    since = int(asked_at.timestamp())  # run storage keeps whole seconds (SQLite)
    doing = WORKING.get(record.dagster_run.job_name) == status
    return unix(record.create_timestamp) >= since or (doing and unix(record.update_timestamp) >= since)


def innermost(error) -> str:
    """The original error under Dagster's wrappers (retries exhausted, check failed...)."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0]


def failure_reason(instance: DagsterInstance, run: DagsterRun) -> str:
    """The first failed check or step of a run and what failed it, in words a person can act on."""
    if run.status == DagsterRunStatus.CANCELED:
        return "the run was canceled; launch the item again from the UI"
    events = instance.all_logs(run.run_id, of_type={DagsterEventType.ASSET_CHECK_EVALUATION,
                                                    DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE})
    checks = [e.dagster_event.event_specific_data for e in events
              if e.dagster_event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
    failed_checks = [check for check in checks if not check.passed]
    if failed_checks:
        return f"{failed_checks[0].check_name}: {failed_checks[0].description}"
    steps = [e.dagster_event for e in events if e.dagster_event.event_type == DagsterEventType.STEP_FAILURE]
    if not steps:
        ends = [e.dagster_event for e in events if e.dagster_event.event_type == DagsterEventType.RUN_FAILURE]
        return (ends[-1].message if ends else "") or "the run failed"
    step = steps[0]
    data = step.event_specific_data
    if data and data.user_failure_data and data.user_failure_data.description:
        message = data.user_failure_data.description
    elif data and data.error:
        message = innermost(data.error)
    else:
        message = step.message or "failed"
    return f"{step.step_key}: {message}"


def outcome(item_id: str, store: Store, review_required: bool) -> dict[str, str]:
    """What the store says an item has reached: its video, its time in the publishing calendar,
    its posts (and whether they went out late) and their retraction."""
    values: dict[str, str] = {}
    video = store.read_json(keys.record(rendered_video.key, item_id))
    if video is not None:
        values.update(status=RowStatus.AWAITING_REVIEW if review_required else RowStatus.RENDERED,
                      video_path=store.uri(video["record"]["video"]["key"]))
    slot = store.read_json(keys.slot(item_id)) if video is not None else None
    if slot is not None:
        values.update(status=RowStatus.scheduled(slot["shown"]))
    post = store.read_json(keys.record(published_post.key, item_id))
    if post is not None:
        values.update(status=RowStatus.PUBLISHED, post_url=" ".join(p["url"] for p in post["record"]["posts"]),
                      **({"error": slot["late"]} if slot and slot.get("late") else {}))
    retraction = store.read_json(keys.record(retracted_post.key, item_id))
    if retraction is not None:
        values.update(status=RowStatus.RETRACTED, error="; ".join(retraction["record"]["failures"]))
    deferral = waiting(store, item_id)
    if deferral is not None:
        values.update(status=RowStatus.DEFERRED, error=f"{deferral['asset']}: {deferral['reason']}")
    return values


def current_values(instance: DagsterInstance, item_id: str, store: Store, review_required: bool,
                   asked: tuple[str, datetime] | None = None) -> dict[str, str]:
    """The row cells that say where the item is now: under way, failed, or what it has reached.

    `asked` is what the row says and since when, when it says queued, publishing or retracting: the
    factory asked for a run then, or saw one under way. Until a run `answers` it, the row stays.
    """
    record = latest_run(instance, item_id)
    if asked is not None and (record is None or not answers(record, asked)):
        return {}
    run = record.dagster_run if record is not None else None
    if run is not None and run.status in UNDER_WAY:
        return {"status": WORKING.get(run.job_name, RowStatus.PRODUCING), "error": ""}
    reached = {"error": "", **outcome(item_id, store, review_required)}
    if run is not None and run.status in ENDED_BADLY:
        reached.update(status=RowStatus.FAILED, error=failure_reason(instance, run))
    return reached if "status" in reached else {}


def resume_plan(item_id: str, deferral: dict, store: Store, holds_videos: bool) -> RunRequest:
    """A run of the item's assets that are still missing, in the job the deferred asset belongs to.
    Its run key names the window, so a tick that fails after the request never launches it twice."""
    publishing = deferral["asset"] in {key.to_user_string() for asset in PUBLISH_ASSETS for key in asset.keys}
    job = publish_content if publishing else production_job(holds_videos)
    assets = PUBLISH_ASSETS if publishing else PRODUCE_ASSETS + (() if holds_videos else PUBLISH_ASSETS)
    missing = [key for asset in assets for key in asset.keys if store.read_json(keys.record(key, item_id)) is None]
    return RunRequest(job_name=job.name, partition_key=item_id, asset_selection=missing,
                      run_key=f"resume:{item_id}:{deferral['until']}", tags={"shorts/resumes": deferral["asset"]})
