"""The AlertSite API handlers (login and the round-trip monitor endpoints) and their routes.

Paths are relative to the API prefix (``/api/v3`` by default). Each handler serves the
store: it checks the bearer token and role, then asks the store; the endpoint names
(``login``, ``create``, ...) are what the request counters and fault rules use.
``GET /report-sitestatus`` shows what ``--run-monitors`` recorded (its answer's shape is
assumed: ``docs/alertsite-api.md``).
"""

from __future__ import annotations

from .model import ApiError, User, as_int
from .routes import Request, Response, Route, ok, route
from .store import Store


def _access_type(user: User) -> str:
    return "View" if user.read_only else "Edit"


def _writer(store: Store, req: Request) -> User:
    user = store.authenticate(req.bearer_token())
    if user.read_only:
        raise ApiError(
            403,
            f"Forbidden - the {user.role} role cannot change monitors; "
            "an Admin, Co-Admin or Power User can.",
        )
    return user


def login(store: Store, req: Request, params: dict[str, str]) -> Response:
    body = req.json_object()
    return ok(store.login(body.get("username"), body.get("password")))


def create_monitor(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req)
    monitor_id = store.create_monitor(req.json_object())
    return ok({"id": monitor_id}, store.settings.create_status)


def update_monitor(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req)
    return ok({"id": store.update_monitor(params["id"], req.json_object())})


def get_monitor(store: Store, req: Request, params: dict[str, str]) -> Response:
    user = store.authenticate(req.bearer_token())
    return ok(store.get_monitor(params["id"], _access_type(user), req.query_one("select")))


def _query_int(req: Request, name: str, minimum: int) -> int | None:
    raw = req.query_one(name)
    if raw is None or raw == "":
        return None
    value = as_int(raw)
    if value is None or value < minimum:
        raise ApiError(400, f"{name}: {raw!r} must be an integer of at least {minimum}")
    return value


def list_monitors(store: Store, req: Request, params: dict[str, str]) -> Response:
    user = store.authenticate(req.bearer_token())
    limit = _query_int(req, "limit", 1)
    offset = _query_int(req, "offset", 0) or 0
    type_param = req.query_one("type")
    types = [t.strip() for t in type_param.split(",") if t.strip()] if type_param else None
    results = store.list_monitors(
        _access_type(user), types, limit, offset, req.query_one("select")
    )
    if store.settings.list_envelope == "bare":
        return ok(results)
    return ok({"results": results})


def delete_monitor(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req)
    store.delete_monitor(params["id"])
    return Response(204)


def site_status(store: Store, req: Request, params: dict[str, str]) -> Response:
    store.authenticate(req.bearer_token())
    raw = req.query_one("monitors")
    ids = [m.strip() for m in raw.split(",") if m.strip()] if raw else None
    return ok({"results": store.site_status(ids)})


ALERTSITE_ROUTES: tuple[Route[Store], ...] = (
    route("POST", "/access-tokens", "login", login),
    route("POST", "/monitors/email-round-trip", "create", create_monitor),
    route("PATCH", "/monitors/email-round-trip/{id}", "update", update_monitor),
    route("GET", "/monitors", "list", list_monitors),
    route("GET", "/monitors/{id}", "get", get_monitor),
    route("DELETE", "/monitors/{id}", "delete", delete_monitor),
    route("GET", "/report-sitestatus", "report", site_status),
)
