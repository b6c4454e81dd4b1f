"""A fake of Runway's API: text-to-video tasks created, polled and downloaded, on Runway's wire.

The SDK's base_url is `fake.url`. POST /v1/text_to_video checks the key (Bearer), the
X-Runway-Version header and the body as Runway does (model, promptText of at most 1000 UTF-16
units, ratio, duration 2-10), and answers the new task's id. GET /v1/tasks/<id> answers the task
as it stands: PENDING (queued) for `queued_s`, RUNNING with its progress for `run_s`, then
SUCCEEDED with a link to its clip, or FAILED with the outcome a test set for it (`refuse`, a
moderation refusal by default), with the credits it cost. The clip is a small MP4 that ffmpeg
makes when first asked, `size` pixels (Runway's models make 1280x720, 720x1280, 960x960...),
served from /outputs/ without the key, as Runway's file host does.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from shorts_assets.media.ffmpeg import run

from . import FakeServer, Request, Response, quiet_disconnects

API_KEY = "key_runway-test-not-a-secret"
CREDITS_PER_SECOND = 12  # gen4.5
MODELS = {"gen4.5": {"1280:720", "720:1280"}, "veo3.1": {"1280:720", "720:1280", "1080:1920", "1920:1080"}}
CREATED_AT = "2026-01-01T00:00:00.000Z"


@dataclass
class Task:
    id: str
    prompt: str
    duration: int
    started: float  # time.monotonic() when it was created
    failure: tuple[str, str] | None  # (failure, failureCode) when it is to fail


def clip(width: int, height: int, seconds: float = 1.0) -> bytes:
    """A small H.264 MP4 of ffmpeg's test picture."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        run(ffmpeg.input(f"testsrc2=s={width}x{height}:r=10:d={seconds}", f="lavfi").output(
            str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p"), "make a fake Runway clip")
        return path.read_bytes()


class FakeRunway(FakeServer):
    """`tasks` by id (what was paid for); `size` is what every clip is; `refuse(prompt_has)` makes the tasks whose
    prompt holds those words fail."""

    def __init__(self, size: tuple[int, int] = (720, 1280), queued_s: float = 0.0, run_s: float = 0.0,
                 api_key: str = API_KEY):
        super().__init__()
        self.api_key, self.size, self.queued_s, self.run_s = api_key, size, queued_s, run_s
        self.tasks: dict[str, Task] = {}
        self.refusals: list[tuple[str, str, str]] = []
        self.clips: dict[tuple[int, int], bytes] = {}
        self.clip_lock = threading.Lock()
        self.server.handle_error = quiet_disconnects(self.server.handle_error)

    def refuse(self, prompt_has: str, failure: str = "The prompt did not pass content moderation.",
               code: str = "SAFETY.INPUT.TEXT") -> None:
        """Tasks created from here on whose prompt holds `prompt_has` end FAILED with `failure` and `code`."""
        self.refusals.append((prompt_has, failure, code))

    def polls(self, task_id: str | None = None) -> list[Request]:
        return [r for r in self.calls("GET", "/v1/tasks/") if task_id is None or r.path.endswith(task_id)]

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/outputs/"):
            return self._output(request.path.removeprefix("/outputs/"))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Response(401, {"error": "Invalid API key."})
        if not request.headers.get("X-Runway-Version"):
            return Response(400, {"error": "The X-Runway-Version header is required."})
        if request.method == "POST" and request.path == "/v1/text_to_video":
            return self._create(request.json())
        if request.method == "GET" and request.path.startswith("/v1/tasks/"):
            task = self.tasks.get(request.path.removeprefix("/v1/tasks/"))
            return Response(200, self._state(task)) if task else Response(404, {"error": "Task not found."})
        return Response(404, {"error": "Not found."})

    def _create(self, body: dict) -> Response:
        prompt, ratio, duration = body.get("promptText") or "", body.get("ratio"), body.get("duration")
        problem = (
            f"Model {body.get('model')!r} is not available." if body.get("model") not in MODELS else
            "promptText must be a non-empty string of at most 1000 characters."
            if not prompt or len(prompt.encode("utf-16-le")) > 2000 else
            f"ratio must be one of {sorted(MODELS[body['model']])}." if ratio not in MODELS[body["model"]] else
            "duration must be an integer from 2 to 10." if not isinstance(duration, int) or not 2 <= duration <= 10
            else ""
        )
        if problem:
            return Response(400, {"error": problem})
        failure = next(((f, c) for words, f, c in self.refusals if words in prompt), None)
        task = Task(str(uuid.uuid4()), prompt, duration, time.monotonic(), failure)
        with self.lock:
            self.tasks[task.id] = task
        return Response(200, {"id": task.id})

    def _state(self, task: Task) -> dict:
        elapsed = time.monotonic() - task.started
        credits = CREDITS_PER_SECOND * task.duration
        state = {"id": task.id, "createdAt": CREATED_AT}
        if elapsed < self.queued_s:
            return {**state, "status": "PENDING", "estimatedCost": {"credits": credits}}
        if elapsed < self.queued_s + self.run_s:
            progress = round((elapsed - self.queued_s) / self.run_s, 2)
            return {**state, "status": "RUNNING", "progress": progress, "estimatedCost": {"credits": credits}}
        if task.failure:
            failure, code = task.failure
            return {**state, "status": "FAILED", "failure": failure, "failureCode": code, "cost": {"credits": credits}}
        return {**state, "status": "SUCCEEDED", "output": [f"{self.url}/outputs/{task.id}.mp4"],
                "cost": {"credits": credits}}

    def _output(self, name: str) -> Response:
        task = self.tasks.get(name.removesuffix(".mp4"))
        if task is None or task.failure or self._state(task)["status"] != "SUCCEEDED":
            return Response(404, "Not Found", {"Content-Type": "text/plain"})
        with self.clip_lock:
            if self.size not in self.clips:
                self.clips[self.size] = clip(*self.size)
        return Response(200, self.clips[self.size], {"Content-Type": "video/mp4"})
