from dagster import AssetExecutionContext, MetadataValue, Output, asset

from ..models import Idea, Post, PublishedPost, RenderedVideo, Script
from ..partitions import content_items
from ..providers.platforms import Platforms, Upload
from ..store import Store, StoreResource
from . import SERVICE_RETRY


def publish_once(platform, upload: Upload, store: Store) -> Post:
    """Consult the durable post ledger before uploading; record the post id the moment it exists.

    A retry or a rematerialization therefore never posts the same item twice.
    """
    ledger = f"published_post/{upload.item_id}/posts/{platform.name}.json"
    known = store.read_json(ledger)
    if known is not None:
        return Post.model_validate(known)
    post = platform.publish(upload)
    store.put_json(ledger, post.model_dump(mode="json"))
    return post


@asset(partitions_def=content_items, group_name="distribution", pool="upload", retry_policy=SERVICE_RETRY)
def published_post(
    context: AssetExecutionContext,
    idea: Idea,
    script: Script,
    rendered_video: RenderedVideo,
    platforms: Platforms,
    store: StoreResource,
) -> Output[PublishedPost]:
    """The video on every enabled platform, once each."""
    upload = Upload(
        item_id=idea.item_id,
        video=rendered_video.video.local(),
        thumbnail=rendered_video.thumbnail.local(),
        title=script.title,
        description=script.description,
        tags=script.hashtags,
        attributes=rendered_video.attributes,
        duration_s=rendered_video.duration_s,
    )
    posts = [publish_once(platform, upload, store.open()) for platform in platforms.enabled()]
    record = PublishedPost(item_id=idea.item_id, posts=posts)
    return Output(
        record,
        metadata={
            "platforms": ", ".join(p.platform for p in posts),
            **{f"{p.platform}_url": MetadataValue.url(p.url) for p in posts},
            "simulated": any(p.simulated for p in posts),
        },
    )
