"""The fields of a blackout (``/blackouts``), and their value logic.

A blackout silences one monitor (``type`` ``Monitor``: no monitoring; ``Alert``: no
availability alerts) or one recipient (``Notifier``), either once (``from_date`` ..
``thru_date``) or every week (``start_day`` ``start_time`` .. ``end_day`` ``end_time``). This
module is to that type what ``routing_fields`` is to recipients and groups: its table, the
check of a program's inputs, the reading of AlertSite's answers, the bodies and comparisons.
It imports nothing of Pulumi and makes no request.

Choices where the documentation says nothing or contradicts itself:

- Which window a blackout has is told by the fields given: ``from_date`` and ``thru_date``
  make it one-time, the four ``start_``/``end_`` fields recurring; both kinds, or neither,
  are refused. ``persistent`` is derived, never an input.
- AlertSite's dates carry no zone (``"2027-01-15 13:00:00"``); the UI shows them in the
  account's zone. A program gives a timezone-aware ISO time (``"2027-01-15T13:00:00+01:00"``)
  and the provider writes it in the zone of the ``alertsite:timeZone`` setting; a time without
  an offset is refused, never guessed. In the state a date is kept aware (read back in the
  account's zone) and dates compare as instants, so the offset a program writes is no change.
  A recurring window's days and times are the account's wall clock, as AlertSite reads them.
- Days are AlertSite's numbers (Sunday = 1 .. Saturday = 7) or their English names, kept as
  names (``"monday"``): the documentation's own example (6..7 for "weekends") contradicts
  its numbering, and a name cannot be misread. A recurring window may wrap the week.
- ``type`` ``Recipient``, as one documented answer spells it, is read as ``Notifier``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from .coercion import as_bool
from .fields import Field
from .routing_fields import id_text, whole_number
from .rules import BLACKOUT_DAYS, BLACKOUT_NOTE_MAX, BLACKOUT_TYPES
from .validators import contains_unknown, is_unknown, shown, unsendable, validate_string

ONE_TIME_FIELDS: Final = ("from_date", "thru_date")
RECURRING_FIELDS: Final = ("start_day", "start_time", "end_day", "end_time")
WINDOW_FIELDS: Final = (*ONE_TIME_FIELDS, *RECURRING_FIELDS)
DAY_FIELDS: Final = ("start_day", "end_day")
TIME_FIELDS: Final = ("start_time", "end_time")
#: AlertSite's date format: no zone, the account's wall clock.
API_DATE_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
#: Older spellings of a type AlertSite may answer with.
TYPE_ALIASES: Final = {"recipient": "Notifier"}
_TYPES_BY_FOLD: Final = {t.casefold(): t for t in BLACKOUT_TYPES}
_TIME_RE: Final = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_API_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


def _validate_assoc_id(value: Any) -> str | None:
    if id_text(value) is None:
        return (f"{shown(value)} is not a monitor or recipient id (digits, e.g. the `id` output "
                "of the monitor or recipient, \"123456\")")
    return None


def _validate_type(value: Any) -> str | None:
    if not isinstance(value, str) or value not in BLACKOUT_TYPES:
        return (f"{shown(value)} is not a blackout type; the types are Monitor (no monitoring), "
                "Alert (no availability alerts) and Notifier (a recipient's alerts)")
    return None


def _validate_date(value: Any) -> str | None:
    return _date_problem(value)[1]


def _validate_day(value: Any) -> str | None:
    if value not in BLACKOUT_DAYS:
        return (f"{shown(value)} is not a day; give 1 (Sunday) to 7 (Saturday), or the day's "
                "name (\"sunday\" .. \"saturday\")")
    return None


def _validate_time(value: Any) -> str | None:
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        return f"{shown(value)} is not a time of day; give hh:mm, from 00:00 to 23:59"
    return None


_DATE_DOC: Final = ("a timezone-aware ISO time with an offset (\"2027-01-15T13:00:00+01:00\"; a "
                    "time without one is refused), written in the account's zone "
                    "(`alertsite:timeZone`).")
_DAY_DOC: Final = "1 (Sunday) to 7 (Saturday), or the day's name (\"monday\"); kept as the name."
BLACKOUT_FIELDS: Final[dict[str, Field]] = {
    f.name: f
    for f in (
        Field("assoc_id", "str", _validate_assoc_id, required=True,
              doc="The monitor (types Monitor, Alert) or recipient (type Notifier) blacked out: its "
                  "id, e.g. a monitor's `monitor_id` or a recipient's `recipient_id` output."),
        Field("type", "str", _validate_type, required=True,
              doc="What is silenced: Monitor (no monitoring), Alert (no availability alerts; "
                  "performance alerts still go out) or Notifier (the recipient's alerts)."),
        Field("from_date", "str", _validate_date,
              doc="Start of a one-time blackout (with `thru_date`; in the future when created): "
                  + _DATE_DOC),
        Field("thru_date", "str", _validate_date,
              doc="End of a one-time blackout, after `from_date`: " + _DATE_DOC),
        Field("start_day", "str", _validate_day,
              doc="Day a recurring weekly blackout starts (with `start_time`, `end_day`, "
                  "`end_time`; the window may wrap the week): " + _DAY_DOC),
        Field("start_time", "str", _validate_time,
              doc="Time it starts, hh:mm, the account's wall clock."),
        Field("end_day", "str", _validate_day, doc="Day a recurring blackout ends: " + _DAY_DOC),
        Field("end_time", "str", _validate_time, doc="Time it ends, hh:mm, the account's wall clock."),
        Field("note", "str", validate_string(BLACKOUT_NOTE_MAX),
              doc=f"Why (at most {BLACKOUT_NOTE_MAX} characters)."),
    )
}
BLACKOUT_REQUIRED_FIELDS: Final = tuple(f.name for f in BLACKOUT_FIELDS.values() if f.required)
#: Outputs AlertSite computes: (schema kind, description).
BLACKOUT_COMPUTED: Final[dict[str, tuple[str, str]]] = {
    "blackout_id": ("str", "The AlertSite blackout id (also the resource id)."),
    "persistent": ("bool", "Whether the blackout is recurring (AlertSite's `persistent`)."),
}


# -- Reading single values ---------------------------------------------------------------------


def day_name(value: Any) -> str | None:
    """``1`` / ``1.0`` / ``"1"`` / ``"Sunday"`` -> ``"sunday"``; else None."""
    if isinstance(value, str) and value.strip().casefold() in BLACKOUT_DAYS:
        return value.strip().casefold()
    number = whole_number(value)
    return BLACKOUT_DAYS[number - 1] if number is not None and 1 <= number <= 7 else None


def day_number(name: str) -> int:
    """``"sunday"`` -> ``1``: AlertSite's number of a day."""
    return BLACKOUT_DAYS.index(name) + 1


def _time_text(value: Any) -> str | None:
    """``"9:05"`` -> ``"09:05"``; else None."""
    match = _TIME_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def _type_name(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    folded = value.strip().casefold()
    return _TYPES_BY_FOLD.get(folded) or TYPE_ALIASES.get(folded)


def _date_problem(value: Any) -> tuple[datetime | None, str | None]:
    """An aware datetime of a program's date, or why there is none."""
    if not isinstance(value, str):
        return None, f"must be an ISO time with an offset (\"2027-01-15T13:00:00+01:00\"), not {shown(value)}"
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, (f"{shown(value)} is not an ISO time; give e.g. \"2027-01-15T13:00:00+01:00\" "
                      "(date, time and the offset from UTC)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, (f"{shown(value)} has no time zone; give the offset from UTC (\"+01:00\", "
                      "\"Z\" for UTC) or a timezone-aware datetime: the provider never guesses "
                      "a zone (it writes the time in alertsite:timeZone's)")
    return moment, None


def aware(value: Any) -> datetime | None:
    """The instant of a date as a program or the state writes it (aware ISO), or None."""
    return _date_problem(value)[0]


def _date_text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# -- Time zones --------------------------------------------------------------------------------


class ZoneProblem(ValueError):
    """A date that cannot be written in the account's zone and read back as the same instant."""


def zone(name: str) -> ZoneInfo:
    """The zone of an ``alertsite:timeZone`` name (validated when the settings were read)."""
    return ZoneInfo(name)


def to_account_time(value: str, tz: ZoneInfo, field: str = "date") -> str:
    """An aware ISO time as AlertSite's ``YYYY-MM-DD HH:MM:SS`` in zone ``tz``.

    Raises:
        ZoneProblem: the time is not aware, or its wall-clock time in ``tz`` happens twice (the
            hour clocks go back), so that AlertSite's zoneless date could not be read back as
            the same instant.
    """
    moment = aware(value)
    if moment is None:
        raise ZoneProblem(f"{field}: {_date_problem(value)[1]}")
    local = moment.astimezone(tz)
    text = local.strftime(API_DATE_FORMAT)
    if from_account_time(text, tz) != _date_text(local):
        raise ZoneProblem(
            f"{field}: {value} is {text} in {tz.key}, a wall-clock time that happens twice (the "
            "hour the clocks go back); AlertSite's dates carry no zone, so it could not be read "
            "back as the same instant: move the window out of that hour")
    return text


def from_account_time(value: str, tz: ZoneInfo) -> str:
    """AlertSite's ``YYYY-MM-DD HH:MM:SS`` in zone ``tz`` as an aware ISO time (a wall-clock
    time that happens twice is read as the first)."""
    naive = datetime.strptime(value.strip().replace("T", " "), API_DATE_FORMAT)
    return _date_text(naive.replace(tzinfo=tz))


# -- Value logic -------------------------------------------------------------------------------


def is_recurring(values: Mapping[str, Any]) -> bool:
    """Whether (normalized or live) values describe a recurring blackout."""
    flag = as_bool(values.get("persistent")) if values.get("persistent") is not None else None
    if flag is not None:
        return flag
    return any(values.get(name) is not None for name in RECURRING_FIELDS)


def normalize_blackout_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as a program wrote them, in the form stored and compared: the id as text, the
    type in AlertSite's spelling, days as names, times as hh:mm, dates as aware ISO times
    (``"2027-01-15T13:00:00+01:00"``; ``Z`` becomes ``+00:00``). Values that cannot be read are
    left for :func:`validate_blackout_inputs` to name."""
    out = dict(inputs)

    def fix(name: str, read: Any) -> None:
        value = out.get(name)
        if value is not None and not is_unknown(value) and (fixed := read(value)) is not None:
            out[name] = fixed

    fix("assoc_id", id_text)
    fix("type", _type_name)
    for name in DAY_FIELDS:
        fix(name, day_name)
    for name in TIME_FIELDS:
        fix(name, _time_text)
    for name in ONE_TIME_FIELDS:
        fix(name, lambda v: _date_text(m) if (m := aware(v)) is not None else None)
    return out


def validate_blackout_inputs(inputs: Mapping[str, Any], now: datetime) -> list[tuple[str, str]]:
    """Every problem with a blackout's inputs, as (field, message) pairs.

    ``now`` (aware) is when the check runs: a one-time window that has ended by then is
    refused (AlertSite creates none in the past, and one that ended has nothing left to do).
    Values Pulumi does not know yet pass unvalidated.
    """
    values = normalize_blackout_inputs(inputs)
    problems: list[tuple[str, str]] = []
    bad: set[str] = set()
    for field in BLACKOUT_FIELDS.values():
        value = values.get(field.name)
        if value is None:
            if field.required:
                problems.append((field.name, "is required"))
                bad.add(field.name)
            continue
        problem = unsendable(value) or (None if contains_unknown(value) else field.validate(value))
        if problem:
            problems.append((field.name, problem))
            bad.add(field.name)
    given_once = [n for n in ONE_TIME_FIELDS if values.get(n) is not None]
    given_weekly = [n for n in RECURRING_FIELDS if values.get(n) is not None]
    if given_once and given_weekly:
        problems.append((given_once[0], f"sets a one-time window ({', '.join(given_once)}) and a "
                         f"recurring one ({', '.join(given_weekly)}); a blackout is one or the "
                         "other: give from_date and thru_date, or start_day, start_time, end_day "
                         "and end_time"))
        return problems
    if not given_once and not given_weekly:
        problems.append(("from_date", "no window given: give from_date and thru_date (one-time), or "
                         "start_day, start_time, end_day and end_time (recurring weekly)"))
        return problems
    kind, needed = ("one-time", ONE_TIME_FIELDS) if given_once else ("recurring", RECURRING_FIELDS)
    for name in needed:
        if values.get(name) is None:
            others = ", ".join(n for n in needed if n != name)
            problems.append((name, f"is required for a {kind} blackout (with {others})"))
            bad.add(name)
    if bad & set(needed) or any(is_unknown(values.get(n)) for n in needed):
        return problems
    if given_once:
        problems.extend(_one_time_problems(values, now))
    elif (values["start_day"], values["start_time"]) == (values["end_day"], values["end_time"]):
        problems.append(("end_time", f"the window ends when it starts ({values['end_day']} "
                         f"{values['end_time']}): it would be empty; a window may wrap the week, "
                         "but must not be empty"))
    return problems


def _one_time_problems(values: Mapping[str, Any], now: datetime) -> list[tuple[str, str]]:
    start, end = aware(values["from_date"]), aware(values["thru_date"])
    assert start is not None and end is not None  # validated above
    if start >= end:
        return [("thru_date", f"{values['thru_date']} is not after from_date {values['from_date']}; "
                 "AlertSite needs from_date before thru_date")]
    if end <= now:
        return [("thru_date", f"the window ended at {values['thru_date']} (it is now "
                 f"{_date_text(now.astimezone(end.tzinfo))}); AlertSite creates one-time "
                 "blackouts only in the future, and one that has ended does nothing: give a "
                 "window in the future, or remove the blackout from the program (its destroy "
                 "succeeds)")]
    return []


def window_started(values: Mapping[str, Any], now: datetime) -> bool:
    """Whether a one-time window (aware dates) has begun by ``now``: AlertSite creates none."""
    start = aware(values.get("from_date"))
    return start is not None and start <= now


def window_ended(values: Mapping[str, Any], now: datetime) -> bool:
    """Whether a one-time window (aware dates) has ended by ``now``: AlertSite deletes none."""
    end = aware(values.get("thru_date"))
    return end is not None and end <= now


def blackout_to_api(inputs: Mapping[str, Any], tz: ZoneInfo | None) -> dict[str, Any]:
    """The body of POST /blackouts (or PATCH /blackouts/{id}) for the given inputs: the id
    and days as numbers, ``persistent`` for a whole window, dates in zone ``tz`` (left aware
    when ``tz`` is None, for :func:`dates_in_zone` to place once the zone is known).

    Raises:
        ZoneProblem: a date cannot be written in ``tz`` (see :func:`to_account_time`).
    """
    values = normalize_blackout_inputs(inputs)
    body: dict[str, Any] = {}
    for name in BLACKOUT_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if name == "assoc_id":
            value = int(value)
        elif name in DAY_FIELDS:
            value = day_number(value)
        body[name] = value
    if any(n in body for n in ONE_TIME_FIELDS) or all(n in body for n in RECURRING_FIELDS):
        body["persistent"] = not any(n in body for n in ONE_TIME_FIELDS)
    return dates_in_zone(body, tz) if tz is not None else body


def dates_in_zone(body: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """``body`` with its aware dates written in zone ``tz`` (raises ZoneProblem)."""
    out = dict(body)
    for name in ONE_TIME_FIELDS:
        if isinstance(out.get(name), str) and aware(out[name]) is not None:
            out[name] = to_account_time(out[name], tz, name)
    return out


def coerce_blackout(live: Mapping[str, Any], tz: ZoneInfo | None = None) -> dict[str, Any]:
    """A blackout as GET /blackouts/{id} answers, in the form the state keeps.

    Ids become text (``assoc_id`` included), ``Recipient`` becomes ``Notifier``, days become
    names, times hh:mm, ``persistent`` a boolean, an empty note none, and AlertSite's zoneless
    dates aware times in zone ``tz`` (kept as they came without one). Already coerced values
    stay as they are; unknown fields are kept.
    """
    out = dict(live)
    if out.get("id") is not None:
        out["id"] = str(out["id"])
    if (assoc := id_text(out.get("assoc_id"))) is not None:
        out["assoc_id"] = assoc
    if (kind := _type_name(out.get("type"))) is not None:
        out["type"] = kind
    for name in DAY_FIELDS:
        if (day := day_name(out.get(name))) is not None:
            out[name] = day
    for name in TIME_FIELDS:
        if (time := _time_text(out.get(name))) is not None:
            out[name] = time
    for name in ONE_TIME_FIELDS:
        value = out.get(name)
        if isinstance(value, str) and tz is not None and _API_DATE_RE.fullmatch(value.strip()):
            out[name] = from_account_time(value, tz)
    if out.get("persistent") is not None and (flag := as_bool(out["persistent"])) is not None:
        out["persistent"] = flag
    if out.get("note") == "":
        out["note"] = None
    return out


def blackout_equal(field: str, a: Any, b: Any) -> bool:
    """Whether two values of ``field`` mean the same: dates as instants (the offset written is
    no difference), days and types by their normal form, an empty note as none."""
    if field in ONE_TIME_FIELDS:
        x, y = aware(a), aware(b)
        return x == y if x is not None and y is not None else bool(a == b)
    if field == "note":
        return (a or None) == (b or None)
    normal_a = normalize_blackout_inputs({field: a}).get(field)
    normal_b = normalize_blackout_inputs({field: b}).get(field)
    return bool(normal_a == normal_b)


def blackout_identity(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """What finds a blackout again whose create answer was lost: the object it silences, its
    type and its window (the note is no part of it). Takes AlertSite's form (a create body, a
    listed blackout) or the state's alike; dates compare as written, so both sides must be in
    one form (:func:`blackout_to_api` with the account's zone makes a body of inputs)."""
    live = coerce_blackout(values)
    assoc, kind = live.get("assoc_id"), live.get("type")
    if is_recurring(live):
        return (assoc, kind, "weekly", *(live.get(n) for n in RECURRING_FIELDS))
    dates = []
    for name in ONE_TIME_FIELDS:
        value = live.get(name)
        moment = aware(value)
        # An aware time compares by its instant; AlertSite's zoneless text as written.
        dates.append(moment.timestamp() if moment is not None else
                     (str(value).strip().replace("T", " ") if value is not None else None))
    return (assoc, kind, "once", *dates)


__all__ = [
    "API_DATE_FORMAT",
    "BLACKOUT_COMPUTED",
    "BLACKOUT_FIELDS",
    "BLACKOUT_REQUIRED_FIELDS",
    "DAY_FIELDS",
    "ONE_TIME_FIELDS",
    "RECURRING_FIELDS",
    "TIME_FIELDS",
    "WINDOW_FIELDS",
    "ZoneProblem",
    "aware",
    "blackout_equal",
    "blackout_identity",
    "blackout_to_api",
    "coerce_blackout",
    "dates_in_zone",
    "day_name",
    "day_number",
    "from_account_time",
    "is_recurring",
    "normalize_blackout_inputs",
    "to_account_time",
    "validate_blackout_inputs",
    "window_ended",
    "window_started",
    "zone",
]
