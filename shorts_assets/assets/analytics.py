from datetime import UTC, datetime

from dagster import AssetExecutionContext, AssetMaterialization, MetadataValue, Output, ResourceParam, asset

from .. import keys
from ..analytics import channel_table, leaders_markdown, totals
from ..models import ChannelAnalytics, MediaFile, PublishedPost, RenderedVideo
from ..providers.channels import Platforms
from ..providers.writers import ThemeReader, Themes, Writer
from ..store import StoreResource, load_record, save_record, scratch_dir
from ..themes import keyword_themes
from . import cost_metadata, service_call
from .metrics import metrics_metadata, post_metrics, take_snapshot
from .post import published_post
from .retraction import retracted_post
from .video import rendered_video


def live_items(instance, store) -> list[str]:
    """Items published and not retracted: the ones an analytics cycle looks at."""
    published = instance.get_materialized_partitions(published_post.key)
    return sorted(k for k in published if store.read_json(keys.record(retracted_post.key, k)) is None)


@asset(group_name="learning", pool="analytics", kinds={"pandas"})
def channel_analytics(
    context: AssetExecutionContext, platforms: Platforms, store: StoreResource, writer: ResourceParam[Writer]
) -> Output[ChannelAnalytics]:
    """Every live post snapshotted now (each item's post_metrics gets the snapshot, so one
    cycle over any number of items is this one run), then one row per item with its
    attributes and its metrics 1 h, 24 h and 7 d after posting."""
    opened, now = store.open(), datetime.now(UTC)
    items, comments = [], []
    for item in live_items(context.instance, opened):
        published: PublishedPost = load_record(opened, published_post.key, item)
        video: RenderedVideo = load_record(opened, rendered_video.key, item)
        metrics = take_snapshot(published, platforms, load_record(opened, post_metrics.key, item), now, opened,
                                context.log)
        save_record(opened, post_metrics.key, item, metrics)
        context.log_event(AssetMaterialization(asset_key=post_metrics.key, partition=item,
                                               metadata={**metrics_metadata(metrics), "cycle": now.isoformat()}))
        items.append((video, published, metrics))
        comments += metrics.comments
    table = channel_table(items)
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
