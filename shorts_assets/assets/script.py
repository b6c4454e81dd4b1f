from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from ..deferrals import deferrable
from ..models import Idea, Script
from ..partitions import content_items
from ..policy import Policy
from ..providers.writers import Writer
from ..review_pages import script_page
from ..store import StoreResource, load_record
from . import SERVICE_RETRY, cost_metadata, service_call
from .strategy import content_strategy


@asset(partitions_def=content_items, group_name="planning", pool="llm", retry_policy=SERVICE_RETRY,
       output_required=False, deps=[content_strategy])
@deferrable
def script(
    context: AssetExecutionContext, idea: Idea, writer: ResourceParam[Writer], store: StoreResource, policy: Policy
) -> Output[Script]:
    """Hook, beats with visual cues and a call to action, from the writer, with the current
    content strategy's hints when there is a strategy yet. Waits when the day's budget is spent."""
    policy.hold_paid_work(context.instance, context.asset_key)
    strategy = load_record(store.open(), content_strategy.key)
    hints = strategy.hints if strategy else ""
    with service_call():
        record = writer.write(idea, hints)
    return Output(
        record,
        metadata={
            "writer": record.writer,
            "title": record.title,
            "word_count": record.word_count,
            "scenes": len(record.scenes),
            "text": MetadataValue.md(script_page(record)),
            "strategy_hints": hints or "-",
            **cost_metadata(record.costs),
        },
    )
