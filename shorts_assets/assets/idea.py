from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from ..keys import RowStatus
from ..models import Idea
from ..partitions import content_items
from ..policy import Policy
from ..providers.sheets import Sheet
from ..rows import RowError, idea_from_row
from . import SERVICE_RETRY, permanent, service_call


@asset(partitions_def=content_items, group_name="planning", kinds={"sheet"}, retry_policy=SERVICE_RETRY)
def idea(context: AssetExecutionContext, sheet: ResourceParam[Sheet], policy: Policy) -> Output[Idea]:
    """The content item's row, read from the sheet now, so an edited row is picked up."""
    with service_call():
        row = sheet.find(context.partition_key)
    if row is None:
        raise permanent(f"no row in the content sheet has item_id {context.partition_key}")
    try:
        record = idea_from_row(dict(row.values), row.number, policy.media_allowance)
    except RowError as error:
        raise permanent(f"row {row.number}: {error}") from None
    with service_call():
        sheet.update_item(record.item_id, {"status": RowStatus.PRODUCING, "error": ""})
    return Output(
        record,
        metadata={
            "topic": record.topic,
            "row": row.number,
            "hook_style": record.hook_style.value,
            "facts": len(record.facts),
            "target_seconds": record.target_seconds,
            "idea": MetadataValue.json(record.model_dump(mode="json")),
        },
    )
