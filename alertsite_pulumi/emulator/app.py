"""The emulator application: one request in, one response (or a dropped connection) out.

The AlertSite paths live under a prefix (default ``/api/v3``); the control surface lives
under ``/_emulator/`` and is never part of the AlertSite API. :class:`EmulatorApp` picks the
route, counts AlertSite calls and applies the fault plan; the handlers hold no state.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from importlib import resources
from typing import Any
from urllib.parse import quote

from .alerts import AlertLog
from .api_handlers import ALERTSITE_ROUTES
from .control_handlers import CONTROL_ROUTES
from .faults import FaultPlan
from .model import ApiError, JsonObject
from .routes import Request, Response, Route, Served, error_response, match
from .store import Store

CONTROL_PREFIX = "/_emulator"
#: The answer of a ``commit_then_garble`` fault: a success that is not JSON.
GARBLED_PAGE = b"<html><body>200 OK</body></html>"


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
        self._openapi: JsonObject | None = None
        self._lock = threading.Lock()
        self.alerts = AlertLog()
        """The alerts the runner's notifier sent or tried (``GET /_emulator/alerts``)."""
        store.on_demand.alerts = self.alerts

    def reset(self) -> None:
        self.store.reset()
        self.set_faults([], None, None)
        self.alerts.clear()

    def set_faults(self, rules: list[Any], seed: int | None, every: float | None) -> None:
        self.faults.configure(rules, seed)
        self.store.set_token_expiry_every(every)

    def fault_snapshot(self) -> JsonObject:
        snapshot = self.faults.snapshot()
        snapshot["token_expiry_every_s"] = self.store.token_expiry_every()
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
        response = _run(self.store, found, params, allowed, req)
        if response.status >= 400:
            # Nothing was done (an expired token, a bad value): there is no commit whose
            # answer could be lost, so the error is answered as usual.
            return response
        if decision.action == "commit_then_drop":
            return None
        if decision.action == "commit_then_garble":
            return Response(200, GARBLED_PAGE, {"Content-Type": "text/html"})
        return response


def _run(served: Served, found: Route[Served] | None, params: dict[str, str], allowed: list[str],
         req: Request) -> Response:
    if found is None:
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            exc = ApiError(405, f"Method {req.method} is not allowed here; allowed: {allow}")
            return Response(405, exc.body(), {"Allow": allow})
        return error_response(ApiError(404, f"Not found: {req.method} {quote(req.path)}"))
    try:
        return found.handler(served, req, params)
    except ApiError as exc:
        return error_response(exc)

