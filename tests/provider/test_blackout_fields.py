"""The blackout's field table and value logic: every rule passes and fails, in words that name the field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alertsite_pulumi.blackout_fields import (
    ZoneProblem,
    blackout_equal,
    blackout_identity,
    blackout_to_api,
    coerce_blackout,
    day_name,
    normalize_blackout_inputs,
    to_account_time,
    validate_blackout_inputs,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)
UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
ONCE: dict[str, Any] = {"assoc_id": "123456", "type": "Monitor", "from_date": "2027-01-15T13:00:00+01:00",
                        "thru_date": "2027-01-15T15:30:00+01:00", "note": "Scheduled maintenance"}
WEEKLY: dict[str, Any] = {"assoc_id": 145632, "type": "Notifier", "start_day": "friday",
                          "start_time": "18:00", "end_day": "monday", "end_time": "07:00"}


def problems(inputs: dict[str, Any], now: datetime = NOW) -> dict[str, str]:
    return dict(validate_blackout_inputs(inputs, now))


def test_a_one_time_and_a_recurring_blackout_pass() -> None:
    assert problems(ONCE) == {}
    assert problems(WEEKLY) == {}


@pytest.mark.parametrize("name", ["assoc_id", "type"])
def test_assoc_id_and_type_are_required(name: str) -> None:
    given = {k: v for k, v in ONCE.items() if k != name}
    assert problems(given)[name] == "is required"


@pytest.mark.parametrize("value", ["abc", 0, -3, "12a", True, 1.5])
def test_assoc_id_must_be_an_id(value: Any) -> None:
    assert "not a monitor or recipient id" in problems({**ONCE, "assoc_id": value})["assoc_id"]


def test_assoc_id_may_be_a_number_and_is_kept_as_text() -> None:
    assert normalize_blackout_inputs({**ONCE, "assoc_id": 123456.0})["assoc_id"] == "123456"


@pytest.mark.parametrize("value", ["Monitor", "Alert", "Notifier", "alert", "RECIPIENT"])
def test_the_types_and_their_spellings_pass(value: str) -> None:
    assert "type" not in problems({**ONCE, "type": value})


def test_recipient_is_read_as_notifier() -> None:
    assert normalize_blackout_inputs({"type": "Recipient"})["type"] == "Notifier"
    assert coerce_blackout({"type": "Recipient"})["type"] == "Notifier"


def test_an_unknown_type_is_refused_with_the_allowed_ones() -> None:
    message = problems({**ONCE, "type": "Everything"})["type"]
    assert "Monitor" in message and "Alert" in message and "Notifier" in message


def test_both_kinds_of_window_or_neither_are_refused() -> None:
    both = problems({**ONCE, **{k: v for k, v in WEEKLY.items() if k.startswith(("start", "end"))}})
    assert "a blackout is one or the other" in both["from_date"]
    neither = problems({"assoc_id": "1", "type": "Monitor"})
    assert "no window given" in neither["from_date"]


def test_half_a_window_names_what_is_missing() -> None:
    assert "required for a one-time blackout" in problems({**ONCE, "thru_date": None})["thru_date"]
    weekly = problems({**WEEKLY, "end_time": None})
    assert "required for a recurring blackout" in weekly["end_time"]


def test_a_naive_date_is_refused_never_guessed() -> None:
    message = problems({**ONCE, "from_date": "2027-01-15T13:00:00"})["from_date"]
    assert "has no time zone" in message and "never guesses" in message
    assert "no time zone" in problems({**ONCE, "thru_date": "2027-01-15 15:30:00"})["thru_date"]


@pytest.mark.parametrize("value", ["soon", "2027-13-01T00:00:00+00:00", 1736946000, ["x"]])
def test_a_date_that_is_no_iso_time_is_refused(value: Any) -> None:
    assert "ISO time" in problems({**ONCE, "from_date": value})["from_date"]


def test_z_and_an_offset_are_accepted_and_kept_aware() -> None:
    normal = normalize_blackout_inputs({**ONCE, "from_date": "2027-01-15T12:00:00Z"})
    assert normal["from_date"] == "2027-01-15T12:00:00+00:00"
    assert problems({**ONCE, "from_date": "2027-01-15T12:00:00Z"}) == {}


def test_from_must_be_before_thru() -> None:
    same = problems({**ONCE, "thru_date": ONCE["from_date"]})
    assert "not after from_date" in same["thru_date"]
    # 14:45 UTC is after 15:30+01:00 (14:30 UTC), though its wall clock reads earlier.
    assert problems({**ONCE, "from_date": "2027-01-15T14:45:00+00:00"})["thru_date"].startswith(
        "2027-01-15T15:30:00+01:00 is not after")


def test_a_window_that_has_ended_is_refused_naming_thru_date() -> None:
    later = NOW.replace(year=2028)
    message = problems(ONCE, now=later)["thru_date"]
    assert "the window ended" in message and "remove the blackout from the program" in message
    # A moment before its end, it passes (the check does not refuse a running window: its own
    # `pulumi up` during the window must not fail).
    end = datetime(2027, 1, 15, 14, 30, tzinfo=timezone.utc)
    assert problems(ONCE, now=end - timedelta(seconds=1)) == {}
    assert "thru_date" in problems(ONCE, now=end)


@pytest.mark.parametrize(("given", "name"), [(1, "sunday"), (7, "saturday"), ("2", "monday"),
                                             (3.0, "tuesday"), ("Wednesday", "wednesday"),
                                             (" THURSDAY ", "thursday")])
def test_days_are_numbers_sunday_first_or_names(given: Any, name: str) -> None:
    assert day_name(given) == name
    assert normalize_blackout_inputs({**WEEKLY, "start_day": given})["start_day"] == name
    assert problems({**WEEKLY, "start_day": given}) == {}


@pytest.mark.parametrize("value", [0, 8, "sun", "funday", 2.5, True])
def test_a_day_that_is_none_is_refused(value: Any) -> None:
    message = problems({**WEEKLY, "end_day": value})["end_day"]
    assert "1 (Sunday) to 7 (Saturday)" in message


@pytest.mark.parametrize(("given", "kept"), [("9:05", "09:05"), ("00:00", "00:00"), ("23:59", "23:59")])
def test_times_are_hh_mm(given: str, kept: str) -> None:
    assert normalize_blackout_inputs({**WEEKLY, "start_time": given})["start_time"] == kept
    assert problems({**WEEKLY, "start_time": given}) == {}


@pytest.mark.parametrize("value", ["24:00", "12:60", "noon", "1200", 12, "12:00:00"])
def test_a_time_that_is_none_is_refused(value: Any) -> None:
    assert "hh:mm" in problems({**WEEKLY, "start_time": value})["start_time"]


def test_a_window_may_wrap_the_week_but_not_be_empty() -> None:
    assert problems({**WEEKLY, "start_day": "saturday", "end_day": "sunday"}) == {}
    empty = problems({**WEEKLY, "end_day": "friday", "end_time": "18:00"})
    assert "would be empty" in empty["end_time"]


def test_the_note_holds_at_most_255_characters() -> None:
    assert problems({**ONCE, "note": "x" * 255}) == {}
    assert "at most 255" in problems({**ONCE, "note": "x" * 256})["note"]


def test_to_api_writes_the_account_zone_and_alertsites_numbers() -> None:
    body = blackout_to_api(ONCE, UTC)
    assert body == {"assoc_id": 123456, "type": "Monitor", "from_date": "2027-01-15 12:00:00",
                    "thru_date": "2027-01-15 14:30:00", "note": "Scheduled maintenance", "persistent": False}
    assert blackout_to_api(ONCE, BERLIN)["from_date"] == "2027-01-15 13:00:00"
    weekly = blackout_to_api(WEEKLY, UTC)
    assert (weekly["start_day"], weekly["end_day"], weekly["persistent"]) == (6, 2, True)
    assert weekly["assoc_id"] == 145632 and weekly["type"] == "Notifier"


def test_the_account_zone_follows_daylight_saving_time() -> None:
    # The same UTC hour is 13:00 in Berlin in winter and 14:00 in summer.
    assert to_account_time("2027-01-15T12:00:00Z", BERLIN) == "2027-01-15 13:00:00"
    assert to_account_time("2027-07-15T12:00:00Z", BERLIN) == "2027-07-15 14:00:00"
    assert to_account_time("2027-07-15T12:00:00-04:00", ZoneInfo("America/New_York")) == "2027-07-15 12:00:00"


def test_a_wall_clock_hour_that_happens_twice_is_refused() -> None:
    # Berlin goes back from 03:00 to 02:00 on 2027-10-31: 02:30 happens twice; the second one
    # cannot be read back from AlertSite's zoneless date.
    assert to_account_time("2027-10-31T00:30:00Z", BERLIN) == "2027-10-31 02:30:00"
    with pytest.raises(ZoneProblem, match="happens twice"):
        to_account_time("2027-10-31T01:30:00Z", BERLIN)


@pytest.mark.parametrize("tz", [UTC, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
@pytest.mark.parametrize("inputs", [ONCE, WEEKLY, {**ONCE, "from_date": "2027-07-01T08:15:00-07:00",
                                                    "thru_date": "2027-07-01T09:00:00-07:00"}])
def test_a_blackout_read_back_equals_its_inputs(tz: ZoneInfo, inputs: dict[str, Any]) -> None:
    normal = normalize_blackout_inputs(inputs)
    live = {**blackout_to_api(inputs, tz), "id": 99, "date_added": "2027-01-01T00:00:00Z", "login": None}
    read = coerce_blackout(live, tz)
    for name, wanted in normal.items():
        assert blackout_equal(name, read[name], wanted), name
    assert read["id"] == "99" and isinstance(read["persistent"], bool)
    # Coercing again changes nothing (the state is read through coerce once more).
    assert coerce_blackout(read) == read


def test_a_date_read_in_another_zone_is_another_instant() -> None:
    live = blackout_to_api(ONCE, UTC)
    assert not blackout_equal("from_date", coerce_blackout(live, BERLIN)["from_date"],
                              normalize_blackout_inputs(ONCE)["from_date"])


def test_dates_compare_as_instants_and_an_empty_note_as_none() -> None:
    assert blackout_equal("from_date", "2027-01-15T13:00:00+01:00", "2027-01-15T12:00:00Z")
    assert not blackout_equal("from_date", "2027-01-15T13:00:00+01:00", "2027-01-15T13:00:00Z")
    assert blackout_equal("note", "", None) and not blackout_equal("note", "a", None)
    assert blackout_equal("start_day", 2, "monday") and blackout_equal("type", "Recipient", "Notifier")


def test_coerce_reads_the_documented_answers() -> None:
    recurring = coerce_blackout({"assoc_id": 123808, "date_added": "2018-06-08T13:08:18Z", "end_day": 2,
                                 "end_time": "16:10", "from_date": None, "id": 1298524, "login": None,
                                 "note": None, "persistent": True, "start_day": 2, "start_time": "16:08",
                                 "thru_date": None, "type": "Monitor"}, UTC)
    assert (recurring["assoc_id"], recurring["start_day"], recurring["id"]) == ("123808", "monday", "1298524")
    once = coerce_blackout({"assoc_id": 189477, "from_date": "2016-04-29 10:52:00", "id": 1178507,
                            "persistent": "false", "thru_date": "2016-04-29 12:52:00", "type": "Recipient"},
                           BERLIN)
    assert once["from_date"] == "2016-04-29T10:52:00+02:00" and once["persistent"] is False
    assert once["type"] == "Notifier"


def test_the_identity_is_the_object_type_and_window_not_the_note() -> None:
    body = blackout_to_api(ONCE, UTC)
    listed = {**body, "id": 5, "assoc_id": 123456, "note": "other words", "type": "Monitor"}
    assert blackout_identity(body) == blackout_identity(listed)
    assert blackout_identity(body) != blackout_identity({**listed, "thru_date": "2027-01-15 14:31:00"})
    assert blackout_identity(body) != blackout_identity({**listed, "type": "Alert"})
    weekly = blackout_to_api(WEEKLY, UTC)
    old_spelling = {**weekly, "type": "Recipient", "assoc_id": "145632"}
    assert blackout_identity(weekly) == blackout_identity(old_spelling)
    assert blackout_identity(weekly) != blackout_identity({**weekly, "end_time": "07:01"})
