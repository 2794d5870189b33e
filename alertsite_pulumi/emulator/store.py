"""The emulator's state: users, tokens, round-trip email monitors, request counters.

Everything here is plain data behind one lock; the HTTP layer (``app.py``) holds no state.
Monitors are kept in their canonical form (``interval`` as an int, locations as
``[{"id": 10}]``) and turned into what AlertSite sends only when read
(:func:`render_monitor`), so that the read-back switches apply to stored monitors too.

With a database path, users, monitors and the id counter are written through to SQLite
and loaded again at start; tokens, counters, faults and settings live in memory only.
"""

from __future__ import annotations

import copy
import json
import math
import re
import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

JsonObject = dict[str, Any]

MONITOR_TYPE = "email-round-trip"
ROLES = ("admin", "co-admin", "power-user", "read-only")
READ_ONLY_ROLES = frozenset({"read-only"})
INTERVALS = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
MODES = ("Primary", "Global Notify", "Global Verify", "Round Robin", "SLA (MultiPOP)")
MULTI_LOCATION_MODES = frozenset({"Round Robin", "SLA (MultiPOP)"})
REQUIRED_FIELDS = ("billing_plancode", "name", "smtp_hostname", "pop3_hostname", "email")
# Fields AlertSite computes; a client that sends them back is ignored, not refused.
READ_ONLY_FIELDS = frozenset({"id", "type", "access_type", "created", "last_status"})
NOTE_MAX = 255
ALERT_NOTE_MAX = 1000
TIMEOUT_MIN, TIMEOUT_MAX = 1, 300
PASSWORD_MASK = "********"  # noqa: S105 - what a GET shows instead of a password
ENDPOINTS = ("login", "create", "update", "get", "list", "delete", "other")

DEFAULT_PLAN_CODES = ("UBM - A/A", "UBM-A/A", "UBM - A/B")
DEFAULT_LOCATIONS = (
    {"id": 10, "name": "Fort Lauderdale, FL"},
    {"id": 20, "name": "Boston, MA"},
    {"id": 30, "name": "Chicago, IL"},
    {"id": 40, "name": "San Francisco, CA"},
    {"id": 50, "name": "London, UK"},
)
DEFAULT_ACCOUNT_LOCATIONS = (10, 20)
FIRST_MONITOR_ID = 100001

MSG_AUTH_FAILED = "invalid_request - User authentication failed."
MSG_INVALID_TOKEN = "invalid_token - The access token is invalid or has expired."  # noqa: S105
MSG_NOT_FOUND = "Record not found"


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
    """Page size of ``GET /monitors`` without ``limit``."""
    max_limit: int = 1000
    """A larger ``limit`` is cut to this."""

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


def _is_int(value: object) -> bool:
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
            if not isinstance(loc, dict) or not _is_int(loc.get("id")):
                errors.append("locations: each entry must be {'id': int, 'name': str}")
                break
            loc_ids.add(loc["id"])
    defaults = s["default_locations"]
    if not isinstance(defaults, list) or not defaults or not all(_is_int(d) for d in defaults):
        errors.append("default_locations: must be a non-empty list of location ids")
    elif loc_ids and not set(defaults) <= loc_ids:
        errors.append("default_locations: every id must be one of the known locations")
    if s["create_status"] not in (200, 201):
        errors.append("create_status: must be 200 or 201")
    if s["list_envelope"] not in ("results", "bare"):
        errors.append("list_envelope: must be 'results' or 'bare'")
    for key in ("default_limit", "max_limit"):
        if not _is_int(s[key]) or s[key] < 1:
            errors.append(f"{key}: must be an integer of at least 1")
    return errors


# --- monitor validation ---------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])"
_HOST_URL = re.compile(rf"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>{_HOST})(?::(?P<port>\d+))?")
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
_INT_TEXT = re.compile(r"[+-]?\d{1,9}")


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


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return None


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
    if "email" in out and not _EMAIL.fullmatch(out["email"]):
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
    if settings.numbers_as_strings and _is_int(value):
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


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- persistence ----------------------------------------------------------------------------


class _SqliteFile:
    """Write-through copy of users, monitors and the id counter."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS users (
                email TEXT PRIMARY KEY, password TEXT NOT NULL, role TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS monitors (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
            """
        )

    def load(self) -> tuple[list[User], dict[int, JsonObject], int | None]:
        users = [User(e, p, r) for e, p, r in self._conn.execute("SELECT email, password, role FROM users")]
        monitors = {
            int(i): json.loads(r)
            for i, r in self._conn.execute("SELECT id, record FROM monitors ORDER BY id")
        }
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
        return users, monitors, int(row[0]) if row else None

    def put_monitor(self, monitor_id: int, record: JsonObject, next_id: int) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                "INSERT OR REPLACE INTO monitors (id, record) VALUES (?, ?)",
                (monitor_id, json.dumps(record)),
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(next_id),)
            )

    def delete_monitor(self, monitor_id: int) -> None:
        self._conn.execute("DELETE FROM monitors WHERE id = ?", (monitor_id,))

    def replace_all(self, users: Iterable[User], monitors: Mapping[int, JsonObject]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM users")
            self._conn.execute("DELETE FROM monitors")
            self._conn.executemany(
                "INSERT INTO users (email, password, role) VALUES (?, ?, ?)",
                [(u.email, u.password, u.role) for u in users],
            )
            self._conn.executemany(
                "INSERT INTO monitors (id, record) VALUES (?, ?)",
                [(i, json.dumps(r)) for i, r in monitors.items()],
            )

    def put_user(self, user: User) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO users (email, password, role) VALUES (?, ?, ?)",
            (user.email, user.password, user.role),
        )

    def close(self) -> None:
        self._conn.close()


# --- the store ------------------------------------------------------------------------------


@dataclass
class _Token:
    email: str
    issued: float
    expires: float


class Store:
    """All mutable state of one emulator, safe to use from many handler threads.

    ``reset()`` brings back the startup users and settings and drops monitors, tokens and
    counters. The id counter is *not* reset: an id is never handed out twice by one store
    (nor, with a database, across restarts), so a stale id from an earlier test is a 404.
    """

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        users: Iterable[User] | None = None,
        db: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._startup_settings = copy.deepcopy(settings or EmulatorSettings())
        self._settings = copy.deepcopy(self._startup_settings)
        self._file = _SqliteFile(db) if db else None
        self._monitors: dict[int, JsonObject] = {}
        self._next_id = FIRST_MONITOR_ID
        stored_users: list[User] = []
        if self._file:
            stored_users, self._monitors, next_id = self._file.load()
            if next_id is not None:
                self._next_id = next_id
            if self._monitors:
                self._next_id = max(self._next_id, max(self._monitors) + 1)
        merged = {u.email: u for u in stored_users}
        merged.update({u.email: u for u in users or ()})
        if not merged:
            merged = {u.email: u for u in DEFAULT_USERS}
        self._startup_users = dict(merged)
        self._users = dict(merged)
        if self._file:
            for user in self._users.values():
                self._file.put_user(user)
        self._tokens: dict[str, _Token] = {}
        self._expiry_every: float | None = None
        self._expiry_origin = 0.0
        self._counts: Counter[str] = Counter()
        self._by_token: Counter[str] = Counter()
        self._by_method_path: Counter[str] = Counter()

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None

    def reset(self) -> None:
        with self._lock:
            self._settings = copy.deepcopy(self._startup_settings)
            self._users = dict(self._startup_users)
            self._monitors = {}
            self._tokens.clear()
            self._expiry_every = None
            self._reset_counts()
            if self._file:
                self._file.replace_all(self._users.values(), self._monitors)

    # settings -------------------------------------------------------------------------------

    @property
    def settings(self) -> EmulatorSettings:
        """The current settings (treat as read-only; change them with update_settings)."""
        return self._settings

    def update_settings(self, changes: Mapping[str, Any]) -> EmulatorSettings:
        with self._lock:
            self._settings = self._settings.updated(changes)
            return self._settings

    # users and tokens ---------------------------------------------------------------------------

    def users(self) -> list[User]:
        with self._lock:
            return list(self._users.values())

    def add_user(self, email: object, password: object, role: object) -> User:
        errors = []
        if not isinstance(email, str) or not _EMAIL.fullmatch(email):
            errors.append("email: must be an email address")
        if not isinstance(password, str) or not password:
            errors.append("password: must be a non-empty string")
        if role not in ROLES:
            errors.append(f"role: must be one of {', '.join(ROLES)}")
        if errors:
            raise ApiError(400, errors)
        assert isinstance(email, str) and isinstance(password, str) and isinstance(role, str)
        user = User(email, password, role)
        with self._lock:
            self._users[email] = user
            if self._file:
                self._file.put_user(user)
        return user

    def login(self, username: object, password: object) -> JsonObject:
        """``POST /access-tokens``: a new token for a user, or 400 as AlertSite answers."""
        with self._lock:
            user = self._users.get(username) if isinstance(username, str) else None
            if (
                user is None
                or not isinstance(password, str)
                or not secrets.compare_digest(user.password.encode(), password.encode())
            ):
                raise ApiError(400, MSG_AUTH_FAILED)
            now = self._clock()
            lifetime = self._settings.token_lifetime_s
            if len(self._tokens) > 10_000:
                self._tokens = {t: v for t, v in self._tokens.items() if self._valid(v, now)}
            token = secrets.token_hex(16)
            self._tokens[token] = _Token(user.email, now, now + lifetime)
            return {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": max(1, math.floor(lifetime)),
            }

    def _valid(self, token: _Token, now: float) -> bool:
        if now >= token.expires:
            return False
        every = self._expiry_every
        if every is not None:
            issued = max(token.issued, self._expiry_origin)
            period = math.floor((issued - self._expiry_origin) / every)
            if math.floor((now - self._expiry_origin) / every) != period:
                return False
        return True

    def authenticate(self, token: str | None) -> User:
        """The user behind a bearer token, or 401."""
        with self._lock:
            entry = self._tokens.get(token) if token else None
            if entry is None or not self._valid(entry, self._clock()):
                raise ApiError(401, MSG_INVALID_TOKEN)
            user = self._users.get(entry.email)
            if user is None:
                raise ApiError(401, MSG_INVALID_TOKEN)
            return user

    def expire_tokens(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    def set_token_expiry_every(self, seconds: float | None) -> None:
        """Expire every token at each multiple of ``seconds`` from now (None: never)."""
        with self._lock:
            self._expiry_every = seconds
            self._expiry_origin = self._clock()

    # monitors --------------------------------------------------------------------------------

    def _take_id(self) -> int:
        monitor_id = self._next_id
        self._next_id += 1
        return monitor_id

    def _save(self, monitor_id: int, record: JsonObject) -> None:
        self._monitors[monitor_id] = record
        if self._file:
            self._file.put_monitor(monitor_id, record, self._next_id)

    def _lookup(self, monitor_id: str) -> int:
        key = int(monitor_id) if monitor_id.isascii() and monitor_id.isdigit() else None
        if key is None or key not in self._monitors:
            raise ApiError(404, MSG_NOT_FOUND)
        return key

    def create_monitor(self, body: Mapping[str, Any]) -> str:
        with self._lock:
            record, errors = build_monitor(body, self._settings)
            if errors:
                raise ApiError(400, errors)
            created = _now_iso()
            record["created"] = created
            record["last_status"] = {"code": "0", "description": "OK", "time": created}
            monitor_id = self._take_id()
            self._save(monitor_id, record)
            return str(monitor_id)

    def update_monitor(self, monitor_id: str, patch: Mapping[str, Any]) -> str:
        with self._lock:
            key = self._lookup(monitor_id)
            current = self._monitors[key]
            merged = {**current, **patch}
            record, errors = build_monitor(merged, self._settings)
            if errors:
                raise ApiError(400, errors)
            for name in ("created", "last_status"):
                if name in current:
                    record[name] = current[name]
            self._save(key, record)
            return str(key)

    def get_monitor(self, monitor_id: str, access_type: str, select: str | None = None) -> JsonObject:
        with self._lock:
            key = self._lookup(monitor_id)
            return select_fields(
                render_monitor(key, self._monitors[key], self._settings, access_type), select
            )

    def list_monitors(
        self,
        access_type: str,
        types: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        select: str | None = None,
    ) -> list[JsonObject]:
        wanted = set(types) if types is not None else None
        with self._lock:
            if wanted is not None and MONITOR_TYPE not in wanted:
                return []
            size = min(limit or self._settings.default_limit, self._settings.max_limit)
            ids = list(self._monitors)[offset : offset + size]
            names = self._settings.location_names()
            return [
                select_fields(
                    render_monitor(i, self._monitors[i], self._settings, access_type, names), select
                )
                for i in ids
            ]

    def delete_monitor(self, monitor_id: str) -> None:
        with self._lock:
            key = self._lookup(monitor_id)
            del self._monitors[key]
            if self._file:
                self._file.delete_monitor(key)

    # control surface ----------------------------------------------------------------------

    def raw_monitors(self) -> list[JsonObject]:
        """Every stored monitor as kept (canonical values, password included)."""
        with self._lock:
            return [self._raw(i) for i in self._monitors]

    def _raw(self, key: int) -> JsonObject:
        return {"id": str(key), "type": MONITOR_TYPE, **copy.deepcopy(self._monitors[key])}

    def raw_monitor(self, monitor_id: str) -> JsonObject:
        with self._lock:
            return self._raw(self._lookup(monitor_id))

    def edit_monitor_raw(self, monitor_id: str, changes: Mapping[str, Any]) -> JsonObject:
        """An out-of-band edit (as in the AlertSite UI): a plain merge, nothing checked."""
        with self._lock:
            key = self._lookup(monitor_id)
            record = copy.deepcopy(self._monitors[key])
            for name, value in changes.items():
                if name in ("id", "type"):
                    continue
                if value is None:
                    record.pop(name, None)
                else:
                    record[name] = copy.deepcopy(value)
            self._save(key, record)
            return self._raw(key)

    def seed_monitor(self, fields_: Mapping[str, Any]) -> str:
        """Store a monitor as given (defaults filled, nothing checked)."""
        with self._lock:
            record = {k: copy.deepcopy(v) for k, v in fields_.items() if k not in ("id", "type")}
            for name, default in monitor_defaults(self._settings).items():
                record.setdefault(name, default)
            locations = record.get("locations")
            if isinstance(locations, list) and locations and isinstance(locations[0], dict):
                record.setdefault("home_location", locations[0].get("id"))
            created = _now_iso()
            record.setdefault("created", created)
            record.setdefault("last_status", {"code": "0", "description": "OK", "time": created})
            monitor_id = self._take_id()
            self._save(monitor_id, record)
            return str(monitor_id)

    def monitor_count(self) -> int:
        with self._lock:
            return len(self._monitors)

    # request counters --------------------------------------------------------------------------

    def count_request(self, endpoint: str, token: str | None, method_path: str) -> None:
        with self._lock:
            self._counts["total"] += 1
            self._counts[endpoint] += 1
            if token:
                self._by_token[token[:6] + "\u2026"] += 1
            self._by_method_path[method_path] += 1

    def request_counts(self) -> JsonObject:
        with self._lock:
            return {
                "total": self._counts["total"],
                "by_endpoint": {e: self._counts[e] for e in ENDPOINTS},
                "by_token": dict(self._by_token),
                "by_method_path": dict(self._by_method_path),
            }

    def reset_requests(self) -> None:
        with self._lock:
            self._reset_counts()

    def _reset_counts(self) -> None:
        self._counts = Counter()
        self._by_token = Counter()
        self._by_method_path = Counter()
