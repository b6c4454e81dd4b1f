"""A fake TikTok: Content Posting API (Direct Post, FILE_UPLOAD), the upload host and the video query.

It holds TikTok's chunk rules, keeps every chunk's range and bytes, and reports a post as
PROCESSING_UPLOAD once before its outcome (PUBLISH_COMPLETE, or FAILED with `fail_reason`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import FakeServer, Request, Response

MB = 1024 * 1024
TOKEN = "tiktok-test-token-SECRET"


def tiktok_error(status: int, code: str, message: str = "") -> Response:
    return Response(status, {"data": {}, "error": {"code": code, "message": message, "log_id": "fake-log"}})


def ok(data: dict) -> Response:
    return Response(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "fake-log"}})


@dataclass
class FakeUpload:
    init: dict
    ranges: list[tuple[int, int]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    checks: int = 0

    @property
    def complete(self) -> bool:
        return len(self.data) == self.init["source_info"]["video_size"]


class FakeTikTok(FakeServer):
    def __init__(self, token: str = TOKEN, outcome: str = "PUBLISH_COMPLETE", public_id: int | None = 7301234567890):
        super().__init__()
        self.token = token
        self.outcome = outcome
        self.fail_reason = "duration_check_failed"
        self.public_id = public_id
        self.creator = {
            "creator_username": "shorts.lab", "creator_nickname": "Shorts Lab",
            "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
            "comment_disabled": False, "duet_disabled": True, "stitch_disabled": False,
            "max_video_post_duration_sec": 600,
        }
        self.uploads: dict[str, FakeUpload] = {}
        self.stats: dict[str, dict] = {}  # video id -> view_count, like_count, ...

    def handle(self, request: Request) -> Response:
        if request.path == "/upload/":
            return self.put_chunk(request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return tiktok_error(401, "access_token_invalid", "The access token is invalid or not found in the request.")
        routes = {
            "/v2/post/publish/creator_info/query/": lambda: ok(self.creator),
            "/v2/post/publish/video/init/": lambda: self.init(request.json()),
            "/v2/post/publish/status/fetch/": lambda: self.status(request.json()["publish_id"]),
            "/v2/video/query/": lambda: self.query(request),
        }
        route = routes.get(request.path)
        return route() if route else tiktok_error(404, "not_found", request.path)

    def init(self, body: dict) -> Response:
        source = body["source_info"]
        size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
        whole = size < 5 * MB or (chunk == size and count == 1 and size <= 64 * MB)
        if not whole and not (5 * MB <= chunk <= 64 * MB and count == size // chunk and 1 <= count <= 1000):
            return tiktok_error(400, "invalid_params", "chunk_size and total_chunk_count break the chunk rules")
        if body["post_info"]["privacy_level"] not in self.creator["privacy_level_options"]:
            return tiktok_error(400, "privacy_level_option_mismatch", "privacy level not offered")
        publish_id = f"v_pub_file~v2-1.{len(self.uploads) + 1}"
        self.uploads[publish_id] = FakeUpload(init=body)
        upload_url = f"{self.url}/upload/?upload_id={len(self.uploads)}&upload_token=upload-SECRET"
        return ok({"publish_id": publish_id, "upload_url": upload_url})

    def put_chunk(self, request: Request) -> Response:
        upload = list(self.uploads.values())[int(request.query["upload_id"][0]) - 1]
        content_range = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers["Content-Range"])
        first, last, total = map(int, content_range.groups())
        expected = (len(upload.data), upload.init["source_info"]["video_size"])
        if (first, total) != expected or last - first + 1 != len(request.body):
            return Response(416, "range does not follow the bytes received")
        upload.ranges.append((first, last))
        upload.data.extend(request.body)
        return Response(201 if upload.complete else 206)

    def status(self, publish_id: str) -> Response:
        upload = self.uploads[publish_id]
        upload.checks += 1
        if not upload.complete or upload.checks == 1:
            return ok({"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(upload.data)})
        if self.outcome == "FAILED":
            return ok({"status": "FAILED", "fail_reason": self.fail_reason})
        public = [self.public_id] if self.public_id else []
        return ok({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": public})

    def query(self, request: Request) -> Response:
        fields = request.query["fields"][0].split(",")
        ids = request.json()["filters"]["video_ids"]
        videos = [{name: stats.get(name) for name in fields} | {"id": vid} for vid, stats in self.stats.items()
                  if vid in ids]
        return ok({"videos": videos, "cursor": 0, "has_more": False})
