"""The round-trip monitor's ``Behaviour``: what the lifecycle needs of it beyond its fields.

Its values (``fields.FIELDS``, read back by ``coercion``), its calls (create and PATCH under
``/monitors/email-round-trip``, reads and deletes under ``/monitors``), and the rules of its
own: adoption (``adopt_monitor_id``, ``adopt_by_name``), unmodelled ``extra_fields``, and
AlertSite's one monitor per mailbox (``mailbox_guard``), kept by every create and every update
that moves a monitor to another mailbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .client import AlertSiteClient
from .coercion import coerce_monitor, field_equal, loosely_equal, normalize_inputs, to_api
from .errors import AdoptionError, NotFound
from .export import exportable_values
from .fields import ADOPT_BY_NAME, ADOPT_MONITOR_ID, EXTRA_FIELDS, FIELDS, SECRET_FIELDS, validate_inputs
from .kind import Behaviour, Claim, UpdateGuard, field_outputs
from .mailbox_guard import MailboxGuard, MailboxInUseError, mailbox_key
from .validators import is_unknown

#: Read-only values AlertSite computes that are kept as outputs. Volatile ones (last status)
#: are left out so that a refresh right after an update finds nothing to report.
COMPUTED_OUTPUTS: Final = ("monitor_id", "monitor_type", "access_type")


class MonitorBehaviour(Behaviour):
    noun = "monitor"

    def normalize(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return normalize_inputs(inputs)

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        return validate_inputs(inputs)

    def changed(self, fields: Mapping[str, Any], olds: Mapping[str, Any],
                news: Mapping[str, Any]) -> list[str]:
        return changed_fields(olds, news)

    def to_api(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return to_api(inputs)

    def update_body(self, inputs: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        body = to_api({k: inputs[k] for k in changed if k in FIELDS})
        if EXTRA_FIELDS in changed:
            body.update(inputs.get(EXTRA_FIELDS) or {})
        return body

    def coerce(self, live: Mapping[str, Any]) -> dict[str, Any]:
        return coerce_monitor(live)

    def outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                previous: Mapping[str, Any]) -> dict[str, Any]:
        return outputs(live, inputs, previous)

    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        return same_monitor(live, stored)

    def import_inputs(self, outputs: Mapping[str, Any], resource_name: str) -> dict[str, Any]:
        # The same reading as `alertsite-pulumi export`: a value check would refuse (an
        # over-long note made in the UI) is left out, so that AlertSite keeps it.
        values, _left_out, _replaced = exportable_values(
            {**outputs, "id": outputs.get("monitor_id")}, resource_name)
        return values

    def get(self, client: AlertSiteClient, object_id: str) -> dict[str, Any]:
        return client.get_monitor(object_id)

    def create(self, client: AlertSiteClient, body: Mapping[str, Any]) -> str:
        return client.create_round_trip_monitor(body)

    def update(self, client: AlertSiteClient, object_id: str, body: Mapping[str, Any]) -> None:
        client.update_round_trip_monitor(object_id, body)

    def delete(self, client: AlertSiteClient, object_id: str) -> None:
        client.delete_monitor(object_id, missing_ok=True)

    def discard(self, client: AlertSiteClient, object_id: str) -> None:
        client.discard_monitor(object_id)

    def new_state(self) -> MailboxGuard:
        return MailboxGuard()

    def adopt(self, client: AlertSiteClient, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        return adopt(client, inputs)

    def adoption_body(self, live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        # Taking over an existing monitor: write only what differs.
        return to_api(changed_against(live, inputs))

    def claim(self, state: Any, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        # AlertSite's one-monitor-per-mailbox rule, checked before any POST (fails closed);
        # confirmed after it, as another process may have made a monitor on the same mailbox
        # meanwhile (the older one stays).
        guard: MailboxGuard = state
        return guard.claim(client, inputs)

    def guard_update(self, state: Any, client: AlertSiteClient, object_id: str,
                     olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     changed: list[str]) -> UpdateGuard:
        return _MailboxMove(state, client, object_id, olds, inputs, changed)

    def forget(self, state: Any, client: AlertSiteClient, object_id: str) -> None:
        guard: MailboxGuard = state
        guard.forget(client, object_id)


class _MailboxMove:
    """One monitor per mailbox holds for updates too: a move onto a watched mailbox is refused
    before the PATCH, and undone after it when another process put a monitor there meanwhile."""

    def __init__(self, guard: MailboxGuard, client: AlertSiteClient, monitor_id: str,
                 olds: Mapping[str, Any], inputs: Mapping[str, Any], changed: list[str]) -> None:
        self._guard, self._client, self._id = guard, client, monitor_id
        self._old_email = olds.get("email")
        self._name, self._email = str(inputs.get("name") or ""), str(inputs.get("email") or "")
        self._moves = ("email" in changed
                       and mailbox_key(self._email) != mailbox_key(str(self._old_email or "")))

    def before(self) -> None:
        if self._moves:
            self._guard.check_move(self._client, self._id, self._name, self._email)

    def after(self) -> None:
        if not self._moves:
            return
        try:
            self._guard.confirm_move(self._client, self._id, self._name, self._email)
        except MailboxInUseError:
            self._client.update_round_trip_monitor(self._id, to_api({"email": self._old_email}))
            raise
        self._guard.moved(self._client, self._id, self._name, self._email)


# -- adoption -----------------------------------------------------------------------------------


def adopt(client: AlertSiteClient, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The monitor to take over (id and live values), or None to create a new one."""
    monitor_id = inputs.get(ADOPT_MONITOR_ID)
    if monitor_id:
        try:
            return str(monitor_id), client.get_monitor(str(monitor_id))
        except NotFound:
            raise AdoptionError(f"adopt_monitor_id: AlertSite has no monitor {monitor_id}") from None
    if inputs.get(ADOPT_BY_NAME):
        name = inputs.get("name")
        matches = [m for m in client.list_monitors() if m.get("name") == name]
        if len(matches) != 1:
            ids = ", ".join(str(m.get("id")) for m in matches)
            found = f"{len(matches)} ({ids})" if matches else "none"
            raise AdoptionError(
                f"adopt_by_name: exactly one round-trip monitor named {name!r} must exist; "
                f"found {found}")
        return str(matches[0]["id"]), matches[0]
    return None


# -- plain functions of values ---------------------------------------------------------------------


def same_monitor(live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether a monitor read from AlertSite is the one ``stored`` describes: same mailbox and
    servers (the name may have been edited in the UI)."""
    return (mailbox_key(str(live.get("email") or "")) == mailbox_key(str(stored.get("email") or ""))
            and all(field_equal(k, live.get(k), stored.get(k)) for k in ("smtp_hostname", "pop3_hostname")))


def changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The fields the user set whose stored value differs (unknown values count as changed)."""
    changed = []
    for name, wanted in news.items():
        if name not in FIELDS or wanted is None:
            continue
        if is_unknown(wanted) or not field_equal(name, olds.get(name), wanted):
            changed.append(name)
    extra = news.get(EXTRA_FIELDS)
    if extra is not None:
        stored = olds.get(EXTRA_FIELDS) or {}
        if is_unknown(extra) or not isinstance(stored, Mapping) or any(
            is_unknown(v) or not loosely_equal(stored.get(k), v) for k, v in extra.items()
        ):
            changed.append(EXTRA_FIELDS)
    return changed


def changed_against(live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that differ from a live monitor (for adopting without needless writes)."""
    out = {k: v for k, v in inputs.items()
           if k in FIELDS and (k in SECRET_FIELDS or not field_equal(k, live.get(k), v))}
    extra = inputs.get(EXTRA_FIELDS) or {}
    changed_extra = {k: v for k, v in extra.items() if not loosely_equal(live.get(k), v)}
    if changed_extra:
        out[EXTRA_FIELDS] = changed_extra
    return out


def outputs(live: Mapping[str, Any], inputs: Mapping[str, Any],
            previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The state to store: every field as AlertSite reports it, plus what it cannot report.

    Secrets AlertSite never returns in clear are kept from the inputs (or the previous
    state); extra fields keep the user's keys with their live values.
    """
    live = coerce_monitor(live)
    previous = previous or {}
    out = field_outputs(FIELDS, live, inputs, previous)
    extra = inputs.get(EXTRA_FIELDS)
    if isinstance(extra, Mapping):
        out[EXTRA_FIELDS] = {k: live.get(k, v) for k, v in extra.items()}
    for name in (ADOPT_MONITOR_ID, ADOPT_BY_NAME):
        if inputs.get(name) is not None:
            out[name] = inputs[name]
    out["monitor_id"] = str(live.get("id", previous.get("monitor_id", "")))
    if live.get("type") is not None:
        out["monitor_type"] = live["type"]
    if live.get("access_type") is not None:
        out["access_type"] = live["access_type"]
    return out


__all__ = [
    "COMPUTED_OUTPUTS",
    "MonitorBehaviour",
    "adopt",
    "changed_against",
    "changed_fields",
    "outputs",
    "same_monitor",
]
