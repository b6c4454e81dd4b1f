"""A fake of Google's OAuth token endpoint, the YouTube Data API v3 and YouTube Analytics v2.

It speaks the wire format google-api-python-client uses, so the real client is exercised:
- POST /token: the refresh-token grant, answering a bearer access token;
- the resumable upload protocol: POST /upload/youtube/v3/videos?uploadType=resumable with
  the JSON metadata answers 200 and a session URI in `Location`; PUTs with
  `Content-Range: bytes a-b/total` answer 308 and `Range: bytes=0-b` until the last byte,
  then 200 and the video resource; a PUT with `bytes */total` asks where the upload stands;
- POST /upload/youtube/v3/thumbnails/set, GET/DELETE /youtube/v3/videos,
  GET /youtube/v3/commentThreads and GET /v2/reports (analytics).

Every upload session keeps the bytes and Content-Ranges it received, so tests can check an
upload is byte-identical and chunked as promised. API calls need a token it issued.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from shorts_assets_tests.fakes import FakeServer, Request, Response

VIDEOS = "/youtube/v3/videos"
UPLOAD_VIDEOS = "/upload/youtube/v3/videos"
THUMBNAILS = "/upload/youtube/v3/thumbnails/set"
COMMENT_THREADS = "/youtube/v3/commentThreads"
REPORTS = "/v2/reports"


def error(status: int, reason: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error the way Google APIs word them: {"error": {"code", "message", "errors": [{"reason"}]}}."""
    body = {"error": {"code": status, "message": message,
                      "errors": [{"domain": "youtube", "reason": reason, "message": message}]}}
    return Response(status, body, headers or {})


def token_error(status: int = 401, code: str = "invalid_client", description: str = "Unauthorized") -> Response:
    """What the OAuth token endpoint answers when it refuses a refresh."""
    return Response(status, {"error": code, "error_description": description})


def header(request: Request, name: str) -> str:
    """A request header by name, whatever case the client sent it in."""
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), "")


@dataclass
class UploadSession:
    """One resumable upload: the metadata it began with and every byte and range it received."""

    metadata: dict
    query: dict[str, list[str]]
    total: int
    data: bytearray = field(default_factory=bytearray)
    ranges: list[tuple[int, int, int]] = field(default_factory=list)
    video_id: str | None = None


class FakeYouTube(FakeServer):
    def __init__(self, client_id: str = "test-client.apps.googleusercontent.com",
                 client_secret: str = "test-client-secret", refresh_token: str = "1//test-refresh-token"):
        super().__init__()
        self.client = (client_id, client_secret, refresh_token)
        self.tokens: set[str] = set()
        self.sessions: dict[str, UploadSession] = {}
        self.videos: dict[str, dict] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.comments: dict[str, list[str]] = {}
        self.analytics: dict[str, tuple[float, float]] = {}
        self.chunk_faults: dict[int, Response] = {}
        self.chunks_seen = 0
        self.ids = itertools.count(1)

    def authorized_user_file(self, path: Path) -> Path:
        """The OAuth authorized-user JSON (YOUTUBE_AUTHORIZED_USER_FILE) this fake accepts."""
        client_id, client_secret, refresh_token = self.client
        path.write_text(json.dumps({"type": "authorized_user", "client_id": client_id,
                                    "client_secret": client_secret, "refresh_token": refresh_token}))
        return path

    @property
    def uploads(self) -> list[UploadSession]:
        return list(self.sessions.values())

    def fail_chunk(self, number: int, response: Response) -> None:
        """Answer the `number`-th (1-based) data-carrying chunk PUT with `response`, keeping none of its bytes."""
        self.chunk_faults[number] = response

    def add_video(self, video_id: str, statistics: dict | None = None, comments: list[str] | None = None,
                  analytics: tuple[float, float] | None = None) -> None:
        """A video already on the channel, with statistics, comments and (average seconds, percent) analytics."""
        self.videos[video_id] = {"kind": "youtube#video", "id": video_id,
                                 "statistics": {k: str(v) for k, v in (statistics or {}).items()}}
        self.comments[video_id] = list(comments or [])
        if analytics:
            self.analytics[video_id] = analytics

    def handle(self, request: Request) -> Response:
        if request.path == "/token" and request.method == "POST":
            return self._token(request)
        if self._bearer(request) not in self.tokens:
            return error(401, "authError", "Request had invalid authentication credentials.")
        route = {
            ("POST", UPLOAD_VIDEOS): self._upload_start,
            ("PUT", UPLOAD_VIDEOS): self._upload_chunk,
            ("POST", THUMBNAILS): self._thumbnail,
            ("GET", VIDEOS): self._videos_list,
            ("DELETE", VIDEOS): self._videos_delete,
            ("GET", COMMENT_THREADS): self._comment_threads,
            ("GET", REPORTS): self._report,
        }.get((request.method, request.path))
        return route(request) if route else error(404, "notFound", f"no route {request.method} {request.path}")

    def _bearer(self, request: Request) -> str:
        return header(request, "Authorization").removeprefix("Bearer ")

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        sent = (form.get("client_id"), form.get("client_secret"), form.get("refresh_token"))
        if form.get("grant_type") != "refresh_token" or sent != self.client:
            return token_error(400, "invalid_grant", "Token has been expired or revoked.")
        token = f"ya29.fake-{next(self.ids)}"
        self.tokens.add(token)
        return Response(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _upload_start(self, request: Request) -> Response:
        if request.query.get("uploadType") != ["resumable"]:
            return error(400, "badRequest", "only resumable video uploads are faked")
        session_id = f"session-{next(self.ids)}"
        total = int(header(request, "X-Upload-Content-Length") or -1)
        self.sessions[session_id] = UploadSession(request.json() if request.body else {}, request.query, total)
        location = f"{self.url}{UPLOAD_VIDEOS}?uploadType=resumable&upload_id={session_id}"
        return Response(200, headers={"Location": location})

    def _upload_chunk(self, request: Request) -> Response:
        session = self.sessions.get(request.query.get("upload_id", [""])[0])
        if session is None:
            return error(404, "notFound", "unknown upload session")
        spec, _, total = header(request, "Content-Range").removeprefix("bytes ").partition("/")
        if spec != "*":
            self.chunks_seen += 1
            fault = self.chunk_faults.pop(self.chunks_seen, None)
            if fault:
                return fault
            first, _, last = spec.partition("-")
            first, last = int(first), int(last)
            if first != len(session.data) or last - first + 1 != len(request.body):
                return error(400, "badRequest", f"chunk {spec} does not continue at byte {len(session.data)}")
            session.data += request.body
            session.ranges.append((first, last, int(total)))
        if len(session.data) == int(total):
            return Response(200, self._finish(session))
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        return Response(308, headers=headers)

    def _finish(self, session: UploadSession) -> dict:
        """The video resource, made once when the last byte arrives."""
        if session.video_id is None:
            session.video_id = f"vid{next(self.ids):08d}"
            self.add_video(session.video_id, {"viewCount": 0, "likeCount": 0, "commentCount": 0})
            self.videos[session.video_id].update(session.metadata)
        return self.videos[session.video_id]

    def _thumbnail(self, request: Request) -> Response:
        video_id = request.query.get("videoId", [""])[0]
        if video_id not in self.videos:
            return error(404, "videoNotFound", "The video that you are trying to update cannot be found.")
        self.thumbnails[video_id] = request.body
        return Response(200, {"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "x"}}]})

    def _videos_list(self, request: Request) -> Response:
        ids = request.query.get("id", [""])[0].split(",")
        items = [{"kind": "youtube#video", "id": i, "statistics": self.videos[i]["statistics"]}
                 for i in ids if i in self.videos]
        return Response(200, {"kind": "youtube#videoListResponse", "items": items})

    def _videos_delete(self, request: Request) -> Response:
        video_id = request.query.get("id", [""])[0]
        if self.videos.pop(video_id, None) is None:
            return error(404, "videoNotFound", "The video that you are trying to delete cannot be found.")
        return Response(204)

    def _comment_threads(self, request: Request) -> Response:
        video_id = request.query.get("videoId", [""])[0]
        if video_id not in self.videos:
            return error(404, "videoNotFound", "The video identified by the videoId parameter could not be found.")
        limit = int(request.query.get("maxResults", ["20"])[0])
        items = [{"kind": "youtube#commentThread",
                  "snippet": {"videoId": video_id, "topLevelComment": {"snippet": {"textDisplay": text}}}}
                 for text in self.comments.get(video_id, [])[:limit]]
        return Response(200, {"kind": "youtube#commentThreadListResponse", "items": items})

    def _report(self, request: Request) -> Response:
        metrics = request.query.get("metrics", [""])[0].split(",")
        video_id = request.query.get("filters", [""])[0].removeprefix("video==")
        body = {"kind": "youtubeAnalytics#resultTable",
                "columnHeaders": [{"name": m, "columnType": "METRIC", "dataType": "FLOAT"} for m in metrics]}
        if video_id in self.analytics:
            figures = dict(zip(("averageViewDuration", "averageViewPercentage"), self.analytics[video_id], strict=True))
            body["rows"] = [[figures.get(m, 0) for m in metrics]]
        return Response(200, body)
