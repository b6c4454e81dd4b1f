"""A reviewer's decision from the UI: review_decision writes it to the item's sheet row, the sheet sync
publishes what is approved, and what cannot be decided is refused with a reason."""

from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, Definitions, asset, build_sensor_context, materialize

from shorts_assets import keys
from shorts_assets.assets.post import published_post
from shorts_assets.assets.retraction import retracted_post
from shorts_assets.assets.review import review_decision
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation.item_state import current_values, latest_run
from shorts_assets.automation.jobs import review_content
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers.channels import Platforms
from shorts_assets.providers.platforms import SandboxChannel
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets.store import StoreIOManager
from shorts_assets.versions import item_status
from shorts_assets_tests.conftest import GOOD_ROW, local_store, read_sheet, write_sheet

# item id -> its row's status, and what the store holds of it
ROWS = {
    "bees-1": "awaiting review",
    "early-1": "producing",
    "wasps-1": "published",
    "gone-1": "retracted",
    "slot-1": "scheduled for Mon 09:00",
    "late-1": "deferred",
    "ants": "en: awaiting review · es: producing",
}
VIDEOS = ("bees-1", "wasps-1", "gone-1", "slot-1", "ants-en")
ITEMS = [*ROWS, "ants-en", "ants-es", "nowhere-1"]
POST = {"platform": "sandbox", "post_id": "p1", "url": "file:///p1", "published_at": "2030-01-01T10:00:00+00:00"}


@pytest.fixture
def review(tmp_path):
    """A sheet of items in every state a decision meets, and what the store says of them."""
    sheet = write_sheet(tmp_path / "content_sheet.csv", [
        {**GOOD_ROW, "topic": item, "item_id": item, "status": status,
         **({"languages": "en, es", "script_es": "Las abejas bailan."} if item == "ants" else {})}
        for item, status in ROWS.items()], columns=[*GOOD_ROW, "languages", "script_es", "item_id", "status",
                                                   "error", "updated_at"])
    store = local_store(tmp_path)
    opened = store.open()
    for item in VIDEOS:
        opened.put_json(keys.record(rendered_video.key, item),
                        {"model": "RenderedVideo", "record": {"video": {"key": f"rendered_video/{item}/video.mp4"}}})
    for item in ("wasps-1", "gone-1"):
        opened.put_json(keys.record(published_post.key, item), {"model": "PublishedPost", "record": {"posts": [POST]}})
    opened.put_json(keys.record(retracted_post.key, "gone-1"), {"model": "RetractedPost", "record": {
        "item_id": "gone-1", "retracted": [POST], "retracted_at": POST["published_at"], "failures": []}})
    opened.put_json(keys.post_ledger(published_post.key, "slot-1", "sandbox"), POST)  # uploaded ahead of its slot
    opened.put_json(keys.deferral("late-1"), {"asset": "scenes", "reason": "the day's budget is spent",
                                              "until": (datetime.now(UTC) + timedelta(hours=2)).isoformat()})
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, ITEMS)
    resources = {"sheet": CsvSheet(path=str(sheet)), "store": store, "io_manager": StoreIOManager(store=store),
                 "platforms": Platforms(order=["sandbox"], sandbox=SandboxChannel(root=str(tmp_path / "channel")))}
    yield sheet, instance, resources
    instance.dispose()


def decide(review, item: str, decision: str, reason: str = ""):
    """A run of the review job for one item, as a backfill over the items selected in the UI launches it."""
    _, instance, resources = review
    job = Definitions(assets=[review_decision], jobs=[review_content], resources=resources).resolve_job_def(
        review_content.name)
    return job.execute_in_process(
        run_config={"ops": {"review_decision": {"config": {"decision": decision, "reason": reason}}}},
        partition_key=item, instance=instance, raise_on_error=False)


def refusal(result) -> str:
    assert not result.success
    [failure] = result.get_step_failure_events()
    return failure.step_failure_data.user_failure_data.description


def statuses(sheet) -> dict[str, str]:
    return {row["item_id"]: row["status"] for row in read_sheet(sheet)}


def test_an_approval_is_written_to_the_row_and_recorded(review):
    sheet, instance, resources = review
    result = decide(review, "bees-1", "approve", "crisp")
    assert result.success
    assert statuses(sheet)["bees-1"] == "approved"
    record = result.output_for_node("review_decision")
    assert (record.item_id, record.decision, record.reason) == ("bees-1", "approve", "crisp")
    assert (record.previous_status, record.status) == ("awaiting review", "approved")
    [materialization] = result.asset_materializations_for_node("review_decision")
    shown = {name: value.value for name, value in materialization.metadata.items()}
    assert {name: shown[name] for name in ("decision", "reason", "previous_status", "status")} == {
        "decision": "approve", "reason": "crisp", "previous_status": "awaiting review", "status": "approved"}
    stored = resources["store"].open().read_json(keys.record(review_decision.key, "bees-1"))
    assert stored["model"] == "ReviewDecision" and stored["record"]["decision"] == "approve"


def test_the_sheet_sync_publishes_the_approved_item_in_a_run_of_its_own(review):
    """One publishing path: the sync's approval, with a run key fresh from the decision's write."""
    sheet, instance, resources = review
    assert decide(review, "bees-1", "approve").success
    stamped = next(row["updated_at"] for row in read_sheet(sheet) if row["item_id"] == "bees-1")
    sync = {"sheet": resources["sheet"], "store": resources["store"], "policy": Policy(review_required=True)}
    with build_sensor_context(instance=instance, resources=sync) as context:
        requests = sheet_sync(context).run_requests
    [publish] = [request for request in requests if request.partition_key == "bees-1"]
    assert (publish.job_name, publish.run_key) == ("publish_content", f"publish:bees-1:{stamped}")
    assert statuses(sheet)["bees-1"] == "publishing"


def test_an_item_may_be_approved_before_its_video_exists(review):
    sheet, *_ = review
    result = decide(review, "early-1", "approve")
    assert result.success and statuses(sheet)["early-1"] == "approved"


def test_a_rejection_keeps_its_reason_on_one_line_and_needs_one(review):
    sheet, *_ = review
    assert refusal(decide(review, "bees-1", "reject", "  ")) == (
        "a rejection needs a reason: give `reason` in the run config, so the row says why")
    assert refusal(decide(review, "bees-1", "reject", "x" * 201)) == (
        "the reason is 201 characters long: say it in at most 200")
    assert statuses(sheet)["bees-1"] == "awaiting review"
    assert decide(review, "bees-1", "reject", "too quiet ·\n redo the voice").success
    assert statuses(sheet)["bees-1"] == "rejected: too quiet, redo the voice"


def test_a_language_version_gets_only_its_own_part_of_the_row(review):
    sheet, *_ = review
    assert decide(review, "ants-es", "approve").success
    assert statuses(sheet)["ants"] == "en: awaiting review · es: approved"
    assert decide(review, "ants-en", "reject", "off topic").success
    assert statuses(sheet)["ants"] == "en: rejected: off topic · es: approved"
    rows = CsvSheet(path=str(sheet)).rows()
    assert (item_status(rows, "ants-en"), item_status(rows, "ants-es")) == ("rejected: off topic", "approved")


def test_a_published_item_is_retracted_not_rejected_and_approving_it_again_changes_nothing(review):
    sheet, *_ = review
    assert refusal(decide(review, "wasps-1", "reject", "dull")) == (
        "wasps-1 is already published: retract it instead (launch retract_content for it, or write `retract` "
        "in its row)")
    again = decide(review, "wasps-1", "approve")
    assert again.success
    record = again.output_for_node("review_decision")
    assert record.previous_status == record.status == "published"
    assert statuses(sheet)["wasps-1"] == "published"


def test_what_cannot_be_decided_is_refused_with_why(review):
    sheet, *_ = review
    before = statuses(sheet)
    assert refusal(decide(review, "gone-1", "approve")) == (
        "gone-1 is retracted (its row says 'retracted'): a retracted item is never published again, so there is "
        "nothing to decide")
    assert refusal(decide(review, "slot-1", "reject", "wrong week")) == (
        "slot-1 is already up or scheduled on sandbox (its row says 'scheduled for mon 09:00'): let its "
        "publishing finish, then retract it")
    assert refusal(decide(review, "late-1", "approve")).startswith("late-1 is deferred until ")
    assert refusal(decide(review, "nowhere-1", "approve")) == (
        "no row of the content sheet holds item nowhere-1: a decision is written to the item's row, so give its "
        "row its item_id back first")
    assert statuses(sheet) == before


def test_a_decision_is_not_the_items_latest_run_in_its_row(review):
    """A refused decision leaves the row as the item's own runs say, not `failed`."""
    _, instance, resources = review

    @asset(name="rendered_video", partitions_def=content_items)
    def made():
        return None

    produced = materialize([made], partition_key="bees-1", instance=instance)
    assert not decide(review, "bees-1", "reject").success
    assert latest_run(instance, "bees-1").dagster_run.run_id == produced.run_id
    values = current_values(instance, "bees-1", resources["store"].open(), review_required=True)
    assert values["status"] == "awaiting review" and values["error"] == ""
