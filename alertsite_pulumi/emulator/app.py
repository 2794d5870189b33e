"""HTTP handling and routes of the emulator, on the standard library's threaded server.

The AlertSite paths live under a prefix (default ``/api/v3``); the control surface lives
under ``/_emulator/`` and is never part of the AlertSite API. Handlers are plain functions
of (app, request, path parameters) returning a :class:`Response`; they hold no state.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .faults import FaultConfigError, FaultPlan, parse_fault_config
from .store import (
    ApiError,
    EmulatorSettings,
    JsonObject,
    Store,
    User,
    as_int,
    parse_user,
)

if TYPE_CHECKING:
    from .control import EmulatorControl

CONTROL_PREFIX = "/_emulator"
MAX_BODY_BYTES = 1 << 20
LogFunction = Callable[[str], None]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def bearer_token(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def json(self) -> Any:
        """The body as JSON; 400 for anything else (never a 500)."""
        if not self.body.strip():
            raise ApiError(400, "the request body must be JSON, and it is empty")
        try:
            return json.loads(self.body, parse_constant=_reject_constant, parse_float=_finite)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, f"the request body is not valid JSON: {_short(exc)}") from None

    def json_object(self) -> JsonObject:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any, status: int = 200) -> Response:
    return Response(status, body)


def error_response(exc: ApiError) -> Response:
    return Response(exc.status, exc.body(), dict(exc.headers))


Handler = Callable[["EmulatorApp", Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    endpoint: str
    handler: Handler
    pattern: re.Pattern[str]


def route(method: str, template: str, endpoint: str, handler: Handler) -> Route:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return Route(method, template, endpoint, handler, re.compile(regex))


def match(routes: Iterable[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """The route for (method, path), its parameters, and the methods the path allows."""
    allowed: list[str] = []
    for candidate in routes:
        found = candidate.pattern.fullmatch(path)
        if not found:
            continue
        if candidate.method == method:
            return candidate, {k: unquote(v) for k, v in found.groupdict().items()}, []
        allowed.append(candidate.method)
    return None, {}, allowed


# --- the AlertSite API ----------------------------------------------------------------------


def _access_type(user: User) -> str:
    return "View" if user.read_only else "Edit"


def _writer(app: EmulatorApp, req: Request) -> User:
    user = app.store.authenticate(req.bearer_token())
    if user.read_only:
        raise ApiError(
            403,
            f"Forbidden - the {user.role} role cannot change monitors; "
            "an Admin, Co-Admin or Power User can.",
        )
    return user


def login(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    body = req.json_object()
    return ok(app.store.login(body.get("username"), body.get("password")))


def create_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    _writer(app, req)
    monitor_id = app.store.create_monitor(req.json_object())
    return ok({"id": monitor_id}, app.store.settings.create_status)


def update_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    _writer(app, req)
    return ok({"id": app.store.update_monitor(params["id"], req.json_object())})


def get_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    user = app.store.authenticate(req.bearer_token())
    return ok(app.store.get_monitor(params["id"], _access_type(user), req.query_one("select")))


def _query_int(req: Request, name: str, minimum: int) -> int | None:
    raw = req.query_one(name)
    if raw is None or raw == "":
        return None
    value = as_int(raw)
    if value is None or value < minimum:
        raise ApiError(400, f"{name}: {raw!r} must be an integer of at least {minimum}")
    return value


def list_monitors(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    user = app.store.authenticate(req.bearer_token())
    limit = _query_int(req, "limit", 1)
    offset = _query_int(req, "offset", 0) or 0
    type_param = req.query_one("type")
    types = [t.strip() for t in type_param.split(",") if t.strip()] if type_param else None
    results = app.store.list_monitors(
        _access_type(user), types, limit, offset, req.query_one("select")
    )
    if app.store.settings.list_envelope == "bare":
        return ok(results)
    return ok({"results": results})


def delete_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    _writer(app, req)
    app.store.delete_monitor(params["id"])
    return Response(204)


ALERTSITE_ROUTES = (
    route("POST", "/access-tokens", "login", login),
    route("POST", "/monitors/email-round-trip", "create", create_monitor),
    route("PATCH", "/monitors/email-round-trip/{id}", "update", update_monitor),
    route("GET", "/monitors", "list", list_monitors),
    route("GET", "/monitors/{id}", "get", get_monitor),
    route("DELETE", "/monitors/{id}", "delete", delete_monitor),
)


# --- the control surface ---------------------------------------------------------------------


def control_health(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok({"status": "ok", "prefix": app.prefix, "monitors": app.store.monitor_count()})


def control_reset(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    app.reset()
    return ok({"reset": True})


def control_get_faults(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.fault_snapshot())


def control_put_faults(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    try:
        rules, seed, every = parse_fault_config(req.json())
    except FaultConfigError as exc:
        raise ApiError(400, exc.messages) from None
    app.set_faults(rules, seed, every)
    return ok(app.fault_snapshot())


def control_clear_faults(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    app.set_faults([], None, None)
    return ok(app.fault_snapshot())


def control_expire_tokens(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok({"expired": app.store.expire_tokens()})


def control_get_settings(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.settings.to_dict())


def control_patch_settings(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.update_settings(req.json_object()).to_dict())


def control_list_monitors(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok({"monitors": app.store.raw_monitors()})


def control_seed_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok({"id": app.store.seed_monitor(req.json_object())})


def control_get_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.raw_monitor(params["id"]))


def control_edit_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.edit_monitor_raw(params["id"], req.json_object()))


def control_delete_monitor(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    app.store.delete_monitor(params["id"])
    return ok({"deleted": params["id"]})


def control_requests(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.request_counts())


def control_reset_requests(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    app.store.reset_requests()
    return ok(app.store.request_counts())


def control_users(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok({"users": [u.public() for u in app.store.users()]})


def control_add_user(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    body = req.json_object()
    user = app.store.add_user(body.get("email"), body.get("password"), body.get("role", "admin"))
    return ok(user.public())


def control_openapi(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    return ok(app.openapi())


CONTROL_ROUTES = (
    route("GET", "/health", "control", control_health),
    route("POST", "/reset", "control", control_reset),
    route("GET", "/faults", "control", control_get_faults),
    route("PUT", "/faults", "control", control_put_faults),
    route("DELETE", "/faults", "control", control_clear_faults),
    route("POST", "/expire-tokens", "control", control_expire_tokens),
    route("GET", "/settings", "control", control_get_settings),
    route("PATCH", "/settings", "control", control_patch_settings),
    route("GET", "/monitors", "control", control_list_monitors),
    route("POST", "/monitors", "control", control_seed_monitor),
    route("GET", "/monitors/{id}", "control", control_get_monitor),
    route("PATCH", "/monitors/{id}", "control", control_edit_monitor),
    route("DELETE", "/monitors/{id}", "control", control_delete_monitor),
    route("GET", "/requests", "control", control_requests),
    route("DELETE", "/requests", "control", control_reset_requests),
    route("GET", "/users", "control", control_users),
    route("POST", "/users", "control", control_add_user),
    route("GET", "/openapi.json", "control", control_openapi),
)


# --- the application -------------------------------------------------------------------------


def normalize_prefix(prefix: str) -> str:
    prefix = "/" + prefix.strip("/")
    return "" if prefix == "/" else prefix


class EmulatorApp:
    """Routes requests to handlers; applies request counting and faults."""

    def __init__(self, store: Store, faults: FaultPlan, prefix: str = "/api/v3") -> None:
        self.store = store
        self.faults = faults
        self.prefix = normalize_prefix(prefix)
        if self.prefix == CONTROL_PREFIX or self.prefix.startswith(CONTROL_PREFIX + "/"):
            raise ValueError(f"the API prefix cannot be under {CONTROL_PREFIX}")
        self._token_expiry_every: float | None = None
        self._openapi: JsonObject | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.store.reset()
        self.set_faults([], None, None)

    def set_faults(self, rules: list[Any], seed: int | None, every: float | None) -> None:
        self.faults.configure(rules, seed)
        with self._lock:
            self._token_expiry_every = every
        self.store.set_token_expiry_every(every)

    def fault_snapshot(self) -> JsonObject:
        snapshot = self.faults.snapshot()
        with self._lock:
            snapshot["token_expiry_every_s"] = self._token_expiry_every
        return snapshot

    def openapi(self) -> JsonObject:
        with self._lock:
            if self._openapi is None:
                text = resources.files(__package__).joinpath("openapi.json").read_text("utf-8")
                spec = json.loads(text)
                spec["servers"] = [{"url": self.prefix or "/"}]
                self._openapi = spec
            return self._openapi

    def dispatch(self, req: Request) -> Response | None:
        """Answer a request; None means: drop the connection without an answer."""
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            return self._control(req, req.path[len(CONTROL_PREFIX) :])
        return self._alertsite(req)

    def _control(self, req: Request, path: str) -> Response:
        found, params, allowed = match(CONTROL_ROUTES, req.method, path)
        return _run(self, found, params, allowed, req)

    def _alertsite(self, req: Request) -> Response | None:
        rel: str | None = None
        if not self.prefix:
            rel = req.path
        elif req.path.startswith(self.prefix + "/"):
            rel = req.path[len(self.prefix) :]
        found, params, allowed = match(ALERTSITE_ROUTES, req.method, rel) if rel else (None, {}, [])
        endpoint = found.endpoint if found else "other"
        where = f"{self.prefix}{found.template}" if found else req.path
        self.store.count_request(endpoint, req.bearer_token(), f"{req.method} {where}")

        decision = self.faults.decide(endpoint)
        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)
        if decision.action == "drop":
            return None
        if decision.action == "status":
            headers = {}
            if decision.retry_after is not None:
                headers["Retry-After"] = str(decision.retry_after)
            reason = http.client.responses.get(decision.status, "Error")
            return error_response(ApiError(decision.status, reason, headers))
        response = _run(self, found, params, allowed, req)
        if decision.action == "commit_then_drop":
            return None
        return response


def _run(
    app: EmulatorApp, found: Route | None, params: dict[str, str], allowed: list[str], req: Request
) -> Response:
    if found is None:
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            exc = ApiError(405, f"Method {req.method} is not allowed here; allowed: {allow}")
            return Response(405, exc.body(), {"Allow": allow})
        return error_response(ApiError(404, f"Not found: {req.method} {quote(req.path)}"))
    try:
        return found.handler(app, req, params)
    except ApiError as exc:
        return error_response(exc)


# --- HTTP ------------------------------------------------------------------------------------

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
    # Idle keep-alive connections are closed after this; each holds one thread.
    timeout = 300
    # Headers and body go out in two writes: without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

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
            body = self._read_body()
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
        self._send(response)
        self._log_line(str(response.status), started)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        length = as_int(raw)
        if length is None or length < 0:
            raise ApiError(400, "Content-Length must be a whole number")
        if length > MAX_BODY_BYTES:
            raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise ApiError(400, "malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, response: Response) -> None:
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, allow_nan=False, separators=(",", ":")).encode()
        self.send_response(response.status)
        if response.body is not None:
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
        text = message or http.client.responses.get(code, "Error")
        self._send(error_response(ApiError(code, text)))
        self._log_line(str(code), time.perf_counter())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is written by _log_line, without secrets

    def log_message(self, format: str, *args: Any) -> None:
        log = self.server.log
        if log is not None:
            log(f"{self.client_address[0]} {format % args}")

    def _log_line(self, outcome: str, started: float) -> None:
        log = self.server.log
        if log is None:
            return
        elapsed = (time.perf_counter() - started) * 1000
        target = _safe_target(self.path) if getattr(self, "path", None) else "-"
        log(f"{self.client_address[0]} {self.command or '-'} {target} {outcome} {elapsed:.1f}ms")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp, log: LogFunction | None) -> None:
        self.app = app
        self.log = log
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
    ) -> None:
        if settings is None or isinstance(settings, EmulatorSettings):
            resolved = settings or EmulatorSettings()
        else:
            resolved = EmulatorSettings().updated(settings)
        self.host = host
        self.port = port
        self.store = Store(resolved, [_user(u) for u in users] if users is not None else None, db)
        self.app = EmulatorApp(self.store, FaultPlan(seed), prefix)
        self._log = log
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self, ready_timeout: float = 10.0) -> EmulatorServer:
        if self._httpd is not None or self._stopped:
            raise RuntimeError("an EmulatorServer starts once")
        self._httpd = _HTTPServer((self.host, self.port), self.app, self._log)
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
