"""The production config, checked without a cluster: the instance file with each run launcher
validates against the classes it names, the image definition only names what exists, and the
pool limits file reads as it should."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
import yaml
from dagster import DagsterInstance
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import ConfigurableClassData

from shorts_assets.pools import apply, current, read_limits
from shorts_assets.prod_local import DEPLOY, ROOT

ENV = {"DAGSTER_PG_USERNAME": "dagster", "DAGSTER_PG_PASSWORD": "secret", "DAGSTER_PG_HOST": "db.internal",
       "DAGSTER_PG_DB": "dagster", "DAGSTER_PG_PORT": "5432", "DAGSTER_COMPUTE_LOGS_BUCKET": "logs",
       "S3_ENDPOINT_URL": "https://s3.eu-west-1.amazonaws.com", "DAGSTER_K8S_NAMESPACE": "shorts"}
POOLS = {"llm", "scenes", "render", "upload", "analytics"}


def compose(launcher: str) -> str:
    """The instance file as deploy/Dockerfile bakes it for RUN_LAUNCHER=launcher."""
    parts = [DEPLOY / "dagster.yaml"] + ([] if launcher == "default" else [DEPLOY / "launchers" / f"{launcher}.yaml"])
    return "".join(part.read_text() for part in parts)


def configured_class(section: dict):
    """The class a module/class section names, found the way the instance finds it."""
    named = ConfigurableClassData(section["module"], section["class"], "{}")
    return getattr(import_module(named.module_name), named.class_name)


@pytest.mark.parametrize("launcher", ["default", "ecs", "k8s"])
def test_the_production_instance_config_validates_with_each_run_launcher(launcher, tmp_path, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "dagster.yaml").write_text(compose(launcher))
    config, _ = dagster_instance_config(str(tmp_path))

    postgres = config["storage"]["postgres"]["postgres_db"]
    assert postgres["scheme"] == "postgresql+psycopg2"
    # addresses and the password come only from the environment
    assert {key: postgres[key] for key in ("username", "password", "hostname", "db_name")} == {
        "username": {"env": "DAGSTER_PG_USERNAME"}, "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": {"env": "DAGSTER_PG_HOST"}, "db_name": {"env": "DAGSTER_PG_DB"}}
    import_module("psycopg2")  # the driver the scheme names is installed
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_retries"]["enabled"] and not config["run_retries"]["retry_on_asset_or_op_failure"]
    assert config["run_monitoring"]["enabled"]
    assert config["concurrency"]["pools"]["granularity"] == "op"

    sections = ["run_coordinator", "compute_logs"] + ([] if launcher == "default" else ["run_launcher"])
    for name in sections:
        section = config[name]
        checked = process_config(configured_class(section).config_type(), section.get("config") or {})
        assert checked.success, (name, [error.message for error in checked.errors])
        if name == "compute_logs":
            assert checked.value["endpoint_url"] == ENV["S3_ENDPOINT_URL"]
        if name == "run_launcher" and launcher == "k8s":
            assert checked.value["job_namespace"] == "shorts"


def test_the_image_definition_names_only_what_exists():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE):
        *sources, _ = line.split()
        for source in sources:
            assert (ROOT / source).exists(), source
    launchers = re.search(r"ARG RUN_LAUNCHER=(\w+)", dockerfile).group(1)
    assert launchers == "default"
    assert {path.stem for path in (DEPLOY / "launchers").glob("*.yaml")} == {"ecs", "k8s"}
    command = re.search(r"^CMD (\[.*?\])", dockerfile, flags=re.MULTILINE | re.DOTALL).group(1)
    command = yaml.safe_load(command.replace("\\\n", ""))
    module = command[command.index("-m") + 1]
    assert hasattr(import_module(module), "defs")
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]
    assert command[command.index("--location-name") + 1] == workspace["location_name"] == "shorts_assets"
    assert str(command[command.index("-p") + 1]) == "4000"


def test_pool_limits_cover_every_pool_the_assets_use_and_apply_to_the_instance(tmp_path):
    limits = read_limits(DEPLOY / "pools.yaml")
    used = set()
    for path in (ROOT / "shorts_assets" / "assets").glob("*.py"):
        used |= set(re.findall(r'pool="(\w+)"', path.read_text()))
    assert used == POOLS == set(limits)
    with DagsterInstance.ephemeral() as instance:
        apply(instance, limits)
        apply(instance, limits)  # again at the next start: nothing changes
        assert current(instance, limits) == limits


def test_a_bad_pool_limits_file_names_the_line(tmp_path):
    bad = tmp_path / "pools.yaml"
    bad.write_text("render: two\n")
    with pytest.raises(ValueError, match="render: two"):
        read_limits(bad)
