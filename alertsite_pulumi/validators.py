"""Checks of single values a program wrote, and how a refused value is shown.

Each validator returns None for a good value or a message that names what is wrong and what
is allowed, never more than ``SHOWN_MAX`` characters of the value itself. The field table
(``fields.py``) attaches one validator to each field.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from .rules import (
    ALLOWED_INTERVALS,
    ALLOWED_MODES,
    DEFAULT_PORTS,
    EMAIL_MAX,
    JSON_MAX,
    MAX_DEPTH,
    MAX_EXACT_INTEGER,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    PHONE_DIGITS_MAX,
    PHONE_DIGITS_MIN,
    SHOWN_MAX,
)

_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE: Final = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
_HOST: Final = rf"(?:(?=[^:]{{1,253}}(?::|$)){_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])"
# Written against what AlertSite (and the emulator) accept: a lower-case scheme, a host, an
# optional port of ASCII digits, and nothing else (no path, not even a trailing '/').
_HOST_URL_RE: Final = re.compile(
    rf"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>{_HOST})(?::(?P<port>[0-9]{{1,5}}))?")
# What a URL made only of a scheme, host and port may hold: such a URL is safe to repeat.
_PLAIN_URL_CHARS: Final = re.compile(r"[A-Za-z0-9.+:/\[\]-]*")
# The part of a URL between "//" and "@" (user, or user:password): masked wherever a URL is shown.
#: Control characters a text may hold: the ones that lay out multi-line text (notes).
_LAYOUT_CONTROLS: Final = frozenset("\t\n\r")

Validator = Callable[[Any], "str | None"]


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: Any) -> str:
    """``repr(value)``, cut short: a message may repeat what the user wrote, never megabytes of it."""
    try:
        text = repr(value)
    except ValueError:
        # An int of thousands of digits has no repr (Python's limit on int-to-text conversion).
        return f"a number of {value.bit_length()} bits"
    if len(text) <= SHOWN_MAX:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:SHOWN_MAX]}...{size}"


def _kind(value: Any) -> str:
    """What a value is, in the words of a Pulumi program's author."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"


def unsendable(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` cannot travel to AlertSite as JSON through Pulumi, or None when it can.

    Pulumi carries only JSON-like values (text that is valid Unicode, numbers as doubles,
    lists, mappings with text keys); anything else makes the SDK fail with a traceback, and
    a non-finite number is no JSON. Values Pulumi does not know yet pass.
    """
    if value is None or isinstance(value, bool) or is_unknown(value):
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a lone surrogate (text that is not valid Unicode)"
        return None
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INTEGER:
            return f"{shown(value)} is too large a number (at most {MAX_EXACT_INTEGER})"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a finite number"
    if depth >= MAX_DEPTH:
        return f"nests lists or mappings more than {MAX_DEPTH} levels deep"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"has the key {shown(key)}; keys must be text"
            problem = unsendable(key, depth + 1) or unsendable(item, depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        return next((p for item in value if (p := unsendable(item, depth + 1))), None)
    return f"{_kind(value)} cannot be sent; give text, a number, true/false, a list or a mapping"


def control_character(value: str) -> str | None:
    """Why ``value`` cannot be sent as text: a control character other than tab or line break.

    The character is named by its code point and position, never repeated itself: a NUL
    cuts messages and logs short, and the value may be a secret.
    """
    for index, char in enumerate(value):
        if char not in _LAYOUT_CONTROLS and unicodedata.category(char) == "Cc":
            return (f"holds the control character U+{ord(char):04X} at character {index + 1}; "
                    "only tab and line breaks are allowed")
    return None


def validate_string(max_len: int | None = None, *, required: bool = False) -> Validator:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"must be text, not {_kind(value)}"
        if required and not value.strip():
            return "must not be empty"
        if max_len is not None and len(value) > max_len:
            return f"is {len(value)} characters long; at most {max_len} are allowed"
        return None

    return check


def validate_url(schemes: tuple[str, str]) -> Validator:
    plain, tls = schemes
    allowed = (f"{plain}://host[:port] (port {DEFAULT_PORTS[plain]} by default) "
               f"or {tls}://host[:port] ({DEFAULT_PORTS[tls]})")

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value:
            return f"must be a URL of the form {allowed}"
        if "@" in value:
            # Checked first, and the URL is not repeated: it would carry a password.
            return "must not carry credentials in the URL; use email_username and email_password"
        problem = _url_problem(value, schemes)
        if problem is None:
            return None
        # Repeat the URL only when it holds nothing but what a host URL may hold.
        url = shown(value) if _PLAIN_URL_CHARS.fullmatch(value) else "the URL"
        return f"{url} {problem}; allowed: {allowed}"

    return check


def parse_mail_url(value: str, schemes: tuple[str, str]) -> tuple[str, str, int | None]:
    """(scheme, host, port or None) of a mail server URL that :func:`validate_url` accepts.

    The one reading of a monitor's URL: the resource checks with it and the round-trip probe
    connects with it, so the probe never tries a URL the resource would refuse. ValueError
    (with :func:`validate_url`'s message, which never repeats a URL holding credentials).
    """
    problem = validate_url(schemes)(value)
    match = _HOST_URL_RE.fullmatch(value)
    if problem is not None or match is None:
        raise ValueError(problem or "must be a URL")
    port = match.group("port")
    return match.group("scheme"), match.group("host").strip("[]"), None if port is None else int(port)


# The user and password of a URL: everything between '://' (or the start) and the last '@'.
# Wider than RFC 3986's userinfo on purpose: a password holding '/', '?' or '#' unencoded ends
# the authority early for a strict parser, and would then be left in view.
_USERINFO: Final = re.compile(r"(?P<head>^[A-Za-z][A-Za-z0-9+.-]*://|^)(?P<userinfo>.*)@", re.DOTALL)


def redact_url_userinfo(url: str) -> str:
    """``url`` with its user and password replaced: ``pop3://rt:pw@host:1`` -> ``pop3://***@host:1``.

    Text that is no URL but holds an ``@`` (``user@host``) is masked up to its last ``@`` too,
    since it may still be a login.
    """
    return _USERINFO.sub(lambda m: f"{m.group('head')}***@", url, count=1)


def strip_url_userinfo(url: str) -> str:
    """``url`` without its user and password: ``pop3://rt:pw@host:1`` -> ``pop3://host:1``."""
    return _USERINFO.sub(lambda m: m.group("head"), url, count=1)


def _url_problem(value: str, schemes: tuple[str, str]) -> str | None:
    """What is wrong with a mail server URL, or None (the caller adds what is allowed)."""
    match = _HOST_URL_RE.fullmatch(value)
    if match:
        if match.group("scheme") not in schemes:
            return f"has scheme {match.group('scheme')!r}"
        port = match.group("port")
        if port is not None and not 1 <= int(port) <= 65535:
            return f"has port {int(port)}; ports are 1 to 65535"
        host = match.group("host")
        if host.startswith("["):
            try:
                ipaddress.IPv6Address(host[1:-1])
            except ValueError:
                return "has a host in brackets that is not an IPv6 address"
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "holds a space, tab, line break or other control character"
    scheme, sep, rest = value.partition("://")
    if not sep:
        return "is not a URL"
    if scheme.lower() in schemes and scheme != scheme.lower():
        return f"has the scheme in upper case; write {scheme.lower()}://"
    if scheme not in schemes:
        return f"has scheme {shown(scheme)}" if len(scheme) <= 20 else "has no known scheme"
    if any(ch in rest for ch in "/?#"):
        return "must name only a host and an optional port, with nothing after them (not even '/')"
    _host, colon, port = rest.rpartition(":")
    if colon and "]" not in port:
        if not port:
            return "has ':' with no port after it"
        if not (port.isascii() and port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
            return "has a port that is not a number from 1 to 65535"
    return "has no valid host name"


def validate_email(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be an email address (mailbox@domain.tld), not {_kind(value)}"
    if len(value) > EMAIL_MAX or not _EMAIL_RE.fullmatch(value):
        return f"{shown(value)} is not an email address (expected mailbox@domain.tld)"
    local = value.rpartition("@")[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return (f"{shown(value)} is not an email address: the part before '@' must not start "
                "or end with '.' or hold '..'")
    return None


def validate_interval(value: Any) -> str | None:
    if not is_int(value) or value not in ALLOWED_INTERVALS:
        allowed = ", ".join(str(v) for v in ALLOWED_INTERVALS)
        return f"{shown(value)} is not one of {allowed} (minutes)"
    return None


def validate_timeout(value: Any) -> str | None:
    if not is_int(value) or not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS:
        return (f"{shown(value)} is out of range; the timeout is {MIN_TIMEOUT_SECONDS} to "
                f"{MAX_TIMEOUT_SECONDS} seconds")
    return None


def validate_bool(value: Any) -> str | None:
    return None if is_bool(value) else f"must be true or false, not {shown(value)}"


def validate_location_id(value: Any) -> str | None:
    if not is_int(value) or value <= 0:
        return f"{shown(value)} is not a location id (a positive integer)"
    return None


def validate_locations(value: Any) -> str | None:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return "must be a list of location ids (positive integers)"
    if not value:
        return "must hold at least one location id; leave it out to use the account's default locations"
    for item in value:
        problem = validate_location_id(item)
        if problem:
            return problem
    if len(set(value)) != len(value):
        return "holds a location id twice"
    return None


def validate_mode(value: Any) -> str | None:
    if value not in ALLOWED_MODES:
        return f"{shown(value)} is not one of {', '.join(ALLOWED_MODES)}"
    return None


_CUSTOM_PROPERTY_KEYS: Final = frozenset({"id", "name", "value", "value_id"})


def json_too_large(value: Any) -> str | None:
    """A free-form value (custom properties, extra fields) larger than a request may carry."""
    size = len(json.dumps(value))
    if size > JSON_MAX:
        return f"is {size} bytes as JSON; at most {JSON_MAX} are allowed"
    return None


def validate_custom_properties(value: Any) -> str | None:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return 'must be a list of {"id", "name", "value", "value_id"} objects'
    if problem := json_too_large(value):
        return problem
    for item in value:
        if not isinstance(item, Mapping):
            return 'must be a list of {"id", "name", "value", "value_id"} objects'
        unknown = set(item) - _CUSTOM_PROPERTY_KEYS
        if unknown:
            # Each key cut short: a key may be as long as the whole value.
            keys = [shown(k) for k in sorted(unknown)[:5]] + (["..."] if len(unknown) > 5 else [])
            return f"has unknown keys [{', '.join(keys)}]; allowed: id, name, value, value_id"
    return None


def is_unknown(value: Any) -> bool:
    """True for a value Pulumi does not know yet (during preview)."""
    # Imported lazily so that this module (and the client) stay free of Pulumi.
    from pulumi.output import Unknown

    return isinstance(value, Unknown)


def holds(value: Any, leaf: Callable[[Any], bool]) -> bool:
    """Whether ``value``, or anything in its lists and mappings, satisfies ``leaf``."""
    if leaf(value):
        return True
    if isinstance(value, Mapping):
        return any(holds(v, leaf) for v in value.values())
    if isinstance(value, list | tuple):
        return any(holds(v, leaf) for v in value)
    return False


def contains_unknown(value: Any) -> bool:
    return holds(value, is_unknown)


# -- Values of alert recipients and recipient groups -----------------------------------------

#: Characters that end a line besides the control characters (Unicode's line and paragraph
#: separators): a name or address shown on one line must hold none.
_LINE_SEPARATORS: Final = frozenset("\u2028\u2029")
_PHONE_RE: Final = re.compile(r"\+?[0-9]+")
_HTTP_SCHEMES: Final = ("http", "https")


def line_problem(value: str) -> str | None:
    """Why ``value`` is not one line of text: a control character (tab and line breaks
    included) or a Unicode line separator, named by code point and position, never repeated."""
    if problem := control_character(value):
        return problem
    at = next((i for i, ch in enumerate(value) if ch in _LAYOUT_CONTROLS or ch in _LINE_SEPARATORS), None)
    if at is None:
        return None
    return (f"holds the character U+{ord(value[at]):04X} (a tab or line break) at character "
            f"{at + 1}; it must be one line of text")


def validate_line(max_len: int, *, required: bool = False) -> Validator:
    """Text of one line, at most ``max_len`` characters (code points), non-blank if ``required``."""
    text = validate_string(max_len, required=required)

    def check(value: Any) -> str | None:
        return text(value) or line_problem(value)

    return check


def validate_int_range(low: int, high: int, unit: str = "") -> Validator:
    """A whole number from ``low`` to ``high``; ``unit`` says what it counts."""
    what = f" {unit}" if unit else ""

    def check(value: Any) -> str | None:
        if not is_int(value) or not low <= value <= high:
            return f"{shown(value)} is out of range; it must be a whole number from {low} to {high}{what}"
        return None

    return check


def validate_phone(value: Any) -> str | None:
    """A phone number as AlertSite dials it: digits with an optional leading ``+``."""
    expected = (f"digits with an optional leading + and the country code, e.g. +15551234567 "
                f"({PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits, no spaces, dashes or brackets)")
    if not isinstance(value, str):
        return f"must be a phone number of {expected}, not {_kind(value)}"
    digits = value.removeprefix("+")
    if (not _PHONE_RE.fullmatch(value) or not value.isascii()
            or not PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX):
        return f"{shown(value)} is not a phone number; expected {expected}"
    return None


def validate_http_url(value: Any) -> str | None:
    """A URL AlertSite can POST alerts to: http:// or https://, a host, no credentials in it.

    The URL is never repeated: a webhook URL often carries its secret in the path (Slack's
    ``/services/T…/B…/…``), and one holding a user and password would show them.
    """
    allowed = "an http:// or https:// URL with a host, e.g. https://hooks.example.com/alertsite"
    if not isinstance(value, str) or not value:
        return f"must be {allowed}"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"the URL holds a space, tab, line break or other control character; it must be {allowed}"
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in _HTTP_SCHEMES:
        return f"the URL does not start with http:// or https://; it must be {allowed}"
    if scheme not in _HTTP_SCHEMES:
        return f"the URL has the scheme in upper case; write {scheme.lower()}://"
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        return ("the URL must not carry credentials (user:password@); set them as username and "
                "password instead, which AlertSite sends as HTTP Basic authentication")
    host, colon, port = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
    if not colon:
        host = authority
    elif not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"the URL has a port that is not a number from 1 to 65535; it must be {allowed}"
    if not re.fullmatch(_HOST, host):
        return f"the URL has no valid host name; it must be {allowed}"
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return "the URL has a host in brackets that is not an IPv6 address"
    return None
