"""The AlertSite API handlers (login and the round-trip monitor endpoints) and their routes.

Paths are relative to the API prefix (``/api/v3`` by default). Each handler checks the
bearer token and role, then asks the store; the endpoint names (``login``, ``create``, ...)
are what the request counters and fault rules use. ``GET /report-sitestatus`` shows what
``--run-monitors`` recorded (its answer's shape is assumed: ``docs/alertsite-api.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import ApiError, User, as_int
from .routes import Request, Response, ok, route

if TYPE_CHECKING:
    from .app import EmulatorApp


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


def site_status(app: EmulatorApp, req: Request, params: dict[str, str]) -> Response:
    app.store.authenticate(req.bearer_token())
    raw = req.query_one("monitors")
    ids = [m.strip() for m in raw.split(",") if m.strip()] if raw else None
    return ok({"results": app.store.site_status(ids)})


ALERTSITE_ROUTES = (
    route("POST", "/access-tokens", "login", login),
    route("POST", "/monitors/email-round-trip", "create", create_monitor),
    route("PATCH", "/monitors/email-round-trip/{id}", "update", update_monitor),
    route("GET", "/monitors", "list", list_monitors),
    route("GET", "/monitors/{id}", "get", get_monitor),
    route("DELETE", "/monitors/{id}", "delete", delete_monitor),
    route("GET", "/report-sitestatus", "report", site_status),
)
