"""YouTube as a platform: resumable upload, scheduling, thumbnail, statistics, analytics, comments.

Built on google-api-python-client from the discovery documents the package ships, so making a
client never fetches anything. `api_root` replaces Google's hosts for both APIs and the OAuth
token endpoint (`<api_root>token`), for tests and proxies; the library moves only the host of
media upload URLs, so `_rooted` moves the rest.

Quota: uploads spend a large share of the default 10,000 daily units, so a quota error is
permanent for the day and says so; rate limits, 5xx and dropped connections are transient.

Over 300 lines on purpose: everything that knows YouTube's API (its error reasons, its
resumable protocol, its quota costs) stays in this one module, as each vendor has one.
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from dagster import ConfigurableResource

from ..models import MetricsSnapshot, Post
from . import Deferred, PermanentError, TransientError
from .http_errors import retried, retry_after, scrub
from .platforms import Allowance, Progress

if TYPE_CHECKING:  # the Google client libraries are imported where they are used: only where YouTube is selected
    from google.auth.exceptions import RefreshError
    from google.oauth2.credentials import Credentials
    from googleapiclient.errors import HttpError
    from googleapiclient.http import HttpRequest, MediaFileUpload

    from .platforms import Upload

LOG = logging.getLogger(__name__)

GOOGLE_API_ROOT = "https://www.googleapis.com/"
CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB
PRIVACY = ("private", "unlisted", "public")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
AUTH_REASONS = {"authError", "unauthorized", "invalidCredentials"}
CREDENTIALS_HINT = (
    "authorize again (scopes youtube.upload, youtube.force-ssl, yt-analytics.readonly) and update "
    "the authorized-user JSON that YOUTUBE_AUTHORIZED_USER_FILE points to"
)


def _error_body(err: HttpError) -> tuple[str, str]:
    """(reason, message) from Google's JSON error body: error.errors[0].reason and error.message."""
    try:
        detail = json.loads(err.content)["error"]
        return (detail.get("errors") or [{}])[0].get("reason", ""), detail.get("message", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", ""


def quota_reset(now: datetime) -> datetime:
    """YouTube's daily quota resets at midnight Pacific time."""
    return youtube_allowance(1, 1).reopens(now, [], "uploads")


def youtube_allowance(uploads: int, units: int) -> Allowance:
    """videos.insert has a bucket of its own (100 a day by default); everything else shares the
    units (10,000 a day): a thumbnail costs 50, a post's statistics and its comments 1 each."""
    return Allowance("youtube", {"uploads": uploads, "units": units}, {"uploads": 1, "units": 50},
                     zone="America/Los_Angeles", per_read={"units": 2})


def http_failure(err: HttpError, action: str, secrets: tuple[str, ...] = ()) -> Exception:
    """Sort a YouTube API error into what a person must fix and what a retry may cure.

    The server's message is quoted without `secrets`: a server may echo the credentials it was sent."""
    status, (reason, message) = err.resp.status, _error_body(err)
    for secret in secrets:
        message = scrub(message, secret)
    said = f"YouTube refused the {action} (HTTP {status} {reason or 'error'}): {message}".rstrip(": ")
    if reason in QUOTA_REASONS:
        return Deferred(f"YouTube quota exhausted ({reason}) during the {action}; it resets at midnight Pacific "
                        "time (ask Google for more in the Cloud console)", until=quota_reset(datetime.now(UTC)))
    if status == 401 or reason in AUTH_REASONS:
        return PermanentError(f"{said}. The OAuth credentials are not accepted: {CREDENTIALS_HINT}")
    if reason in RATE_REASONS or status in (408, 429) or status >= 500:
        return TransientError(said, retry_after(err.resp))
    if status == 403:
        return PermanentError(f"{said}. The channel or its OAuth grant may not do this: {CREDENTIALS_HINT}")
    if 400 <= status < 500:
        return PermanentError(f"{said}. Fix the video's metadata or the SHORTS_YOUTUBE_* settings")
    return TransientError(said)


def refresh_failure(err: RefreshError) -> Exception:
    """A refused refresh token is permanent; a token endpoint that is down is not. Never echoes the token."""
    data = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], dict) else {}
    code = str(data.get("error") or "refused")
    if err.retryable:
        return TransientError(f"Google's OAuth token endpoint failed ({code})")
    return PermanentError(f"Google's OAuth token endpoint refused the refresh token ({code}): {CREDENTIALS_HINT}")


def secrets_of(credentials: Credentials) -> tuple[str, ...]:
    return tuple(filter(None, (credentials.token, credentials.refresh_token, credentials.client_secret)))


@contextmanager
def translated(action: str, credentials: Credentials):
    """Raise the provider error contract's exceptions for whatever the client libraries raise.

    The libraries' own errors quote the servers' answers, which may echo `credentials`: not chained."""
    import httplib2
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    try:
        yield
    except HttpError as err:
        raise http_failure(err, action, secrets_of(credentials)) from None
    except RefreshError as err:
        raise refresh_failure(err) from None
    except (TransportError, httplib2.HttpLib2Error, http.client.HTTPException, ConnectionError, TimeoutError) as err:
        raise TransientError(f"YouTube {action}: connection failed ({type(err).__name__})") from err


@functools.cache
def chunked_file_upload() -> type[MediaFileUpload]:
    """MediaFileUpload sending each chunk as bytes rather than a slice of the open file. httplib2 re-sends
    a request whose connection dropped; a slice it already read would go out empty and hang until the
    timeout. A class made on first use, as the client library is imported only when YouTube is used."""
    from googleapiclient.http import MediaFileUpload

    class ChunkedFileUpload(MediaFileUpload):
        def has_stream(self) -> bool:
            return False

    return ChunkedFileUpload


class YouTubeChannel(ConfigurableResource):
    """A YouTube channel reached with an OAuth authorized-user file (client id/secret + refresh token).

    An upload with a `publish_at` (its publishing slot) goes up early, private, and YouTube makes
    it public at that time, its processing long done; one without publishes at once with `privacy_status`.
    """

    SCHEDULES_AHEAD: ClassVar[bool] = True

    authorized_user_file: str
    api_root: str = GOOGLE_API_ROOT
    privacy_status: str = "private"
    category_id: str = "22"  # 22 People & Blogs, 27 Education
    made_for_kids: bool = False
    synthetic_media: bool = True
    chunk_mb: float = 8.0
    max_chunk_retries: int = 5
    daily_uploads: int = 100
    daily_units: int = 10_000
    timeout: float = 120.0
    name: str = "youtube"

    def allowance(self) -> Allowance:
        """The project's daily quota (SHORTS_YOUTUBE_DAILY_UPLOADS, SHORTS_YOUTUBE_DAILY_UNITS)."""
        return youtube_allowance(self.daily_uploads, self.daily_units)

    # -- clients -------------------------------------------------------------------------------

    def _credentials(self) -> Credentials:
        """The authorized user's credentials. google-auth ignores the file's token_uri (so a planted file
        cannot send the refresh token elsewhere); an overridden `api_root` serves the token endpoint too."""
        from google.oauth2.credentials import Credentials

        try:
            credentials = Credentials.from_authorized_user_file(self.authorized_user_file)
        except (OSError, ValueError) as err:
            raise PermanentError(
                "YOUTUBE_AUTHORIZED_USER_FILE must name a readable OAuth authorized-user JSON with client_id, "
                f"client_secret and refresh_token ({type(err).__name__} reading {self.authorized_user_file!r})"
            ) from err
        return credentials.with_token_uri(f"{self.api_root.rstrip('/')}/token") if self._overridden() else credentials

    def _overridden(self) -> bool:
        return self.api_root.rstrip("/") != GOOGLE_API_ROOT.rstrip("/")

    def _client(self, api: str, version: str, credentials: Credentials):
        """A client from the shipped discovery document; Google's own hosts unless `api_root` replaces them."""
        import httplib2
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build

        options = {"api_endpoint": self.api_root} if self._overridden() else None
        transport = httplib2.Http(timeout=self.timeout)
        transport.redirect_codes = transport.redirect_codes - {308}  # "resume incomplete", as the library's own
        return build(api, version, http=AuthorizedHttp(credentials, http=transport), static_discovery=True,
                     client_options=options, cache_discovery=False)

    def _rooted(self, request: HttpRequest) -> HttpRequest:
        """Point a media upload at `api_root`: the library swaps only the host, keeping https and no prefix."""
        if self._overridden():
            url = urlsplit(request.uri)
            request.uri = f"{self.api_root.rstrip('/')}{url.path}?{url.query}"
        return request

    def _retrying(self, step, action: str, credentials: Credentials):
        """Run one network step, again after each passing fault (as `http_errors.retried` does)."""

        def once():
            with translated(action, credentials):
                return step()

        return retried(once, f"YouTube {action}", retries=max(0, self.max_chunk_retries))

    # -- settings ------------------------------------------------------------------------------

    def _chunk_bytes(self) -> int:
        size = round(self.chunk_mb * 1024 * 1024)
        if size <= 0 or size % CHUNK_UNIT:
            raise PermanentError(f"SHORTS_YOUTUBE_CHUNK_MB={self.chunk_mb} must be a positive multiple of 0.25 "
                                 "(YouTube takes resumable chunks in multiples of 256 KiB)")
        return size

    def _publish_time(self, upload: Upload, now: datetime) -> datetime | None:
        """Check privacy and schedule; when a scheduled upload goes public, or None to publish at once."""
        if self.privacy_status not in PRIVACY:
            raise PermanentError(f"SHORTS_YOUTUBE_PRIVACY={self.privacy_status!r} must be one of {', '.join(PRIVACY)}")
        if upload.publish_at is None:
            return None
        if self.privacy_status != "private":
            raise PermanentError("a scheduled upload (SHORTS_PUBLISH_SLOTS or a row's publish_at) needs "
                                 "SHORTS_YOUTUBE_PRIVACY=private: YouTube schedules a private video and makes it "
                                 "public at that time")
        if upload.publish_at <= now:
            raise PermanentError(f"the publishing time {upload.publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC is "
                                 "in the past; YouTube only schedules ahead")
        return upload.publish_at.astimezone(UTC).replace(microsecond=0)

    def _metadata(self, upload: Upload, scheduled: datetime | None) -> dict:
        """The videos.insert body; YouTube rejects angle brackets and over-long titles, so they go here."""
        clean = str.maketrans("", "", "<>")
        status = {
            "privacyStatus": self.privacy_status,
            "selfDeclaredMadeForKids": self.made_for_kids,
            "containsSyntheticMedia": self.synthetic_media,
        }
        if scheduled:
            status["publishAt"] = scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "snippet": {
                "title": upload.title.translate(clean)[:100],
                "description": upload.description.translate(clean)[:5000],
                "tags": [tag.lstrip("#") for tag in upload.tags if tag.lstrip("#")],
                "categoryId": self.category_id,
            },
            "status": status,
        }

    # -- the Platform protocol -----------------------------------------------------------------

    def publish(self, upload: Upload, progress: Progress | None = None) -> Post:
        """Upload in resumable chunks (each retried on its own), then set the thumbnail.

        The upload session is saved in `progress` after every chunk, so a publish that follows a
        dead worker asks YouTube where that session stands and sends only the bytes it lacks (or
        takes the finished video). A scheduled post's `published_at` is when it goes public."""
        progress = progress if progress is not None else Progress()
        now = datetime.now(UTC)
        scheduled, chunk = self._publish_time(upload, now), self._chunk_bytes()
        credentials = self._credentials()
        youtube = self._client("youtube", "v3", credentials)
        media = chunked_file_upload()(str(upload.video), mimetype="video/mp4", chunksize=chunk, resumable=True)
        request = self._rooted(youtube.videos().insert(
            part="snippet,status", body=self._metadata(upload, scheduled), media_body=media))
        try:
            video = self._resume(request, progress, media.size(), credentials)
            while video is None:
                _, video = self._retrying(request.next_chunk, "video upload", credentials)
                if video is None:
                    progress.save(session=request.resumable_uri, size=media.size(), sent=request.resumable_progress)
        finally:
            media.stream().close()  # the file, opened by MediaFileUpload
        progress.save(video_id=video["id"])
        self._set_thumbnail(youtube, video["id"], upload.thumbnail, credentials)
        return Post(platform=self.name, post_id=video["id"], url=f"https://youtube.com/shorts/{video['id']}",
                    published_at=scheduled or now)

    def _resume(self, request: HttpRequest, progress: Progress, size: int, credentials: Credentials) -> dict | None:
        """Continue a saved upload session: the finished video, or None with the request set to
        send from the first byte YouTube lacks. A session YouTube no longer knows starts afresh."""
        from googleapiclient.errors import HttpError

        session = progress.state.get("session")
        if not session or progress.state.get("size") != size:
            return None

        def where() -> dict | None:
            resp, content = request.http.request(
                session, "PUT", headers={"Content-Range": f"bytes */{size}", "Content-Length": "0"})
            if resp.status in (200, 201):
                return json.loads(content)
            if resp.status == 308:
                acknowledged = resp.get("range", "")
                request.resumable_uri = session
                request.resumable_progress = int(acknowledged.rpartition("-")[2]) + 1 if acknowledged else 0
                return None
            if resp.status in (404, 410):
                LOG.warning("YouTube no longer knows the saved upload session (HTTP %d); starting anew", resp.status)
                return None
            raise HttpError(resp, content, uri=session)

        video = self._retrying(where, "upload status request", credentials)
        if video is None and request.resumable_uri:
            LOG.info("YouTube upload resumed at byte %d of %d", request.resumable_progress, size)
        return video

    def _set_thumbnail(self, youtube, video_id: str, thumbnail: Path, credentials: Credentials) -> None:
        """Best effort: the video is already up, so failing here would only make a retry post it twice.

        Unverified channels may not set custom thumbnails at all (403 forbidden)."""
        from googleapiclient.http import MediaFileUpload

        mime = "image/png" if thumbnail.suffix.lower() == ".png" else "image/jpeg"
        media = MediaFileUpload(str(thumbnail), mimetype=mime)
        try:
            self._retrying(self._rooted(youtube.thumbnails().set(videoId=video_id, media_body=media)).execute,
                           "thumbnail upload", credentials)
        except (PermanentError, TransientError) as err:
            LOG.warning("YouTube video %s is published without its custom thumbnail: %s", video_id, err)
        finally:
            media.stream().close()

    def metrics(self, post: Post, now: datetime) -> MetricsSnapshot:
        """Counts from videos.list, average view duration from YouTube Analytics (0 until it has rows)."""
        credentials = self._credentials()
        youtube = self._client("youtube", "v3", credentials)
        items = self._retrying(youtube.videos().list(part="statistics", id=post.post_id).execute,
                               "statistics request", credentials).get("items", [])
        if not items:
            raise PermanentError(f"YouTube has no video {post.post_id}: it was deleted or belongs to another channel")
        stats = items[0].get("statistics", {})
        return MetricsSnapshot(
            platform=self.name, post_id=post.post_id, taken_at=now,
            hours_since_post=round(max(0.0, (now - post.published_at).total_seconds() / 3600), 3),
            views=int(stats.get("viewCount", 0)), likes=int(stats.get("likeCount", 0)),
            comments=int(stats.get("commentCount", 0)),
            avg_view_duration_s=self._average_view_duration(credentials, post, now.date()),
        )

    def _average_view_duration(self, credentials: Credentials, post: Post, today: date) -> float:
        analytics = self._client("youtubeAnalytics", "v2", credentials)
        start = min(post.published_at.date(), today)
        report = self._retrying(analytics.reports().query(
            ids="channel==MINE", startDate=start.isoformat(), endDate=today.isoformat(),
            metrics="averageViewDuration,averageViewPercentage", filters=f"video=={post.post_id}",
        ).execute, "analytics report", credentials)
        rows = report.get("rows") or []
        if not rows:
            return 0.0
        names = [header["name"] for header in report.get("columnHeaders", [])]
        return float(dict(zip(names, rows[0], strict=False)).get("averageViewDuration", 0.0))

    def comments(self, post: Post, limit: int = 20) -> list[str]:
        """The newest top-level comments as plain text; none when comments are off (made for kids)."""
        from googleapiclient.errors import HttpError

        credentials = self._credentials()
        youtube = self._client("youtube", "v3", credentials)
        request = youtube.commentThreads().list(
            part="snippet", videoId=post.post_id, maxResults=max(1, min(limit, 100)), textFormat="plainText")

        def fetch() -> list[dict]:
            try:
                return request.execute().get("items", [])
            except HttpError as err:
                if _error_body(err)[0] != "commentsDisabled":
                    raise
                return []

        items = self._retrying(fetch, "comments request", credentials)
        return [item["snippet"]["topLevelComment"]["snippet"]["textDisplay"] for item in items]

    def retract(self, post: Post) -> None:
        """Delete the video; one that is already gone counts as retracted."""
        from googleapiclient.errors import HttpError

        credentials = self._credentials()
        youtube = self._client("youtube", "v3", credentials)

        def delete() -> None:
            try:
                youtube.videos().delete(id=post.post_id).execute()
            except HttpError as err:
                if _error_body(err)[0] != "videoNotFound":
                    raise

        self._retrying(delete, "video deletion", credentials)
