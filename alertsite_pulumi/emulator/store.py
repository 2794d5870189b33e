"""The emulator's state: users, tokens, round-trip email monitors, request counters.

Everything here sits behind one lock; the handlers (``api_handlers``, ``control_handlers``)
hold no state and call this. Monitors are kept in their canonical form (``interval`` as an
int, locations as ``[{"id": 10}]``) and turned into what AlertSite sends only when read
(:func:`.monitor.render_monitor`), so that the read-back switches apply to stored monitors
too.

Alert recipients and recipient groups (:mod:`.routing`) live here too, under the same lock
and drawing ids from the same counter as monitors; a group refers to monitors and recipients
by id, and deleting either takes it out of every group.

With a database path, users, monitors, recipients, groups, blackouts and the id counter are
written through to SQLite (:mod:`.persistence`) and loaded again at start; tokens, counters,
faults, settings and the clock's offset live in memory only.

Blackouts (:mod:`.blackouts`) belong to a monitor or a recipient and are read against the
emulator's clock (:meth:`Store.wall_now`: the real time plus what the control surface moved it
by) in the account time zone; token lifetimes keep the monotonic ``clock`` given here.
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
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from . import blackouts, routing
from .model import (
    API_ENDPOINTS,
    DEFAULT_USERS,
    ApiError,
    EmulatorSettings,
    FieldError,
    JsonObject,
    User,
    is_int,
    new_user,
)
from .monitor import MONITOR_TYPE, build_monitor, monitor_defaults, render_monitor, select_fields
from .on_demand import OnDemand
from .persistence import SqliteFile

ENDPOINTS = (*API_ENDPOINTS, "other")
RECIPIENTS = "recipients"
GROUPS = "notifier_groups"
BLACKOUTS = "blackouts"
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

    ``reset()`` brings back the startup users and settings and drops monitors, recipients,
    groups, tokens and counters. The id counter is *not* reset: an id is never handed out twice by one store
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
        self._recipients: dict[int, JsonObject] = {}
        self._groups: dict[int, JsonObject] = {}
        self._blackouts: dict[int, JsonObject] = {}
        self._clock_offset_s = 0.0
        self._next_id = FIRST_MONITOR_ID
        stored_users: list[User] = []
        if self._file:
            stored_users, self._monitors, next_id = self._file.load()
            self._recipients = self._file.load_records(RECIPIENTS)
            self._groups = self._file.load_records(GROUPS)
            self._blackouts = self._file.load_records(BLACKOUTS)
            for record in self._monitors.values():
                if _is_placeholder(record.get("last_status")):
                    record["last_status"] = None
            if next_id is not None:
                self._next_id = next_id
            for table in (self._monitors, self._recipients, self._groups, self._blackouts):
                if table:
                    self._next_id = max(self._next_id, max(table) + 1)
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
        self.on_demand = OnDemand()
        """The tests on demand and test notifications (``GET /tests``, ``POST /test-notifiers``)."""

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
            self._recipients = {}
            self._groups = {}
            self._blackouts = {}
            self._clock_offset_s = 0.0
            self._tokens.clear()
            self._expiry_every = None
            self._reset_counts()
            self.on_demand.clear()
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
        return _key(monitor_id, self._monitors)

    def _write(self, puts: Mapping[str, Mapping[int, JsonObject]],
               deletes: Mapping[str, Iterable[int]] | None = None) -> None:
        if self._file:
            self._file.write(puts, deletes or {}, self._next_id)

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
            rendered = render_monitor(key, self._monitors[key], self._settings, access_type)
            return select_fields(self._with_routing(key, rendered), select)

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
            holders = self._groups_by_monitor()
            return [
                select_fields(
                    self._with_routing(
                        i, render_monitor(i, self._monitors[i], self._settings, access_type, names),
                        holders,
                    ),
                    select,
                )
                for i in ids
            ]

    def _groups_by_monitor(self) -> dict[int, list[int]]:
        holders: dict[int, list[int]] = {}
        for group_id, record in self._groups.items():
            for monitor_id in sorted(routing.group_monitor_ids(record)):
                holders.setdefault(monitor_id, []).append(group_id)
        return holders

    def _with_routing(self, monitor_id: int, rendered: JsonObject,
                      holders: Mapping[int, list[int]] | None = None) -> JsonObject:
        """The monitor's read-only back-references (S-OBJ): the groups holding it, as string
        ids (null when none), and its monitor and alert blackouts (string ids, null when none)."""
        groups = (holders if holders is not None else self._groups_by_monitor()).get(monitor_id, [])
        rendered["notifier_groups"] = [str(g) for g in groups] or None
        rendered["blackout_ids"] = self._blackout_ids(blackouts.MONITOR_TYPES, monitor_id)
        return rendered

    def delete_monitor(self, monitor_id: str) -> None:
        """Delete a monitor and take it out of every recipient group (switch ``emptied_group``)."""
        with self._lock:
            key = self._lookup(monitor_id)
            del self._monitors[key]
            self._cascade({"monitors": [key], **self._drop_blackouts(blackouts.MONITOR_TYPES, key)},
                          monitor_id=key)

    def _cascade(self, deleted: Mapping[str, Iterable[int]], monitor_id: int | None = None,
                 recipient_id: int | None = None) -> None:
        """Take a deleted monitor or recipient out of every group, and write it all at once."""
        changed: dict[int, JsonObject] = {}
        dropped: list[int] = []
        for group_id, record in list(self._groups.items()):
            edited = routing.without(record, monitor_id, recipient_id)
            if edited is None:
                continue
            if self._settings.emptied_group == "delete" and not (
                edited.get("monitors") and edited.get("recipients")
            ):
                del self._groups[group_id]
                dropped.append(group_id)
            else:
                self._groups[group_id] = edited
                changed[group_id] = edited
        self._write({GROUPS: changed}, {**deleted, GROUPS: dropped})

    # recipients -------------------------------------------------------------------------------

    def create_recipient(self, body: Mapping[str, Any]) -> str:
        with self._lock:
            record, problems = routing.build_recipient(body, self._settings)
            if problems:
                raise FieldError(problems)
            recipient_id = self._take_id()
            self._recipients[recipient_id] = record
            self._write({RECIPIENTS: {recipient_id: record}})
            return str(recipient_id)

    def update_recipient(self, recipient_id: str, patch: Mapping[str, Any]) -> str:
        with self._lock:
            key = _key(recipient_id, self._recipients)
            record, problems = routing.build_recipient(patch, self._settings, self._recipients[key])
            if problems:
                raise FieldError(problems)
            self._recipients[key] = record
            self._write({RECIPIENTS: {key: record}})
            return str(key)

    def get_recipient(self, recipient_id: str) -> JsonObject:
        with self._lock:
            key = _key(recipient_id, self._recipients)
            return self._render_recipient(key)

    def _render_recipient(self, key: int) -> JsonObject:
        groups = [g for g, r in self._groups.items() if key in routing.group_recipient_ids(r)]
        rendered = routing.render_recipient(key, self._recipients[key], groups)
        rendered["blackout_ids"] = self._blackout_ids({"Notifier"}, key)
        return rendered

    def list_recipients(self, kind: str | None = None, method_id: int | None = None,
                        limit: int | None = None, offset: int | None = None) -> JsonObject:
        """``GET /recipients``: the documented envelope; ``type=`` and ``method_id=`` filter."""
        with self._lock:
            rows = [self._render_recipient(k) for k, r in self._recipients.items()
                    if routing.recipient_matches(r, kind, method_id)]
            return routing.list_envelope(rows, limit, offset, self._settings, "0")

    def delete_recipient(self, recipient_id: str) -> None:
        """Delete a recipient and take it out of every group (switch ``emptied_group``)."""
        with self._lock:
            key = _key(recipient_id, self._recipients)
            del self._recipients[key]
            self._cascade({RECIPIENTS: [key], **self._drop_blackouts({"Notifier"}, key)},
                          recipient_id=key)

    # recipient groups ---------------------------------------------------------------------------

    def create_group(self, body: Mapping[str, Any]) -> str:
        with self._lock:
            record, problems = routing.build_group(
                body, self._monitors.__contains__, self._recipients.__contains__
            )
            if problems:
                raise FieldError(problems)
            group_id = self._take_id()
            self._put_group(group_id, record, record["is_default"])
            return str(group_id)

    def update_group(self, group_id: str, patch: Mapping[str, Any]) -> str:
        with self._lock:
            key = _key(group_id, self._groups)
            record, problems = routing.build_group(
                patch, self._monitors.__contains__, self._recipients.__contains__, self._groups[key]
            )
            if problems:
                raise FieldError(problems)
            self._put_group(key, record, patch.get("is_default") is True)
            return str(key)

    def _put_group(self, key: int, record: JsonObject, made_default: bool) -> None:
        changed = {key: record}
        if made_default and self._settings.group_default_exclusive:
            for other, current in self._groups.items():
                if other != key and current.get("is_default"):
                    changed[other] = {**current, "is_default": False}
        self._groups.update(changed)
        self._write({GROUPS: changed})

    def get_group(self, group_id: str) -> JsonObject:
        with self._lock:
            key = _key(group_id, self._groups)
            return self._render_group(key)

    def _render_group(self, key: int) -> JsonObject:
        names = {i: str(m.get("name", "")) for i, m in self._monitors.items()}
        return routing.render_group(key, self._groups[key], names, self._recipients)

    def list_groups(self, monitor_ids: Iterable[int] = (), recipient_id: int | None = None,
                    limit: int | None = None, offset: int | None = None) -> JsonObject:
        """``GET /notifier-groups``: the groups holding every one of ``monitor_ids`` (the
        documented ``monidor_id`` and the likely ``monitor_id``) and ``recipient_id``."""
        wanted = set(monitor_ids)
        with self._lock:
            rows = [
                self._render_group(k) for k, r in self._groups.items()
                if wanted <= routing.group_monitor_ids(r)
                and (recipient_id is None or recipient_id in routing.group_recipient_ids(r))
            ]
            absent = None if self._settings.group_list_offset == "null" else "0"
            return routing.list_envelope(rows, limit, offset, self._settings, absent)

    def delete_group(self, group_id: str) -> None:
        """Delete a group; its monitors and recipients stay (G-DEL)."""
        with self._lock:
            key = _key(group_id, self._groups)
            del self._groups[key]
            self._write({}, {GROUPS: [key]})

    # the clock ---------------------------------------------------------------------------

    def wall_now(self) -> datetime:
        """The emulator's clock (UTC): the real time plus what the control surface moved it by.

        Blackouts, their ``date_added`` and the runner's and notifier's "now" read it; token
        lifetimes do not (they run on the monotonic clock given at construction, so that moving
        the clock forward does not log every client out).
        """
        return datetime.now(timezone.utc) + timedelta(seconds=self._clock_offset_s)

    def local_now(self, now: datetime | None = None) -> datetime:
        """``now`` (default: the emulator's clock) in the account time zone, without zone: what
        a blackout's zone-less times are compared with."""
        when = now if now is not None else self.wall_now()
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(ZoneInfo(self._settings.account_time_zone)).replace(tzinfo=None)

    def advance_clock(self, seconds: float) -> JsonObject:
        """Move the emulator's clock forward by ``seconds`` (never back: a past window stays past)."""
        with self._lock:
            self._clock_offset_s += seconds
            return self.clock_state()

    def clock_state(self) -> JsonObject:
        with self._lock:
            now = self.wall_now()
            return {
                "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "offset_seconds": self._clock_offset_s,
                "time_zone": self._settings.account_time_zone,
                "local_now": self.local_now(now).strftime(blackouts.DATE_FORMAT),
            }

    # blackouts ---------------------------------------------------------------------------

    def _blackout_ids(self, types: Iterable[str], assoc_id: int) -> list[str] | None:
        wanted = set(types)
        return [str(k) for k, r in self._blackouts.items()
                if r.get("type") in wanted and r.get("assoc_id") == assoc_id] or None

    def _drop_blackouts(self, types: Iterable[str], assoc_id: int) -> dict[str, list[int]]:
        """Forget the blackouts of a deleted monitor or recipient (switch ``blackout_cascade``);
        the ids to delete from the file, for the caller's one write."""
        if self._settings.blackout_cascade == "keep":
            return {}
        wanted = set(types)
        gone = [k for k, r in self._blackouts.items()
                if r.get("type") in wanted and r.get("assoc_id") == assoc_id]
        for key in gone:
            del self._blackouts[key]
        return {BLACKOUTS: gone}

    def _build_blackout(self, body: Mapping[str, Any], current: Mapping[str, Any] | None = None,
                        where: str = "") -> tuple[JsonObject, list[tuple[str, str]]]:
        return blackouts.build_blackout(
            body, self._settings, self.local_now(), self._monitors.__contains__,
            self._recipients.__contains__, current, where,
        )

    def create_blackout(self, body: Mapping[str, Any], login: str | None) -> str:
        """``POST /blackouts``: one blackout; ``login`` is the creating user's email."""
        with self._lock:
            record, problems = self._build_blackout(body)
            if problems:
                raise FieldError(problems)
            key = self._put_new_blackout(record, login)
            self._write({BLACKOUTS: {key: self._blackouts[key]}})
            return str(key)

    def _put_new_blackout(self, record: JsonObject, login: str | None) -> int:
        record["date_added"] = self.wall_now().strftime("%Y-%m-%dT%H:%M:%SZ")
        record["login"] = login
        key = self._take_id()
        self._blackouts[key] = record
        return key

    def update_blackout(self, blackout_id: str, patch: Mapping[str, Any]) -> str:
        """``PATCH /blackouts/{id}``: recurring blackouts only (switch ``blackout_patch_one_time``)."""
        with self._lock:
            key = _key(blackout_id, self._blackouts)
            current = self._blackouts[key]
            if current.get("persistent") is not True and self._settings.blackout_patch_one_time == "refuse":
                raise ApiError(400, "Only recurring (persistent) blackouts can be modified; to modify a "
                               "one-time blackout, delete it and create a new one.")
            record, problems = self._build_blackout(patch, current)
            if problems:
                raise FieldError(problems)
            record["date_added"] = current.get("date_added")
            record["login"] = current.get("login")
            self._blackouts[key] = record
            self._write({BLACKOUTS: {key: record}})
            return str(key)

    def get_blackout(self, blackout_id: str) -> JsonObject:
        with self._lock:
            key = _key(blackout_id, self._blackouts)
            return blackouts.render_blackout(key, self._blackouts[key])

    def list_blackouts(self, kind: str | None = None, assoc_id: int | None = None,
                       only_recurring: bool = False, limit: int | None = None,
                       offset: int | None = None, select: str | None = None) -> JsonObject:
        """``GET /blackouts``: past and future ones; ``persistent=true`` only the recurring."""
        with self._lock:
            rows = [select_fields(blackouts.render_blackout(k, r), select)
                    for k, r in self._blackouts.items()
                    if blackouts.matches(r, kind, assoc_id, only_recurring)]
            return routing.list_envelope(rows, limit, offset, self._settings, "0")

    def delete_blackout(self, blackout_id: str) -> None:
        """``DELETE /blackouts/{id}``: recurring ones and one-time ones not yet begun (B-DEL)."""
        with self._lock:
            key = _key(blackout_id, self._blackouts)
            if blackouts.has_started(self._blackouts[key], self.local_now()):
                raise ApiError(400, "A one-time blackout that has begun (running or past) cannot be "
                               "deleted; only recurring and future one-time blackouts can.")
            del self._blackouts[key]
            self._write({}, {BLACKOUTS: [key]})

    def bulk_edit_blackouts(self, body: Mapping[str, Any], login: str | None) -> list[str]:
        """``POST /blackouts/bulk-edit``: monitor blackouts for many monitors at once, all or
        nothing; 403 when a monitor id is not one of this account's (B-BULK). ``update``
        replaces the monitors' blackouts of that kind (but not one-time ones that have begun:
        they cannot be deleted either); ``append`` adds. The ids created, as strings."""
        with self._lock:
            monitors = body.get("monitors")
            if not isinstance(monitors, list) or not monitors or not all(is_int(m) for m in monitors):
                raise FieldError([("monitors", "must be a non-empty list of monitor ids")])
            unknown = [m for m in monitors if m not in self._monitors]
            if unknown:
                raise ApiError(403, f"Forbidden - not a monitor of this account: "
                               f"{', '.join(str(m) for m in unknown)}; no blackout was changed.")
            now = self.local_now()
            problems: list[tuple[str, str]] = []
            plans: list[tuple[bool, str, list[JsonObject]]] = []
            for persistent, flag, array in ((False, "update_one_time", "one_time_blackouts"),
                                            (True, "update_persistent", "persistent_blackouts")):
                wanted = body.get(flag, False)
                action = body.get(f"{flag}_action", "append")
                items = body.get(array, [])
                if not isinstance(wanted, bool):
                    problems.append((flag, "must be true or false"))
                    continue
                if action not in ("append", "update"):
                    problems.append((f"{flag}_action", "must be 'append' or 'update'"))
                    continue
                if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                    problems.append((array, "must be a list of blackout objects"))
                    continue
                if not wanted:
                    continue
                built: list[JsonObject] = []
                for index, item in enumerate(items):
                    kind = item.get("type", "Monitor")
                    if kind not in blackouts.MONITOR_TYPES:
                        problems.append((f"{array}[{index}].type", "must be Monitor or Alert"))
                        continue
                    for monitor_id in monitors:
                        record, found = self._build_blackout(
                            {**item, "type": kind, "assoc_id": monitor_id, "persistent": persistent},
                            where=f"{array}[{index}].")
                        problems.extend(p for p in found if p not in problems)
                        built.append(record)
                plans.append((persistent, action, built))
            if problems:
                raise FieldError(problems)
            dropped: list[int] = []
            created: dict[int, JsonObject] = {}
            for persistent, action, built in plans:
                if action == "update":
                    dropped += [k for k, r in self._blackouts.items()
                                if r.get("type") in blackouts.MONITOR_TYPES and r.get("assoc_id") in monitors
                                and r.get("persistent") is persistent and not blackouts.has_started(r, now)]
                    for key in dropped:
                        self._blackouts.pop(key, None)
                for record in built:
                    key = self._put_new_blackout(record, login)
                    created[key] = record
            self._write({BLACKOUTS: created}, {BLACKOUTS: dropped})
            return [str(k) for k in created]

    def active_blackouts(self, now: datetime | None = None) -> list[JsonObject]:
        """The blackouts covering ``now`` (default: the emulator's clock), each as a GET shows
        it: what the monitor runner (``Monitor``) and the notifier (``Alert``, ``Notifier``) honour."""
        with self._lock:
            local = self.local_now(now)
            return [blackouts.render_blackout(k, r) for k, r in self._blackouts.items()
                    if blackouts.is_active(r, local)]

    def raw_blackouts(self) -> list[JsonObject]:
        """Every stored blackout, as a GET shows it (for the control surface)."""
        with self._lock:
            return [blackouts.render_blackout(k, r) for k, r in self._blackouts.items()]

    # control surface ----------------------------------------------------------------------

    def raw_recipients(self) -> list[JsonObject]:
        """Every stored recipient as kept: canonical values, integer id, the password in
        clear (for the monitor runner, which sends the alerts; never for an answer)."""
        with self._lock:
            return [self._raw_recipient(k) for k in self._recipients]

    def _raw_recipient(self, key: int) -> JsonObject:
        return {"id": key, **copy.deepcopy(self._recipients[key])}

    def raw_recipient(self, recipient_id: str) -> JsonObject:
        with self._lock:
            return self._raw_recipient(_key(recipient_id, self._recipients))

    def raw_recipient_groups(self) -> list[JsonObject]:
        """Every stored group: integer id, ``name``, ``is_default``, and ``monitors``,
        ``recipients``, ``errortypes``, ``templates`` as lists of integer ids
        (``monitor_steps`` keeps the step numbers)."""
        with self._lock:
            return [routing.raw_group(k, r) for k, r in self._groups.items()]

    def raw_recipient_group(self, group_id: str) -> JsonObject:
        with self._lock:
            key = _key(group_id, self._groups)
            return routing.raw_group(key, self._groups[key])

    def edit_recipient_raw(self, recipient_id: str, changes: Mapping[str, Any]) -> JsonObject:
        """An out-of-band edit (as in the AlertSite UI): a plain merge, nothing checked; a None
        value removes the field."""
        with self._lock:
            key = _key(recipient_id, self._recipients)
            self._recipients[key] = _merged(self._recipients[key], changes)
            self._write({RECIPIENTS: {key: self._recipients[key]}})
            return self._raw_recipient(key)

    def edit_group_raw(self, group_id: str, changes: Mapping[str, Any]) -> JsonObject:
        """An out-of-band group edit: a plain merge (arrays as ids or ``{"id"}`` objects),
        nothing checked, so that a test can make a state the API would refuse."""
        with self._lock:
            key = _key(group_id, self._groups)
            self._groups[key] = _merged(self._groups[key], routing.canonical_group_edit(changes))
            self._write({GROUPS: {key: self._groups[key]}})
            return routing.raw_group(key, self._groups[key])

    def seed_recipient(self, fields_: Mapping[str, Any]) -> str:
        """Store a recipient as given, defaults filled, nothing checked (a PagerDuty one too)."""
        with self._lock:
            record: JsonObject = {"method_id": routing.DEFAULT_METHOD, "username": None,
                                  "password": None, "performance_alert_type": "20",
                                  **routing.RECIPIENT_BOOLEANS, **routing.RECIPIENT_THRESHOLDS}
            record.update(_merged({}, {k: v for k, v in fields_.items() if k != "id"}))
            recipient_id = self._take_id()
            self._recipients[recipient_id] = record
            self._write({RECIPIENTS: {recipient_id: record}})
            return str(recipient_id)

    def seed_group(self, fields_: Mapping[str, Any]) -> str:
        """Store a group as given (arrays as ids or ``{"id"}`` objects), nothing checked."""
        with self._lock:
            record: JsonObject = {"name": "", "is_default": False, "monitors": [], "recipients": [],
                                  "errortypes": [], "templates": []}
            record.update(_merged({}, routing.canonical_group_edit(fields_)))
            group_id = self._take_id()
            self._groups[group_id] = record
            self._write({GROUPS: {group_id: record}})
            return str(group_id)

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


def _key(text: str, table: Mapping[int, object]) -> int:
    """The stored id ``text`` names in ``table``, or 404 ``Record not found``."""
    # No id has more digits than this; int() of thousands of digits is refused by Python.
    well_formed = text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
    key = int(text) if well_formed else None
    if key is None or key not in table:
        raise ApiError(404, MSG_NOT_FOUND)
    return key


def _merged(record: Mapping[str, Any], changes: Mapping[str, Any]) -> JsonObject:
    out = copy.deepcopy(dict(record))
    for name, value in changes.items():
        if name == "id":
            continue
        if value is None:
            out.pop(name, None)
        else:
            out[name] = copy.deepcopy(value)
    return out


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
