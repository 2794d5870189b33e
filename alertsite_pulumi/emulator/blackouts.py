"""AlertSite's rules for blackouts (maintenance windows, ``/blackouts``), restated for the
emulator from ``alertsite-api-more.md`` §3.

A blackout belongs to one monitor (``type`` ``Monitor``: no runs; ``Alert``: no availability
alerts) or one recipient (``Notifier``: that recipient is silenced), by ``assoc_id``. It is
one-time (``from_date``/``thru_date``, ``YYYY-MM-DD HH:MM:SS``) or recurring weekly
(``start_day``/``end_day`` 1..7 with Sunday=1, ``start_time``/``end_time`` ``hh:mm``). Its
times carry no zone: they are read in the account's time zone (switch
``account_time_zone``), against the emulator's clock (which the control surface moves).

:func:`build_blackout` validates a create body (or a stored record merged with a patch) and
builds the canonical record; :func:`render_blackout` is what a GET answers; :func:`is_active`
and :func:`has_started` answer "now" questions. Every problem names its field
(:class:`.model.FieldError`); what the docs leave open is a switch in
:class:`.model.EmulatorSettings`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .model import EmulatorSettings, JsonObject, as_int, is_int

TYPES = ("Monitor", "Alert", "Notifier")
MONITOR_TYPES = frozenset({"Monitor", "Alert"})
RECIPIENT_ALIAS = "Recipient"
"""The spelling of the second documented example (B-GET), taken as ``Notifier`` (switch)."""
NOTE_MAX = 255
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
ONE_TIME = ("from_date", "thru_date")
RECURRING = ("start_day", "start_time", "end_day", "end_time")
TIME_ALIASES = {"from_time": "start_time", "thru_time": "end_time"}
"""The field names of the PATCH example (B-EDIT), taken as the documented ones (switch)."""
READ_ONLY = frozenset({"id", "date_added", "login"})
#: The order of a rendered blackout's fields (the documented examples' order).
FIELDS = ("assoc_id", "date_added", "end_day", "end_time", "from_date", "id", "login", "note",
          "persistent", "start_day", "start_time", "thru_date", "type")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
REQUIRED = "required and is empty"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")

Problems = list[tuple[str, str]]


def canonical_type(value: object, settings: EmulatorSettings) -> str | None:
    """The stored ``type`` for a given one (``Recipient`` as ``Notifier`` when the switch
    allows), or None when it is not a blackout type."""
    if value == RECIPIENT_ALIAS and settings.blackout_recipient_alias:
        return "Notifier"
    return value if isinstance(value, str) and value in TYPES else None


def build_blackout(
    raw: Mapping[str, Any],
    settings: EmulatorSettings,
    now_local: datetime,
    monitor_exists: Callable[[int], bool],
    recipient_exists: Callable[[int], bool],
    current: Mapping[str, Any] | None = None,
    where: str = "",
) -> tuple[JsonObject, Problems]:
    """Validate a create body (``current`` None) or a patch merged onto ``current``.

    Returns the canonical record (without ``id``, ``date_added``, ``login``: the store sets
    them) and one (field, message) per problem; ``where`` prefixes every field name (a bulk
    edit's ``one_time_blackouts[0].``). ``now_local`` is the emulator's clock in the account
    time zone, without zone: a one-time window must lie after it.
    """
    patch = {k: v for k, v in raw.items() if k not in READ_ONLY}
    if settings.blackout_time_aliases:
        for alias, name in TIME_ALIASES.items():
            if alias in patch and name not in patch:
                patch[name] = patch[alias]
    for alias in TIME_ALIASES:
        patch.pop(alias, None)
    merged: JsonObject = {**(current or {}), **patch}
    problems: Problems = []
    out: JsonObject = {}

    kind = merged.get("type")
    if kind is None:
        problems.append((f"{where}type", REQUIRED))
    elif canonical_type(kind, settings) is None:
        problems.append((f"{where}type", f"{kind!r} is not one of {', '.join(TYPES)}"))
    else:
        out["type"] = canonical_type(kind, settings)
    assoc = merged.get("assoc_id")
    assoc_id = as_int(assoc) if not isinstance(assoc, float) else None
    if assoc is None:
        problems.append((f"{where}assoc_id", REQUIRED))
    elif assoc_id is None:
        problems.append((f"{where}assoc_id", "must be an integer (a monitor or recipient id)"))
    elif "type" in out:
        if out["type"] in MONITOR_TYPES and not monitor_exists(assoc_id):
            problems.append((f"{where}assoc_id", f"{assoc_id} is not a monitor of this account"))
        elif out["type"] == "Notifier" and not recipient_exists(assoc_id):
            problems.append((f"{where}assoc_id", f"{assoc_id} is not a recipient of this account"))
        else:
            out["assoc_id"] = assoc_id

    persistent = patch.get("persistent")
    if persistent is None:
        # Inferred (B-CREATE) on a create; a patch keeps the stored kind.
        persistent = current.get("persistent") if current is not None else \
            any(merged.get(f) is not None for f in RECURRING)
    if not isinstance(persistent, bool):
        problems.append((f"{where}persistent", "must be true or false"))
    else:
        out["persistent"] = persistent
        if persistent:
            _recurring(merged, settings, out, problems, where)
        else:
            _one_time(merged, now_local, out, problems, where)

    note = merged.get("note")
    if note is not None and not isinstance(note, str):
        problems.append((f"{where}note", "must be a string or null"))
    elif isinstance(note, str) and len(note) > NOTE_MAX:
        problems.append((f"{where}note", f"at most {NOTE_MAX} characters (got {len(note)})"))
    else:
        out["note"] = note
    return out, problems


def _one_time(merged: Mapping[str, Any], now_local: datetime, out: JsonObject,
              problems: Problems, where: str) -> None:
    for name in RECURRING:
        if merged.get(name) is not None:
            problems.append((f"{where}{name}", "only for a recurring blackout (persistent true)"))
        out[name] = None
    dates: dict[str, datetime] = {}
    for name in ONE_TIME:
        value = merged.get(name)
        if value is None or value == "":
            problems.append((f"{where}{name}", REQUIRED))
            continue
        parsed = _date(value)
        if parsed is None:
            problems.append((f"{where}{name}", f"{value!r} is not a date as YYYY-MM-DD HH:MM:SS"))
            continue
        dates[name] = parsed
        out[name] = value
    if len(dates) == len(ONE_TIME):
        if not dates["from_date"] < dates["thru_date"]:
            problems.append((f"{where}thru_date", "must be later than from_date"))
        for name, when in dates.items():
            if when <= now_local:
                problems.append((f"{where}{name}",
                                 "must be in the future (past blackouts cannot be added)"))


def _recurring(merged: Mapping[str, Any], settings: EmulatorSettings, out: JsonObject,
               problems: Problems, where: str) -> None:
    for name in ONE_TIME:
        if merged.get(name) is not None:
            problems.append((f"{where}{name}", "only for a one-time blackout (persistent false)"))
        out[name] = None
    ok = True
    for name in ("start_day", "end_day"):
        value = merged.get(name)
        if value is None:
            problems.append((f"{where}{name}", REQUIRED))
            ok = False
        elif not is_int(value) or not 1 <= value <= 7:
            problems.append((f"{where}{name}", "must be a day of the week from 1 (Sunday) to 7 (Saturday)"))
            ok = False
        else:
            out[name] = value
    for name in ("start_time", "end_time"):
        value = merged.get(name)
        if value is None or value == "":
            problems.append((f"{where}{name}", REQUIRED))
            ok = False
        elif not isinstance(value, str) or not _TIME.fullmatch(value):
            problems.append((f"{where}{name}", f"{value!r} is not a time as hh:mm (00:00 to 23:59)"))
            ok = False
        else:
            out[name] = value
    if ok:
        start = _week_minute(out["start_day"], out["start_time"])
        end = _week_minute(out["end_day"], out["end_time"])
        if start == end:
            problems.append((f"{where}end_time", "the window ends where it starts"))
        elif start > end and not settings.blackout_week_wrap:
            problems.append((f"{where}end_day", "the window may not wrap the end of the week"))


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        return None


def _week_minute(day: int, hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return (day - 1) * MINUTES_PER_DAY + int(hours) * 60 + int(minutes)


def day_of_week(when: datetime) -> int:
    """AlertSite's day number of ``when``: Sunday=1, Monday=2, ... Saturday=7."""
    return (when.weekday() + 1) % 7 + 1


def is_active(record: Mapping[str, Any], now_local: datetime) -> bool:
    """Whether the blackout covers ``now_local`` (account time zone, no zone): a one-time
    window from ``from_date`` up to (not including) ``thru_date``; a recurring one from its
    start minute up to (not including) its end minute, wrapping the week when it ends before
    it starts."""
    if record.get("persistent") is True:
        try:
            start = _week_minute(int(record["start_day"]), str(record["start_time"]))
            end = _week_minute(int(record["end_day"]), str(record["end_time"]))
        except (KeyError, TypeError, ValueError):
            return False
        minute = _week_minute(day_of_week(now_local), now_local.strftime("%H:%M"))
        return start <= minute < end if start < end else minute >= start or minute < end
    begin, finish = _date(record.get("from_date")), _date(record.get("thru_date"))
    return begin is not None and finish is not None and begin <= now_local < finish


def has_started(record: Mapping[str, Any], now_local: datetime) -> bool:
    """A one-time blackout whose window has begun (running or past): it can no longer be
    deleted (B-DEL: only *future* one-time blackouts can)."""
    if record.get("persistent") is True:
        return False
    begin = _date(record.get("from_date"))
    return begin is None or begin <= now_local


def render_blackout(blackout_id: int, record: Mapping[str, Any]) -> JsonObject:
    """The blackout as a GET returns it: integer id, every documented field (null when unset)."""
    return {name: blackout_id if name == "id" else record.get(name) for name in FIELDS}


def matches(record: Mapping[str, Any], kind: str | None, assoc_id: int | None, only_recurring: bool) -> bool:
    """Whether a blackout passes the ``type=``, ``assoc_id=`` and ``persistent=`` filters."""
    if kind is not None and record.get("type") != kind:
        return False
    if assoc_id is not None and record.get("assoc_id") != assoc_id:
        return False
    return not only_recurring or record.get("persistent") is True
