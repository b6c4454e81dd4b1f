"""Pool limits from a file into the instance.

Dagster keeps per-pool limits in its storage, and dagster.yaml only sets the default, so
`python -m shorts_assets.pools deploy/pools.yaml` is how the file becomes the limits. It is
safe to run at every start: setting a limit to its current value changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from dagster import DagsterInstance


def read_limits(path: Path) -> dict[str, int]:
    """`pool: steps at a time` pairs; anything else is an error that names the line."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected `pool: limit` lines")
    for pool, limit in data.items():
        if not isinstance(pool, str) or type(limit) is not int or limit < 0:
            raise ValueError(f"{path}: `{pool}: {limit}` is not a pool name with a whole number of steps")
    return data


def apply(instance: DagsterInstance, limits: dict[str, int]) -> None:
    for pool, limit in limits.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)


def current(instance: DagsterInstance, pools) -> dict[str, int]:
    return {pool: instance.event_log_storage.get_concurrency_info(pool).slot_count for pool in pools}


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m shorts_assets.pools deploy/pools.yaml")
    limits = read_limits(Path(argv[0]))
    with DagsterInstance.get() as instance:
        apply(instance, limits)
        print("pool limits: " + ", ".join(f"{pool} {n}" for pool, n in current(instance, limits).items()))


if __name__ == "__main__":
    main(sys.argv[1:])
