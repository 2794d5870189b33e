"""The fields of a round-trip email monitor, and the check of a program's inputs.

One table says, for every field: its type, whether it is required or secret, whether
AlertSite fills it from account defaults and how to validate a value the user wrote
(``validators.py``); ``coercion.py`` reads values back from the API by the same table. The
client, the provider, the resource and the native plugin all use it, so a field is described
exactly once. AlertSite's thresholds live in ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .rules import (
    ACCOUNT_DEFAULT_INTERVAL,
    ACCOUNT_DEFAULT_TIMEOUT,
    ALERT_NOTE_MAX,
    MULTI_LOCATION_MIN_LOCATIONS,
    MULTI_LOCATION_MODES,
    NAME_MAX,
    NOTE_MAX,
    PLAN_CODE_MAX,
    READ_ONLY_FIELDS,
)
from .validators import (
    Validator,
    contains_unknown,
    control_character,
    is_bool,
    is_unknown,
    json_too_large,
    shown,
    unsendable,
    validate_bool,
    validate_custom_properties,
    validate_email,
    validate_interval,
    validate_location_id,
    validate_locations,
    validate_mode,
    validate_string,
    validate_timeout,
    validate_url,
)


def _validate_extra_fields(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be a mapping of AlertSite field names to values"
    if problem := json_too_large(value):
        return problem
    clash = sorted(set(value) & set(FIELDS))
    if clash:
        return f"must not repeat modelled fields {clash}; set them as arguments instead"
    read_only = sorted(set(value) & set(READ_ONLY_FIELDS))
    if read_only:
        return (f"names read-only fields {read_only}: AlertSite computes them and ignores what "
                "is sent, so the difference would never clear")
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
        Field("billing_plancode", "str", validate_string(PLAN_CODE_MAX, required=True), required=True,
              doc='Measurement plan code, e.g. "UBM - A/A".'),
        Field("name", "str", validate_string(NAME_MAX, required=True), required=True,
              doc="Display name (defaults to the Pulumi resource name)."),
        Field("smtp_hostname", "str", validate_url(("smtp", "smtps")), required=True,
              doc="SMTP server the test mail is sent through: smtp://host[:port] or smtps://host[:port]."),
        Field("pop3_hostname", "str", validate_url(("pop3", "pop3s")), required=True,
              doc="POP3 server holding the mailbox: pop3://host[:port] or pop3s://host[:port]."),
        Field("email", "str", validate_email, required=True,
              doc="The dedicated mailbox AlertSite sends to and reads from."),
        Field("email_username", "str", validate_string(NAME_MAX), account_default=True,
              doc="POP3 login for the mailbox."),
        Field("email_password", "str", validate_string(NAME_MAX), secret=True,
              doc="POP3 password; always a Pulumi secret; write-only in AlertSite."),
        Field("interval", "int", validate_interval, account_default=True,
              doc="Minutes between runs; must exceed the timeout."),
        Field("timeout", "int", validate_timeout, account_default=True,
              doc="Seconds for the whole round trip, 1 to 300."),
        Field("enabled", "bool", validate_bool, account_default=True,
              doc="Monitoring on or off."),
        Field("locations", "locations", validate_locations, account_default=True,
              doc="Location ids of the monitoring pool."),
        Field("home_location", "int", validate_location_id, account_default=True,
              doc="Primary location id."),
        Field("mode", "str", validate_mode, account_default=True,
              doc="Monitoring mode."),
        Field("note", "str", validate_string(NOTE_MAX), account_default=True,
              doc="Dashboard note, at most 255 characters."),
        Field("alert_note", "str", validate_string(ALERT_NOTE_MAX), account_default=True,
              doc="Text added to alerts, at most 1000 characters."),
        Field("allow_internal_testing", "bool", validate_bool, account_default=True,
              doc="Allow AlertSite's own QA testing."),
        Field("custom_properties", "custom_properties", validate_custom_properties,
              account_default=True, doc="Account-defined properties."),
    )
}

#: Inputs that are not AlertSite fields: how to send unmodelled fields, and adoption.
EXTRA_FIELDS: Final = "extra_fields"
ADOPT_MONITOR_ID: Final = "adopt_monitor_id"
ADOPT_BY_NAME: Final = "adopt_by_name"
CONTROL_INPUTS: Final = (EXTRA_FIELDS, ADOPT_MONITOR_ID, ADOPT_BY_NAME)
SECRET_FIELDS: Final = tuple(f.name for f in FIELDS.values() if f.secret)
#: The mail server URLs (a URL may carry a password, which is refused but must not be shown).
URL_FIELDS: Final = ("smtp_hostname", "pop3_hostname")
REQUIRED_FIELDS: Final = tuple(f.name for f in FIELDS.values() if f.required)


def _control_character_in(value: Any, path: str = "") -> str | None:
    """A control character in any text of ``value`` (its lists and mappings included), and
    where: ``[1]['value'] holds ...``, ``a key of [1] holds ...`` (keys cut short)."""
    if isinstance(value, str):
        problem = control_character(value)
        return f"{path} {problem}" if problem and path else problem
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and (problem := control_character(key)):
                return f"a key of {path or 'it'} {problem}"
            if problem := _control_character_in(item, f"{path}[{shown(key)}]"):
                return problem
    elif isinstance(value, list | tuple):
        return next((p for index, item in enumerate(value)
                     if (p := _control_character_in(item, f"{path}[{index}]"))), None)
    return None


#: The POP3 login: USER and PASS are one protocol line each.
LOGIN_FIELDS: Final = ("email_username", "email_password")


def _line_break_in_login(name: str, value: Any) -> str | None:
    """A line break in the POP3 login, which would end its line and send the rest as a command."""
    if name not in LOGIN_FIELDS or not isinstance(value, str):
        return None
    at = next((i for i, ch in enumerate(value) if ch in "\r\n"), None)
    if at is None:
        return None
    return (f"holds a line break at character {at + 1}; the POP3 login is one line "
            "(no line feed or carriage return)")


def validate_inputs(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with the user's inputs, as (field, message) pairs.

    Values Pulumi does not know yet pass unvalidated: they are checked again when known.
    """
    problems: list[tuple[str, str]] = []
    unsent = {name: problem for name in (*FIELDS, *CONTROL_INPUTS)
              if (problem := unsendable(inputs.get(name)))}
    problems.extend(unsent.items())
    # The URL check names control characters itself, in the words of a URL.
    for name in (*FIELDS, *CONTROL_INPUTS):
        if name in unsent or name in URL_FIELDS:
            continue
        if problem := _control_character_in(inputs.get(name)) or _line_break_in_login(name, inputs.get(name)):
            unsent[name] = problem
            problems.append((name, problem))
    adopting_by_id = bool(inputs.get(ADOPT_MONITOR_ID))
    for field in FIELDS.values():
        value = inputs.get(field.name)
        if value is None:
            if field.required and not adopting_by_id:
                problems.append((field.name, "is required"))
            continue
        if field.name in unsent or contains_unknown(value):
            continue
        problem = field.validate(value)
        if problem:
            problems.append((field.name, problem))
    extra = inputs.get(EXTRA_FIELDS)
    if extra is not None and EXTRA_FIELDS not in unsent and not contains_unknown(extra):
        problem = _validate_extra_fields(extra)
        if problem:
            problems.append((EXTRA_FIELDS, problem))
    adopt_id = inputs.get(ADOPT_MONITOR_ID)
    if adopt_id is not None and ADOPT_MONITOR_ID not in unsent and not is_unknown(adopt_id):
        if isinstance(adopt_id, bool) or not isinstance(adopt_id, str | int) or not str(adopt_id).strip():
            problems.append((ADOPT_MONITOR_ID, f"{shown(adopt_id)} is not a monitor id"))
    adopt_by_name = inputs.get(ADOPT_BY_NAME)
    if (adopt_by_name is not None and ADOPT_BY_NAME not in unsent
            and not is_unknown(adopt_by_name) and not is_bool(adopt_by_name)):
        problems.append((ADOPT_BY_NAME, f"must be true or false, not {shown(adopt_by_name)}"))
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
    if "interval" not in bad and "timeout" not in bad and not contains_unknown([interval, timeout]):
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
        and not contains_unknown([locations, home])
        and home not in locations
    ):
        out.append(("home_location", f"{home} is not one of the monitor's locations {list(locations)}"))
    if (
        mode in MULTI_LOCATION_MODES and locations is not None
        and "locations" not in bad and not contains_unknown(locations)
        and len(locations) < MULTI_LOCATION_MIN_LOCATIONS
    ):
        out.append(("locations", f"mode {mode!r} needs at least two locations; {len(locations)} given"))
    return out
