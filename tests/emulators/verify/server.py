"""The shared shape of the verification-API emulators: a stdlib ThreadingHTTPServer on 127.0.0.1 and a free port.

Each provider module subclasses `ApiEmulator` and answers `handle(request)` the way that provider's public
API documents. The base records every request (with its headers, so a test can see which credential reached
which server), counts requests in flight (for the concurrency bound), and plays faults on demand: a status
with headers (429 + Retry-After, 503), a malformed 200, or a slow answer (for time-outs).
"""

from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def random_text(alphabet: str, length: int) -> str:
    """Random characters, drawn at run time (no key-shaped literal in the sources)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


@dataclass
class Request:
    method: str
    target: str
    """Path and query, as sent."""
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def bearer(self) -> str | None:
        value = self.header("Authorization") or ""
        return value[len("Bearer ") :] if value.startswith("Bearer ") else None


@dataclass
class Reply:
    status: int
    body: Any = b""
    """bytes as they are, anything else as JSON."""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Fault:
    reply: Reply | None
    """None: answer normally, after `delay`."""
    delay: float = 0.0
    times: int = 1


class ApiEmulator:
    """State plus an HTTP server; subclasses implement `handle`."""

    name = "api"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0
        """Every answer waits this long (to observe concurrency)."""
        self._server: ThreadingHTTPServer | None = None

    # -- what tests use -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def fail(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: Any = None) -> None:
        """The next `times` requests get this answer."""
        reply = Reply(status, body if body is not None else {"error": "injected fault"}, headers or {})
        with self.lock:
            self.faults.append(Fault(reply, times=times))

    def malformed(self, *, times: int = 1) -> None:
        """A 200 that is not the documented body (a proxy's maintenance page)."""
        with self.lock:
            self.faults.append(Fault(Reply(200, b"<html>maintenance</html>", content_type="text/html"), times=times))

    def slow(self, seconds: float, *, times: int = 1) -> None:
        """The next `times` requests are answered after `seconds`."""
        with self.lock:
            self.faults.append(Fault(None, delay=seconds, times=times))

    def calls(self, pattern: str = "") -> int:
        return sum(1 for r in self.requests if re.search(pattern, r.target))

    def received(self, value: str) -> bool:
        """Whether `value` reached this server anywhere: target, a header or the body."""
        return any(
            value in r.target or value in r.body.decode("latin-1") or any(value in v for v in r.headers.values())
            for r in self.requests
        )

    # -- server ---------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                reply = emulator._answer(request)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out test)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, request: Request) -> Reply:
        with self.lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = next((f for f in self.faults if f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        try:
            time.sleep(self.delay + (fault.delay if fault else 0.0))
            if fault is not None and fault.reply is not None:
                return fault.reply
            return self.handle(request)
        finally:
            with self.lock:
                self.in_flight -= 1


@contextmanager
def running(emulator: ApiEmulator) -> Iterator[ApiEmulator]:
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
