from dagster import AssetExecutionContext, MetadataValue, Output, asset

from ..models import ChannelAnalytics, ContentStrategy
from ..policy import Policy
from ..strategy import explain, learn


@asset(group_name="learning", kinds={"numpy"})
def content_strategy(
    context: AssetExecutionContext, channel_analytics: ChannelAnalytics, policy: Policy
) -> Output[ContentStrategy]:
    """What to make next: a Thompson-sampling bandit per attribute, with its uncertainty."""
    import pandas as pd  # here, not at the top: a content run's worker never loads pandas

    from ..analytics import strategy_rows

    table = pd.read_csv(channel_analytics.table.local())
    record = learn(strategy_rows(table), seed=policy.seed + channel_analytics.items)
    record = record.model_copy(update={"themes": channel_analytics.themes})
    best = {belief.attribute: belief.best for belief in record.attributes}
    return Output(record, metadata={
        "items": record.items,
        **{f"best_{attribute}": value for attribute, value in best.items()},
        "explanation": MetadataValue.md(explain(record)),
    })
