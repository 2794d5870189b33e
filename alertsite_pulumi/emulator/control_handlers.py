"""The control surface's handlers and routes (``/_emulator/...``), for tests and benchmarks.

Never part of the AlertSite API: reset, faults, settings, out-of-band monitor, recipient and
recipient group edits, request counters, users, the alerts sent (``--run-monitors``) and the
OpenAPI description.
:class:`.control.EmulatorControl` is its client.

No answer shows a secret: a stored mailbox or recipient password is shown as ``[secret]``;
whether it is a given value can be asked (``POST /monitors/{id}/password-check``,
``POST /recipients/{id}/password-check``), never read.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Final, Protocol

from .alerts import AlertLog
from .faults import FaultConfigError, parse_fault_config
from .model import ApiError, JsonObject
from .routes import Request, Response, Route, ok, route
from .store import Store


class Controlled(Protocol):
    """What the control handlers serve (``app.EmulatorApp``): the store, and what lies beside it."""

    @property
    def store(self) -> Store: ...

    @property
    def prefix(self) -> str: ...

    def reset(self) -> None: ...

    def set_faults(self, rules: list[Any], seed: int | None, every: float | None) -> None: ...

    def fault_snapshot(self) -> JsonObject: ...

    def openapi(self) -> JsonObject: ...

    @property
    def alerts(self) -> AlertLog: ...


#: What a control answer shows in place of a stored secret.
SECRET_MASK: Final = "[secret]"  # noqa: S105 - a mask, not a password
# Any field of a stored monitor whose name says it holds a secret (fields the emulator does not
# model pass through a create, so the name is all there is to go by).
_SECRET_NAME = re.compile(r"(?i)password|secret|token")


def masked(monitor: JsonObject) -> JsonObject:
    """A stored monitor for a control answer: every secret set is ``[secret]``."""
    return {name: SECRET_MASK if _SECRET_NAME.search(name) and value not in (None, "") else value
            for name, value in monitor.items()}


def control_health(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"status": "ok", "prefix": app.prefix, "monitors": app.store.monitor_count()})


def control_reset(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.reset()
    return ok({"reset": True})


def control_get_faults(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.fault_snapshot())


def control_put_faults(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    try:
        rules, seed, every = parse_fault_config(req.json())
    except FaultConfigError as exc:
        raise ApiError(400, exc.messages) from None
    app.set_faults(rules, seed, every)
    return ok(app.fault_snapshot())


def control_clear_faults(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.set_faults([], None, None)
    return ok(app.fault_snapshot())


def control_expire_tokens(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"expired": app.store.expire_tokens()})


def control_get_settings(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.settings.to_dict())


def control_patch_settings(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.update_settings(req.json_object()).to_dict())


def control_list_monitors(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"monitors": [masked(m) for m in app.store.raw_monitors()]})


def control_seed_monitor(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"id": app.store.seed_monitor(req.json_object())})


def control_get_monitor(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(masked(app.store.raw_monitor(params["id"])))


def control_edit_monitor(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(masked(app.store.edit_monitor_raw(params["id"], req.json_object())))


def control_password_check(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    given: Any = req.json_object().get("email_password")
    if not isinstance(given, str):
        raise ApiError(400, "email_password: give the password to compare, as a string")
    stored = app.store.raw_monitor(params["id"]).get("email_password")
    matches = isinstance(stored, str) and secrets.compare_digest(stored.encode(), given.encode())
    return ok({"matches": matches})


def control_delete_monitor(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.store.delete_monitor(params["id"])
    return ok({"deleted": params["id"]})


def control_list_recipients(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"recipients": [masked(r) for r in app.store.raw_recipients()]})


def control_seed_recipient(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"id": app.store.seed_recipient(req.json_object())})


def control_get_recipient(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(masked(app.store.raw_recipient(params["id"])))


def control_edit_recipient(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(masked(app.store.edit_recipient_raw(params["id"], req.json_object())))


def control_delete_recipient(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.store.delete_recipient(params["id"])
    return ok({"deleted": params["id"]})


def control_recipient_password_check(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    given: Any = req.json_object().get("password")
    if not isinstance(given, str):
        raise ApiError(400, "password: give the password to compare, as a string")
    stored = app.store.raw_recipient(params["id"]).get("password")
    matches = isinstance(stored, str) and secrets.compare_digest(stored.encode(), given.encode())
    return ok({"matches": matches})


def control_list_groups(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"groups": app.store.raw_recipient_groups()})


def control_seed_group(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"id": app.store.seed_group(req.json_object())})


def control_get_group(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.raw_recipient_group(params["id"]))


def control_edit_group(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.edit_group_raw(params["id"], req.json_object()))


def control_delete_group(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.store.delete_group(params["id"])
    return ok({"deleted": params["id"]})


def control_get_clock(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.clock_state())


def control_advance_clock(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    """``{"advance_seconds": N}``: move the emulator's clock (blackouts, the runner's and the
    notifier's "now") forward; tokens keep their own clock."""
    seconds: Any = req.json_object().get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < 1e10:
        raise ApiError(400, "advance_seconds: give a number of seconds of at least 0")
    return ok(app.store.advance_clock(float(seconds)))


def control_list_blackouts(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"blackouts": app.store.raw_blackouts(), "active": app.store.active_blackouts()})


def control_requests(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.store.request_counts())


def control_reset_requests(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.store.reset_requests()
    return ok(app.store.request_counts())


def control_users(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok({"users": [u.public() for u in app.store.users()]})


def control_add_user(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    body = req.json_object()
    user = app.store.add_user(body.get("email"), body.get("password"), body.get("role", "admin"))
    return ok(user.public())


def control_alerts(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.alerts.snapshot())


def control_clear_alerts(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    app.alerts.clear()
    return ok(app.alerts.snapshot())


def control_openapi(app: Controlled, req: Request, params: dict[str, str]) -> Response:
    return ok(app.openapi())


CONTROL_ROUTES: tuple[Route[Controlled], ...] = (
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
    route("POST", "/monitors/{id}/password-check", "control", control_password_check),
    route("GET", "/recipients", "control", control_list_recipients),
    route("POST", "/recipients", "control", control_seed_recipient),
    route("GET", "/recipients/{id}", "control", control_get_recipient),
    route("PATCH", "/recipients/{id}", "control", control_edit_recipient),
    route("DELETE", "/recipients/{id}", "control", control_delete_recipient),
    route("POST", "/recipients/{id}/password-check", "control", control_recipient_password_check),
    route("GET", "/recipient-groups", "control", control_list_groups),
    route("POST", "/recipient-groups", "control", control_seed_group),
    route("GET", "/recipient-groups/{id}", "control", control_get_group),
    route("PATCH", "/recipient-groups/{id}", "control", control_edit_group),
    route("DELETE", "/recipient-groups/{id}", "control", control_delete_group),
    route("GET", "/clock", "control", control_get_clock),
    route("POST", "/clock", "control", control_advance_clock),
    route("GET", "/blackouts", "control", control_list_blackouts),
    route("GET", "/requests", "control", control_requests),
    route("DELETE", "/requests", "control", control_reset_requests),
    route("GET", "/users", "control", control_users),
    route("POST", "/users", "control", control_add_user),
    route("GET", "/openapi.json", "control", control_openapi),
    route("GET", "/alerts", "control", control_alerts),
    route("DELETE", "/alerts", "control", control_clear_alerts),
)
