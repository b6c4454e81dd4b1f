"""The one Definitions: assets, checks, sensors, jobs and the resources config.py picks."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from . import checks
from .assets import analytics, idea, metrics, post, proposals, retraction, review, scenes, script, strategy, video
from .automation.intake import content_sheet_sensor
from .automation.jobs import (
    analytics_cycle,
    content_pipeline,
    produce_content,
    publish_content,
    retract_content,
    review_content,
)
from .automation.publishing import publishing_queue, publishing_slots
from .automation.review_queue import review_queue
from .automation.schedules import analytics_schedule
from .automation.sheet_sync import sheet_sync
from .config import Settings, build_resources


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[*load_assets_from_modules(
            [idea, script, scenes, video, post, metrics, retraction, review, analytics, strategy, proposals]),
            publishing_queue, review_queue],
        asset_checks=load_asset_checks_from_modules([checks]),
        jobs=[content_pipeline, produce_content, publish_content, retract_content, review_content, analytics_cycle],
        schedules=[analytics_schedule(settings.option("SHORTS_ANALYTICS_CRON", "0 * * * *"))],
        sensors=[content_sheet_sensor, sheet_sync, publishing_slots],
        resources=build_resources(settings),
    )


defs = build_definitions(Settings.from_env())
