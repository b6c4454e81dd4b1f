"""How each live post is doing: the first asset of the learning chain.

The loop closes here. `script` declares its dependency on `content_strategy`, so the graph
cannot also draw published_post -> post_metrics (Dagster's asset graph has no cycles). The
link is the `live_posts` partition instead: a published, not retracted item is a live post,
and this asset reads that item's published_post record to find its posts.
"""

from datetime import UTC, datetime

from dagster import AssetExecutionContext, BackfillPolicy, Output, asset

from ..models import PostMetrics, PublishedPost
from ..partitions import live_posts
from ..providers import Deferred
from ..providers.channels import Platforms
from ..providers.platforms import CommentReader
from ..quota import reserve
from ..store import Store, StoreResource, load_record
from ..themes import keyword_themes
from . import SERVICE_RETRY, service_call
from .post import published_post

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


@asset(partitions_def=live_posts, backfill_policy=BackfillPolicy.single_run(), group_name="learning",
       pool="analytics", retry_policy=SERVICE_RETRY)
def post_metrics(
    context: AssetExecutionContext, platforms: Platforms, store: StoreResource
) -> Output[dict[str, PostMetrics]]:
    """How each live post is doing now, added to every snapshot taken before. An analytics cycle
    targets every live post at once (one run a cycle); the UI can rematerialize one."""
    opened, now = store.open(), datetime.now(UTC)
    records = {}
    for item in context.partition_keys:
        published: PublishedPost = load_record(opened, published_post.key, item)
        records[item] = take_snapshot(published, platforms, load_record(opened, context.asset_key, item), now,
                                      opened, context.log)
        context.add_asset_metadata(metrics_metadata(records[item]), partition_key=item)
    return Output(records, metadata={"cycle": now.isoformat()})
