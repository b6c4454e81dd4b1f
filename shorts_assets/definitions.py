"""The one Definitions: assets, checks, sensors, jobs and the resources config.py picks."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from . import checks
from .assets import analytics, clips, idea, metrics, narration, post, proposals, retraction, script, strategy, video
from .automation import (
    analytics_cycle,
    analytics_schedule,
    approval_sensor,
    content_failure_sensor,
    content_pipeline,
    content_sheet_sensor,
    content_status_sensor,
    deferred_sensor,
    produce_content,
    publish_content,
)
from .config import Settings, build_resources


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=load_assets_from_modules(
            [idea, script, narration, clips, video, post, metrics, retraction, analytics, strategy, proposals]),
        asset_checks=load_asset_checks_from_modules([checks]),
        jobs=[content_pipeline, produce_content, publish_content, retraction.retract_content, analytics_cycle],
        schedules=[analytics_schedule(settings.option("SHORTS_ANALYTICS_CRON", "0 * * * *"))],
        sensors=[content_sheet_sensor, approval_sensor, deferred_sensor, retraction.retraction_sensor,
                 content_status_sensor, content_failure_sensor],
        resources=build_resources(settings),
    )


defs = build_definitions(Settings.from_env())
