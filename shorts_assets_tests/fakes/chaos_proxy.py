"""A reverse proxy that puts `Chaos` in front of a real server (moto's S3): boto3 talks to the
proxy exactly as to S3, and a seeded share of its requests fail before they reach S3."""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import Chaos, LocalServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class ChaosProxy(LocalServer):
    def __init__(self, target: str, chaos: Chaos):
        self.target, self.chaos, self.forwarded = urlsplit(target), chaos, 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy.lock:
                    kind = proxy.chaos.draw()
                if kind is not None:
                    return self._fault(kind)
                status, headers, payload = proxy.forward(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _fault(self, kind: str):
                fault = proxy.chaos.response(kind)
                if fault.drop:
                    time.sleep(fault.hang_s)
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = f"<Error><Code>Injected{kind}</Code><Message>injected fault</Message></Error>".encode()
                self.send_response(fault.status)
                for name, value in fault.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        self.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        connection = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            headers = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP | {"expect"}}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            with self.lock:
                self.forwarded += 1
            return response.status, response.getheaders(), payload
        finally:
            connection.close()
