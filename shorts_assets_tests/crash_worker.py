"""A run worker the crash tests kill: it runs `content_pipeline` for an item, or re-executes a
run from its failure, on the instance DAGSTER_HOME names, as the run launcher's worker would.

    python -m shorts_assets_tests.crash_worker run <item>
    python -m shorts_assets_tests.crash_worker resume <run id>
"""

import sys

from dagster import DagsterInstance, ReexecutionOptions, execute_job, reconstructable


def content_pipeline():
    from shorts_assets.definitions import defs

    return defs.resolve_job_def("content_pipeline")


def run(mode: str, target: str, instance: DagsterInstance):
    job = reconstructable(content_pipeline)
    if mode == "run":
        return execute_job(job, instance, tags={"dagster/partition": target})
    parent = instance.get_run_by_id(target)  # as the UI's re-execution, it keeps the run's partition
    return execute_job(job, instance, tags={"dagster/partition": parent.tags["dagster/partition"]},
                       reexecution_options=ReexecutionOptions.from_failure(target, instance))


if __name__ == "__main__":
    with DagsterInstance.get() as current:
        sys.exit(0 if run(sys.argv[1], sys.argv[2], current).success else 1)
