"""The emulator's state: users, tokens, round-trip email monitors, request counters.

Everything here sits behind one lock; the handlers (``api_handlers``, ``control_handlers``)
hold no state and call this. Monitors are kept in their canonical form (``interval`` as an
int, locations as ``[{"id": 10}]``) and turned into what AlertSite sends only when read
(:func:`.monitor.render_monitor`), so that the read-back switches apply to stored monitors
too.

With a database path, users, monitors and the id counter are written through to SQLite
(:mod:`.persistence`) and loaded again at start; tokens, counters, faults and settings live
in memory only.
"""

from __future__ import annotations

import copy
import math
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .model import DEFAULT_USERS, ApiError, EmulatorSettings, JsonObject, User, new_user
from .monitor import MONITOR_TYPE, build_monitor, monitor_defaults, render_monitor, select_fields
from .persistence import SqliteFile

ENDPOINTS = ("login", "create", "update", "get", "list", "delete", "report", "other")
FIRST_MONITOR_ID = 100001
MAX_ID_DIGITS = 18

MSG_AUTH_FAILED = "invalid_request - User authentication failed."
MSG_INVALID_TOKEN = "invalid_token - The access token is invalid or has expired."  # noqa: S105
MSG_NOT_FOUND = "Record not found"


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self._file = SqliteFile(db) if db else None
        self._monitors: dict[int, JsonObject] = {}
        self._next_id = FIRST_MONITOR_ID
        stored_users: list[User] = []
        if self._file:
            stored_users, self._monitors, next_id = self._file.load()
            for record in self._monitors.values():
                if _is_placeholder(record.get("last_status")):
                    record["last_status"] = None
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
        user = new_user(email, password, role)
        with self._lock:
            self._users[user.email] = user
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

    def token_expiry_every(self) -> float | None:
        """The period set by :meth:`set_token_expiry_every` (None: tokens never expire so)."""
        with self._lock:
            return self._expiry_every

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
        # No id has more digits than this; int() of thousands of digits is refused by Python.
        well_formed = monitor_id.isascii() and monitor_id.isdigit() and len(monitor_id) <= MAX_ID_DIGITS
        key = int(monitor_id) if well_formed else None
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
            record["last_status"] = None  # no run yet: no status, not an invented "0 OK"
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
            record.setdefault("last_status", None)
            monitor_id = self._take_id()
            self._save(monitor_id, record)
            return str(monitor_id)

    def record_status(self, monitor_id: str, status: Mapping[str, Any],
                      only_if: Mapping[str, Any] | None = None) -> bool:
        """Keep a run's outcome as the monitor's ``last_status``; False when the monitor is gone,
        or (``only_if``) no longer has those values: the run was made with settings since edited.

        The time of the last error is carried from one status to the next, as the site
        status report shows it.
        """
        with self._lock:
            try:
                key = self._lookup(monitor_id)
            except ApiError:
                return False
            record = dict(self._monitors[key])
            if only_if is not None and any(record.get(k) != v for k, v in only_if.items()):
                return False
            previous = record.get("last_status")
            new = dict(status)
            if new.get("code") != "0":
                new["last_error_time"] = new.get("time")
            elif isinstance(previous, dict) and previous.get("last_error_time"):
                new["last_error_time"] = previous["last_error_time"]
            record["last_status"] = new
            self._save(key, record)
            return True

    def site_status(self, monitor_ids: Iterable[str] | None = None) -> list[JsonObject]:
        """``GET /report-sitestatus``: a row per monitor, under the ``site_status_names`` switch.

        A monitor that never ran has no status: its status fields are null.
        """
        wanted = set(monitor_ids) if monitor_ids is not None else None
        with self._lock:
            render = _legacy_row if self._settings.site_status_names == "emulator-0.1" else _alertsite_row
            return [
                render(str(key), record, _status(record))
                for key, record in self._monitors.items()
                if wanted is None or str(key) in wanted
            ]

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


def _is_placeholder(status: object) -> bool:
    """The "0 OK" that emulator 0.1 stored at create time, before any run (runs always
    record ``code_origin``): kept in older databases, it means "never run"."""
    return isinstance(status, dict) and set(status) == {"code", "description", "time"} \
        and status["code"] == "0" and status["description"] == "OK"


def _status(record: Mapping[str, Any]) -> JsonObject:
    status = record.get("last_status")
    return status if isinstance(status, dict) else {}


def _alertsite_row(monitor_id: str, record: Mapping[str, Any], status: JsonObject) -> JsonObject:
    """A row in the names the one real caller found reads (``docs/alertsite-api.md``), plus
    the id to match it by and what the report is documented to show besides."""
    code = status.get("code")
    description = status.get("description")
    return {
        "device_id": monitor_id,
        "device_name": record.get("name", ""),
        "enabled": record.get("enabled", True),
        "last_status": code,
        "last_status_desc": description,
        "info_msg": description if code not in (None, "0") else None,
        "dt_last_status": status.get("time"),
        "dt_last_error": status.get("last_error_time"),
        "response_time_ms": status.get("response_time_ms"),
        "failed_step": status.get("failed_step"),
        "code_origin": status.get("code_origin", "alertsite") if status else None,
    }


def _legacy_row(monitor_id: str, record: Mapping[str, Any], status: JsonObject) -> JsonObject:
    """A row as emulator 0.1 spelled it (switch ``site_status_names: emulator-0.1``)."""
    return {
        "monitor_id": monitor_id,
        "monitor_name": record.get("name", ""),
        "monitor_type": MONITOR_TYPE,
        "enabled": record.get("enabled", True),
        "last_status_code": status.get("code"),
        "last_status_description": status.get("description"),
        "dt_last_status": status.get("time"),
        "dt_last_error": status.get("last_error_time"),
        "response_time_ms": status.get("response_time_ms"),
        "failed_step": status.get("failed_step"),
        "code_origin": status.get("code_origin", "alertsite") if status else None,
    }
