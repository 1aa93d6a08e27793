"""Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol, offline.

The browser talks DevTools on file descriptors 3 and 4 (`--remote-debugging-pipe`: JSON messages
ended by NUL), so no WebSocket library or port is needed. Every request to another host is made
to fail: host names resolve to nothing (`--host-resolver-rules`) and everything not on loopback
goes through a proxy that is not there. `Browser.check(url, script)` loads a page, records each
request it makes and evaluates `script` (an async JavaScript function body returning JSON data)
once the page has loaded. `serve` serves a directory on 127.0.0.1 for it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",  # the discard port: nothing listens; loopback bypasses it
)
TIMEOUT = 30.0
"""Seconds any one DevTools answer or page load may take before the test fails."""


def chromium() -> str | None:
    """The Chromium on PATH (Debian's package installs `chromium`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageReport:
    url: str
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for (documents, scripts, styles, images, fetches)."""
    result: Any = None
    """What the script returned."""


class Browser:
    """One headless Chromium process and one tab, closed by `close` (or the context manager)."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        binary = chromium()
        if binary is None:
            raise FileNotFoundError("chromium is not installed")
        self._profile = tempfile.mkdtemp(prefix="memdesc-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def pipes() -> None:  # in the child: its fds 3 and 4 are the DevTools pipe
            read_end, write_end = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        flags = [
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile}",
            f"--window-size={width},{height}",
            *OFFLINE_FLAGS,
            "about:blank",
        ]
        self._process = subprocess.Popen(
            [binary, *flags],
            preexec_fn=pipes,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session = ""
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime"):
                self.call(f"{domain}.enable", session=True)
        except BaseException:
            self.close()
            raise

    def _send(self, method: str, params: dict[str, Any], session: bool) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, session: bool = False) -> dict[str, Any]:
        """Send a command and return its result; events that arrive meanwhile are kept."""
        wanted = self._send(method, params or {}, session)
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._events.append(message)

    def block(self, patterns: list[str]) -> None:
        """Fail every request whose URL matches one of `patterns` (`*` wildcards)."""
        self.call("Network.setBlockedURLs", {"urls": patterns}, session=True)

    def _event(self, deadline: float) -> dict[str, Any]:
        return self._events.pop(0) if self._events else self._receive(deadline)

    def check(self, url: str, script: str) -> PageReport:
        """Load `url`, wait for its load event, then run `script` (the body of an async function)."""
        report = PageReport(url)
        self._events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + TIMEOUT
        while True:
            event = self._event(deadline)
            method = event.get("method")
            if method == "Network.requestWillBeSent":
                report.requests.append(event["params"]["request"]["url"])
            elif method == "Page.loadEventFired":
                break
        expression = f"(async () => {{ {script} }})()"
        answer = self.call(
            "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session=True
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{url}: {answer['exceptionDetails']}")
        for event in self._events:  # requests the script itself made (fetching an SVG)
            if event.get("method") == "Network.requestWillBeSent":
                report.requests.append(event["params"]["request"]["url"])
        report.result = answer["result"].get("value")
        return report

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, ConnectionError, RuntimeError):
            self._send("Browser.close", {}, session=False)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for handle in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(handle)
        shutil.rmtree(self._profile, ignore_errors=True)


@contextlib.contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[Browser]:
    opened = Browser(width, height)
    try:
        yield opened
    finally:
        opened.close()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1 (a free port) while the context lasts; yields the
    base URL, ending in `/`."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
