"""The emulator over HTTP: the request handler, the threaded server, and
:class:`EmulatorServer`, which runs both on loopback from a background thread.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .app import CONTROL_PREFIX, EmulatorApp
from .faults import FaultPlan
from .framing import DEFAULT_READ_TIMEOUT, DeadlineReader, check_method, printable, read_body
from .model import ApiError, EmulatorSettings, User, parse_user
from .routes import Request, Response, error_response
from .store import Store

if TYPE_CHECKING:
    from .control import EmulatorControl

LogFunction = Callable[[str], None]

_SECRET_QUERY = re.compile(r"(?i)token|password|secret|key|auth|sig")


def _safe_target(target: str) -> str:
    """The request target for a log line: query values that could be secrets are hidden."""
    split = urlsplit(target)
    path = split.path
    if not split.query:
        return path
    parts = []
    for name, values in parse_qs(split.query, keep_blank_values=True).items():
        for value in values:
            shown = "***" if _SECRET_QUERY.search(name) else value
            parts.append(f"{name}={shown}")
    return f"{path}?{'&'.join(parts)}"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AlertSiteEmulator/1.0"
    # Idle keep-alive connections are closed after this; each holds one thread. A request, once
    # begun, has the server's read_timeout to arrive whole (see framing.DeadlineReader).
    timeout = 300
    # Headers and body go out in two writes: without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # only the socket's file; the socket stays open
        self._reader = DeadlineReader(self.connection, self.server.read_timeout, self.timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # Nothing of the previous request on this connection may show in this one's answer or log.
        self.command, self.path, self.request_version = "", "", "HTTP/1.0"
        super().handle_one_request()
        if self._reader.timed_out:
            # The request began but did not arrive whole in time: say so, then close.
            self._reader.request_read()
            self.send_error(408, f"the request did not arrive within {self.server.read_timeout:g} s")

    def parse_request(self) -> bool:
        if len(self.raw_requestline.split()) != 3:
            # HTTP/0.9 (no version) and garbage: no headers follow that could be trusted.
            self.send_error(400, "the request line must be METHOD TARGET HTTP/1.x")
            return False
        if not super().parse_request():
            return False
        try:
            check_method(self.command)
        except ApiError as exc:
            self.send_error(exc.status, exc.messages[0])
            return False
        return True

    def log_error(self, format: str, *args: Any) -> None:
        pass  # a timed-out request is answered (408) and logged by handle_one_request

    def __getattr__(self, name: str) -> Any:
        # Any method (GET, PURGE, FOO) reaches the router, which answers 405 with an
        # errors body instead of http.server's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        started = time.perf_counter()
        response: Response | None
        try:
            try:
                body = read_body(self.headers, self.rfile, self.server.read_timeout)
            finally:
                self._reader.request_read()  # read, or refused here: either way answered below
            split = urlsplit(self.path)
            req = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers=self.headers,
                body=body,
            )
            response = self.server.app.dispatch(req)
        except ApiError as exc:
            self.close_connection = True
            response = error_response(exc)
        except Exception:  # noqa: BLE001 - one broken request must not take the server down
            traceback.print_exc(file=sys.stderr)
            response = error_response(ApiError(500, "internal emulator error"))
        if response is None:
            self.close_connection = True
            self._log_line("dropped", started)
            return
        # Logged before the answer goes out: a client that has the answer knows its line is
        # written (the tests read the log right after a request).
        self._log_line(str(response.status), started)
        self._send(response)

    def _send(self, response: Response) -> None:
        payload = b""
        raw = isinstance(response.body, bytes)  # sent as it is (a fault's non-JSON answer)
        if raw:
            payload = response.body
        elif response.body is not None:
            payload = json.dumps(response.body, allow_nan=False, separators=(",", ":")).encode()
        self.send_response(response.status)
        if response.body is not None and not raw:
            self.send_header("Content-Type", "application/json")
        if response.status != 204:
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server calls this for requests it cannot parse; answer with an errors body.
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # parse_request stops before it records the version; answer with a status line.
            self.request_version = "HTTP/1.0"
        text = printable(message or http.client.responses.get(code, "Error"))
        self._log_line(str(code), time.perf_counter())
        self._send(error_response(ApiError(code, text)))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is written by _log_line, without secrets

    def log_message(self, format: str, *args: Any) -> None:
        log = self.server.log
        if log is not None:
            log(f"{self.client_address[0]} {printable(format % args, 400)}")

    def _log_line(self, outcome: str, started: float) -> None:
        log = self.server.log
        if log is None:
            return
        elapsed = (time.perf_counter() - started) * 1000
        # What the client sent is escaped and cut short: a line per request, whatever it sent.
        target = printable(_safe_target(self.path)) if self.path else "-"
        method = printable(self.command, 20) if self.command else "-"
        log(f"{self.client_address[0]} {method} {target} {outcome} {elapsed:.1f}ms")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp, log: LogFunction | None,
                 read_timeout: float = DEFAULT_READ_TIMEOUT) -> None:
        self.app = app
        self.log = log
        self.read_timeout = read_timeout
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is normal traffic, not a server error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close idle keep-alive connections so that their threads end with the server."""
        with self._connections_lock:
            open_now = list(self._connections)
        for conn in open_now:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


# --- the server, in a thread --------------------------------------------------------------

UserSpec = User | str | tuple[str, str] | tuple[str, str, str]


def _user(spec: UserSpec) -> User:
    if isinstance(spec, User):
        return spec
    if isinstance(spec, str):
        return parse_user(spec)
    return User(*spec)


class EmulatorServer:
    """The emulator on a free port of loopback, served from a background thread.

    ``with EmulatorServer() as server:`` starts it (probed until it answers) and stops it.
    ``users`` defaults to an admin ``admin@example.com`` / ``emulator-admin-password`` and a
    read-only ``viewer@example.com`` / ``emulator-viewer-password``. ``settings`` is an
    :class:`EmulatorSettings` or a dict of changes to the defaults. With ``db``, users,
    monitors and the id counter are kept in that SQLite file across restarts.
    ``read_timeout`` is how long a client has to send a whole request once it began one;
    a slower request is answered 408 and its connection closed.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | None = None,
        prefix: str = "/api/v3",
        users: Iterable[UserSpec] | None = None,
        settings: EmulatorSettings | Mapping[str, Any] | None = None,
        *,
        seed: int | None = None,
        log: LogFunction | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        if not 0 < read_timeout < float("inf"):
            raise ValueError("read_timeout must be a number of seconds above 0")
        if settings is None or isinstance(settings, EmulatorSettings):
            resolved = settings or EmulatorSettings()
        else:
            resolved = EmulatorSettings().updated(settings)
        self.host = host
        self.port = port
        self.store = Store(resolved, [_user(u) for u in users] if users is not None else None, db)
        self.app = EmulatorApp(self.store, FaultPlan(seed), prefix)
        self._log = log
        self.read_timeout = read_timeout
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self, ready_timeout: float = 10.0) -> EmulatorServer:
        if self._httpd is not None or self._stopped:
            raise RuntimeError("an EmulatorServer starts once")
        self._httpd = _HTTPServer((self.host, self.port), self.app, self._log, self.read_timeout)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"alertsite-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._wait_ready(ready_timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            conn = http.client.HTTPConnection(self._connect_host, self.port, timeout=1)
            try:
                conn.request("GET", f"{CONTROL_PREFIX}/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            finally:
                conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator did not become ready")
            time.sleep(0.02)

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        self._stopped = True
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def _connect_host(self) -> str:
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)  # noqa: S104

    @property
    def base_url(self) -> str:
        """``http://host:port``, where the control surface lives under ``/_emulator``."""
        host = self._connect_host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The AlertSite API root: ``base_url`` plus the prefix (``/api/v3``)."""
        return self.base_url + self.app.prefix

    @property
    def control(self) -> EmulatorControl:
        """An :class:`EmulatorControl` for this server."""
        from .control import EmulatorControl

        return EmulatorControl(self.base_url, api_url=self.api_url)
