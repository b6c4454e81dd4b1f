import json
import socket
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

from shorts_assets import keys
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.policy import Policy
from shorts_assets.providers import PermanentError, TransientError, http_errors
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.google_sheet import GoogleSheet
from shorts_assets.providers.sheets import STATUS_COLUMNS
from shorts_assets.rows import IDEA_COLUMNS
from shorts_assets.store import StoreResource
from shorts_assets_tests.conftest import GOOD_ROW
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.sheets_api import FakeSheets, error

EMAIL = "shorts-bot@test-project.iam.gserviceaccount.com"
BUSY = Response(429, {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
                headers={"Retry-After": "7"})


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Fails the test when anything, google-auth's background lookups included, resolves an outside host."""
    tried: list[str] = []
    resolve = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            tried.append(host)
            raise socket.gaierror(f"{host}: no internet in tests")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    yield
    assert tried == []


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def account(fake: FakeSheets, private_key: str) -> dict:
    return {"type": "service_account", "project_id": "test-project", "private_key_id": "key-1",
            "private_key": private_key, "client_email": EMAIL, "client_id": "1",
            "token_uri": f"{fake.url}/token"}


@pytest.fixture
def connect(tmp_path, private_key):
    """A GoogleSheet on the fake, its key in a file as GOOGLE_APPLICATION_CREDENTIALS names it."""

    def connect(fake: FakeSheets, **fields) -> GoogleSheet:
        key_file = tmp_path / "service-account.json"
        key_file.write_text(json.dumps(account(fake, private_key)))
        return GoogleSheet(**{"spreadsheet_key": fake.key, "credentials_file": str(key_file),
                              "api_root": fake.url, **fields})

    return connect


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The retry loop's waits, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(http_errors, "backoff_sleep", slept.append)
    return slept


def table(columns, rows) -> list[list[str]]:
    return [list(columns), *([row.get(c, "") for c in columns] for row in rows)]


def test_rows_are_read_by_header_whatever_the_column_order(connect):
    grid = table(["music", "notes", "topic", "facts"], [GOOD_ROW, {}, {"topic": "second", "notes": "n"}])
    with FakeSheets({"ideas": grid}) as fake:
        sheet = connect(fake)
        rows = sheet.rows()
        assert [r.number for r in rows] == [1, 2, 3]
        assert rows[0].values == {"music": "none", "notes": "", "topic": "honeybees", "facts": GOOD_ROW["facts"]}
        assert rows[1].values["topic"] == "" and rows[2].values == {"music": "", "notes": "n", "topic": "second",
                                                                    "facts": ""}
        later = sheet.rows(after=2)
        assert [r.number for r in later] == [3] and later[0].values == rows[2].values
        reads = fake.calls("GET", "/v4/")
        tab = "/v4/spreadsheets/sheet-key/values/%27ideas%27"
        assert [r.path for r in reads] == [tab, f"{tab}%211%3A1", f"{tab}%214%3A1000000"]  # rows 1-2 not fetched
        assert len(fake.assertions) == 1  # the token is reused until it expires
        claims = fake.assertions[0]
        assert claims["iss"] == EMAIL and claims["scope"] == "https://www.googleapis.com/auth/spreadsheets"


def test_update_rows_is_one_raw_batch_that_never_writes_formulas(connect):
    rows = [{**GOOD_ROW, "topic": f"topic {n}"} for n in range(10)]
    with FakeSheets({"ideas": table(IDEA_COLUMNS, rows)}) as fake:
        evil = ["=IMPORTXML(\"http://x\",\"//a\")", "+cmd|' /C calc'!A0", "@SUM(A1)"]
        connect(fake).update_rows({
            n: {"item_id": f"topic-{n}", "status": "queued", "error": evil[n % 3]} for n in range(1, 11)
        })
        writes = fake.calls("POST", "/v4/spreadsheets/sheet-key/values:batchUpdate")
        assert len(writes) == 1
        body = writes[0].json()
        assert body["valueInputOption"] == "RAW"
        item_id, status = (chr(ord("A") + len(IDEA_COLUMNS) + n) for n in (0, 1))  # the status columns follow
        assert body["data"][0] == {"range": f"'ideas'!{item_id}1", "values": [["item_id"]]}
        assert {"range": f"'ideas'!{status}11", "values": [["queued"]]} in body["data"]
        records = fake.records("ideas")
        assert list(records[0]) == [*IDEA_COLUMNS, *STATUS_COLUMNS]
        assert [r["error"] for r in records[:3]] == ["'+cmd|' /C calc'!A0", "'@SUM(A1)", "'=IMPORTXML(\"http://x\",\"//a\")"]
        assert records[9]["item_id"] == "topic-10" and records[9]["updated_at"].endswith("Z")
        assert records[9]["topic"] == "topic 9" and records[9]["video_path"] == ""


def test_status_columns_are_added_once_even_past_the_grid_edge(connect):
    with FakeSheets({"ideas": table(["topic", "facts"], [GOOD_ROW])}, column_count=2) as fake:
        sheet = connect(fake)
        sheet.update_rows({1: {"status": "queued"}})
        grow = fake.calls("POST", "/v4/spreadsheets/sheet-key:batchUpdate")
        assert [r.json()["requests"] for r in grow] == [
            [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": len(STATUS_COLUMNS)}}]
        ]
        sheet.update_rows({1: {"status": "rendered"}})
        second = fake.calls("POST", "/v4/spreadsheets/sheet-key/values:batchUpdate")[-1].json()["data"]
        assert [item["range"] for item in second] == ["'ideas'!D2", "'ideas'!H2"]  # status, updated_at
        assert fake.grid("ideas")[0] == ["topic", "facts", *STATUS_COLUMNS]
        assert len(fake.calls("GET", "/v4/spreadsheets/sheet-key")) == 2  # header, metadata; then it knows it


def test_rows_appended_to_a_full_grid_get_rows_added_first(connect):
    columns = ["topic", "facts", *STATUS_COLUMNS]
    with FakeSheets({"ideas": table(columns, [GOOD_ROW, GOOD_ROW])}) as fake:
        fake.sheets["ideas"].row_count = 3  # header and two rows: the grid is full
        sheet = connect(fake)
        assert sheet.append_rows([{"topic": "proposed one"}, {"topic": "proposed two"}]) == [3, 4]
        grow = fake.calls("POST", "/v4/spreadsheets/sheet-key:batchUpdate")
        assert [r.json()["requests"] for r in grow] == [
            [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 2}}]]
        assert [record["topic"] for record in fake.records("ideas")][2:] == ["proposed one", "proposed two"]


def test_update_item_finds_the_row_by_its_item_id(connect):
    columns = ["status", "item_id", "topic", "error", "notes"]
    grid = table(columns, [{"topic": "a", "item_id": "a-1"}, {"topic": "b", "item_id": "b-2", "notes": "keep"}])
    with FakeSheets({"ideas": grid}) as fake:
        sheet = connect(fake)
        sheet.update_item("b-2", {"status": "failed", "error": "=HYPERLINK(\"evil\")"})
        records = fake.records("ideas")
        assert records[0]["status"] == "" and records[1]["status"] == "failed"
        assert records[1]["error"] == "'=HYPERLINK(\"evil\")" and records[1]["notes"] == "keep"
        assert sheet.find("b-2").number == 2 and sheet.find("nope") is None
        with pytest.raises(KeyError, match="nope"):
            sheet.update_item("nope", {"status": "x"})


def test_busy_sheets_are_retried_by_one_loop_within_its_deadline(connect, waits):
    with FakeSheets({"ideas": table(["topic"], [GOOD_ROW])}) as fake:
        sheet = connect(fake)
        fake.fail_next(BUSY, "/v4/", times=1)
        assert sheet.rows()[0].values["topic"] == "honeybees"
        assert waits == [7]  # the server's Retry-After
        fake.fail_next(BUSY, "/v4/", times=99)
        before = len(fake.calls("GET", "/v4/"))
        with pytest.raises(TransientError, match="429") as busy:
            sheet.rows()
        assert busy.value.retry_after == 7 and waits[1:] == [7]  # a second wait would pass the deadline
        assert len(fake.calls("GET", "/v4/")) - before == 2
        fake.faults.clear()
        fake.fail_next(Response(503, "down"), "/v4/", times=99)  # no Retry-After: 0.5, 1, 2 and 4 s
        before = len(fake.calls("GET", "/v4/"))
        with pytest.raises(TransientError, match="503"):
            sheet.rows()
        assert waits[2:] == [0.5, 1, 2, 4] and len(fake.calls("GET", "/v4/")) - before == 5
        fake.faults.clear()
        fake.fail_next(Response(drop=True), "/v4/", times=http_errors.RETRIES + 1)  # tried again, then given up
        with pytest.raises(TransientError, match="could not be reached"):
            sheet.rows()


def test_a_sheet_not_shared_with_the_account_says_so_without_the_key(connect, private_key):
    with FakeSheets({"ideas": table(["topic"], [GOOD_ROW])}) as fake:
        fake.fail_next(error(403, "PERMISSION_DENIED", "The caller does not have permission"), "/v4/")
        with pytest.raises(PermanentError) as refused:
            connect(fake).rows()
        message = str(refused.value)
        assert "GOOGLE_APPLICATION_CREDENTIALS" in message and EMAIL in message
        secret = private_key.splitlines()[1]
        assert "PRIVATE KEY" not in message and secret not in message and secret not in repr(refused.value.__cause__)


def test_a_wrong_key_or_worksheet_names_the_variable_to_fix(connect):
    with FakeSheets({"ideas": table(["topic"], [GOOD_ROW])}) as fake:
        with pytest.raises(PermanentError, match="SHORTS_GOOGLE_SHEET_KEY"):
            connect(fake, spreadsheet_key="not-my-sheet").rows()
        with pytest.raises(PermanentError, match="SHORTS_GOOGLE_WORKSHEET"):
            connect(fake, worksheet="Sheet1").update_rows({1: {"status": "x"}})
        with pytest.raises(PermanentError, match="SHORTS_GOOGLE_CREDENTIALS_JSON"):
            GoogleSheet(spreadsheet_key=fake.key, credentials_json='{"type": "authorized_user"}',
                        api_root=fake.url).rows()


def test_the_content_sheet_sensor_runs_on_a_google_sheet(private_key):
    bad = {**GOOD_ROW, "topic": "ant colonies", "hook_style": "??"}
    grid = table(["notes", *IDEA_COLUMNS], [GOOD_ROW, {}, bad, {"topic": "   "}])
    with FakeSheets({"ideas": grid}) as fake, DagsterInstance.ephemeral() as instance:
        sheet = GoogleSheet(spreadsheet_key=fake.key, credentials_json=json.dumps(account(fake, private_key)),
                            api_root=fake.url)
        result = content_sheet_sensor(build_sensor_context(
            instance=instance,
            resources={"sheet": sheet, "voice": EspeakVoice(), "policy": Policy(review_required=False)}))
        assert isinstance(result, SensorResult) and json.loads(result.cursor) == {"rows": 4, "pending": []}
        [run] = result.run_requests
        records = fake.records("ideas")
        assert [r["status"] for r in records] == [
            "queued", "", "rejected: hook_style must be one of question, bold-claim, number, story", ""]
        assert records[0]["item_id"] == run.partition_key and run.partition_key.startswith("honeybees-")
        assert len(fake.calls("POST", "/v4/spreadsheets/sheet-key/values:batchUpdate")) == 1
        assert "PRIVATE KEY" not in repr(sheet)


def test_every_tick_reuses_the_access_token_until_it_expires(private_key):
    """Dagster builds the sheet resource anew for each sensor tick; the token outlives it."""
    with FakeSheets({"ideas": table(["topic"], [GOOD_ROW])}) as fake, DagsterInstance.ephemeral() as instance:
        key = json.dumps(account(fake, private_key))
        cursor = None
        for _ in range(3):
            sheet = GoogleSheet(spreadsheet_key=fake.key, credentials_json=key, api_root=fake.url)
            with build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"sheet": sheet, "voice": EspeakVoice(),
                                                 "policy": Policy(review_required=False)}) as context:
                result = content_sheet_sensor(context)
            cursor = getattr(result, "cursor", cursor)
        assert len(fake.calls("GET", "/v4/")) >= 3 and len(fake.assertions) == 1


# -- the sensors on a Google sheet: one read a tick, and a sheet service that is down ------------------


def sensor_resources(fake: FakeSheets, private_key: str, tmp_path) -> dict:
    sheet = GoogleSheet(spreadsheet_key=fake.key, credentials_json=json.dumps(account(fake, private_key)),
                        api_root=fake.url)
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    return {"sheet": sheet, "store": store, "voice": EspeakVoice(), "policy": Policy(review_required=False)}


def tick(sensor, instance, resources, cursor=None):
    with build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        return sensor(context)


def rendered(store: StoreResource, item: str) -> None:
    """What a finished production run leaves in the store."""
    store.open().put_json(keys.record(rendered_video.key, item), {"record": {"video": {"key": f"v/{item}.mp4"}}})


@pytest.mark.parametrize("open_rows", [3, 30])
def test_the_sheet_sync_reads_the_sheet_once_a_tick_whatever_the_number_of_open_rows(private_key, tmp_path,
                                                                                     open_rows):
    items = [f"item-{n:02d}" for n in range(open_rows)]
    grid = table([*IDEA_COLUMNS, *STATUS_COLUMNS], [{**GOOD_ROW, "item_id": item, "status": "producing"}
                                                   for item in items])
    with FakeSheets({"ideas": grid}) as fake, DagsterInstance.ephemeral() as instance:
        resources = sensor_resources(fake, private_key, tmp_path)
        for item in items:
            rendered(resources["store"], item)
        assert tick(sheet_sync, instance, resources).run_requests == []  # nothing to launch, every row up to date
        assert [r["status"] for r in fake.records("ideas")] == ["rendered"] * open_rows
        assert len(fake.calls("GET", "/v4/")) == 1
        assert len(fake.calls("POST", "/v4/spreadsheets/sheet-key/values:batchUpdate")) == 1


def test_while_the_sheet_service_is_down_ticks_skip_quickly_and_the_next_healthy_tick_catches_up(private_key,
                                                                                                 tmp_path):
    grid = table([*IDEA_COLUMNS, *STATUS_COLUMNS], [{**GOOD_ROW, "item_id": "made-1", "status": "producing"},
                                                    {**GOOD_ROW, "topic": "ant colonies"}])
    with FakeSheets({"ideas": grid}) as fake, DagsterInstance.ephemeral() as instance:
        resources = sensor_resources(fake, private_key, tmp_path)
        fake.fail_next(Response(503, "the service is unavailable"), "/", times=10_000)  # the token endpoint too
        rendered(resources["store"], "made-1")  # a run ends while the sheet is down
        for sensor in (content_sheet_sensor, sheet_sync):
            started = time.monotonic()
            skipped = tick(sensor, instance, resources)
            assert isinstance(skipped, SkipReason) and "did not answer" in skipped.skip_message
            assert time.monotonic() - started < 30
        fake.faults.clear()
        intake = tick(content_sheet_sensor, instance, resources)
        [run] = intake.run_requests
        assert run.partition_key.startswith("ant-colonies-")
        tick(sheet_sync, instance, resources)
        assert [r["status"] for r in fake.records("ideas")] == ["rendered", "queued"]
