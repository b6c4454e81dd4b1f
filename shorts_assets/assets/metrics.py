from datetime import UTC, datetime

from dagster import AssetExecutionContext, Output, asset

from ..models import PostMetrics, PublishedPost
from ..partitions import content_items
from ..providers.channels import Platforms
from . import SERVICE_RETRY


@asset(partitions_def=content_items, group_name="distribution", pool="analytics", retry_policy=SERVICE_RETRY)
def post_metrics(
    context: AssetExecutionContext, published_post: PublishedPost, platforms: Platforms
) -> Output[PostMetrics]:
    """How each post is doing now, one snapshot per platform."""
    now = datetime.now(UTC)
    snapshots = [platforms.get(post.platform).metrics(post, now) for post in published_post.posts]
    record = PostMetrics(item_id=published_post.item_id, snapshots=snapshots)
    return Output(
        record,
        metadata={
            "views": sum(s.views for s in snapshots),
            "likes": sum(s.likes for s in snapshots),
            "comments": sum(s.comments for s in snapshots),
            "avg_view_duration_s": max((s.avg_view_duration_s for s in snapshots), default=0.0),
            "simulated": any(s.simulated for s in snapshots),
        },
    )
