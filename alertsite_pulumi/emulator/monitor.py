"""AlertSite's rules for one round-trip email monitor, restated for the emulator.

:func:`build_monitor` validates a create body (or a stored monitor merged with a patch)
and builds the canonical record (``interval`` as an int, locations as ``[{"id": 10}]``);
:func:`render_monitor` turns a record into what a GET answers under the current read-back
switches (numbers as strings, the password left out or masked, location names), and
:func:`select_fields` applies ``select=``.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .model import EMAIL, LABEL, EmulatorSettings, JsonObject, as_int, is_int

MONITOR_TYPE = "email-round-trip"
INTERVALS = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
MODES = ("Primary", "Global Notify", "Global Verify", "Round Robin", "SLA (MultiPOP)")
MULTI_LOCATION_MODES = frozenset({"Round Robin", "SLA (MultiPOP)"})
#: What a message about a body key (not about one field's value) names instead of a field.
FIELD_NAMES = "field names"
REQUIRED_FIELDS = ("billing_plancode", "name", "smtp_hostname", "pop3_hostname", "email")
# Fields AlertSite computes; a client that sends them back is ignored, not refused.
READ_ONLY_FIELDS = frozenset(
    {"id", "type", "access_type", "created", "last_status", "notifier_groups", "blackout_ids"}
)
NOTE_MAX = 255
ALERT_NOTE_MAX = 1000
TIMEOUT_MIN, TIMEOUT_MAX = 1, 300
PASSWORD_MASK = "********"  # noqa: S105 - what a GET shows instead of a password

_HOST = rf"(?:{LABEL}(?:\.{LABEL})*|\[[0-9A-Fa-f:.]+\])"
_HOST_URL = re.compile(rf"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>{_HOST})(?::(?P<port>\d+))?")


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return None


def _control_character_at(value: object) -> int | None:
    """Where a text in ``value`` (its lists and mappings too) holds a control character other
    than tab, line feed or carriage return (1-based), or None."""
    if isinstance(value, str):
        return next((i + 1 for i, ch in enumerate(value)
                     if ch not in "\t\n\r" and unicodedata.category(ch) == "Cc"), None)
    if isinstance(value, dict):
        items: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = list(value)
    else:
        return None
    return next((p for item in items if (p := _control_character_at(item)) is not None), None)


def _check_host_url(name: str, value: str, schemes: tuple[str, str]) -> str | None:
    form = f"{schemes[0]}://host[:port] or {schemes[1]}://host[:port]"
    match = _HOST_URL.fullmatch(value)
    if not match or match.group("scheme") not in schemes:
        return f"{name}: {value!r} must be a URL of the form {form}"
    port = match.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        return f"{name}: port {port} must be between 1 and 65535"
    return None


def monitor_defaults(settings: EmulatorSettings) -> JsonObject:
    """What AlertSite and the account fill in for fields a create leaves out."""
    return {
        "interval": 15,
        "timeout": 300,
        "enabled": True,
        "locations": [{"id": i} for i in settings.default_locations],
        "mode": "Primary",
        "allow_internal_testing": True,
        "note": "",
        "alert_note": "",
        "custom_properties": [],
        "email_username": "",
    }


def build_monitor(raw: Mapping[str, Any], settings: EmulatorSettings) -> tuple[JsonObject, list[str]]:
    """Validate ``raw`` (a create body, or a stored monitor merged with a patch).

    Returns the canonical record and one message per problem, each naming its field.
    ``None`` values count as absent, so the default applies. Unknown fields pass through.
    """
    data = {k: v for k, v in raw.items() if v is not None and k not in READ_ONLY_FIELDS}
    errors: list[str] = []
    out: JsonObject = {}

    for name in REQUIRED_FIELDS:
        if name not in data:
            errors.append(f"{name}: is required")
    for name, value in data.items():
        if (position := _control_character_at(name)) is not None:
            # An unknown field's name (sent through extra_fields), checked as nested keys are.
            # Named without repeating it: the name itself holds the character.
            errors.append(f"{FIELD_NAMES}: a field name holds a control character at character {position}")
        elif (position := _control_character_at(value)) is not None:
            errors.append(f"{name}: holds a control character at character {position}")
        elif name in ("email_username", "email_password") and isinstance(value, str) and (
                position := next((i + 1 for i, ch in enumerate(value) if ch in "\r\n"), None)):
            # USER and PASS are one POP3 line each.
            errors.append(f"{name}: holds a line break at character {position}")
    for name in ("billing_plancode", "name", "smtp_hostname", "pop3_hostname", "email",
                 "email_username", "email_password", "note", "alert_note", "mode"):
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, str):
            errors.append(f"{name}: must be a string")
        elif name in REQUIRED_FIELDS and not value.strip():
            errors.append(f"{name}: must not be empty")
        else:
            out[name] = value

    plan = out.get("billing_plancode")
    if plan is not None and plan not in settings.plan_codes:
        allowed = ", ".join(repr(p) for p in settings.plan_codes)
        errors.append(f"billing_plancode: {plan!r} is not one of {allowed}")
    for name, schemes in (("smtp_hostname", ("smtp", "smtps")), ("pop3_hostname", ("pop3", "pop3s"))):
        if name in out and (problem := _check_host_url(name, out[name], schemes)):
            errors.append(problem)
    if "email" in out and not EMAIL.fullmatch(out["email"]):
        errors.append(f"email: {out['email']!r} is not a valid email address")
    if "note" in out and len(out["note"]) > NOTE_MAX:
        errors.append(f"note: at most {NOTE_MAX} characters (got {len(out['note'])})")
    if "alert_note" in out:
        out["alert_note"] = out["alert_note"][:ALERT_NOTE_MAX]
    if "mode" in out and out["mode"] not in MODES:
        errors.append(f"mode: {out['mode']!r} is not one of {', '.join(MODES)}")

    for name in ("enabled", "allow_internal_testing"):
        if name in data:
            flag = as_bool(data[name])
            if flag is None:
                errors.append(f"{name}: must be true or false")
            else:
                out[name] = flag

    if "interval" in data:
        interval = as_int(data["interval"])
        if interval is None or interval not in INTERVALS:
            allowed = ", ".join(str(i) for i in INTERVALS)
            errors.append(f"interval: {data['interval']!r} is not one of {allowed} (minutes)")
        else:
            out["interval"] = interval
    if "timeout" in data:
        timeout = as_int(data["timeout"])
        if timeout is None or not TIMEOUT_MIN <= timeout <= TIMEOUT_MAX:
            errors.append(
                f"timeout: {data['timeout']!r} must be an integer from {TIMEOUT_MIN} to "
                f"{TIMEOUT_MAX} (seconds)"
            )
        else:
            out["timeout"] = timeout

    known_locations = settings.location_names()
    if "locations" in data:
        out_locations = _check_locations(data["locations"], known_locations, errors)
        if out_locations is not None:
            out["locations"] = out_locations
    if "home_location" in data:
        home = as_int(data["home_location"])
        if home is None:
            errors.append("home_location: must be a location id (an integer)")
        elif home not in known_locations:
            errors.append(f"home_location: {home} is not a known location id")
        else:
            out["home_location"] = home

    if "custom_properties" in data:
        props = data["custom_properties"]
        if not isinstance(props, list) or not all(isinstance(p, dict) for p in props):
            errors.append("custom_properties: must be a list of objects")
        else:
            out["custom_properties"] = copy.deepcopy(props)

    handled = set(out) | set(REQUIRED_FIELDS) | {
        "email_username", "email_password", "note", "alert_note", "mode", "enabled",
        "allow_internal_testing", "interval", "timeout", "locations", "home_location",
        "custom_properties",
    }
    for name, value in data.items():
        if name not in handled:
            out[name] = copy.deepcopy(value)

    if errors:
        return out, errors

    for name, default in monitor_defaults(settings).items():
        out.setdefault(name, default)
    out.setdefault("home_location", out["locations"][0]["id"])
    if out["interval"] * 60 <= out["timeout"]:
        errors.append(
            f"interval: {out['interval']} minutes ({out['interval'] * 60} s) must be longer "
            f"than the timeout ({out['timeout']} s)"
        )
    if out["mode"] in MULTI_LOCATION_MODES and len(out["locations"]) < 2:
        errors.append(f"mode: {out['mode']!r} needs at least two locations")
    return out, errors


def _check_locations(
    value: object, known: Mapping[int, str], errors: list[str]
) -> list[JsonObject] | None:
    if not isinstance(value, list) or not value:
        errors.append("locations: must be a non-empty list of {\"id\": <location id>}")
        return None
    result: list[JsonObject] = []
    seen: set[int] = set()
    for entry in value:
        loc_id = as_int(entry.get("id")) if isinstance(entry, dict) else None
        if loc_id is None:
            errors.append("locations: each entry must be {\"id\": <location id>}")
            return None
        if loc_id not in known:
            known_ids = ", ".join(str(k) for k in sorted(known))
            errors.append(f"locations: {loc_id} is not a known location id ({known_ids})")
            return None
        if loc_id in seen:
            errors.append(f"locations: {loc_id} is listed more than once")
            return None
        seen.add(loc_id)
        result.append({"id": loc_id})
    return result


# --- how monitors are read back ----------------------------------------------------------

_NUMBER_FIELDS = frozenset({"interval", "timeout", "home_location"})
_BOOLEAN_FIELDS = frozenset({"enabled", "allow_internal_testing"})


def _number(value: object, settings: EmulatorSettings) -> object:
    if settings.numbers_as_strings and is_int(value):
        return str(value)
    return value


def render_monitor(
    monitor_id: int,
    record: Mapping[str, Any],
    settings: EmulatorSettings,
    access_type: str,
    names: Mapping[int, str] | None = None,
) -> JsonObject:
    """The monitor as a GET returns it, under the current read-back switches.

    Stored records are never changed in place (every write stores a new record), so the
    answer may share nested values with the record instead of copying them.
    """
    if names is None:
        names = settings.location_names()
    out: JsonObject = {"id": str(monitor_id), "type": MONITOR_TYPE, "access_type": access_type}
    for name, value in record.items():
        if name == "email_password":
            if settings.password_in_get == "mask":  # noqa: S105 - a mode
                out[name] = PASSWORD_MASK
        elif name in _NUMBER_FIELDS:
            out[name] = _number(value, settings)
        elif name in _BOOLEAN_FIELDS and isinstance(value, bool):
            out[name] = ("true" if value else "false") if settings.booleans_as_strings else value
        elif name == "locations" and isinstance(value, list):
            out[name] = [_render_location(loc, names, settings) for loc in value]
        elif name == "custom_properties" and isinstance(value, list):
            out[name] = [
                {k: _number(v, settings) for k, v in p.items()} if isinstance(p, dict) else p
                for p in value
            ]
        else:
            out[name] = value
    return out


def _render_location(loc: object, names: Mapping[int, str], settings: EmulatorSettings) -> object:
    if not isinstance(loc, dict):
        return loc
    loc_id = as_int(loc.get("id"))
    rendered = dict(loc)
    if loc_id is not None:
        rendered["id"] = _number(loc_id, settings)
        rendered.setdefault("name", names.get(loc_id, ""))
    return rendered


def select_fields(obj: JsonObject, select: str | None) -> JsonObject:
    """``select=a,b`` keeps only those fields; ``select=`` (empty) keeps none."""
    if select is None:
        return obj
    wanted = {s.strip() for s in select.split(",") if s.strip()}
    return {k: v for k, v in obj.items() if k in wanted}

