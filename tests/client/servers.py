"""Small real HTTP(S) servers on loopback port 0 for what the emulator does not do: redirect,
and serve TLS with a certificate of a test CA."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RedirectHandler(BaseHTTPRequestHandler):
    """Answers every request with ``307`` to the same path under ``server.target``."""

    server: RedirectServer

    def _redirect(self) -> None:
        self.server.hits += 1
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(307)
        self.send_header("Location", f"{self.server.target}{self.path}?token=sensitive-query")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_DELETE = do_PATCH = _redirect

    def log_message(self, format: str, *args: object) -> None:
        pass


class RedirectServer(ThreadingHTTPServer):
    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), RedirectHandler)
        self.target = target.rstrip("/")
        self.hits = 0


class TinyApiHandler(BaseHTTPRequestHandler):
    """A login and an empty monitor list: enough for a client to complete one call."""

    def _answer(self, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer({"access_token": "0123456789abcdef0123456789abcdef", "expires_in": 3600})

    def do_GET(self) -> None:
        self._answer({"results": []})

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(server: ThreadingHTTPServer, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Run ``server`` in a thread; yields its root URL (https:// when ``tls`` is given)."""
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
