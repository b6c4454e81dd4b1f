"""A fake Instagram Graph API for Reels, serving the rupload host's path from the same server.

Containers report IN_PROGRESS once after their bytes arrive, then `outcome` (FINISHED,
ERROR or EXPIRED). The uploaded bytes and rupload headers are kept for the tests.
Insights answer with `insights`; a metric outside `supported_metrics` fails the whole
call with Graph's code 100, as Graph does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

from . import FakeServer, Request, Response

TOKEN = "ig-test-token-SECRET"
USER_ID = "17841400000000001"
VERSION = "v21.0"


def graph_error(status: int, code: int, message: str, subcode: int | None = None, kind="OAuthException") -> Response:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "fake-trace"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Response(status, {"error": error})


@dataclass
class Container:
    params: dict[str, str]
    data: bytes = b""
    upload_headers: dict[str, str] = field(default_factory=dict)
    checks: int = 0
    media_id: str = ""


class FakeInstagram(FakeServer):
    def __init__(self, token: str = TOKEN, user_id: str = USER_ID, outcome: str = "FINISHED"):
        super().__init__()
        self.token, self.user_id, self.outcome = token, user_id, outcome
        self.containers: dict[str, Container] = {}
        self.media: dict[str, str] = {}  # media id -> container id
        self.insights = {"views": 1500, "likes": 120, "comments": 9, "ig_reels_avg_watch_time": 7250}
        self.supported_metrics = set(self.insights)

    def handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if parts[0] == "ig-api-upload":
            return self.rupload(request, parts[2])
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        params = {k: v[0] for k, v in (request.query | parse_qs(request.body.decode())).items()}
        route = (request.method, *parts[1:])
        if route == ("POST", self.user_id, "media"):
            return self.create(params)
        if route == ("POST", self.user_id, "media_publish"):
            return self.publish(params["creation_id"])
        if len(route) == 3 and route[2] == "insights" and route[1] in self.media:
            return self.read_insights(params["metric"].split(","))
        if route[0] == "GET" and len(route) == 2:
            return self.read(route[1], params["fields"])
        return graph_error(400, 100, f"Unsupported {request.method} {request.path}", kind="GraphMethodException")

    def create(self, params: dict[str, str]) -> Response:
        if params.get("media_type") != "REELS" or params.get("upload_type") != "resumable":
            return graph_error(400, 100, "Invalid parameter", kind="OAuthException")
        container_id = f"1790000000000{len(self.containers) + 1:04d}"
        self.containers[container_id] = Container(params=params)
        return Response(200, {"id": container_id, "uri": f"{self.url}/ig-api-upload/{VERSION}/{container_id}"})

    def rupload(self, request: Request, container_id: str) -> Response:
        if request.headers.get("Authorization") != f"OAuth {self.token}":
            return Response(401, {"debug_info": {"retriable": False, "type": "AuthError", "message": "bad token"}})
        container = self.containers[container_id]
        container.data, container.upload_headers = request.body, request.headers
        return Response(200, {"success": True, "message": "Upload successful."})

    def read(self, object_id: str, fields: str) -> Response:
        if object_id in self.containers:
            container = self.containers[object_id]
            container.checks += 1
            if not container.data or container.checks == 1:
                return Response(200, {"id": object_id, "status_code": "IN_PROGRESS", "status": "In Progress"})
            status = "Error: the video could not be processed (2207026)" if self.outcome == "ERROR" else self.outcome
            return Response(200, {"id": object_id, "status_code": self.outcome, "status": status})
        if object_id in self.media and fields == "permalink":
            return Response(200, {"id": object_id, "permalink": f"https://www.instagram.com/reel/FAKE{object_id[-4:]}/"})
        return graph_error(400, 100, "Object does not exist", kind="GraphMethodException")

    def publish(self, creation_id: str) -> Response:
        container = self.containers[creation_id]
        if container.checks < 2 or self.outcome != "FINISHED":
            return graph_error(400, 9007, "Media ID is not available", subcode=2207027)
        container.media_id = f"1800000000000{len(self.media) + 1:04d}"
        self.media[container.media_id] = creation_id
        return Response(200, {"id": container.media_id})

    def read_insights(self, metrics: list[str]) -> Response:
        unknown = [m for m in metrics if m not in self.supported_metrics]
        if unknown:
            return graph_error(400, 100, f"(#100) metric[0] must be one of the following values: {unknown}")
        data = [{"name": m, "period": "lifetime", "values": [{"value": self.insights[m]}], "id": f"x/insights/{m}"}
                for m in metrics]
        return Response(200, {"data": data})
