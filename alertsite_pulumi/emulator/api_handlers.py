"""The AlertSite API handlers (login, the round-trip monitor endpoints, alert recipients,
recipient groups and blackouts) and their routes.

Paths are relative to the API prefix (``/api/v3`` by default). Each handler serves the
store: it checks the bearer token and role, then asks the store; the endpoint names
(``login``, ``create``, ...) are what the request counters and fault rules use.
``GET /report-sitestatus`` shows what ``--run-monitors`` recorded (its answer's shape is
assumed: ``docs/alertsite-api.md``).
"""

from __future__ import annotations

from .blackouts import TYPES as BLACKOUT_TYPES
from .blackouts import canonical_type
from .model import ApiError, FieldError, JsonObject, User, as_int
from .monitor import select_fields
from .routes import Request, Response, Route, ok, route
from .routing import RECIPIENT_TYPES
from .store import Store


def _access_type(user: User) -> str:
    return "View" if user.read_only else "Edit"


def _writer(store: Store, req: Request, what: str = "monitors") -> User:
    user = store.authenticate(req.bearer_token())
    if user.read_only:
        raise ApiError(
            403,
            f"Forbidden - the {user.role} role cannot change {what}; "
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


# --- recipients and recipient groups ----------------------------------------------------


def create_recipient(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipients")
    return ok({"id": store.create_recipient(req.json_object())})


def update_recipient(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipients")
    return ok({"id": store.update_recipient(params["id"], req.json_object())})


def get_recipient(store: Store, req: Request, params: dict[str, str]) -> Response:
    store.authenticate(req.bearer_token())
    return ok(store.get_recipient(params["id"]))


def list_recipients(store: Store, req: Request, params: dict[str, str]) -> Response:
    store.authenticate(req.bearer_token())
    kind = req.query_one("type") or None
    if kind is not None and kind not in RECIPIENT_TYPES:
        raise ApiError(400, f"type: {kind!r} is not one of {', '.join(RECIPIENT_TYPES)}")
    return ok(store.list_recipients(
        kind, _query_int(req, "method_id", 0), _query_int(req, "limit", 1), _query_int(req, "offset", 0)
    ))


def delete_recipient(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipients")
    store.delete_recipient(params["id"])
    return Response(204)


def create_group(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipient groups")
    return ok({"id": store.create_group(req.json_object())})


def update_group(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipient groups")
    return ok({"id": store.update_group(params["id"], req.json_object())})


def get_group(store: Store, req: Request, params: dict[str, str]) -> Response:
    store.authenticate(req.bearer_token())
    return ok(store.get_group(params["id"]))


def list_groups(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``GET /notifier-groups``: ``monidor_id`` is the documented spelling (sic), ``monitor_id``
    the likely real one; either filters, both must match."""
    store.authenticate(req.bearer_token())
    monitors = [m for name in ("monidor_id", "monitor_id") if (m := _query_int(req, name, 0)) is not None]
    return ok(store.list_groups(
        monitors, _query_int(req, "recipient_id", 0), _query_int(req, "limit", 1),
        _query_int(req, "offset", 0),
    ))


def delete_group(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "recipient groups")
    store.delete_group(params["id"])
    return Response(204)


# --- tests on demand and test notifications (on_demand.py) ------------------------------


def _monitor_location(record: JsonObject) -> int | None:
    locations = record.get("locations")
    if isinstance(locations, list) and locations and isinstance(locations[0], dict):
        return as_int(locations[0].get("id"))
    return None


def start_test(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``GET /tests?monitor_id=ID[&location_id=L]``: a GET that starts a test (§4.1); an
    unknown monitor is 404 ``Record not found``, as every lookup by id (*assumption*)."""
    _writer(store, req, "tests on demand")
    monitor_id = req.query_one("monitor_id")
    if not monitor_id:
        raise FieldError([("monitor_id", "required and is empty")])
    record = store.raw_monitor(monitor_id)
    settings = store.settings
    names = settings.location_names()
    location_id = _monitor_location(record) or settings.default_locations[0]
    raw_location = req.query_one("location_id")
    if raw_location:
        given = as_int(raw_location)
        if given is None or given not in names:
            raise FieldError([("location_id", "must be the id of a known location")])
        location_id = given
    test_id = store.on_demand.start(record, location_id, outcome=settings.tod_outcome,
                                    latency_s=float(settings.tod_latency_s),
                                    pollable=settings.tod_pollable)
    host = req.headers.get("Host") or "localhost"
    result_url = f"http://{host}{req.path.rstrip('/')}/{test_id}"
    if settings.tod_start_shape == "test_id":
        return ok({"test_id": test_id, "result_url": result_url})
    return ok({"id": int(test_id) if settings.tod_start_shape == "id-integer" else test_id,
               "result_url": result_url})


def poll_test(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``GET /tests/{id}``: always 200; an unknown id is progress 0 "Test Not Found" (§4.2)."""
    store.authenticate(req.bearer_token())
    return ok(store.on_demand.poll(params["id"]))


def send_test_notification(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``POST /test-notifiers`` (§1.6): one test alert, delivered before the answer (its body
    ``{"status": "sent"|"failed"|"not sent"[, "reason": ...]}`` is assumed)."""
    _writer(store, req, "recipients")
    settings = store.settings
    return ok(store.on_demand.notify(req.json_object(), settings.location_names(),
                                     settings.default_locations[0]))
# --- blackouts ---------------------------------------------------------------------------


def _blackout_type(store: Store, req: Request) -> str | None:
    raw = req.query_one("type") or None
    kind = canonical_type(raw, store.settings) if raw is not None else None
    if raw is not None and kind is None:
        raise ApiError(400, f"type: {raw!r} is not one of {', '.join(BLACKOUT_TYPES)}")
    return kind


def _query_bool(req: Request, name: str) -> bool:
    raw = (req.query_one(name) or "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ApiError(400, f"{name}: {raw!r} must be true or false")


def create_blackout(store: Store, req: Request, params: dict[str, str]) -> Response:
    user = _writer(store, req, "blackouts")
    return ok({"id": store.create_blackout(req.json_object(), user.email)})


def update_blackout(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "blackouts")
    return ok({"id": store.update_blackout(params["id"], req.json_object())})


def get_blackout(store: Store, req: Request, params: dict[str, str]) -> Response:
    store.authenticate(req.bearer_token())
    return ok(select_fields(store.get_blackout(params["id"]), req.query_one("select")))


def list_blackouts(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``GET /blackouts``: ``persistent=true`` only the recurring ones, ``false`` (the default)
    one-time and recurring (B-GETS)."""
    store.authenticate(req.bearer_token())
    return ok(store.list_blackouts(
        _blackout_type(store, req), _query_int(req, "assoc_id", 0), _query_bool(req, "persistent"),
        _query_int(req, "limit", 1), _query_int(req, "offset", 0), req.query_one("select"),
    ))


def delete_blackout(store: Store, req: Request, params: dict[str, str]) -> Response:
    _writer(store, req, "blackouts")
    store.delete_blackout(params["id"])
    return Response(204)


def bulk_edit_blackouts(store: Store, req: Request, params: dict[str, str]) -> Response:
    """``POST /blackouts/bulk-edit``: its answer is not documented; the ids created (assumed)."""
    user = _writer(store, req, "blackouts")
    return ok({"ids": store.bulk_edit_blackouts(req.json_object(), user.email)})


ALERTSITE_ROUTES: tuple[Route[Store], ...] = (
    route("POST", "/access-tokens", "login", login),
    route("POST", "/monitors/email-round-trip", "create", create_monitor),
    route("PATCH", "/monitors/email-round-trip/{id}", "update", update_monitor),
    route("GET", "/monitors", "list", list_monitors),
    route("GET", "/monitors/{id}", "get", get_monitor),
    route("DELETE", "/monitors/{id}", "delete", delete_monitor),
    route("GET", "/report-sitestatus", "report", site_status),
    route("POST", "/recipients", "recipient_create", create_recipient),
    route("GET", "/recipients", "recipient_list", list_recipients),
    route("GET", "/recipients/{id}", "recipient_get", get_recipient),
    route("PATCH", "/recipients/{id}", "recipient_update", update_recipient),
    route("DELETE", "/recipients/{id}", "recipient_delete", delete_recipient),
    route("POST", "/notifier-groups", "group_create", create_group),
    route("GET", "/notifier-groups", "group_list", list_groups),
    route("GET", "/notifier-groups/{id}", "group_get", get_group),
    route("PATCH", "/notifier-groups/{id}", "group_update", update_group),
    route("DELETE", "/notifier-groups/{id}", "group_delete", delete_group),
    route("GET", "/tests", "tod_start", start_test),
    route("GET", "/tests/{id}", "tod_poll", poll_test),
    route("POST", "/test-notifiers", "test_notifier", send_test_notification),
    route("POST", "/blackouts", "blackout_create", create_blackout),
    route("GET", "/blackouts", "blackout_list", list_blackouts),
    route("POST", "/blackouts/bulk-edit", "blackout_bulk", bulk_edit_blackouts),
    route("GET", "/blackouts/{id}", "blackout_get", get_blackout),
    route("PATCH", "/blackouts/{id}", "blackout_update", update_blackout),
    route("DELETE", "/blackouts/{id}", "blackout_delete", delete_blackout),
)
