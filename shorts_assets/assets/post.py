from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from .. import keys
from ..deferrals import deferrable
from ..keys import approved
from ..models import Idea, Post, PublishedPost, RenderedVideo, Script
from ..partitions import content_items
from ..policy import Policy
from ..providers import Deferred, PermanentError, TransientError
from ..providers.channels import Platforms
from ..providers.platforms import Progress, Upload, schedules_ahead
from ..providers.sheets import Sheet
from ..quota import exhaust, reserve_post
from ..store import Store, StoreResource
from ..versions import item_status
from . import SERVICE_RETRY, permanent, service_call


def publish_once(platform, upload: Upload, store: Store) -> Post:
    """Consult the durable post ledger before uploading; record the post id the moment it exists.

    A retry or a rematerialization therefore never posts the same item twice. The upload's
    progress is kept beside the ledger entry, so a worker that died mid-upload is followed by
    one that resumes that upload rather than starting a second post.
    """
    ledger = keys.post_ledger(published_post.key, upload.item_id, platform.name)
    known = store.read_json(ledger)
    if known is not None:
        if known.get("retracted_at"):
            raise PermanentError(f"{platform.name} post {known['post_id']} was retracted at {known['retracted_at']}; "
                                 "a retracted item is not published again (give it a new item_id to publish it anew)")
        return Post.model_validate(known)
    progress_key = keys.upload_progress(published_post.key, upload.item_id, platform.name)
    progress = Progress(store.read_json(progress_key) or {}, lambda state: store.put_json(progress_key, state))
    allowance = platform.allowance()
    if allowance is not None and not progress.state:
        reserve_post(store, allowance)  # an upload under way already has its share
    try:
        post = platform.publish(upload, progress)
    except Deferred as deferral:
        if allowance is None:
            raise
        raise Deferred(deferral.reason, until=max(deferral.until, exhaust(store, allowance))) from deferral
    store.put_json(ledger, post.model_dump(mode="json"))
    return post


def publish_everywhere(platforms: list, upload: Upload, store: Store) -> list[Post]:
    """Every platform is tried even when one fails: a failure never undoes another's post,
    and the retry (the ledger) only does what is missing. Any transient failure makes the
    whole step worth retrying; when every failure is a used-up quota, the step is deferred;
    otherwise the failures are permanent."""
    posts, failures = [], []
    for platform in platforms:
        try:
            posts.append(publish_once(platform, upload, store))
        except Exception as error:  # noqa: BLE001 - reported below, after the other platforms
            failures.append((platform.name, error))
    if not failures:
        return posts
    done = f" (published on {', '.join(p.platform for p in posts)})" if posts else ""
    message = "; ".join(f"{name}: {error}" for name, error in failures) + done
    if all(isinstance(error, Deferred) for _, error in failures):
        raise Deferred("; ".join(f"{name}: {error.reason}" for name, error in failures) + done,
                       until=min(error.until for _, error in failures))
    if all(isinstance(error, PermanentError | ValueError) for _, error in failures):
        raise PermanentError(message)
    waits = [e.retry_after for _, e in failures if isinstance(e, TransientError) and e.retry_after]
    raise TransientError(message, retry_after=max(waits) if waits else None)


# YouTube schedules only ahead: an upload that missed its slot goes public this long after it starts.
LATE_LEAD = timedelta(minutes=15)


def publish_on_time(platforms: list, upload: Upload, store: Store, when: datetime | None, now: datetime
                    ) -> list[Post] | None:
    """Publish at the item's time (`when`, its slot; None: at once). Before it, only the platforms
    that schedule ahead get the upload, to go public at `when` (None is returned: nothing is
    published yet); from `when` on, every platform, those already scheduled from their ledger."""
    if when is None:
        return publish_everywhere(platforms, upload, store)
    if when > now:
        ahead = [platform for platform in platforms if schedules_ahead(platform)]
        if ahead:
            publish_everywhere(ahead, replace(upload, publish_at=when), store)
        return None
    return publish_everywhere(platforms, replace(upload, publish_at=now + LATE_LEAD), store)


@asset(partitions_def=content_items, group_name="distribution", pool="upload", retry_policy=SERVICE_RETRY,
       output_required=False)
@deferrable
def published_post(
    context: AssetExecutionContext,
    idea: Idea,
    script: Script,
    rendered_video: RenderedVideo,
    platforms: Platforms,
    store: StoreResource,
    policy: Policy,
    sheet: ResourceParam[Sheet],
) -> Output[PublishedPost]:
    """The video on every enabled platform, once each; only once a person approved it, when
    review is required, however the run was launched. A platform whose quota is used up
    defers the post (nothing is materialized) until its window reopens. An item the publishing
    calendar gave a time is uploaded ahead where the platform schedules it (YouTube) and posted
    everywhere else at that time: before it, nothing is materialized."""
    if policy.review_required:
        with service_call():
            status = item_status(sheet.rows(), idea.item_id) or "no row"
        if not approved(status):
            raise permanent(f"{idea.item_id} is not approved for publishing (its row says {status!r}): "
                            "review the video and set the row's status to approved")
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
    opened = store.open()
    slot = opened.read_json(keys.slot(idea.item_id))
    with service_call():
        posts = publish_on_time(platforms.enabled(), upload, opened,
                                datetime.fromisoformat(slot["at"]) if slot else None, datetime.now(UTC))
    if posts is None:
        ahead = [platform.name for platform in platforms.enabled() if schedules_ahead(platform)]
        context.log.info(f"{idea.item_id} is scheduled for {slot['shown']}: "
                         + (f"uploaded ahead to {', '.join(ahead)}; " if ahead else "")
                         + "the other platforms get it then")
        return None
    record = PublishedPost(item_id=idea.item_id, posts=posts)
    return Output(
        record,
        metadata={
            "platforms": ", ".join(p.platform for p in posts),
            **{f"{p.platform}_url": MetadataValue.url(p.url) for p in posts},
            "simulated": any(p.simulated for p in posts),
            **({"slot": slot["shown"]} if slot else {}),
            **({"late": slot["late"]} if slot and slot.get("late") else {}),
        },
    )
