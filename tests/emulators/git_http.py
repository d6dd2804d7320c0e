"""Bare repositories served over git's "dumb" HTTP protocol, behind a token: a stand-in for a host's git endpoint.

Every request must carry the token as GitHub documents it for git over HTTPS (`Authorization: Basic
base64("x-access-token:<token>")`, or `Bearer <token>`); others get 401. Each request's path and
whether it was authorised are recorded, so tests can prove the token travelled as a header.
"""

from __future__ import annotations

import base64
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class GitHttpServer:
    """Serves `root` (holding `owner/name.git` bare repositories) at `url`."""

    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.token = token
        self.requests: list[tuple[str, bool]] = []
        """(path, authorised) for every request."""
        self._server: ThreadingHTTPServer | None = None

    def accepts(self, header: str | None) -> bool:
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return header in (f"Basic {basic}", f"Bearer {self.token}")

    def __enter__(self) -> GitHttpServer:
        for bare in self.root.glob("*/*.git"):
            subprocess.run(["git", "--git-dir", str(bare), "update-server-info"], check=True)
        handler = partial(_Handler, directory=str(self.root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.git = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def url_of(self, name: str) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/{name}.git"


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        git: GitHttpServer = self.server.git  # type: ignore[attr-defined]
        allowed = git.accepts(self.headers.get("Authorization"))
        git.requests.append((self.path, allowed))
        if not allowed:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()
