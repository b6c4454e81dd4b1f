"""Headless Chromium, as a person's browser, for the tests that check what the web UI draws.

`chromium --dump-dom` or `--screenshot` can say a page came, not whether an image on it loaded, and
cannot click; so `Browser` drives Chromium over the DevTools protocol (a WebSocket): it opens a
page, evaluates JavaScript in it (read the DOM, click a button), and captures screenshots.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from websockets.sync.client import connect

# Nothing of Chromium's own reaches out: this machine has no internet.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1600,1000"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: .ci/system-packages installs Debian's chromium"
    return found


class Browser:
    """One headless Chromium and its first tab, with a profile of its own in `profile`; a context
    manager: Chromium runs inside the `with`."""

    def __init__(self, profile: Path, timeout: float = 60):
        self.profile, self.timeout = profile, timeout
        self.ids = itertools.count(1)
        self.stack = ExitStack()

    def __enter__(self) -> Browser:
        with ExitStack() as starting:  # a Chromium that fails to start is stopped, not left behind
            process = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={self.profile}",
                                        "--remote-debugging-port=0", "about:blank"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            starting.callback(stop, process)
            tab = first_tab(process, self.profile / "DevToolsActivePort", self.timeout)
            self.socket = starting.enter_context(connect(tab, max_size=None, open_timeout=self.timeout))
            self.stack = starting.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def call(self, method: str, **params) -> dict:
        """One DevTools command and its result (the events that arrive meanwhile are not needed)."""
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=self.timeout))
            if message.get("id") == number:
                assert "error" not in message, f"{method}: {message['error']}"
                return message["result"]

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, f"{expression}: {result['exceptionDetails']}"
        return result["result"].get("value")

    def wait(self, expression: str, what: str, timeout: float | None = None):
        """The expression's value once it is truthy, evaluated until then."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what} on {self.evaluate('location.href')}")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'", f"{url} to load")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path


def first_tab(process: subprocess.Popen, active: Path, timeout: float) -> str:
    """The DevTools WebSocket of Chromium's first tab, once Chromium says its port (in `active`)."""
    deadline = time.monotonic() + timeout
    while not (active.is_file() and active.read_text().count("\n") >= 1):
        assert process.poll() is None, f"Chromium exited with {process.returncode}"
        assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
        time.sleep(0.1)
    port = active.read_text().split()[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as response:
        targets = json.loads(response.read())
    return next(target["webSocketDebuggerUrl"] for target in targets if target["type"] == "page")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
