from datetime import UTC, datetime

from dagster import AssetExecutionContext, Output, asset

from ..models import PostMetrics, PublishedPost
from ..partitions import content_items
from ..providers import Deferred
from ..providers.channels import Platforms
from ..providers.platforms import CommentReader
from ..quota import reserve
from ..store import Store, StoreResource, load_record
from ..themes import keyword_themes
from . import SERVICE_RETRY, service_call

KEEP_SNAPSHOTS = 500  # hourly for about three weeks: enough for the 7-day window
COMMENTS_PER_POST = 20


def affordable(posts: list, store: Store, log) -> list:
    """The posts whose platform's quota still has room for a read; the others wait for its next window."""
    kept = []
    for post, platform in posts:
        allowance = platform.allowance()
        try:
            if allowance is not None and allowance.per_read:
                reserve(store, allowance, allowance.per_read)
        except Deferred as deferral:
            log.warning(f"{post.platform} post {post.post_id} is not read this time: {deferral}")
            continue
        kept.append((post, platform))
    return kept


def take_snapshot(published: PublishedPost, platforms: Platforms, earlier: PostMetrics | None,
                  now: datetime, store: Store, log) -> PostMetrics:
    """A new snapshot of every post on a platform still enabled (and with quota to read it),
    added to the item's history, with the latest comments and what they are about."""
    posts = affordable([(post, platforms.get(post.platform)) for post in published.posts
                        if post.platform in platforms.order], store, log)
    with service_call():
        snapshots = [platform.metrics(post, now) for post, platform in posts]
        comments = [text for post, platform in posts if isinstance(platform, CommentReader)
                    for text in platform.comments(post, COMMENTS_PER_POST)]
    history = [*(earlier.snapshots if earlier else []), *snapshots][-KEEP_SNAPSHOTS:]
    return PostMetrics(item_id=published.item_id, snapshots=history, comments=comments,
                       themes=keyword_themes(comments))


def metrics_metadata(record: PostMetrics) -> dict:
    latest = list({s.platform: s for s in record.snapshots}.values())  # the newest of each platform
    return {
        "views": sum(s.views for s in latest),
        "likes": sum(s.likes for s in latest),
        "comments": sum(s.comments for s in latest),
        "avg_view_duration_s": max((s.avg_view_duration_s for s in latest), default=0.0),
        "snapshots": len(record.snapshots),
        "themes": ", ".join(record.themes) or "-",
        "simulated": any(s.simulated for s in latest),
    }


@asset(partitions_def=content_items, group_name="distribution", pool="analytics", retry_policy=SERVICE_RETRY)
def post_metrics(
    context: AssetExecutionContext, published_post: PublishedPost, platforms: Platforms, store: StoreResource
) -> Output[PostMetrics]:
    """How each post is doing now, added to every snapshot taken before."""
    earlier = load_record(store.open(), context.asset_key, published_post.item_id)
    record = take_snapshot(published_post, platforms, earlier, datetime.now(UTC), store.open(), context.log)
    return Output(record, metadata=metrics_metadata(record))
