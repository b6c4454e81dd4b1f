"""A fake of OpenAI's chat completions and image generation endpoints.

The SDK's base_url is `fake.url + "/v1"`. Chat completions answer with JSON filled in from
the `json_schema` the request sent (so a writer's schema is really exercised), and image
generations with a small PNG, as OpenAI does: gpt-image models always send base64 and reject
`response_format`. A chat request that shows images (the relevance gate's) takes its answer
from the scores queued with `queue_score`, the first one whose `when` its text holds, so a test
scores chosen scenes' pictures low whatever order the scenes ask in. A wrong API key gets
OpenAI's 401, which quotes the key back, so tests can check that it never leaks into our errors.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import time
import zlib

from . import FakeServer, Request, Response

PALETTE = ("#1b3a4b", "#f2c14e", "#e4572e")
LANGUAGE = re.compile(r"\(code '([a-z]{2,3}(?:-[a-z0-9]+)*)'\)")  # openai_writer.user_prompt's words


def png(width: int = 64, height: int = 96) -> bytes:
    """A real RGB PNG with a diagonal gradient, made with zlib alone."""
    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in (x * 255 // width, y * 255 // height, 128))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def error(status: int, message: str, code: str | None = None, kind: str = "invalid_request_error",
          headers: dict[str, str] | None = None) -> Response:
    """An error in OpenAI's shape, for `fail_next`."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Response(status, body, headers=headers or {})


def fill(schema: dict, defs: dict, name: str = "value", serial: int = 1, language: str = "en"):
    """An instance of a JSON schema: strings name their field, arrays have two items, a palette's are colours.

    A topic is numbered by the completion (`serial`), so drafted ideas never repeat a topic. Text
    asked for in another language than English is marked with its code (`hook text [es]`), so the
    versions of one row can be told apart.
    """
    if "$ref" in schema:
        return fill(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, name, serial, language)
    kind = schema.get("type")
    if kind == "object":
        return {key: fill(sub, defs, key, serial, language) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [fill(schema["items"], defs, f"{name} {i}", serial, language) for i in (1, 2)]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    if name.startswith("palette "):  # the writer's schema asks for "#rrggbb" colours in words
        return PALETTE[int(name.split()[-1]) % len(PALETTE)]
    text = f"topic text {serial}" if name == "topic" and serial > 1 else f"{name} text"
    return text if language == "en" else f"{text} [{language}]"


def asked_language(body: dict) -> str:
    """The language code the writer's prompt asks for ('en' when it names none)."""
    prompt = "\n".join(str(message.get("content", "")) for message in body.get("messages", []))
    found = LANGUAGE.search(prompt)
    return found[1] if found else "en"


def parts(body: dict) -> list[dict]:
    """The content parts of a chat request's messages (a message's text alone counts as one)."""
    found = []
    for message in body.get("messages", []):
        content = message.get("content", "")
        found += content if isinstance(content, list) else [{"type": "text", "text": str(content)}]
    return found


def prompt_text(body: dict) -> str:
    return "\n".join(part.get("text", "") for part in parts(body) if part.get("type") == "text")


def images(body: dict) -> list[bytes]:
    """The images a chat request shows, decoded from their data URLs."""
    return [base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
            for part in parts(body) if part.get("type") == "image_url"]


def bearer(request: Request) -> str:
    """The API key a request carried (header names are case-insensitive)."""
    value = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    return value.removeprefix("Bearer ")


class FakeOpenAI(FakeServer):
    def __init__(self, api_key: str = "sk-test-fake-key"):
        super().__init__()
        self.api_key = api_key
        self.usage = {"prompt_tokens": 1200, "completion_tokens": 300}
        self.image = png()
        self.replies: list[dict] = []  # queued overrides of the next completions' message/finish_reason
        self.scores: list[tuple[str, dict]] = []  # (text the request holds, reply) for requests with images

    def queue_reply(self, *, content: str | None = None, refusal: str | None = None,
                    finish_reason: str = "stop") -> None:
        """The next completion answers with this instead of schema-filled JSON."""
        with self.lock:
            self.replies.append({"content": content, "refusal": refusal, "finish_reason": finish_reason})

    def queue_score(self, score: float | str = 0.9, reason: str = "it shows the subject", when: str = "",
                    content: str | None = None, refusal: str | None = None) -> None:
        """The next request with images whose text holds `when` answers with this score and reason,
        or with `content` as it is (a garbage answer), or refuses."""
        answer = json.dumps({"score": score, "reason": reason}) if content is None and refusal is None else content
        with self.lock:
            self.scores.append((when, {"content": answer, "refusal": refusal, "finish_reason": "stop"}))

    def vision_calls(self) -> list[Request]:
        """The chat requests that showed the model images, in the order they came."""
        return [r for r in self.calls("POST", "/v1/chat/completions") if images(r.json())]

    def handle(self, request: Request) -> Response:
        if bearer(request) != self.api_key:
            given = bearer(request)
            return error(401, f"Incorrect API key provided: {given}.", "invalid_api_key")
        if request.method == "POST" and request.path == "/v1/chat/completions":
            return self._completion(request.json())
        if request.method == "POST" and request.path == "/v1/images/generations":
            return self._image(request.json())
        return error(404, f"Invalid URL ({request.method} {request.path})", kind="invalid_request_error")

    def _completion(self, body: dict) -> Response:
        with self.lock:
            reply = self._scored(body) if images(body) else self.replies.pop(0) if self.replies else None
        if reply is None:
            schema = body["response_format"]["json_schema"]["schema"]
            serial = len(self.calls("POST", "/v1/chat/completions"))
            content = json.dumps(fill(schema, schema.get("$defs", {}), serial=serial, language=asked_language(body)))
            reply = {"content": content, "refusal": None, "finish_reason": "stop"}
        message = {"role": "assistant", "content": reply["content"], "refusal": reply["refusal"]}
        usage = {**self.usage, "total_tokens": sum(self.usage.values())}
        return Response(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": reply["finish_reason"], "logprobs": None}],
            "usage": usage,
        })

    def _scored(self, body: dict) -> dict | None:
        """The reply queued for this request with images, if any (the lock is held)."""
        text = prompt_text(body)
        found = next((queued for queued in self.scores if queued[0] in text), None)
        if found is None:
            return None
        self.scores.remove(found)
        return found[1]

    def _image(self, body: dict) -> Response:
        if body["model"].startswith("gpt-image") and "response_format" in body:
            return error(400, "Unknown parameter: 'response_format'.", "unknown_parameter")
        return Response(200, {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(self.image).decode()}],
            "usage": {"input_tokens": 20, "output_tokens": 1056, "total_tokens": 1076},
        })
