"""AlertSite's rules for alert recipients and recipient groups (``/recipients``,
``/notifier-groups``), restated for the emulator from ``alertsite-api-more.md`` §1-2.

:func:`build_recipient` and :func:`build_group` validate a create body (or a stored record
merged with a patch) and build the canonical record; :func:`render_recipient` and
:func:`render_group` turn a record into what a GET answers, with the read-only fields
(``method_description``, ``notifier_groups``, the names inside a group) filled in from the
rest of the store; :func:`list_envelope` wraps a page of results. Every problem names its
field (:class:`.model.FieldError`). What the docs leave open is a switch in
:class:`.model.EmulatorSettings`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .model import EMAIL, LABEL, EmulatorSettings, JsonObject, is_int

#: ``method_id`` values and their ``method_description`` (R-OBJ; there is no 7 and no 13).
METHODS: dict[int, str] = {
    1: "E-mail (text format)",
    2: "Alphanumeric (text) pager",
    3: "Numeric pager (pause after dial method)",
    4: "E-mail to wireless device (cell phone, pager, Blackberry, etc.)",
    5: "Numeric pager (wait for quiet method)",
    6: "SMS message",
    8: "SNMP trap (snmpv1)",
    9: "SNMP trap (snmpv2c)",
    10: "POST request to web server",
    11: "Telephone message (voip)",
    12: "E-mail (HTML format)",
    14: "PagerDuty",
    15: "Splunk",
    16: "POST JSON request to web server",
    17: "ServiceNow",
}
DEFAULT_METHOD = 12
PAGERDUTY = 14
EMAIL_METHODS = frozenset({1, 4, 12})
URL_METHODS = frozenset({10, 16})
REQUIRED = "required and is empty"
"""The one documented field-level message (G-CREATE), used for every missing required field."""

RECIPIENT_BOOLEANS: dict[str, bool] = {
    "availability_alert": True,
    "performance_alert": False,
    "notify_on_clear": False,
    "attach_screen_capture": False,
    "attach_server_response": False,
    "repeat_performance_alerts": False,
    "remote_commands": False,
}
RECIPIENT_THRESHOLDS: dict[str, int] = {"start_threshold": 1, "stop_threshold": 10}
DEFAULT_PERFORMANCE_ALERT_TYPE = "20"
RECIPIENT_READ_ONLY = frozenset({"id", "method_description", "notifier_groups", "blackout_ids"})
RECIPIENT_TYPES = ("Availability", "Performance")
#: Where each ``type=`` filter value looks.
TYPE_FLAGS = {"Availability": "availability_alert", "Performance": "performance_alert"}

GROUP_NAME_MAX = 128
GROUP_ARRAYS = ("monitors", "recipients", "errortypes", "templates")
GROUP_READ_ONLY = frozenset({"id"})
ERRORTYPE_MAX = 999
#: The error types whose descriptions the docs show (G-GET); others get a generic text.
ERRORTYPE_DESCRIPTIONS = {1: "TCP connection failed", 2: "Test timed out"}

_URL = re.compile(
    rf"https?://(?:{LABEL}(?:\.{LABEL})*|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{{1,5}}))?(?:[/?#]\S*)?"
)

Problems = list[tuple[str, str]]


# --- recipients ---------------------------------------------------------------------------


def build_recipient(
    raw: Mapping[str, Any], settings: EmulatorSettings, current: Mapping[str, Any] | None = None
) -> tuple[JsonObject, Problems]:
    """Validate a create body (``current`` None) or a patch of the stored ``current``.

    Returns the canonical record (password included) and one (field, message) per problem.
    Read-only fields are ignored; unknown fields pass through, as for monitors. ``None``
    clears ``username``/``password`` and counts as absent (the default applies) elsewhere.
    """
    patch = {k: v for k, v in raw.items() if k not in RECIPIENT_READ_ONLY}
    problems: Problems = []
    if current is None and settings.recipient_method_id == "required" and patch.get("method_id") is None:
        problems.append(("method_id", REQUIRED))
    if (current is None or current.get("method_id") != PAGERDUTY) and _is(patch.get("method_id"), PAGERDUTY):
        problems.append(("method_id", "14 (PagerDuty) recipients cannot be created through the API"))
    merged: JsonObject = {**(current or {}), **patch}
    out: JsonObject = {}

    for name in ("name", "recipient"):
        value = merged.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append((name, REQUIRED))
        elif not isinstance(value, str):
            problems.append((name, "must be a string"))
        else:
            out[name] = value
    method = merged.get("method_id")
    if method is None:
        out["method_id"] = DEFAULT_METHOD
    elif not is_int(method):
        problems.append(("method_id", f"must be an integer, one of {_method_list()}"))
    elif method not in METHODS:
        problems.append(("method_id", f"{method} is not a delivery method; use one of {_method_list()}"))
    else:
        out["method_id"] = method
    if "recipient" in out and "method_id" in out:
        problem = _recipient_format(out["method_id"], out["recipient"])
        if problem:
            problems.append(("recipient", problem))

    for name in ("username", "password"):
        value = merged.get(name)
        if value is not None and not isinstance(value, str):
            problems.append((name, "must be a string or null"))
        else:
            out[name] = value
    for name, flag in RECIPIENT_BOOLEANS.items():
        value = merged.get(name)
        if value is None:
            out[name] = flag
        elif not isinstance(value, bool):
            problems.append((name, "must be true or false"))
        else:
            out[name] = value
    for name, default in RECIPIENT_THRESHOLDS.items():
        value = merged.get(name)
        if value is None:
            out[name] = default
        elif not is_int(value) or value < 1:
            problems.append((name, "must be an integer of at least 1"))
        else:
            out[name] = value
    alert_type = merged.get("performance_alert_type")
    if alert_type is None:
        out["performance_alert_type"] = DEFAULT_PERFORMANCE_ALERT_TYPE
    elif not isinstance(alert_type, str) or not alert_type.isascii() or not alert_type.isdigit():
        problems.append(("performance_alert_type", "must be a string of digits, e.g. \"20\""))
    else:
        out["performance_alert_type"] = alert_type

    handled = {"name", "recipient", "method_id", "username", "password", "performance_alert_type",
               *RECIPIENT_BOOLEANS, *RECIPIENT_THRESHOLDS}
    for name, value in merged.items():
        if name not in handled and value is not None:
            out[name] = copy.deepcopy(value)
    return out, problems


def _is(value: object, number: int) -> bool:
    return is_int(value) and value == number


def _method_list() -> str:
    return ", ".join(str(m) for m in METHODS if m != PAGERDUTY)


def _recipient_format(method: int, value: str) -> str | None:
    """What is wrong with ``value`` as the address of a ``method`` recipient, or None."""
    if method in EMAIL_METHODS and not EMAIL.fullmatch(value):
        return f"{value!r} is not an email address (method_id {method} sends e-mail)"
    if method in URL_METHODS:
        match = _URL.fullmatch(value)
        port = match.group("port") if match else None
        if not match or (port is not None and not 1 <= int(port) <= 65535):
            return f"{value!r} is not an http:// or https:// URL (method_id {method} posts to it)"
    return None


def render_recipient(recipient_id: int, record: Mapping[str, Any], group_ids: Sequence[int]) -> JsonObject:
    """The recipient as a GET returns it: integer id, ``password`` always null (write-only),
    and the read-only back-references (``notifier_groups`` as string ids, null when none)."""
    out: JsonObject = {"id": recipient_id}
    for name, value in record.items():
        if name in RECIPIENT_READ_ONLY:
            continue
        out[name] = None if name == "password" else value
    out.setdefault("password", None)
    method = record.get("method_id")
    out["method_description"] = METHODS.get(method, "") if isinstance(method, int) else ""
    out["notifier_groups"] = [str(g) for g in group_ids] or None
    out["blackout_ids"] = None
    return out


def recipient_matches(record: Mapping[str, Any], kind: str | None, method_id: int | None) -> bool:
    """Whether a recipient passes the ``type=`` and ``method_id=`` filters of ``GET /recipients``."""
    if kind is not None and record.get(TYPE_FLAGS[kind]) is not True:
        return False
    return method_id is None or record.get("method_id") == method_id


# --- recipient groups ---------------------------------------------------------------------


def build_group(
    raw: Mapping[str, Any],
    monitor_exists: Callable[[int], bool],
    recipient_exists: Callable[[int], bool],
    current: Mapping[str, Any] | None = None,
) -> tuple[JsonObject, Problems]:
    """Validate a create body (``current`` None) or a patch of ``current``.

    Arrays in a patch replace the stored ones whole; scalars are partial; the read-only
    sub-fields (names, descriptions) are ignored. ``monitors`` and ``recipients`` must hold at
    least one item on create *and* patch (G-OBJ). The canonical record keeps
    ``monitors`` as ``[{"id", "step_number"}]`` and the other arrays as lists of ids.
    """
    patch = {k: v for k, v in raw.items() if k not in GROUP_READ_ONLY}
    merged: JsonObject = {**(current or {}), **patch}
    problems: Problems = []
    out: JsonObject = {}

    name = merged.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        problems.append(("name", REQUIRED))
    elif not isinstance(name, str):
        problems.append(("name", "must be a string"))
    elif len(name) > GROUP_NAME_MAX:
        problems.append(("name", f"at most {GROUP_NAME_MAX} characters (got {len(name)})"))
    else:
        out["name"] = name
    is_default = merged.get("is_default")
    if is_default is None:
        out["is_default"] = False
    elif not isinstance(is_default, bool):
        problems.append(("is_default", "must be true or false"))
    else:
        out["is_default"] = is_default

    for array in GROUP_ARRAYS:
        # A stored record's arrays are canonical already; only what the patch sends is checked.
        if current is not None and array not in patch:
            out[array] = copy.deepcopy(current.get(array, []))
            continue
        value = merged.get(array)
        required = array in ("monitors", "recipients")
        if value is None:
            if required:
                problems.append((array, REQUIRED))
            else:
                out[array] = []
            continue
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            problems.append((array, "must be a list of objects such as {\"id\": 123}"))
            continue
        if required and not value:
            problems.append((array, REQUIRED))
            continue
        items = _group_items(array, value, monitor_exists, recipient_exists, problems)
        if items is not None:
            out[array] = items

    for key, value in merged.items():
        if key not in out and key not in ("name", "is_default", *GROUP_ARRAYS) and value is not None:
            out[key] = copy.deepcopy(value)
    return out, problems


def _group_items(
    array: str,
    value: list[Any],
    monitor_exists: Callable[[int], bool],
    recipient_exists: Callable[[int], bool],
    problems: Problems,
) -> list[Any] | None:
    items: list[Any] = []
    seen: set[object] = set()
    before = len(problems)
    for index, item in enumerate(value):
        where = f"{array}[{index}]"
        item_id = item.get("id")
        if not is_int(item_id):
            problems.append((array, f"{where}.id must be an integer"))
            continue
        if array == "monitors":
            step = item.get("step_number", 0)
            if step is None:
                step = 0
            if not is_int(step) or step < 0:
                problems.append((array, f"{where}.step_number must be an integer of at least 0"))
                continue
            if not monitor_exists(item_id):
                problems.append((array, f"{where}.id: {item_id} is not a monitor of this account"))
                continue
            key: object = (item_id, step)
            entry: object = {"id": item_id, "step_number": step}
        else:
            if array == "recipients" and not recipient_exists(item_id):
                problems.append((array, f"{where}.id: {item_id} is not a recipient of this account"))
                continue
            if array == "errortypes" and not 0 <= item_id <= ERRORTYPE_MAX:
                problems.append((array, f"{where}.id: {item_id} is not an error code of up to 3 digits"))
                continue
            if array == "templates" and item_id < 1:
                problems.append((array, f"{where}.id: {item_id} is not a template id"))
                continue
            key = entry = item_id
        if key in seen:
            problems.append((array, f"{where}: {item_id} is listed more than once"))
            continue
        seen.add(key)
        items.append(entry)
    return items if len(problems) == before else None


def render_group(
    group_id: int,
    record: Mapping[str, Any],
    monitor_names: Mapping[int, str],
    recipients: Mapping[int, Mapping[str, Any]],
) -> JsonObject:
    """The group as a GET returns it: integer ids, and the read-only sub-fields filled in."""
    out: JsonObject = {"id": group_id}
    for name, value in record.items():
        if name not in GROUP_ARRAYS:
            out[name] = value
    out["monitors"] = [
        {"id": m["id"], "name": monitor_names.get(m["id"], ""), "step_name": None,
         "step_number": m.get("step_number", 0)}
        for m in _monitor_entries(record)
    ]
    out["recipients"] = [
        {"id": r, "name": recipients.get(r, {}).get("name", ""),
         "recipient": recipients.get(r, {}).get("recipient", "")}
        for r in _ids(record.get("recipients"))
    ]
    out["errortypes"] = [
        {"description": ERRORTYPE_DESCRIPTIONS.get(e, f"Error {e}"), "id": e}
        for e in _ids(record.get("errortypes"))
    ]
    out["templates"] = [
        {"alert_description_short": "Custom template", "id": t, "name": f"Template {t}"}
        for t in _ids(record.get("templates"))
    ]
    return out


def raw_group(group_id: int, record: Mapping[str, Any]) -> JsonObject:
    """A group as the control surface and the monitor runner see it: every array a list of
    ids (``monitors`` too; ``monitor_steps`` keeps the step numbers)."""
    out: JsonObject = {"id": group_id, **copy.deepcopy(dict(record))}
    steps = _monitor_entries(record)
    out["monitors"] = list(dict.fromkeys(m["id"] for m in steps))
    out["monitor_steps"] = steps
    for name in ("recipients", "errortypes", "templates"):
        out[name] = _ids(record.get(name))
    out["is_default"] = record.get("is_default") is True
    return out


def canonical_group_edit(changes: Mapping[str, Any]) -> JsonObject:
    """An out-of-band group edit in the canonical form: ``monitors`` may be ids or
    ``{"id", "step_number"}`` objects, the other arrays ids or ``{"id"}`` objects."""
    out: JsonObject = {}
    for name, value in changes.items():
        if name in ("id", "monitor_steps"):
            continue
        if name in GROUP_ARRAYS and isinstance(value, list):
            entries = [v if isinstance(v, dict) else {"id": v} for v in value]
            if name == "monitors":
                out[name] = [{"id": e.get("id"), "step_number": e.get("step_number", 0)} for e in entries]
            else:
                out[name] = [e.get("id") for e in entries]
        else:
            out[name] = copy.deepcopy(value)
    if "monitors" not in out and isinstance(changes.get("monitor_steps"), list):
        out["monitors"] = copy.deepcopy(changes["monitor_steps"])
    return out


def _monitor_entries(record: Mapping[str, Any]) -> list[JsonObject]:
    entries = record.get("monitors")
    if not isinstance(entries, list):
        return []
    return [{"id": e["id"], "step_number": e.get("step_number", 0)}
            for e in entries if isinstance(e, dict) and is_int(e.get("id"))]


def _ids(value: object) -> list[int]:
    return [i for i in value if is_int(i)] if isinstance(value, list) else []


def group_monitor_ids(record: Mapping[str, Any]) -> set[int]:
    return {m["id"] for m in _monitor_entries(record)}


def group_recipient_ids(record: Mapping[str, Any]) -> set[int]:
    return set(_ids(record.get("recipients")))


def without(record: Mapping[str, Any], monitor_id: int | None = None,
            recipient_id: int | None = None) -> JsonObject | None:
    """``record`` with a deleted monitor or recipient taken out, or None when it held neither."""
    if monitor_id is not None and monitor_id in group_monitor_ids(record):
        out = dict(record)
        out["monitors"] = [m for m in _monitor_entries(record) if m["id"] != monitor_id]
        return out
    if recipient_id is not None and recipient_id in group_recipient_ids(record):
        out = dict(record)
        out["recipients"] = [r for r in _ids(record.get("recipients")) if r != recipient_id]
        return out
    return None


# --- lists --------------------------------------------------------------------------------


def list_envelope(
    rows: list[JsonObject],
    limit: int | None,
    offset: int | None,
    settings: EmulatorSettings,
    offset_when_absent: str | None,
) -> JsonObject:
    """A page of ``rows`` (every match) in the documented envelope (R-GETS, G-GETS).

    ``limit`` is echoed as asked (null when not); ``offset`` as a string when asked, else
    ``offset_when_absent`` (``"0"`` in the recipients example, null in the groups one).
    """
    start = offset or 0
    size = min(limit or settings.default_limit, settings.max_limit)
    page = rows[start : start + size]
    count = len(rows) if settings.list_count == "total" else len(page)
    return {
        "metadata": {
            "__permissions": {"acl": 7},
            "resultset": {
                "count": count,
                "limit": limit,
                "offset": str(offset) if offset is not None else offset_when_absent,
            },
        },
        "results": page,
    }
