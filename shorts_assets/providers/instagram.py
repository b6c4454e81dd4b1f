"""Instagram Reels through the Instagram Graph API with a resumable upload.

Publishing: create a REELS container (upload_type=resumable), send the file to the rupload
host, poll the container until Instagram has processed it, publish it, read its permalink.
Nothing is public before media_publish, so until then any failure may simply be retried.
The token travels in the Authorization header, never in a URL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import sleep
from typing import TYPE_CHECKING

import httpx
from dagster import ConfigurableResource
from pydantic import Field

from ..models import MetricsSnapshot, Post
from . import Deferred, PermanentError, TransientError
from .http_errors import json_body, scrub, send, status_error, timeout
from .platforms import Allowance, Progress

if TYPE_CHECKING:
    from .platforms import Upload

CAPTION_LIMIT, HASHTAG_LIMIT = 2200, 30
RATE_LIMIT_CODES = {4, 17, 32, 613, 80002}
PERMISSION_CODES = {10, 200}
PUBLISH_LIMIT_SUBCODE = 2207042
INSIGHTS = ("views", "likes", "comments", "ig_reels_avg_watch_time")


def usage_wait(response: httpx.Response) -> float | None:
    """Seconds until a throttled app may call again, from Graph's X-Business-Use-Case-Usage header."""
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
        minutes = max(entry.get("estimated_time_to_regain_access", 0) for group in usage.values() for entry in group)
    except (ValueError, AttributeError, TypeError):
        return None
    return minutes * 60.0 or None


def graph_error(response: httpx.Response, token: str) -> Exception | None:
    """Graph's verdict on a response: None when fine, else the error to raise (without the token)."""
    if response.is_success:
        return None
    body = json_body(response)
    error = body.get("error") or {}
    code, subcode = error.get("code"), error.get("error_subcode")
    detail = scrub(f"code {code}/{subcode}: {error.get('error_user_msg') or error.get('message') or body}", token)
    if code == 190:
        return PermanentError(
            f"Instagram refused the access token ({detail}): set INSTAGRAM_ACCESS_TOKEN to a current token "
            "with instagram_content_publish and instagram_manage_insights"
        )
    if code in PERMISSION_CODES:
        return PermanentError(f"Instagram denied a permission ({detail}): grant it to INSTAGRAM_ACCESS_TOKEN's app")
    if code == 9 or subcode == PUBLISH_LIMIT_SUBCODE:
        return Deferred(f"Instagram's publishing limit for this account is reached ({detail})",
                        until=datetime.now(UTC) + timedelta(hours=24))
    if code in RATE_LIMIT_CODES:
        return TransientError(f"Instagram rate limit ({detail})", usage_wait(response) or 60.0)
    if error.get("is_transient") or code in (1, 2):
        return TransientError(f"Instagram had a passing fault ({detail})")
    return status_error("Instagram", response, detail)


def rupload_error(response: httpx.Response, token: str) -> Exception | None:
    """The upload host answers {"debug_info": {"retriable", "type", "message"}} when it fails."""
    if response.is_success:
        return None
    info = json_body(response).get("debug_info") or {}
    detail = scrub(f"{info.get('type', 'no type')}: {info.get('message') or response.reason_phrase}", token)
    if info.get("retriable"):
        return TransientError(f"Instagram upload failed for now ({detail})")
    if response.status_code == 401:
        return PermanentError(f"Instagram's upload host refused the token ({detail}): set INSTAGRAM_ACCESS_TOKEN")
    return status_error("Instagram upload", response, detail)


def caption(upload: Upload) -> str:
    """Description, then hashtags: Instagram keeps 2200 characters and 30 hashtags."""
    tags = " ".join("#" + tag.lstrip("#").replace(" ", "") for tag in upload.tags[:HASHTAG_LIMIT])
    return f"{upload.description}\n\n{tags}".strip()[:CAPTION_LIMIT]


def insight_values(data: list[dict]) -> dict[str, float]:
    """{metric: value} from an insights answer; a metric may come as values[0] or total_value."""
    values = {}
    for item in data:
        value = (item.get("total_value") or {}).get("value")
        if value is None and item.get("values"):
            value = item["values"][0].get("value")
        if isinstance(value, int | float):
            values[item.get("name")] = value
    return values


class InstagramReels(ConfigurableResource):
    """Reels on the Instagram professional account `ig_user_id`."""

    access_token: str = Field(repr=False, description="INSTAGRAM_ACCESS_TOKEN; kept out of reprs, logs and errors")
    ig_user_id: str
    graph_root: str = "https://graph.facebook.com"
    rupload_root: str = "https://rupload.facebook.com"
    api_version: str = "v21.0"
    share_to_feed: bool = True
    poll_seconds: float = 10.0
    poll_limit: int = 60
    daily_posts: int = 50
    timeout: float = 60.0
    name: str = "instagram"

    def allowance(self) -> Allowance:
        """Instagram caps API-published posts per account in a moving 24 hours (SHORTS_INSTAGRAM_DAILY_POSTS)."""
        return Allowance(self.name, {"posts": self.daily_posts}, {"posts": 1})

    def _graph(self, client: httpx.Client, method: str, path: str, **kwargs) -> dict:
        response = self._graph_response(client, method, path, **kwargs)
        error = graph_error(response, self.access_token)
        if error is not None:
            raise error
        return json_body(response)

    def _graph_response(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
        url = f"{self.graph_root.rstrip('/')}/{self.api_version}/{path}"
        auth = {"Authorization": f"Bearer {self.access_token}"}
        return send(client, "Instagram", method, url, headers=auth, **kwargs)

    def publish(self, upload: Upload, progress: Progress | None = None) -> Post:
        """Container, upload, processing, publish. The container is saved in `progress`, and a
        container publishes once only, so after a dead worker the same container is carried on."""
        progress = progress if progress is not None else Progress()
        video = Path(upload.video)
        with httpx.Client(timeout=timeout(self.timeout)) as client:
            container = progress.state.get("container") if progress.state.get("uploaded") else None
            if container is None:
                container = self._graph(client, "POST", f"{self.ig_user_id}/media", data={
                    "media_type": "REELS", "upload_type": "resumable", "caption": caption(upload),
                    "share_to_feed": str(self.share_to_feed).lower(),
                })["id"]
                progress.save(container=container, uploaded=False)
                self._upload(client, container, video)
                progress.save(uploaded=True)
            media_id = progress.state.get("media_id") or self._publish_container(client, container, progress)
            url = self._permalink(client, media_id)
        return Post(platform=self.name, post_id=media_id, url=url, published_at=datetime.now(UTC))

    def _publish_container(self, client: httpx.Client, container: str, progress: Progress) -> str:
        """Publish a processed container and save the media id it became."""
        if self._await_container(client, container) == "PUBLISHED":
            raise PermanentError(f"Instagram already published container {container}, but its media id was lost "
                                 "with the worker that published it: find the reel in the app before posting again")
        media_id = self._graph(client, "POST", f"{self.ig_user_id}/media_publish",
                               data={"creation_id": container})["id"]
        progress.save(media_id=media_id)
        return media_id

    def _upload(self, client: httpx.Client, container: str, video: Path) -> None:
        """The whole file in one request from offset 0; a failed upload restarts with a new container."""
        url = f"{self.rupload_root.rstrip('/')}/ig-api-upload/{self.api_version}/{container}"
        data = video.read_bytes()  # bytes, so that a passing fault can send them again
        response = send(client, "Instagram upload", "POST", url, content=data, headers={
            "Authorization": f"OAuth {self.access_token}", "offset": "0", "file_size": str(len(data)),
            "Content-Type": "application/octet-stream", "Content-Length": str(len(data)),
        })
        error = rupload_error(response, self.access_token)
        if error is not None:
            raise error

    def _await_container(self, client: httpx.Client, container: str) -> str:
        """Wait until Instagram has processed the video; nothing is public yet, so giving up is transient."""
        for _ in range(self.poll_limit):
            state = self._graph(client, "GET", container, params={"fields": "status_code,status"})
            if state.get("status_code") in ("FINISHED", "PUBLISHED"):
                return state["status_code"]
            if state.get("status_code") in ("ERROR", "EXPIRED"):
                raise PermanentError(f"Instagram could not process the video: {state.get('status') or state}")
            sleep(self.poll_seconds)
        raise TransientError(f"Instagram was still processing the video after {self.poll_limit} checks")

    def _permalink(self, client: httpx.Client, media_id: str) -> str:
        """The reel's link. The reel is already public, so a failure here must not fail the
        publish (a retry would post it twice): fall back on Instagram's home page."""
        try:
            return self._graph(client, "GET", media_id, params={"fields": "permalink"})["permalink"]
        except (TransientError, PermanentError, KeyError):
            return "https://www.instagram.com/"

    def metrics(self, post: Post, now: datetime) -> MetricsSnapshot:
        """Views, likes, comments and average watch time (ms on the wire). A metric Instagram
        does not give for this media counts as 0."""
        with httpx.Client(timeout=timeout(self.timeout)) as client:
            values = self._insights(client, post.post_id)
        return MetricsSnapshot(
            platform=self.name, post_id=post.post_id, taken_at=now,
            hours_since_post=round(max(0.0, (now - post.published_at).total_seconds() / 3600), 3),
            views=int(values.get("views", 0)), likes=int(values.get("likes", 0)),
            comments=int(values.get("comments", 0)),
            avg_view_duration_s=round(values.get("ig_reels_avg_watch_time", 0) / 1000, 3),
        )

    def _insights(self, client: httpx.Client, media_id: str, metrics: tuple[str, ...] = INSIGHTS) -> dict[str, float]:
        """All metrics in one call; when Graph rejects one (code 100), ask for each alone and skip the rejected."""
        response = self._graph_response(client, "GET", f"{media_id}/insights", params={"metric": ",".join(metrics)})
        if (json_body(response).get("error") or {}).get("code") == 100:
            if len(metrics) == 1:
                return {}
            values: dict[str, float] = {}
            for metric in metrics:
                values.update(self._insights(client, media_id, (metric,)))
            return values
        error = graph_error(response, self.access_token)
        if error is not None:
            raise error
        return insight_values(json_body(response).get("data") or [])

    def retract(self, post: Post) -> None:
        """The Instagram Graph API has no delete for media: only a person in the app can take a reel down."""
        raise PermanentError(f"Instagram's API cannot delete a post: delete reel {post.post_id} in the Instagram app "
                             f"({post.url})")
