"""A fake Pexels video API: /videos/search and the files its results link to.

Search results have the shape of the real API (id, url, image, avg_color, user, video_files with
quality, file_type, width, height, link, video_pictures with id, nr, picture); the links (files
and pictures) point back at the fake (`/download/<name>`),
which serves whatever bytes the test registered under that name. Real Pexels serves files
from a CDN without the API key, so the fake only checks the key on the search.
"""

from __future__ import annotations

from shorts_assets_tests.fakes import FakeServer, Request, Response, quiet_disconnects

API_KEY = "pexels-test-key-not-a-secret"


class FakePexels(FakeServer):
    """`files` maps a download name ("hd.mp4") to (content type, bytes); `videos` is what
    every search returns (tests replace it) unless `results` has the query; `video()` builds one result."""

    def __init__(self, files: dict[str, tuple[str, bytes]] | None = None, api_key: str = API_KEY):
        super().__init__()
        self.api_key = api_key
        self.files = dict(files or {})
        self.videos: list[dict] = []
        self.results: dict[str, list[dict]] = {}  # what a search for one query returns instead of `videos`
        self.server.handle_error = quiet_disconnects(self.server.handle_error)

    def video(self, video_id: int, files: list[tuple[int, int, int, str]], name: str = "Jane Doe",
              pictures: tuple[str, ...] = (), avg_color: str | None = None) -> dict:
        """One search result; `files` are (file id, width, height, download name), `pictures` the
        download names of its preview frames. Pexels sends `avg_color` null for videos."""
        return {
            "id": video_id,
            "width": files[0][1],
            "height": files[0][2],
            "duration": 2,
            "url": f"https://www.pexels.com/video/test-clip-{video_id}/",
            "image": f"{self.url}/download/{pictures[0] if pictures else f'cover-{video_id}.jpeg'}",
            "user": {"id": 1000 + video_id, "name": name, "url": f"https://www.pexels.com/@user{video_id}"},
            "video_files": [
                {
                    "id": file_id,
                    "quality": "hd" if min(width, height) >= 720 else "sd",
                    "file_type": "video/mp4",
                    "width": width,
                    "height": height,
                    "fps": 30,
                    "link": f"{self.url}/download/{download}",
                }
                for file_id, width, height, download in files
            ],
            "avg_color": avg_color,
            "video_pictures": [
                {"id": video_id * 100 + nr, "nr": nr, "picture": f"{self.url}/download/{picture}"}
                for nr, picture in enumerate(pictures)
            ],
        }

    def handle(self, request: Request) -> Response:
        if request.path == "/videos/search":
            return self._search(request)
        if request.path.startswith("/download/"):
            name = request.path.removeprefix("/download/")
            if name not in self.files:
                return Response(404, "Not Found", {"Content-Type": "text/plain"})
            content_type, data = self.files[name]
            return Response(200, data, {"Content-Type": content_type})
        return Response(404, {"error": "Not found"})

    def _search(self, request: Request) -> Response:
        if request.headers.get("Authorization") != self.api_key:
            return Response(401, {"status": 401, "code": "Unauthorized"})
        per_page = int(request.query.get("per_page", ["15"])[0])
        query = request.query.get("query", [""])[0]
        videos = self.results.get(query, self.videos)[:per_page]
        return Response(
            200,
            {
                "page": 1,
                "per_page": per_page,
                "total_results": len(videos),
                "url": f"https://www.pexels.com/search/videos/{query}/",
                "videos": videos,
            },
            {"X-Ratelimit-Limit": "20000", "X-Ratelimit-Remaining": "19999", "X-Ratelimit-Reset": "1893456000"},
        )
