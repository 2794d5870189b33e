"""The fields of a round-trip email monitor.

One table says, for every field: its type, whether it is required or secret, whether
AlertSite fills it from account defaults, how to coerce a value read from the API (which
sends numbers as strings) and how to validate a value the user wrote. The client, the
provider and the resource all use this table, so a field is described exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

#: Interval values (minutes) AlertSite accepts for round-trip monitors.
ALLOWED_INTERVALS: Final = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
#: Monitoring modes; the last two need at least two locations.
ALLOWED_MODES: Final = ("Primary", "Global Notify", "Global Verify", "Round Robin", "SLA (MultiPOP)")
MULTI_LOCATION_MODES: Final = ("Round Robin", "SLA (MultiPOP)")
#: How many distinct locations a multi-location mode needs at the least.
MULTI_LOCATION_MIN_LOCATIONS: Final = 2
MIN_TIMEOUT_SECONDS: Final = 1
MAX_TIMEOUT_SECONDS: Final = 300
NOTE_MAX: Final = 255
ALERT_NOTE_MAX: Final = 1000
NAME_MAX: Final = 255
DEFAULT_PORTS: Final = {"smtp": 25, "smtps": 465, "pop3": 110, "pop3s": 995}
#: What the account fills in when a field is omitted (AlertSite's documented or assumed defaults).
ACCOUNT_DEFAULT_INTERVAL: Final = 15
ACCOUNT_DEFAULT_TIMEOUT: Final = 300

SECRET_MASK: Final = "[secret]"  # noqa: S105 - a mask, not a password

_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE: Final = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$")
_HOST_RE: Final = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$|^\[[0-9A-Fa-f:.]+\]$")

Validator = Callable[[Any], "str | None"]


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_string(max_len: int | None = None, *, required: bool = False) -> Validator:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"must be a string, not {type(value).__name__}"
        if required and not value.strip():
            return "must not be empty"
        if max_len is not None and len(value) > max_len:
            return f"is {len(value)} characters long; at most {max_len} are allowed"
        return None

    return check


def _validate_url(schemes: tuple[str, str]) -> Validator:
    plain, tls = schemes

    def check(value: Any) -> str | None:
        allowed = (f"{plain}://host[:port] (port {DEFAULT_PORTS[plain]} by default) "
                   f"or {tls}://host[:port] ({DEFAULT_PORTS[tls]})")
        if not isinstance(value, str) or not value:
            return f"must be a URL of the form {allowed}"
        if "@" in urlsplit(value).netloc:
            # Checked first, and the URL is not repeated: it would carry a password.
            return "must not carry credentials in the URL; use email_username and email_password"
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            return f"{value!r} has an invalid port; ports are 1 to 65535 ({allowed})"
        if parts.scheme not in schemes:
            return f"{value!r} has scheme {parts.scheme or '(none)'!r}; allowed: {allowed}"
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            return f"{value!r} must name only a host and an optional port ({allowed})"
        host = parts.hostname or ""
        if not host or not _HOST_RE.match(host if ":" not in host else f"[{host}]"):
            return f"{value!r} has no valid host name ({allowed})"
        if port is not None and not 1 <= port <= 65535:
            return f"{value!r} has port {port}; ports are 1 to 65535"
        if port == 0:
            return f"{value!r} has port 0; ports are 1 to 65535"
        return None

    return check


def _validate_email(value: Any) -> str | None:
    if not isinstance(value, str) or not _EMAIL_RE.match(value):
        return f"{value!r} is not an email address (expected mailbox@domain.tld)"
    return None


def _validate_interval(value: Any) -> str | None:
    if not _is_int(value) or value not in ALLOWED_INTERVALS:
        allowed = ", ".join(str(v) for v in ALLOWED_INTERVALS)
        return f"{value!r} is not one of {allowed} (minutes)"
    return None


def _validate_timeout(value: Any) -> str | None:
    if not _is_int(value) or not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS:
        return (f"{value!r} is out of range; the timeout is {MIN_TIMEOUT_SECONDS} to "
                f"{MAX_TIMEOUT_SECONDS} seconds")
    return None


def _validate_bool(value: Any) -> str | None:
    return None if _is_bool(value) else f"must be true or false, not {value!r}"


def _validate_location_id(value: Any) -> str | None:
    if not _is_int(value) or value <= 0:
        return f"{value!r} is not a location id (a positive integer)"
    return None


def _validate_locations(value: Any) -> str | None:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return "must be a list of location ids (positive integers)"
    if not value:
        return "must hold at least one location id; leave it out to use the account's default locations"
    for item in value:
        problem = _validate_location_id(item)
        if problem:
            return problem
    if len(set(value)) != len(value):
        return "holds a location id twice"
    return None


def _validate_mode(value: Any) -> str | None:
    if value not in ALLOWED_MODES:
        return f"{value!r} is not one of {', '.join(ALLOWED_MODES)}"
    return None


_CUSTOM_PROPERTY_KEYS: Final = frozenset({"id", "name", "value", "value_id"})


def _validate_custom_properties(value: Any) -> str | None:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return 'must be a list of {"id", "name", "value", "value_id"} objects'
    for item in value:
        if not isinstance(item, Mapping):
            return 'must be a list of {"id", "name", "value", "value_id"} objects'
        unknown = set(item) - _CUSTOM_PROPERTY_KEYS
        if unknown:
            return f"has unknown keys {sorted(unknown)}; allowed: id, name, value, value_id"
    return None


def _validate_extra_fields(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be a mapping of AlertSite field names to values"
    clash = sorted(set(value) & (set(FIELDS) | {"id", "type"}))
    if clash:
        return f"must not repeat modelled fields {clash}; set them as arguments instead"
    return None


@dataclass(frozen=True)
class Field:
    """One field of a round-trip monitor, as AlertSite names it."""

    name: str
    kind: str
    """`str`, `int`, `bool`, `locations`, `custom_properties` or `mapping`."""
    validate: Validator
    required: bool = False
    secret: bool = False
    account_default: bool = False
    """AlertSite fills the field when it is omitted: an output, never a diff."""
    doc: str = ""


FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("billing_plancode", "str", _validate_string(required=True), required=True,
              doc='Measurement plan code, e.g. "UBM - A/A".'),
        Field("name", "str", _validate_string(NAME_MAX, required=True), required=True,
              doc="Display name (defaults to the Pulumi resource name)."),
        Field("smtp_hostname", "str", _validate_url(("smtp", "smtps")), required=True,
              doc="SMTP server the test mail is sent through: smtp://host[:port] or smtps://host[:port]."),
        Field("pop3_hostname", "str", _validate_url(("pop3", "pop3s")), required=True,
              doc="POP3 server holding the mailbox: pop3://host[:port] or pop3s://host[:port]."),
        Field("email", "str", _validate_email, required=True,
              doc="The dedicated mailbox AlertSite sends to and reads from."),
        Field("email_username", "str", _validate_string(NAME_MAX), account_default=True,
              doc="POP3 login for the mailbox."),
        Field("email_password", "str", _validate_string(NAME_MAX), secret=True,
              doc="POP3 password; always a Pulumi secret; write-only in AlertSite."),
        Field("interval", "int", _validate_interval, account_default=True,
              doc="Minutes between runs; must exceed the timeout."),
        Field("timeout", "int", _validate_timeout, account_default=True,
              doc="Seconds for the whole round trip, 1 to 300."),
        Field("enabled", "bool", _validate_bool, account_default=True,
              doc="Monitoring on or off."),
        Field("locations", "locations", _validate_locations, account_default=True,
              doc="Location ids of the monitoring pool."),
        Field("home_location", "int", _validate_location_id, account_default=True,
              doc="Primary location id."),
        Field("mode", "str", _validate_mode, account_default=True,
              doc="Monitoring mode."),
        Field("note", "str", _validate_string(NOTE_MAX), account_default=True,
              doc="Dashboard note, at most 255 characters."),
        Field("alert_note", "str", _validate_string(ALERT_NOTE_MAX), account_default=True,
              doc="Text added to alerts, at most 1000 characters."),
        Field("allow_internal_testing", "bool", _validate_bool, account_default=True,
              doc="Allow AlertSite's own QA testing."),
        Field("custom_properties", "custom_properties", _validate_custom_properties,
              account_default=True, doc="Account-defined properties."),
    )
}

#: Inputs that are not AlertSite fields: how to send unmodelled fields, and adoption.
EXTRA_FIELDS: Final = "extra_fields"
ADOPT_MONITOR_ID: Final = "adopt_monitor_id"
ADOPT_BY_NAME: Final = "adopt_by_name"
CONTROL_INPUTS: Final = (EXTRA_FIELDS, ADOPT_MONITOR_ID, ADOPT_BY_NAME)
SECRET_FIELDS: Final = tuple(f.name for f in FIELDS.values() if f.secret)
REQUIRED_FIELDS: Final = tuple(f.name for f in FIELDS.values() if f.required)


def is_unknown(value: Any) -> bool:
    """True for a value Pulumi does not know yet (during preview)."""
    # Imported lazily so that this module (and the client) stay free of Pulumi.
    from pulumi.output import Unknown

    return isinstance(value, Unknown)


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


def validate_inputs(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with the user's inputs, as (field, message) pairs.

    Values Pulumi does not know yet pass unvalidated: they are checked again when known.
    """
    problems: list[tuple[str, str]] = []
    adopting_by_id = bool(inputs.get(ADOPT_MONITOR_ID))
    for field in FIELDS.values():
        value = inputs.get(field.name)
        if value is None:
            if field.required and not adopting_by_id:
                problems.append((field.name, "is required"))
            continue
        if _contains_unknown(value):
            continue
        problem = field.validate(value)
        if problem:
            problems.append((field.name, problem))
    extra = inputs.get(EXTRA_FIELDS)
    if extra is not None and not _contains_unknown(extra):
        problem = _validate_extra_fields(extra)
        if problem:
            problems.append((EXTRA_FIELDS, problem))
    adopt_id = inputs.get(ADOPT_MONITOR_ID)
    if adopt_id is not None and not is_unknown(adopt_id):
        if isinstance(adopt_id, bool) or not isinstance(adopt_id, str | int) or not str(adopt_id).strip():
            problems.append((ADOPT_MONITOR_ID, f"{adopt_id!r} is not a monitor id"))
    adopt_by_name = inputs.get(ADOPT_BY_NAME)
    if adopt_by_name is not None and not is_unknown(adopt_by_name) and not _is_bool(adopt_by_name):
        problems.append((ADOPT_BY_NAME, f"must be true or false, not {adopt_by_name!r}"))
    if adopt_id and adopt_by_name is True:
        problems.append((ADOPT_BY_NAME,
                         f"cannot be combined with {ADOPT_MONITOR_ID}; choose one way to adopt"))
    problems.extend(_cross_field_problems(inputs, problems))
    return problems


def _cross_field_problems(
    inputs: Mapping[str, Any], found: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    bad = {name for name, _ in found}
    out: list[tuple[str, str]] = []
    interval, timeout = inputs.get("interval"), inputs.get("timeout")
    if "interval" not in bad and "timeout" not in bad and not _contains_unknown([interval, timeout]):
        minutes = interval if interval is not None else ACCOUNT_DEFAULT_INTERVAL
        seconds = timeout if timeout is not None else ACCOUNT_DEFAULT_TIMEOUT
        if (interval is not None or timeout is not None) and minutes * 60 <= seconds:
            out.append((
                "interval" if interval is not None else "timeout",
                f"the interval ({minutes} min = {minutes * 60} s) must be longer than the timeout "
                f"({seconds} s); raise the interval or lower the timeout",
            ))
    locations, home, mode = inputs.get("locations"), inputs.get("home_location"), inputs.get("mode")
    if (
        locations is not None and home is not None
        and not {"locations", "home_location"} & bad
        and not _contains_unknown([locations, home])
        and home not in locations
    ):
        out.append(("home_location", f"{home} is not one of the monitor's locations {list(locations)}"))
    if (
        mode in MULTI_LOCATION_MODES and locations is not None
        and "locations" not in bad and not _contains_unknown(locations)
        and len(locations) < MULTI_LOCATION_MIN_LOCATIONS
    ):
        out.append(("locations", f"mode {mode!r} needs at least two locations; {len(locations)} given"))
    return out


# --- values read back from the API -------------------------------------------------------


def as_int(value: Any) -> int | None:
    """An int from ``15``, ``15.0`` or ``"15"`` (AlertSite sends numbers as strings); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    return None


def as_bool(value: Any) -> bool | None:
    """A bool from ``True``, ``"false"``, ``1`` and the like (booleans may come as strings); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "y", "on"):
            return True
        if lowered in ("false", "0", "no", "n", "off", ""):
            return False
    if _is_int(value) and value in (0, 1):
        return bool(value)
    return None


def _coerce_int(value: Any) -> Any:
    number = as_int(value)
    return value if number is None else number


def _coerce_bool(value: Any) -> Any:
    flag = as_bool(value)
    return value if flag is None else flag


def _coerce_locations(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        raw = item.get("id") if isinstance(item, Mapping) else item
        out.append(_coerce_int(raw))
    return out


def _coerce_custom_properties(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [
        {k: (str(v) if k in ("id", "value_id") and v is not None else v) for k, v in item.items()}
        if isinstance(item, Mapping) else item
        for item in value
    ]


_COERCERS: Final[dict[str, Callable[[Any], Any]]] = {
    "str": lambda v: v,
    "int": _coerce_int,
    "bool": _coerce_bool,
    "locations": _coerce_locations,
    "custom_properties": _coerce_custom_properties,
    "mapping": lambda v: v,
}


def coerce(name: str, value: Any) -> Any:
    """A value as AlertSite sent it, turned into the field's declared type.

    Unknown fields, and values that cannot be coerced, come back unchanged: a surprising
    answer is kept, never a reason to fail.
    """
    field = FIELDS.get(name)
    if field is None or value is None:
        return value
    return _COERCERS[field.kind](value)


def coerce_monitor(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A monitor object from the API with every known field coerced; unknown fields kept."""
    out = {key: coerce(key, value) for key, value in raw.items()}
    if "id" in out and out["id"] is not None:
        out["id"] = str(out["id"])
    return out


def to_api(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body AlertSite expects for the given user inputs (only fields that are set)."""
    body: dict[str, Any] = {}
    for name in FIELDS:
        value = inputs.get(name)
        if value is None:
            continue
        if name == "locations":
            value = [{"id": loc} for loc in value]
        body[name] = value
    extra = inputs.get(EXTRA_FIELDS)
    if isinstance(extra, Mapping):
        for key, value in extra.items():
            body[key] = value
    return body


def loosely_equal(a: Any, b: Any) -> bool:
    """Equality after coercion, for fields this version does not model (extra_fields)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(loosely_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(loosely_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(_coerce_bool(a) == _coerce_bool(b))
    if a == b:
        return True
    if isinstance(a, int | float | str) and isinstance(b, int | float | str):
        return str(a) == str(b)
    return False


def normalize_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the engine hands them over, with numbers back in their declared types.

    Pulumi carries every number as a float (``15`` arrives as ``15.0``); integral floats of
    integer fields become ints again. Anything else is left for validation to judge.
    """
    out = dict(inputs)
    for name, value in inputs.items():
        field = FIELDS.get(name)
        if field is None or value is None or is_unknown(value):
            continue
        if field.kind == "int" and isinstance(value, float) and value.is_integer():
            out[name] = int(value)
        elif field.kind == "locations" and isinstance(value, list):
            out[name] = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
    return out


def field_equal(name: str, stored: Any, wanted: Any) -> bool:
    """Whether a stored (coerced) value equals what the user wrote."""
    stored = coerce(name, stored)
    wanted = coerce(name, wanted)
    if name == "custom_properties":
        return loosely_equal(stored, wanted)
    return bool(stored == wanted)


def mask_secrets(body: Mapping[str, Any]) -> dict[str, Any]:
    """A copy safe to print: secret fields replaced by a mask."""
    return {k: (SECRET_MASK if k in SECRET_FIELDS and v is not None else v) for k, v in body.items()}
