"""The fields of alert recipients and recipient groups, and their value logic.

Where a monitor's alerts go: an **alert recipient** (``/recipients``) is one destination (an
e-mail address, a phone number, a webhook URL...) reached by one delivery method; a
**recipient group** (``/notifier-groups``) ties monitors to recipients, optionally for some
error types only and with custom templates. This module is to those two resource types what
``fields.py`` and ``coercion.py`` are to the monitor: one table per type (``fields.Field``),
the check of a program's inputs, the reading of AlertSite's answers back into the shape a
program writes, the request bodies and the comparisons. Both front-ends call it; it imports
nothing of Pulumi and makes no request.

Choices where the documentation says nothing or contradicts itself (``rules.py`` holds the
numbers):

- ``method_id`` is required (the docs say both "Required" and "Default is 12"); ``method``, a
  readable name (``email_html``), may be given instead.
- A group's lists are sets: order never makes a difference and an id written twice counts
  once (folded, not refused), so ``[a, b, a]`` is ``[a, b]``.
- Ids of monitors and recipients are canonical strings (``"123"``), as the monitor and
  recipient resources output them; error types and template ids are integers.
- A recipient's password is write-only: what a GET answers in its place (``null``, a mask or
  the clear text) is never kept.
- A webhook URL is never repeated in a message: its path often is its secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .coercion import as_bool, as_int
from .fields import Field
from .rules import (
    ERRORTYPE_MAX,
    ERRORTYPE_MIN,
    GROUP_LIST_MAX,
    GROUP_NAME_MAX,
    LOGIN_MAX,
    MAX_EXACT_INTEGER,
    PERFORMANCE_ALERT_TYPE_MAX,
    RECIPIENT_MAX,
    RECIPIENT_NAME_MAX,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
)
from .validators import (
    Validator,
    contains_unknown,
    is_int,
    is_unknown,
    json_too_large,
    shown,
    unsendable,
    validate_bool,
    validate_email,
    validate_http_url,
    validate_int_range,
    validate_line,
    validate_phone,
)

# -- Delivery methods --------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One delivery method of a recipient, as AlertSite numbers it."""

    id: int
    name: str
    """The provider's readable name, accepted as the ``method`` input."""
    description: str
    """AlertSite's wording (its ``method_description``)."""

    @property
    def label(self) -> str:
        """``16 (webhook)``: how messages name a method."""
        return f"{self.id} ({self.name})"


METHODS: Final[dict[int, Method]] = {
    m.id: m
    for m in (
        Method(1, "email_text", "E-mail (text format)"),
        Method(2, "alpha_pager", "Alphanumeric (text) pager"),
        Method(3, "numeric_pager", "Numeric pager (pause after dial method)"),
        Method(4, "email_wireless", "E-mail to wireless device (cell phone, pager, Blackberry, etc.)"),
        Method(5, "numeric_pager_quiet", "Numeric pager (wait for quiet method)"),
        Method(6, "sms", "SMS message"),
        Method(8, "snmp_v1", "SNMP trap (snmpv1)"),
        Method(9, "snmp_v2c", "SNMP trap (snmpv2c)"),
        Method(10, "http_post", "POST request to web server"),
        Method(11, "voip", "Telephone message (voip)"),
        Method(12, "email_html", "E-mail (HTML format)"),
        Method(14, "pagerduty", "PagerDuty"),
        Method(15, "splunk", "Splunk"),
        Method(16, "webhook", "POST JSON request to web server"),
        Method(17, "servicenow", "ServiceNow"),
    )
}
METHOD_IDS_BY_NAME: Final[dict[str, int]] = {m.name: m.id for m in METHODS.values()}
#: "POST /recipients supports all recipient types except for PagerDuty".
UNCREATABLE_METHODS: Final = frozenset({14})
EMAIL_METHODS: Final = frozenset({1, 4, 12})
URL_METHODS: Final = frozenset({10, 16})
PHONE_METHODS: Final = frozenset({6, 11})
#: The methods that send a username and password (HTTP Basic authentication, Splunk, ServiceNow).
LOGIN_METHODS: Final = frozenset({10, 15, 16, 17})
#: The methods for which AlertSite requires the login ("Required for ServiceNow and Splunk").
LOGIN_REQUIRED_METHODS: Final = frozenset({15, 17})


def method_named(name: str) -> Method | None:
    """The method of a readable name (``"webhook"``), or None."""
    method_id = METHOD_IDS_BY_NAME.get(name)
    return None if method_id is None else METHODS[method_id]


def _methods_text(ids: Iterable[int]) -> str:
    return ", ".join(METHODS[i].label for i in sorted(ids))


def _valid_methods_text() -> str:
    return _methods_text(i for i in METHODS if i not in UNCREATABLE_METHODS)


# -- Recipient fields --------------------------------------------------------------------------


def _validate_method_id(value: Any) -> str | None:
    if not is_int(value) or value not in METHODS:
        return (f"{shown(value)} is not an AlertSite delivery method; the methods are "
                f"{_valid_methods_text()}")
    if value in UNCREATABLE_METHODS:
        return (f"{METHODS[value].label} cannot be created through the AlertSite API (POST "
                "/recipients takes every method except PagerDuty); add PagerDuty recipients in "
                "the AlertSite UI")
    return None


def _validate_method(value: Any) -> str | None:
    if not isinstance(value, str) or method_named(value) is None:
        return (f"{shown(value)} is not a delivery method name; the names are "
                f"{_valid_methods_text()}")
    return _validate_method_id(METHOD_IDS_BY_NAME[value])


def _validate_performance_alert_type(value: Any) -> str | None:
    if (not isinstance(value, str) or not value.isascii() or not value.isdigit()
            or len(value) > PERFORMANCE_ALERT_TYPE_MAX):
        return (f"{shown(value)} is not a performance alert type; it is a code of at most "
                f'{PERFORMANCE_ALERT_TYPE_MAX} digits, such as "20" (the one code AlertSite documents)')
    return None


_validate_threshold: Final = validate_int_range(THRESHOLD_MIN, THRESHOLD_MAX)

RECIPIENT_FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("name", "str", validate_line(RECIPIENT_NAME_MAX, required=True), required=True,
              doc=f"Display name of the recipient, at most {RECIPIENT_NAME_MAX} characters."),
        Field("method_id", "int", _validate_method_id, required=True,
              doc="Delivery method: " + ", ".join(f"{m.id} {m.description} ({m.name})"
                                                  for m in METHODS.values())
                  + ". PagerDuty (14) cannot be created through the API. `method` may be given "
                    "instead."),
        Field("recipient", "str", validate_line(RECIPIENT_MAX, required=True), required=True,
              doc="Where alerts go: an e-mail address (methods 1, 4, 12), an http(s) URL (10, 16), "
                  "a phone number of digits with an optional leading + (6, 11), or the "
                  "method's own contact."),
        Field("availability_alert", "bool", validate_bool, account_default=True,
              doc="Send availability alerts (AlertSite's default: true)."),
        Field("performance_alert", "bool", validate_bool, account_default=True,
              doc="Send performance alerts (AlertSite's default: false)."),
        Field("notify_on_clear", "bool", validate_bool, account_default=True,
              doc="Send a notice when an error clears (AlertSite's default: false)."),
        Field("attach_screen_capture", "bool", validate_bool, account_default=True,
              doc="Attach a screen capture to e-mail alerts (AlertSite's default: false)."),
        Field("attach_server_response", "bool", validate_bool, account_default=True,
              doc="Attach the server response to e-mail alerts (AlertSite's default: false)."),
        Field("repeat_performance_alerts", "bool", validate_bool, account_default=True,
              doc="Repeat performance alerts while the condition lasts."),
        Field("performance_alert_type", "str", _validate_performance_alert_type, account_default=True,
              doc='Performance alert type code, e.g. "20".'),
        Field("start_threshold", "int", _validate_threshold, account_default=True,
              doc=f"Consecutive errors before the first alert ({THRESHOLD_MIN} to {THRESHOLD_MAX})."),
        Field("stop_threshold", "int", _validate_threshold, account_default=True,
              doc=f"Most alerts sent while an error lasts ({THRESHOLD_MIN} to {THRESHOLD_MAX})."),
        Field("username", "str", validate_line(LOGIN_MAX),
              doc="User for HTTP Basic authentication (methods 10, 16) or Splunk/ServiceNow (15, 17)."),
        Field("password", "str", validate_line(LOGIN_MAX), secret=True,
              doc="Password going with `username`; always a Pulumi secret; write-only in AlertSite."),
    )
}
#: The readable method name: an input that is not sent; it sets ``method_id``.
METHOD_INPUT: Final = "method"
METHOD_FIELD: Final = Field(
    METHOD_INPUT, "str", _validate_method,
    doc="Delivery method by name instead of `method_id`: "
        + ", ".join(f"{m.name} ({m.id})" for m in METHODS.values()) + ".")
RECIPIENT_CONTROL_INPUTS: Final = (METHOD_INPUT,)
RECIPIENT_REQUIRED_FIELDS: Final = tuple(f.name for f in RECIPIENT_FIELDS.values() if f.required)
RECIPIENT_SECRET_FIELDS: Final = tuple(f.name for f in RECIPIENT_FIELDS.values() if f.secret)
#: Outputs AlertSite computes: (schema kind, description).
RECIPIENT_COMPUTED: Final[dict[str, tuple[str, str]]] = {
    "recipient_id": ("str", "The AlertSite recipient id (also the resource id)."),
    "method_description": ("str", "AlertSite's description of the delivery method."),
    "notifier_groups": ("id_set", "Ids of the recipient groups holding this recipient."),
    "blackout_ids": ("id_set", "Ids of the blackouts of this recipient."),
}
_RECIPIENT_INT_FIELDS: Final = tuple(n for n, f in RECIPIENT_FIELDS.items() if f.kind == "int")
_RECIPIENT_BOOL_FIELDS: Final = tuple(n for n, f in RECIPIENT_FIELDS.items() if f.kind == "bool")
_LOGIN_FIELDS: Final = ("username", "password")
_READ_ONLY_ID_LISTS: Final = ("notifier_groups", "blackout_ids")


# -- Group fields ------------------------------------------------------------------------------


def _validate_id_list(what: str, *, at_least_one: str | None = None) -> Validator:
    """A list of ``what`` ids (digit strings or whole numbers); ``at_least_one`` says why an
    empty list is refused (None: an empty list is allowed)."""

    def check(value: Any) -> str | None:
        return _list_problem(value, what, id_text, f"a {what} id (digits, e.g. \"123456\")",
                             at_least_one)

    return check


def _validate_code_list(value: Any) -> str | None:
    return _list_problem(value, "error type", _errortype, f"an error type code from {ERRORTYPE_MIN} to "
                         f"{ERRORTYPE_MAX} (AlertSite's 3-digit codes, e.g. 1 TCP connection failed)", None)


def _validate_template_list(value: Any) -> str | None:
    return _list_problem(value, "template", _positive_int, "a template id (a positive whole number)", None)


def _list_problem(value: Any, what: str, read: Callable[[Any], Any], expected: str,
                  at_least_one: str | None) -> str | None:
    """The first problem of a group list: its type, its size, an empty list where one is
    refused, then the first item ``read`` cannot read (unknown items pass), by position."""
    if not isinstance(value, list | tuple):
        return f"must be a list of {what} ids, not {shown(value)}"
    if len(value) > GROUP_LIST_MAX:
        return f"holds {len(value)} items; at most {GROUP_LIST_MAX} are allowed"
    if not contains_unknown(value) and (problem := json_too_large(value)):
        return problem
    if not value and at_least_one:
        return at_least_one
    for index, item in enumerate(value):
        if is_unknown(item):
            continue
        if read(item) is None:
            return f"[{index}] {shown(item)} is not {expected}"
    return None


_NO_MONITORS: Final = ("must hold at least one monitor id: AlertSite refuses a recipient group "
                       'without monitors ("required and is empty"); delete the group instead')
_NO_RECIPIENTS: Final = ("must hold at least one recipient id: AlertSite refuses a recipient group "
                         'without recipients ("required and is empty"); delete the group instead')

GROUP_FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("name", "str", validate_line(GROUP_NAME_MAX, required=True), required=True,
              doc=f"Display name of the group, at most {GROUP_NAME_MAX} characters."),
        Field("monitors", "id_set", _validate_id_list("monitor", at_least_one=_NO_MONITORS),
              required=True,
              doc="Ids of the monitors whose alerts the group routes (at least one), e.g. the "
                  "`monitor_id` outputs of EmailRoundTripMonitor resources; a set (order is "
                  "ignored, repeats count once)."),
        Field("recipients", "id_set", _validate_id_list("recipient", at_least_one=_NO_RECIPIENTS),
              required=True,
              doc="Ids of the recipients the alerts go to (at least one); a set."),
        Field("errortypes", "int_set", _validate_code_list, account_default=True,
              doc=f"Error type codes ({ERRORTYPE_MIN} to {ERRORTYPE_MAX}) the group covers; empty or "
                  "left out: all errors. A set."),
        Field("templates", "int_set", _validate_template_list, account_default=True,
              doc="Ids of custom alert templates (made in the AlertSite UI) the group uses; a set."),
        Field("is_default", "bool", validate_bool, account_default=True,
              doc="Whether this is the account's default recipient group (AlertSite's default: false)."),
    )
}
GROUP_CONTROL_INPUTS: Final[tuple[str, ...]] = ()
GROUP_REQUIRED_FIELDS: Final = tuple(f.name for f in GROUP_FIELDS.values() if f.required)
GROUP_COMPUTED: Final[dict[str, tuple[str, str]]] = {
    "group_id": ("str", "The AlertSite recipient group id (also the resource id)."),
}
_ID_LIST_FIELDS: Final = ("monitors", "recipients")
_CODE_LIST_FIELDS: Final = ("errortypes", "templates")
#: The schema of the list kinds these tables add to ``fields.Field``'s (``native/schema.py``).
SCHEMA_TYPES: Final[dict[str, dict[str, Any]]] = {
    "id_set": {"type": "array", "items": {"type": "string"}},
    "int_set": {"type": "array", "items": {"type": "integer"}},
}


# -- Reading single values ---------------------------------------------------------------------


#: More digits than any id or count has: such text is not read as a number at all.
_DIGITS_MAX: Final = 32


def whole_number(value: Any) -> int | None:
    """An int from ``12``, ``12.0`` (Pulumi's numbers) or ``"12"``; else None (bools too)."""
    if isinstance(value, str) and (not value.isascii() or len(value) > _DIGITS_MAX):
        # int() reads other scripts' digits ("١٢"), which AlertSite does not, and refuses
        # (ValueError) to read thousands of digits.
        return None
    number = as_int(value)
    return number if number is not None and abs(number) <= MAX_EXACT_INTEGER else None


def id_text(value: Any) -> str | None:
    """The canonical text of a positive id: ``123``, ``123.0``, ``"123"``, ``"0123"`` -> ``"123"``."""
    if isinstance(value, str) and (not value.isascii() or not value.isdigit()):
        return None
    number = whole_number(value)
    return str(number) if number is not None and number > 0 else None


def _positive_int(value: Any) -> int | None:
    number = whole_number(value)
    if number is None or number <= 0 or (isinstance(value, str) and not value.isdigit()):
        return None
    return number


def _errortype(value: Any) -> int | None:
    number = _positive_int(value)
    return number if number is not None and ERRORTYPE_MIN <= number <= ERRORTYPE_MAX else None


def _id_sort_key(value: Any) -> tuple[int, int, str]:
    text = id_text(value)
    return (0, int(text), "") if text is not None else (1, 0, repr(value))


def _as_set(value: Any, read: Callable[[Any], Any]) -> Any:
    """A list of ids as a set in canonical order: items read by ``read``, repeats folded, sorted.

    Items ``read`` cannot make sense of stay as they are (for validation to name, or kept as
    AlertSite sent them); a list holding a value Pulumi does not know yet keeps its order.
    """
    if not isinstance(value, list | tuple):
        return value
    items = [item if is_unknown(item) or read(item) is None else read(item) for item in value]
    if contains_unknown(items):
        return items
    seen: set[Any] = set()
    out: list[Any] = []
    for item in items:
        key = (type(item).__name__, item) if isinstance(item, str | int) else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        out.append(item)
    return sorted(out, key=_id_sort_key)


def _sub_ids(value: Any) -> Any:
    """``[{"id": 1, "name": ...}, 2]`` -> ``[1, 2]``: the ids of AlertSite's sub-objects."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    return [item.get("id") if isinstance(item, Mapping) and "id" in item else item for item in value]


# -- Recipients: value logic -------------------------------------------------------------------


def normalize_recipient_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as a program wrote them, in the fields' own types.

    ``method`` fills ``method_id`` when that is left out (``method`` itself stays, for the
    check to compare both); whole numbers written as ``12.0`` (Pulumi's numbers) or ``"12"``
    become ints; a performance alert type written as a number becomes its text. Anything else
    is left for :func:`validate_recipient_inputs` to judge.
    """
    out = dict(inputs)
    method = out.get(METHOD_INPUT)
    if out.get("method_id") is None and isinstance(method, str) and method in METHOD_IDS_BY_NAME:
        out["method_id"] = METHOD_IDS_BY_NAME[method]
    for name in _RECIPIENT_INT_FIELDS:
        value = out.get(name)
        if value is not None and not is_unknown(value) and (number := whole_number(value)) is not None:
            out[name] = number
    alert_type = out.get("performance_alert_type")
    if isinstance(alert_type, int | float) and (code := whole_number(alert_type)) is not None and code >= 0:
        out["performance_alert_type"] = str(code)
    return out


def validate_recipient_inputs(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with a recipient's inputs, as (field, message) pairs.

    Values Pulumi does not know yet pass unvalidated: they are checked again when known.
    Messages never repeat a password or a webhook URL.
    """
    values = normalize_recipient_inputs(inputs)
    names = (*RECIPIENT_FIELDS, *RECIPIENT_CONTROL_INPUTS)
    problems: list[tuple[str, str]] = []
    bad: set[str] = set()

    def refuse(name: str, message: str) -> None:
        problems.append((name, message))
        bad.add(name)

    for name in names:
        if problem := unsendable(values.get(name)):
            refuse(name, problem)
    method = values.get(METHOD_INPUT)
    from_method = method is not None and inputs.get("method_id") is None
    if method is not None and METHOD_INPUT not in bad and not is_unknown(method):
        if problem := _validate_method(method):
            refuse(METHOD_INPUT, problem)
    for field in RECIPIENT_FIELDS.values():
        value = values.get(field.name)
        if field.name in bad:
            continue
        if value is None:
            if field.name == "method_id" and method is not None:
                continue  # A method name was given (and judged above).
            if field.required:
                hint = f" (or give {METHOD_INPUT}, e.g. {METHOD_INPUT}: email_html)" \
                    if field.name == "method_id" else ""
                refuse(field.name, f"is required{hint}")
            continue
        if contains_unknown(value) or (field.name == "method_id" and from_method):
            continue  # A method_id the method name set was judged with the name.
        if problem := field.validate(value):
            refuse(field.name, problem)
    problems.extend(_recipient_cross_problems(values, bad))
    return problems


def _recipient_cross_problems(values: Mapping[str, Any], bad: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    method_id, method = values.get("method_id"), values.get(METHOD_INPUT)
    if (isinstance(method, str) and method in METHOD_IDS_BY_NAME and is_int(method_id)
            and METHOD_IDS_BY_NAME[method] != method_id and not {"method_id", METHOD_INPUT} & bad):
        named = METHODS[METHOD_IDS_BY_NAME[method]].label
        given = METHODS[method_id].label if method_id in METHODS else shown(method_id)
        out.append((METHOD_INPUT, f"says {named} but method_id says {given}; give only one of them"))
        return out
    if not is_int(method_id) or method_id not in METHODS or "method_id" in bad or METHOD_INPUT in bad:
        return out
    label = METHODS[method_id].label
    recipient = values.get("recipient")
    if recipient is not None and "recipient" not in bad and not is_unknown(recipient):
        problem = None
        if method_id in EMAIL_METHODS:
            problem = validate_email(recipient)
        elif method_id in URL_METHODS:
            problem = validate_http_url(recipient) or _port_problem(recipient)
        elif method_id in PHONE_METHODS:
            problem = validate_phone(recipient)
        if problem:
            out.append(("recipient", f"for method {label}: {problem}"))
    for name in _LOGIN_FIELDS:
        value = values.get(name)
        if name in bad or is_unknown(value):
            continue
        if value and method_id not in LOGIN_METHODS:
            out.append((name, f"is only used by methods {_methods_text(LOGIN_METHODS)}; method "
                              f"{label} takes no {name}"))
        elif not value and method_id in LOGIN_REQUIRED_METHODS:
            out.append((name, f"is required for method {label}: AlertSite needs a username and "
                              f"password for {_methods_text(LOGIN_REQUIRED_METHODS)}"))
    return out


#: A port as AlertSite reads one: at most 5 digits ("000443" is refused, repeating the URL).
_PORT_DIGITS_MAX: Final = 5


def _port_problem(url: str) -> str | None:
    """What AlertSite refuses in the port of a URL ``validate_http_url`` accepted, or None; like
    it, never repeats the URL (its path may be its secret)."""
    authority = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    port = "" if authority.endswith("]") else authority.rpartition(":")[2] if ":" in authority else ""
    if len(port) > _PORT_DIGITS_MAX:
        return (f"the URL has a port of {len(port)} digits; AlertSite reads at most "
                f"{_PORT_DIGITS_MAX} (write it without leading zeros)")
    return None


def coerce_recipient(live: Mapping[str, Any]) -> dict[str, Any]:
    """A recipient as GET /recipients/{id} answers, in the shape a program writes.

    The id becomes text, numbers and booleans sent as text become their types, the read-only
    id lists (``null`` when empty) become lists of id texts, and ``method`` names the method.
    The password is dropped: it is write-only, and whatever stands in its place is no input.
    Unknown fields, and values that cannot be coerced, are kept as they came.
    """
    out = {k: v for k, v in live.items() if k != "password"}
    if out.get("id") is not None:
        out["id"] = str(out["id"])
    for name in _RECIPIENT_INT_FIELDS:
        if (value := out.get(name)) is not None and (number := as_int(value)) is not None:
            out[name] = number
    for name in _RECIPIENT_BOOL_FIELDS:
        if (value := out.get(name)) is not None and (flag := as_bool(value)) is not None:
            out[name] = flag
    alert_type = out.get("performance_alert_type")
    if is_int(alert_type):
        out["performance_alert_type"] = str(alert_type)
    for name in _READ_ONLY_ID_LISTS:
        if name in out:
            out[name] = _as_set(_sub_ids(out[name]), id_text)
    method_id = out.get("method_id")
    if is_int(method_id) and method_id in METHODS:
        out[METHOD_INPUT] = METHODS[method_id].name
    return out


def recipient_to_api(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The body of POST /recipients (or PATCH /recipients/{id}) for the given inputs.

    Only fields that are set; ``method`` is never sent (it becomes ``method_id``), the
    password only when one is given.
    """
    values = normalize_recipient_inputs(inputs)
    return {name: values[name] for name in RECIPIENT_FIELDS if values.get(name) is not None}


def _is_email_like(value: Any) -> bool:
    return isinstance(value, str) and "@" in value and "://" not in value


def recipient_equal(field: str, a: Any, b: Any, *, method_id: Any = None) -> bool:
    """Whether two values of a recipient's ``field`` mean the same (stored or live vs wanted).

    Numbers and their text are equal (``12``, ``"12"``), as are booleans in AlertSite's
    spellings; an e-mail recipient compares without regard to case (by ``method_id`` when
    given, else by its shape: an ``@`` and no ``://``); a missing login equals an empty one;
    id lists compare as sets.
    """
    if field in _RECIPIENT_INT_FIELDS or field == "performance_alert_type":
        x, y = whole_number(a), whole_number(b)
        if x is not None and y is not None:
            return x == y
        return bool(a == b)
    if field in _RECIPIENT_BOOL_FIELDS:
        return as_bool(a) == as_bool(b) if a is not None and b is not None else a is b
    if field in _LOGIN_FIELDS:
        return (a or None) == (b or None)
    if field in _READ_ONLY_ID_LISTS:
        return _set_equal(_sub_ids(a), _sub_ids(b), id_text)
    if field == "recipient" and isinstance(a, str) and isinstance(b, str):
        method = whole_number(method_id)
        email = method in EMAIL_METHODS if method is not None else _is_email_like(a) and _is_email_like(b)
        return a.casefold() == b.casefold() if email else a == b
    return bool(a == b)


def recipient_identity(values: Mapping[str, Any]) -> tuple[str, int | None, str]:
    """What finds a recipient again whose create answer was lost: (name, method_id, recipient),
    an e-mail recipient case-folded. Takes inputs (``method`` or ``method_id``) or a live
    recipient alike."""
    normal = normalize_recipient_inputs(values)
    method_id = whole_number(normal.get("method_id"))
    recipient = str(normal.get("recipient") or "")
    if method_id in EMAIL_METHODS or (method_id is None and _is_email_like(recipient)):
        recipient = recipient.casefold()
    return (str(normal.get("name") or ""), method_id, recipient)


# -- Groups: value logic -----------------------------------------------------------------------


def normalize_group_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as a program wrote them, with every list a set in canonical form: monitor and
    recipient ids as sorted unique texts (``[12, "3", 12.0]`` -> ``["3", "12"]``), error types
    and template ids as sorted unique ints. Items that are no id are left for the check."""
    out = dict(inputs)
    for name in _ID_LIST_FIELDS:
        if out.get(name) is not None and not is_unknown(out[name]):
            out[name] = _as_set(out[name], id_text)
    for name, read in (("errortypes", _errortype), ("templates", _positive_int)):
        if out.get(name) is not None and not is_unknown(out[name]):
            out[name] = _as_set(out[name], read)
    return out


def validate_group_inputs(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with a recipient group's inputs, as (field, message) pairs.

    An id written twice is no problem (lists are sets); an empty ``monitors`` or
    ``recipients`` is, at preview, since AlertSite would refuse it at ``up``. Values Pulumi
    does not know yet pass unvalidated.
    """
    values = dict(inputs)
    problems: list[tuple[str, str]] = []
    for field in GROUP_FIELDS.values():
        value = values.get(field.name)
        if value is None:
            if field.required:
                problems.append((field.name, "is required"))
            continue
        if problem := unsendable(value):
            problems.append((field.name, problem))
            continue
        if contains_unknown(value) and not isinstance(value, list | tuple):
            continue
        if problem := field.validate(value):
            problems.append((field.name, problem))
    return problems


def coerce_group(live: Mapping[str, Any]) -> dict[str, Any]:
    """A group as GET /notifier-groups/{id} answers, in the shape a program writes.

    Sub-objects become their ids (``[{"id": 1, "name": ...}]`` -> ``["1"]`` for monitors and
    recipients, ``[1]`` for error types and templates), as sets; ``null`` lists become empty.
    The names AlertSite adds are dropped; unknown fields are kept as they came.
    """
    out = dict(live)
    if out.get("id") is not None:
        out["id"] = str(out["id"])
    for name in _ID_LIST_FIELDS:
        if name in out:
            out[name] = _as_set(_sub_ids(out[name]), id_text)
    for name in _CODE_LIST_FIELDS:
        if name in out:
            out[name] = _as_set(_sub_ids(out[name]), whole_number)
    if out.get("is_default") is not None and (flag := as_bool(out["is_default"])) is not None:
        out["is_default"] = flag
    return out


def group_to_api(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The body of POST /notifier-groups (or PATCH /notifier-groups/{id}): every list whole, as
    ``[{"id": <int>}]`` (a PATCH replaces each list it names)."""
    values = normalize_group_inputs(inputs)
    body: dict[str, Any] = {}
    for name in GROUP_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if name in (*_ID_LIST_FIELDS, *_CODE_LIST_FIELDS):
            value = [{"id": int(item)} for item in value]
        body[name] = value
    return body


def _set_equal(a: Any, b: Any, read: Callable[[Any], Any]) -> bool:
    x = _as_set([] if a is None else a, read)
    y = _as_set([] if b is None else b, read)
    return bool(x == y)


def group_equal(field: str, a: Any, b: Any) -> bool:
    """Whether two values of a group's ``field`` mean the same: lists as sets (order and
    repeats ignored, ``12`` equals ``"12"``, a missing list equals an empty one), a missing
    ``is_default`` equals false."""
    if field in _ID_LIST_FIELDS:
        return _set_equal(_sub_ids(a), _sub_ids(b), id_text)
    if field in _CODE_LIST_FIELDS:
        return _set_equal(_sub_ids(a), _sub_ids(b), whole_number)
    if field == "is_default":
        return as_bool(False if a is None else a) == as_bool(False if b is None else b)
    return bool(a == b)


def group_identity(values: Mapping[str, Any]) -> tuple[str]:
    """What finds a group again whose create answer was lost: its name."""
    return (str(values.get("name") or ""),)


__all__ = [
    "EMAIL_METHODS",
    "GROUP_COMPUTED",
    "GROUP_CONTROL_INPUTS",
    "GROUP_FIELDS",
    "GROUP_REQUIRED_FIELDS",
    "LOGIN_METHODS",
    "LOGIN_REQUIRED_METHODS",
    "METHODS",
    "METHOD_FIELD",
    "METHOD_IDS_BY_NAME",
    "METHOD_INPUT",
    "PHONE_METHODS",
    "RECIPIENT_COMPUTED",
    "RECIPIENT_CONTROL_INPUTS",
    "RECIPIENT_FIELDS",
    "RECIPIENT_REQUIRED_FIELDS",
    "RECIPIENT_SECRET_FIELDS",
    "SCHEMA_TYPES",
    "UNCREATABLE_METHODS",
    "URL_METHODS",
    "Method",
    "coerce_group",
    "coerce_recipient",
    "group_equal",
    "group_identity",
    "group_to_api",
    "id_text",
    "method_named",
    "normalize_group_inputs",
    "normalize_recipient_inputs",
    "recipient_equal",
    "recipient_identity",
    "recipient_to_api",
    "validate_group_inputs",
    "validate_recipient_inputs",
    "whole_number",
]
