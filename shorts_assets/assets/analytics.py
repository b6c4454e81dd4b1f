from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from ..models import ChannelAnalytics, MediaFile, PostMetrics
from ..policy import Policy
from ..providers.writers import ThemeReader, Themes, Writer
from ..store import StoreResource, load_record, scratch_dir
from ..themes import keyword_themes
from . import cost_metadata, service_call
from .post import published_post
from .video import rendered_video


@asset(group_name="learning", pool="analytics", kinds={"pandas"})
def channel_analytics(
    context: AssetExecutionContext, post_metrics: dict[str, PostMetrics], store: StoreResource,
    writer: ResourceParam[Writer], policy: Policy,
) -> Output[ChannelAnalytics]:
    """One row per live post with its item's attributes (the posting hour and weekday on the
    channel's clock) and its metrics 1 h, 24 h and 7 d after posting. The attributes come from
    the items' rendered_video and published_post records, read rather than declared for the
    reason post_metrics gives (the loop back to script)."""
    from ..analytics import channel_table, leaders_markdown, totals  # pandas: loaded only by an analytics run

    opened = store.open()
    items, comments = [], []
    for item, metrics in sorted(post_metrics.items()):
        items.append((load_record(opened, rendered_video.key, item), load_record(opened, published_post.key, item),
                      metrics))
        comments += metrics.comments
    table = channel_table(items, policy.channel_zone)
    with scratch_dir(context) as work:
        path = work / "channel_analytics.csv"
        table.to_csv(path, index=False)
    figures = totals(table)
    with service_call():  # a writer service reads the comments; offline, their keywords do
        read = writer.themes(comments) if isinstance(writer, ThemeReader) else Themes(keyword_themes(comments))
    record = ChannelAnalytics(items=len(items), table=MediaFile(name=path.name, mime="text/csv", path=path),
                              totals=figures, themes=read.themes)
    return Output(record, metadata={**figures, "leaders": MetadataValue.md(leaders_markdown(table)),
                                    "themes": ", ".join(record.themes) or "-",
                                    **cost_metadata([read.cost] if read.cost else [])})
