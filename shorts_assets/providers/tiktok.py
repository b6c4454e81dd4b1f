"""TikTok through the Content Posting API (Direct Post) and the Display API's video query.

Publishing: ask what the creator may post (privacy options, longest video), init a
FILE_UPLOAD post, PUT the file in chunks to the returned upload URL, then poll the post's
status. Once the last chunk is in, TikTok posts the video whatever happens to us, so from
then on nothing raises a TransientError: a retry would post it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import sleep
from typing import TYPE_CHECKING

import httpx
from dagster import ConfigurableResource
from pydantic import Field

from ..models import MetricsSnapshot, Post
from . import Deferred, PermanentError, TransientError
from .http_errors import json_body, retry_after, scrub, send, status_error, timeout
from .platforms import Allowance, Progress

if TYPE_CHECKING:
    from .platforms import Upload

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 1000
CAPTION_LIMIT = 2200
AUTH_CODES = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
CAP_CODES = {"spam_risk_too_many_posts", "reached_active_user_cap"}
BANNED_CODES = {"spam_risk_user_banned_from_posting"}
METRIC_FIELDS = "id,view_count,like_count,comment_count,share_count"


def chunk_plan(video_size: int, chunk_size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) by TikTok's rules: the count is video_size // chunk_size
    and the trailing bytes ride on the last chunk; a video no bigger than a chunk goes whole."""
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise ValueError(f"TikTok chunks must be 5-64 MB, not {chunk_size / MB:g} MB")
    if video_size <= 0:
        raise ValueError("the video file is empty")
    if video_size <= chunk_size:
        return video_size, 1
    chunk_size = max(chunk_size, -(-video_size // MAX_CHUNKS))
    return chunk_size, video_size // chunk_size


def chunk_ranges(video_size: int, chunk_size: int, count: int) -> list[tuple[int, int]]:
    """Each chunk's first and last byte (inclusive, as Content-Range counts them)."""
    return [
        (i * chunk_size, (i + 1) * chunk_size - 1 if i < count - 1 else video_size - 1) for i in range(count)
    ]


def tiktok_error(response: httpx.Response, token: str) -> Exception | None:
    """TikTok's verdict on a response: None when fine, else the error to raise (without the token)."""
    error = json_body(response).get("error") or {}
    code = error.get("code", "ok" if response.is_success else "")
    if response.is_success and code == "ok":
        return None
    detail = scrub(f"{code or 'no error code'}: {error.get('message') or response.reason_phrase}", token)
    if code in AUTH_CODES:
        return PermanentError(
            f"TikTok refused the access token ({detail}): set TIKTOK_ACCESS_TOKEN to a current user token "
            "authorized for video.publish and video.list"
        )
    if code in CAP_CODES:
        return Deferred(f"TikTok's posting cap is reached ({detail})", until=datetime.now(UTC) + timedelta(hours=24))
    if code in BANNED_CODES:
        return PermanentError(f"TikTok does not let this account post ({detail}): see the account in the TikTok app")
    if code == "rate_limit_exceeded":
        return TransientError(f"TikTok rate limit ({detail})", retry_after(response.headers) or 60.0)
    return status_error("TikTok", response, detail)


def caption(upload: Upload) -> str:
    """The post's title line: TikTok shows it as the caption, hashtags included."""
    tags = " ".join("#" + tag.lstrip("#").replace(" ", "") for tag in upload.tags)
    return f"{upload.title} {tags}".strip()[:CAPTION_LIMIT]


class TikTokChannel(ConfigurableResource):
    """Direct Post to the TikTok account whose user token this is.

    `privacy_level` must be one the creator is offered; apps TikTok has not audited may
    only post SELF_ONLY. `ai_generated` sets TikTok's AI-generated content label.
    """

    access_token: str = Field(repr=False, description="TIKTOK_ACCESS_TOKEN; kept out of reprs, logs and errors")
    api_root: str = "https://open.tiktokapis.com"
    privacy_level: str = "SELF_ONLY"
    chunk_mb: int = 10
    ai_generated: bool = True
    disable_comment: bool = False
    poll_seconds: float = 5.0
    poll_limit: int = 60
    daily_posts: int = 15
    timeout: float = 60.0
    name: str = "tiktok"

    def allowance(self) -> Allowance:
        """TikTok caps a creator's Direct Posts in a moving 24 hours (SHORTS_TIKTOK_DAILY_POSTS)."""
        return Allowance(self.name, {"posts": self.daily_posts}, {"posts": 1})

    def _api(self, client: httpx.Client, path: str, body: dict, params: dict | None = None) -> dict:
        response = send(
            client, "TikTok", "POST", self.api_root.rstrip("/") + path, json=body, params=params,
            headers={"Authorization": f"Bearer {self.access_token}", "Content-Type": "application/json; charset=UTF-8"},
        )
        error = tiktok_error(response, self.access_token)
        if error is not None:
            raise error
        return json_body(response).get("data") or {}

    def publish(self, upload: Upload, progress: Progress | None = None) -> Post:
        """Init, upload, await the post. The publish id is saved in `progress` at init, so after a
        dead worker a publish whose bytes all reached TikTok is awaited, not posted again."""
        progress = progress if progress is not None else Progress()
        video = Path(upload.video)
        size = video.stat().st_size
        chunk_size, count = chunk_plan(size, self.chunk_mb * MB)
        with httpx.Client(timeout=timeout(self.timeout)) as client:
            creator = self._api(client, "/v2/post/publish/creator_info/query/", {})
            self._check_creator(creator, upload.duration_s)
            publish_id = self._uploaded_before(client, progress, size)
            if publish_id is None:
                init = self._api(client, "/v2/post/publish/video/init/", {
                    "post_info": {
                        "title": caption(upload),
                        "privacy_level": self.privacy_level,
                        "disable_comment": self.disable_comment or bool(creator.get("comment_disabled")),
                        "disable_duet": bool(creator.get("duet_disabled")),
                        "disable_stitch": bool(creator.get("stitch_disabled")),
                        "is_aigc": self.ai_generated,
                    },
                    "source_info": {
                        "source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk_size,
                        "total_chunk_count": count,
                    },
                })
                publish_id = init["publish_id"]
                progress.save(publish_id=publish_id, size=size, uploaded=False)
                self._upload(client, init["upload_url"], video, size, chunk_ranges(size, chunk_size, count))
                progress.save(uploaded=True)
            status = self._await_post(client, publish_id)
        public = status.get("publicaly_available_post_id") or []
        username = creator.get("creator_username", "")
        post_id = str(public[0]) if public else publish_id
        url = f"https://www.tiktok.com/@{username}/video/{post_id}" if public else f"https://www.tiktok.com/@{username}"
        return Post(platform=self.name, post_id=post_id, url=url, published_at=datetime.now(UTC))

    def _uploaded_before(self, client: httpx.Client, progress: Progress, size: int) -> str | None:
        """The saved publish id when all its bytes reached TikTok (so TikTok posts it whatever we do);
        None when there is none, or its upload never finished and TikTok drops it."""
        publish_id = progress.state.get("publish_id")
        if not publish_id or progress.state.get("size") != size:
            return None
        if progress.state.get("uploaded"):
            return publish_id
        status = self._api(client, "/v2/post/publish/status/fetch/", {"publish_id": publish_id})
        return publish_id if status.get("uploaded_bytes") == size or status.get("status") == "PUBLISH_COMPLETE" \
            else None

    def _check_creator(self, creator: dict, duration_s: float) -> None:
        """Fail before uploading when TikTok would refuse the post anyway."""
        options = creator.get("privacy_level_options") or []
        if options and self.privacy_level not in options:
            raise PermanentError(
                f"TikTok does not offer privacy level {self.privacy_level!r} to this account: "
                f"set SHORTS_TIKTOK_PRIVACY to one of {', '.join(options)}"
            )
        longest = creator.get("max_video_post_duration_sec")
        if longest and duration_s > longest:
            raise PermanentError(f"the video lasts {duration_s:.0f} s; this TikTok account posts {longest} s at most")

    def _upload(self, client: httpx.Client, url: str, video: Path, size: int, ranges: list[tuple[int, int]]) -> None:
        """PUT the chunks in order; TikTok answers 206 until the last, then 201."""
        with open(video, "rb") as handle:
            for first, last in ranges:
                chunk = handle.read(last - first + 1)
                response = send(client, "TikTok upload", "PUT", url, content=chunk, headers={
                    "Content-Type": "video/mp4",
                    "Content-Length": str(len(chunk)),
                    "Content-Range": f"bytes {first}-{last}/{size}",
                })
                if not response.is_success:
                    raise status_error("TikTok upload", response, f"chunk bytes {first}-{last}")

    def _await_post(self, client: httpx.Client, publish_id: str) -> dict:
        """Poll until TikTok has posted or refused the video. The upload is complete, so a
        passing fault only costs a check, and giving up is permanent: retrying would post twice."""
        for _ in range(self.poll_limit):
            try:
                status = self._api(client, "/v2/post/publish/status/fetch/", {"publish_id": publish_id})
            except TransientError:
                status = {}
            if status.get("status") == "PUBLISH_COMPLETE":
                return status
            if status.get("status") == "FAILED":
                reason = status.get("fail_reason") or "no reason given"
                raise PermanentError(f"TikTok could not publish the video: {reason}")
            sleep(self.poll_seconds)
        raise PermanentError(
            f"TikTok took the upload (publish_id {publish_id}) but had not posted it after {self.poll_limit} checks; "
            "look at the account before rematerializing, as it may still appear"
        )

    def metrics(self, post: Post, now: datetime) -> MetricsSnapshot:
        """Views, likes and comments from the video query. TikTok reports no watch time (0.0).
        A post without a public video id (private, SELF_ONLY) has no stats to read: all zero."""
        video = {}
        if post.post_id.isdigit():
            with httpx.Client(timeout=timeout(self.timeout)) as client:
                data = self._api(client, "/v2/video/query/", {"filters": {"video_ids": [post.post_id]}},
                                 params={"fields": METRIC_FIELDS})
            video = next((v for v in data.get("videos") or [] if str(v.get("id")) == post.post_id), {})
        return MetricsSnapshot(
            platform=self.name, post_id=post.post_id, taken_at=now,
            hours_since_post=round(max(0.0, (now - post.published_at).total_seconds() / 3600), 3),
            views=int(video.get("view_count") or 0), likes=int(video.get("like_count") or 0),
            comments=int(video.get("comment_count") or 0), avg_view_duration_s=0.0,
        )

    def retract(self, post: Post) -> None:
        """The Content Posting API has no delete: only a person in the app can take a video down."""
        raise PermanentError(f"TikTok's API cannot delete a post: delete video {post.post_id} in the TikTok app "
                             f"({post.url})")
