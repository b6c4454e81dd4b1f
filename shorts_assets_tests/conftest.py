"""Shared fixtures. Fakes of outside services live here and only here; nothing reaches the internet."""

from __future__ import annotations

import csv
import signal
import socket
import weakref
from collections.abc import Mapping
from pathlib import Path

import boto3
import pytest
import yaml
from dagster import SensorResult, build_sensor_context

from shorts_assets.config import Settings
from shorts_assets.media.format import OutputFormat
from shorts_assets.prod_local import free_port  # noqa: F401 - the tests' one way to pick a port
from shorts_assets.providers.platforms import Upload
from shorts_assets.providers.sheets import STATUS_COLUMNS
from shorts_assets.rows import IDEA_COLUMNS
from shorts_assets.store import StoreResource

# A shell starts a background job (`make test &`, nohup) with SIGINT ignored, and
# every process inherits that; `dagster code-server` and `dagster dev` then ignore SIGTERM as well,
# and stopping each one waits out stop_group's 30 s before SIGKILL. The tests, and all they start,
# take interrupts as usual.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The tests render the same graph at a sixteenth of the pixels; a few spec tests ask for PRODUCTION.
SMALL = OutputFormat(width=270, height=480)

GOOD_ROW = {
    "topic": "honeybees",
    "category": "nature",
    "facts": "Bees dance to tell each other where flowers are. | A hive keeps its brood at 35 degrees.",
    "hook_style": "question",
    "target_seconds": "20",
    "music": "none",
}


def video_env(fmt: OutputFormat) -> dict[str, str]:
    """The environment that asks the factory for `fmt`."""
    return {"SHORTS_VIDEO_SIZE": fmt.size, "SHORTS_VIDEO_FPS": str(fmt.fps)}


def small_settings(env: Mapping[str, str]) -> Settings:
    """Settings from exactly `env`, rendering small unless `env` names a size."""
    return Settings.from_env({**video_env(SMALL), **env})


def local_store(folder: Path) -> StoreResource:
    """A store in `folder`/store, its local copies in `folder`/cache."""
    return StoreResource(root=str(folder / "store"), cache_dir=str(folder / "cache"))


def platform_upload(video: Path, folder: Path) -> Upload:
    """What published_post hands a platform, around a given video file."""
    thumbnail = folder / "thumbnail.jpg"
    thumbnail.write_bytes(b"jpeg")
    return Upload(item_id="bees-1", video=video, thumbnail=thumbnail, title="Why do bees dance?",
                  description="Bees talk by dancing.", tags=["#bees", "nature facts"],
                  attributes={"category": "nature"}, duration_s=31.5)


SYNC_CURSORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per instance, as the daemon keeps it


def sync_sheet(defs, instance):
    """One tick of the sheet sync, as the daemon runs it: rows brought up to date with the state, the
    review queue's materialization reported, and the runs rows ask for (returned in the SensorResult,
    not launched). Its cursor is kept from tick to tick."""
    from shorts_assets.automation.sheet_sync import sheet_sync

    with build_sensor_context(instance=instance, resources=defs.resources,
                              cursor=SYNC_CURSORS.get(instance)) as context:
        result = sheet_sync(context)
    if isinstance(result, SensorResult):
        SYNC_CURSORS[instance] = result.cursor
        for event in result.asset_events:
            instance.report_runless_asset_event(event)
    return result


def quick_queue(instance_config: Path, home: Path) -> Path:
    """`instance_config` written into the Dagster home `home`, its run queue looking for runs to launch
    every second instead of every five: the tests that go through the daemon wait less, and every
    limit and setting stays as it is."""
    config = yaml.safe_load(instance_config.read_text())
    config["run_coordinator"]["config"] = {**config["run_coordinator"].get("config", {}), "dequeue_interval_seconds": 1}
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return home / "dagster.yaml"


def write_sheet(path: Path, rows: list[dict[str, str]], columns=None) -> Path:
    columns = columns or [*IDEA_COLUMNS, *STATUS_COLUMNS]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_sheet(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# The longest modules, longest first (`make test-all`'s heavy ones lead). `make test` runs the suite
# in parallel workers, a module at a time per worker (pytest-xdist, --dist loadfile), in collection
# order: these start at once rather than last; every other module keeps its order after them.
LONGEST_FIRST = ("test_load.py", "test_learning_loop.py", "test_production.py", "test_transient_faults.py",
                 "test_review_ui.py", "test_secrets.py", "test_dev_ui.py", "test_fuzzed_rows.py", "test_demo.py",
                 "test_render_reference.py", "test_real_services.py", "test_crash_resume.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # stable: each module's tests stay together and in order


@pytest.fixture(scope="session", autouse=True)
def small_video():
    """Every test renders small, and so do the processes it starts: they inherit the environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in video_env(SMALL).items():
            patch.setenv(name, value)
        yield


@pytest.fixture
def offline(monkeypatch):
    """Any name but this machine's fails the test: nothing reaches the internet."""
    resolve = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        assert host in ("127.0.0.1", "localhost"), f"a test tried to reach {host}"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
def sheet_path(tmp_path) -> Path:
    return tmp_path / "content_sheet.csv"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server over HTTP on 127.0.0.1: boto3 talks to it exactly as to AWS."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    name = f"shorts-{free_port()}"
    client.create_bucket(Bucket=name)
    return client, name
