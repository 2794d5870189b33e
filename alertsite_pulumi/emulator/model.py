"""The emulator's model of an AlertSite account: its users, its settings, the API error.

Also the few value rules every other module shares (what counts as an integer, what an
email address looks like). The rules of a monitor itself live in :mod:`.monitor`.
"""

from __future__ import annotations

import copy
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

JsonObject = dict[str, Any]

#: The names of the AlertSite endpoints, as the request counters and fault rules know them.
API_ENDPOINTS = (
    "login", "create", "update", "get", "list", "delete", "report",
    "recipient_create", "recipient_update", "recipient_get", "recipient_list", "recipient_delete",
    "group_create", "group_update", "group_get", "group_list", "group_delete",
    "tod_start", "tod_poll", "test_notifier",
    "blackout_create", "blackout_update", "blackout_get", "blackout_list", "blackout_delete",
    "blackout_bulk",
)

ROLES = ("admin", "co-admin", "power-user", "read-only")
READ_ONLY_ROLES = frozenset({"read-only"})

DEFAULT_PLAN_CODES = ("UBM - A/A", "UBM-A/A", "UBM - A/B")
DEFAULT_LOCATIONS = (
    {"id": 10, "name": "Fort Lauderdale, FL"},
    {"id": 20, "name": "Boston, MA"},
    {"id": 30, "name": "Chicago, IL"},
    {"id": 40, "name": "San Francisco, CA"},
    {"id": 50, "name": "London, UK"},
)
DEFAULT_ACCOUNT_LOCATIONS = (10, 20)

LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
"""One DNS label (hostnames and the domain of an email address)."""
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# The part before '@' is dot-separated atoms: no leading, trailing or doubled dot (RFC 5322).
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{LABEL}(?:\.{LABEL})+")
_INT_TEXT = re.compile(r"[+-]?\d{1,9}")


class ApiError(Exception):
    """An answer other than success: HTTP status plus one message per problem."""

    def __init__(
        self, status: int, messages: str | Iterable[str], headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {'; '.join(self.messages)}")

    def body(self) -> JsonObject:
        """The AlertSite error body: ``{"errors": [{"code": status, "message": ...}]}``."""
        return {"errors": [{"code": self.status, "message": m} for m in self.messages]}


class FieldError(ApiError):
    """A 400 whose every problem names the field(s) it is about, in the one documented shape
    of its kind (``POST /notifier-groups``): ``{"code": 400, "fields": ["monitors"],
    "message": "required and is empty"}``."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__(400, [f"{name}: {message}" for name, message in self.problems])

    def body(self) -> JsonObject:
        return {"errors": [{"code": 400, "fields": [name], "message": message}
                           for name, message in self.problems]}


@dataclass(frozen=True)
class User:
    """An AlertSite account user who can log in to the API."""

    email: str
    password: str = field(repr=False)
    role: str = "admin"

    @property
    def read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    def public(self) -> JsonObject:
        return {"email": self.email, "role": self.role}


DEFAULT_USERS = (
    User("admin@example.com", "emulator-admin-password", "admin"),
    User("viewer@example.com", "emulator-viewer-password", "read-only"),
)


def parse_user(spec: str) -> User:
    """``EMAIL:PASSWORD[:ROLE]`` (the CLI's ``--user``); the role defaults to admin."""
    email, sep, rest = spec.partition(":")
    if not sep or not email or not rest:
        raise ValueError("a user is EMAIL:PASSWORD[:ROLE]")
    password, role = rest, "admin"
    head, sep, tail = rest.rpartition(":")
    if sep and tail in ROLES:
        password, role = head, tail
    if not password:
        raise ValueError("a user needs a password")
    return User(email, password, role)


def new_user(email: object, password: object, role: object) -> User:
    """A user from a control-surface body; :class:`ApiError` 400 lists every bad field."""
    errors = []
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        errors.append("email: must be an email address")
    if not isinstance(password, str) or not password:
        errors.append("password: must be a non-empty string")
    if role not in ROLES:
        errors.append(f"role: must be one of {', '.join(ROLES)}")
    if errors:
        raise ApiError(400, errors)
    assert isinstance(email, str) and isinstance(password, str) and isinstance(role, str)
    return User(email, password, role)


@dataclass
class EmulatorSettings:
    """The switches for behaviour AlertSite does not document (see ``docs/alertsite-api.md``)."""

    numbers_as_strings: bool = True
    """Send numbers back as JSON strings (``"interval": "15"``), as AlertSite does."""
    booleans_as_strings: bool = False
    """Send booleans back as ``"true"``/``"false"`` instead of JSON booleans."""
    password_in_get: str = "omit"  # noqa: S105 - a mode, not a password
    """``"omit"``: a GET leaves ``email_password`` out; ``"mask"``: it sends ``********``."""
    token_lifetime_s: float = 3600.0
    """How long an access token lives (applies to tokens issued afterwards)."""
    plan_codes: list[str] = field(default_factory=lambda: list(DEFAULT_PLAN_CODES))
    """The account's billing plan codes."""
    locations: list[JsonObject] = field(default_factory=lambda: [dict(x) for x in DEFAULT_LOCATIONS])
    """The known monitoring locations, ``[{"id": 10, "name": "..."}]``."""
    default_locations: list[int] = field(default_factory=lambda: list(DEFAULT_ACCOUNT_LOCATIONS))
    """The account's default locations, used when a create omits ``locations``."""
    create_status: int = 200
    """The status of a successful create: 200 (documented) or 201."""
    list_envelope: str = "results"
    """``"results"``: lists answer ``{"results": [...]}``; ``"bare"``: a bare array."""
    default_limit: int = 100
    """Page size of ``GET /monitors``, ``/recipients`` and ``/notifier-groups`` without ``limit``."""
    max_limit: int = 1000
    """A larger ``limit`` is cut to this."""
    site_status_names: str = "alertsite"
    """``GET /report-sitestatus`` rows: ``"alertsite"`` (``device_name``, ``last_status``,
    ``last_status_desc``, ... as real callers read them) or ``"emulator-0.1"`` (``monitor_name``,
    ``last_status_code``, ``last_status_description``, ... as this emulator answered before)."""
    recipient_method_id: str = "default"
    """A recipient create without ``method_id``: ``"default"`` takes 12, E-mail (HTML format)
    (the docs' "Default is 12"), ``"required"`` refuses it (the docs' "Required")."""
    list_count: str = "total"
    """``resultset.count`` of the recipient and group lists: ``"total"`` (every match, before
    paging) or ``"page"`` (the rows returned)."""
    group_list_offset: str = "null"
    """``resultset.offset`` of ``GET /notifier-groups`` without ``offset``: ``"null"`` (the
    groups example) or ``"string"`` (``"0"``, as the recipients example shows)."""
    group_default_exclusive: bool = True
    """Setting ``is_default`` on a group clears it on every other group (one default)."""
    emptied_group: str = "keep"
    """A group whose last monitor or last recipient is deleted: ``"keep"`` (it stays, with an
    empty array, as the delete-recipient tip implies) or ``"delete"`` (it goes too)."""
    tod_outcome: str = "real"
    """A test on demand's outcome: ``"real"`` (the probe's trip with ``--run-monitors``; without
    it, as ``"ok"``), or forced: ``"ok"``, ``"fail"`` (9104), ``"timeout"`` (2), ``"never-ends"``
    (in progress for ever)."""
    tod_latency_s: float = 0.0
    """How long a forced outcome is in progress before it is known."""
    tod_pollable: bool = True
    """A round-trip monitor's test can be polled (undocumented: polling is documented for
    browser tests); false: ``GET /tests`` still answers an id, which polls as "Test Not Found"
    and runs nothing."""
    tod_start_shape: str = "id"
    """The answer of ``GET /tests`` (cut off in the docs): ``"id"`` (``{"id": "700001",
    "result_url": ...}``), ``"id-integer"`` (the id a JSON integer) or ``"test_id"``
    (``{"test_id": "700001", "result_url": ...}``)."""
    account_time_zone: str = "UTC"
    """The IANA zone blackout times (which carry none) are read in: the account's time zone
    (the UI shows blackout hours in the user's preferred zone; the API says nothing)."""
    blackout_week_wrap: bool = True
    """A recurring blackout may end on an earlier day than it starts (Friday 18:00 through
    Monday 07:00), wrapping the week; false refuses it (400)."""
    blackout_recipient_alias: bool = True
    """``type: "Recipient"`` (the spelling of one documented example) is taken as
    ``Notifier``; false refuses it (400)."""
    blackout_time_aliases: bool = True
    """A blackout create or PATCH may send ``from_time``/``thru_time`` (the PATCH example's
    names) for ``start_time``/``end_time``; false ignores them."""
    blackout_patch_one_time: str = "refuse"
    """PATCH of a one-time blackout: ``"refuse"`` (400, as "only recurring blackouts can be
    modified" says; the status is assumed) or ``"allow"`` (validated like a create)."""
    blackout_cascade: str = "delete"
    """Deleting a monitor or recipient: ``"delete"`` its blackouts too (assumed) or ``"keep"``
    them (dangling, as a test may want)."""

    def to_dict(self) -> JsonObject:
        return copy.deepcopy(asdict(self))

    def updated(self, changes: Mapping[str, Any]) -> EmulatorSettings:
        """A copy with ``changes`` applied; :class:`ApiError` 400 lists every bad key."""
        known = {f.name for f in fields(self)}
        merged = self.to_dict()
        errors = [f"{k}: unknown setting" for k in changes if k not in known]
        merged.update({k: copy.deepcopy(v) for k, v in changes.items() if k in known})
        errors += _settings_errors(merged)
        if errors:
            raise ApiError(400, errors)
        merged["token_lifetime_s"] = float(merged["token_lifetime_s"])
        merged["locations"] = [
            {"id": int(loc["id"]), "name": str(loc.get("name", f"Location {loc['id']}"))}
            for loc in merged["locations"]
        ]
        return EmulatorSettings(**merged)

    def location_names(self) -> dict[int, str]:
        return {int(loc["id"]): str(loc.get("name", "")) for loc in self.locations}


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _settings_errors(s: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    for key in ("numbers_as_strings", "booleans_as_strings"):
        if not isinstance(s[key], bool):
            errors.append(f"{key}: must be true or false")
    if s["password_in_get"] not in ("omit", "mask"):
        errors.append("password_in_get: must be 'omit' or 'mask'")
    lifetime = s["token_lifetime_s"]
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or not lifetime > 0:
        errors.append("token_lifetime_s: must be a number of seconds above 0")
    plans = s["plan_codes"]
    if not isinstance(plans, list) or not plans or not all(isinstance(p, str) for p in plans):
        errors.append("plan_codes: must be a non-empty list of strings")
    locs = s["locations"]
    loc_ids: set[int] = set()
    if not isinstance(locs, list) or not locs:
        errors.append("locations: must be a non-empty list of {'id': int, 'name': str}")
    else:
        for loc in locs:
            if not isinstance(loc, dict) or not is_int(loc.get("id")):
                errors.append("locations: each entry must be {'id': int, 'name': str}")
                break
            loc_ids.add(loc["id"])
    defaults = s["default_locations"]
    if not isinstance(defaults, list) or not defaults or not all(is_int(d) for d in defaults):
        errors.append("default_locations: must be a non-empty list of location ids")
    elif loc_ids and not set(defaults) <= loc_ids:
        errors.append("default_locations: every id must be one of the known locations")
    if s["create_status"] not in (200, 201):
        errors.append("create_status: must be 200 or 201")
    if s["list_envelope"] not in ("results", "bare"):
        errors.append("list_envelope: must be 'results' or 'bare'")
    if s["site_status_names"] not in ("alertsite", "emulator-0.1"):
        errors.append("site_status_names: must be 'alertsite' or 'emulator-0.1'")
    if not isinstance(s["group_default_exclusive"], bool):
        errors.append("group_default_exclusive: must be true or false")
    for key, allowed in (("recipient_method_id", ("default", "required")),
                         ("list_count", ("total", "page")),
                         ("group_list_offset", ("null", "string")),
                         ("emptied_group", ("keep", "delete")),
                         ("blackout_patch_one_time", ("refuse", "allow")),
                         ("blackout_cascade", ("delete", "keep"))):
        if s[key] not in allowed:
            errors.append(f"{key}: must be {' or '.join(repr(a) for a in allowed)}")
    if s["tod_outcome"] not in ("real", "ok", "fail", "timeout", "never-ends"):
        errors.append("tod_outcome: must be 'real', 'ok', 'fail', 'timeout' or 'never-ends'")
    latency = s["tod_latency_s"]
    if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency <= 3600:
        errors.append("tod_latency_s: must be a number of seconds from 0 to 3600")
    if not isinstance(s["tod_pollable"], bool):
        errors.append("tod_pollable: must be true or false")
    if s["tod_start_shape"] not in ("id", "id-integer", "test_id"):
        errors.append("tod_start_shape: must be 'id', 'id-integer' or 'test_id'")
    for key in ("blackout_week_wrap", "blackout_recipient_alias", "blackout_time_aliases"):
        if not isinstance(s[key], bool):
            errors.append(f"{key}: must be true or false")
    if not _is_zone(s["account_time_zone"]):
        errors.append("account_time_zone: must be an IANA time zone name such as 'UTC' or 'Europe/Berlin'")
    for key in ("default_limit", "max_limit"):
        if not is_int(s[key]) or s[key] < 1:
            errors.append(f"{key}: must be an integer of at least 1")
    return errors


def _is_zone(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def as_int(value: object) -> int | None:
    """An int from an int, an integral float or a decimal string (AlertSite takes either)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    return None
