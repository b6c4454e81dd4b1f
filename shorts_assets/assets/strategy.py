from dagster import AssetExecutionContext, MetadataValue, Output, asset

from ..models import ChannelAnalytics, ContentStrategy
from ..policy import Policy
from ..strategy import explain, hours_text, learn


@asset(group_name="learning", kinds={"numpy"})
def content_strategy(
    context: AssetExecutionContext, channel_analytics: ChannelAnalytics, policy: Policy
) -> Output[ContentStrategy]:
    """What to make next: a Thompson-sampling bandit per attribute, with its uncertainty, and the
    hours `auto` publishing slots use (on the channel's clock, best first)."""
    from ..analytics import read_table, strategy_rows  # pandas: a content run's worker never loads it

    table = read_table(channel_analytics.table.local())
    record = learn(strategy_rows(table), seed=policy.seed + channel_analytics.items)
    record = record.model_copy(update={"themes": channel_analytics.themes})
    best = {belief.attribute: belief.best for belief in record.attributes}
    return Output(record, metadata={
        "items": record.items,
        **{f"best_{attribute}": value for attribute, value in best.items()},
        "posting_hours": hours_text(record.posting_hours),
        "channel_timezone": policy.channel_timezone,
        "explanation": MetadataValue.md(explain(record)),
    })
