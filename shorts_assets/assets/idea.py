from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from ..keys import RowStatus
from ..models import Idea
from ..partitions import content_items
from ..policy import Policy
from ..providers.sheets import Sheet
from ..rows import RowError
from ..versions import idea_of, row_of
from . import SERVICE_RETRY, permanent, service_call


@asset(partitions_def=content_items, group_name="planning", kinds={"sheet"}, retry_policy=SERVICE_RETRY)
def idea(context: AssetExecutionContext, sheet: ResourceParam[Sheet], policy: Policy) -> Output[Idea]:
    """The content item's row, read from the sheet now, so an edited row is picked up. A language
    version is its row's idea in that language, with where it comes from in its metadata."""
    with service_call():
        found = row_of(sheet.rows(), context.partition_key)
    if found is None:
        raise permanent(f"no row in the content sheet has item_id {context.partition_key}")
    row, code = found
    try:
        record = idea_of(row, code, policy.media_allowance, policy.writer_adapts)
    except RowError as error:
        raise permanent(f"row {row.number}: {error}") from None
    if record.version is None:  # a version's part of its row is written by the sheet sync
        with service_call():
            sheet.update_item(record.item_id, {"status": RowStatus.PRODUCING, "error": ""})
    lineage = {} if record.version is None else {
        "source_row": row.number,
        "source_item": record.version.source_item,
        "source_language": record.version.source_language,
        "adapted": record.version.adapt,
    }
    return Output(
        record,
        metadata={
            "topic": record.topic,
            "row": row.number,
            "language": record.language,
            **lineage,
            "hook_style": record.hook_style.value,
            "facts": len(record.facts),
            "target_seconds": record.target_seconds,
            "idea": MetadataValue.json(record.model_dump(mode="json")),
        },
    )
