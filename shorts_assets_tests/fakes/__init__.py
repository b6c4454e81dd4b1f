"""Local fakes of the outside services, one module each, all built on `FakeServer`.

Each fake is a real HTTP server on 127.0.0.1 that speaks its service's wire format, so the
vendors' own client libraries are exercised as in production. Tests read `requests` to
check what was sent and queue faults with `fail_next` to check retries and permanent errors.
`chaos` makes a seeded share of all requests fail at random, the way services do. `delay`
holds each answer back, and `most_in_flight` counts how many requests it held at once. A fault
answers instead of the service, so a faulted request never changes the fake's state.
A `Latency` as the `delay` makes chosen requests take as long as the real service (the benchmarks).
No test ever reaches the internet.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    hang_s: float = 0.0  # ... after holding it this long

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        return body, headers


FAULT_KINDS = ("429", "500", "503", "timeout", "drop")


@dataclass
class Chaos:
    """A seeded `rate` of requests fail: 429 (Retry-After 1 s), 500, 503, an answer that never
    comes (the connection is held `hang_s`, past the client's timeout, then closed) or a
    dropped connection. `injected` counts them by kind."""

    rate: float
    seed: int
    hang_s: float = 3.0
    kinds: tuple[str, ...] = FAULT_KINDS
    injected: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.random = random.Random(self.seed)

    def draw(self) -> str | None:
        if self.random.random() >= self.rate:
            return None
        kind = self.random.choice(self.kinds)
        self.injected[kind] += 1
        return kind

    def response(self, kind: str) -> Response:
        if kind in ("timeout", "drop"):
            return Response(drop=True, hang_s=self.hang_s if kind == "timeout" else 0.0)
        headers = {"Retry-After": "1"} if kind == "429" else {}
        return Response(int(kind), {"error": {"code": int(kind), "message": f"injected fault {kind}"}}, headers)


@dataclass
class Latency:
    """How long a fake thinks before it answers: `seconds` by (method, path prefix), each request's
    wait drawn within +-`jitter` (a share) of it from a seeded random. Requests wait in their own
    threads, so concurrent requests overlap. `waited` records each wait as (prefix, seconds)."""

    seconds: dict[tuple[str, str], float]
    jitter: float = 0.2
    seed: int = 0
    waited: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self):
        self.random = random.Random(self.seed)

    def __call__(self, request: Request) -> float:
        return self.draw(request.method, request.path)

    def draw(self, method: str, path: str) -> float:
        for (verb, prefix), seconds in self.seconds.items():
            if verb == method and path.startswith(prefix):
                wait = seconds * (1 + self.random.uniform(-self.jitter, self.jitter))
                self.waited.append((prefix, wait))
                return wait
        return 0.0


def quiet_disconnects(handle_error):
    """A server's `handle_error` that lets a client stop a download early (over its size limit):
    that is expected of the footage's downloads, not a fault."""

    def handle(request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            handle_error(request, client_address)

    return handle


class LocalServer:
    """An HTTP server on 127.0.0.1 (or another loopback address) in a thread of its own, serving inside `with`."""

    def serve(self, server) -> None:
        self.server = server
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def address(self) -> str:
        """host:port, as SHORTS_MEDIA_ALLOW_NETWORKS names it to let the footage download from this fake."""
        host, port = self.server.server_address[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class IPv6Server(ThreadingHTTPServer):
    """For a fake on ::1: the tests of IPv6 media links."""

    address_family = socket.AF_INET6


class FakeServer(LocalServer):
    """Subclasses implement `handle(request) -> Response`; faults queued with `fail_next` come
    first, then those `chaos` draws."""

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[Request] = []
        self.faults: list[tuple[str, Response, bytes]] = []
        self.chaos: Chaos | None = None
        self.delay: Callable[[Request], float] | None = None  # seconds before each answer (a Latency, say)
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                request = Request(self.command, url.path, parse_qs(url.query), dict(self.headers.items()), body)
                with fake.lock:
                    fake.requests.append(request)
                    fault = next((f for f in fake.faults if url.path.startswith(f[0]) and f[2] in body), None)
                    if fault:
                        fake.faults.remove(fault)
                    elif fake.chaos is not None and (kind := fake.chaos.draw()):
                        fault = (url.path, fake.chaos.response(kind))
                    fake.in_flight += 1
                    fake.most_in_flight = max(fake.most_in_flight, fake.in_flight)
                try:
                    if fake.delay is not None:
                        time.sleep(fake.delay(request))
                    response = fault[1] if fault else fake.handle(request)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1
                if response.drop:
                    time.sleep(response.hang_s)
                    self.close_connection = True
                    self.connection.close()
                    return
                payload, headers = response.encoded()
                self.send_response(response.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self.serve(IPv6Server((host, 0), Handler) if ":" in host else ThreadingHTTPServer((host, 0), Handler))

    def fail_next(self, response: Response, path_prefix: str = "/", times: int = 1, body_has: str = "") -> None:
        """The next `times` requests under `path_prefix` (whose body holds `body_has`) get `response`
        instead of an answer."""
        with self.lock:
            self.faults.extend((path_prefix, response, body_has.encode()) for _ in range(times))

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def calls(self, method: str, path_prefix: str = "/") -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]
