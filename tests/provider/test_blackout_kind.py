"""The blackout's behaviour, in its pure parts: what the plan replaces or updates, the bodies
sent, and the rules of time (decided before any request).

No server answers here: the emulator does not serve /blackouts on this branch yet. Where a
rule needs a client, it gets one whose API root (loopback port 1) answers nothing, so a
request the rule should not make fails the test with a TransportError.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from alertsite_pulumi.blackout_fields import BLACKOUT_FIELDS, normalize_blackout_inputs
from alertsite_pulumi.blackout_kind import BlackoutBehaviour, describe, past_delete_message
from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import Settings
from alertsite_pulumi.errors import InvalidRequest
from alertsite_pulumi.lifecycle import Lifecycle
from alertsite_pulumi.resource_types import BLACKOUT, RESOURCE_TYPES
from alertsite_pulumi.tokens import BLACKOUT_TYPE, NATIVE_BLACKOUT_TYPE

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)
ONCE: dict[str, Any] = {"assoc_id": "123456", "type": "Monitor", "from_date": "2027-01-15T13:00:00+01:00",
                        "thru_date": "2027-01-15T15:30:00+01:00", "note": "Scheduled maintenance"}
WEEKLY: dict[str, Any] = {"assoc_id": "145632", "type": "Notifier", "start_day": "friday",
                          "start_time": "18:00", "end_day": "monday", "end_time": "07:00"}
NOWHERE = "http://127.0.0.1:1/api/v3"


def behaviour(now: datetime = NOW) -> BlackoutBehaviour:
    return BlackoutBehaviour(BLACKOUT_FIELDS, {"blackout_id": "id", "persistent": "persistent"},
                             clock=lambda: now)


def offline(time_zone: str = "UTC") -> AlertSiteClient:
    return AlertSiteClient(Settings(base_url=NOWHERE, access_token="t", max_retries=0, time_zone=time_zone))


def stored(inputs: dict[str, Any]) -> dict[str, Any]:
    """What the state holds after a create: the normalized inputs and the computed outputs."""
    out = normalize_blackout_inputs(inputs)
    out.update(blackout_id="77", persistent="start_day" in inputs)
    return out


def diff(olds: dict[str, Any], news: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(changed, replaces) as the one lifecycle decides them (no account in the state: no call)."""
    def no_settings() -> tuple[Settings, bool]:
        raise AssertionError("the diff of a state without an account needs no settings")

    life = Lifecycle(no_settings, lambda s: offline(), lambda: None, resource_type=BLACKOUT)
    found = life.diff("77", olds, normalize_blackout_inputs(news))
    return found.changed, found.replaces


def test_the_declaration_tokens_and_that_it_is_not_wired_yet() -> None:
    assert BLACKOUT.native_token == NATIVE_BLACKOUT_TYPE == "alertsite:index:Blackout"
    assert BLACKOUT.dynamic_type == BLACKOUT_TYPE == "pulumi-python:dynamic/alertsite:Blackout"
    assert BLACKOUT.required == ("assoc_id", "type") and BLACKOUT.id_output == "blackout_id"
    assert BLACKOUT not in RESOURCE_TYPES


def test_nothing_changed_is_no_change_whatever_the_offset_written() -> None:
    assert diff(stored(ONCE), {**ONCE, "from_date": "2027-01-15T12:00:00Z"}) == ([], [])
    assert diff(stored(WEEKLY), {**WEEKLY, "start_day": 6, "end_time": "7:00"}) == ([], [])


@pytest.mark.parametrize("change", [{"start_time": "19:00"}, {"end_day": "tuesday"}, {"note": "patching"},
                                    {"type": "Notifier", "assoc_id": "999"}])
def test_a_change_of_a_recurring_blackout_is_an_update(change: dict[str, Any]) -> None:
    changed, replaces = diff(stored(WEEKLY), {**WEEKLY, **change})
    assert changed and set(changed) <= set(change) and replaces == []


@pytest.mark.parametrize("change", [{"from_date": "2027-01-15T14:00:00+01:00"},
                                    {"thru_date": "2027-01-16T00:00:00+01:00"}])
def test_a_change_of_a_one_time_window_is_a_replacement(change: dict[str, Any]) -> None:
    changed, replaces = diff(stored(ONCE), {**ONCE, **change})
    assert replaces == list(change) == changed


def test_a_change_of_kind_is_a_replacement_both_ways() -> None:
    _, to_weekly = diff(stored(ONCE), {**WEEKLY, "assoc_id": ONCE["assoc_id"], "type": "Monitor"})
    assert set(to_weekly) == {"from_date", "thru_date"}
    _, to_once = diff(stored(WEEKLY), {**ONCE, "assoc_id": WEEKLY["assoc_id"], "type": "Notifier"})
    assert set(to_once) == {"from_date", "thru_date"}


def test_any_change_of_a_one_time_blackout_replaces_it_by_the_behaviours_rule() -> None:
    rules = behaviour()
    olds = stored(ONCE)
    changed, replaces_now = diff(olds, {**ONCE, "note": "other words"})
    assert changed == ["note"]
    # lifecycle.diff reads the declaration's list only: a note is no replacement there yet...
    assert replaces_now == []
    # ... the behaviour says it is (AlertSite PATCHes only recurring blackouts) ...
    assert rules.replaces(BLACKOUT.replace_on_change, olds, changed) == ["note"]
    assert rules.replaces(BLACKOUT.replace_on_change, stored(WEEKLY), ["note"]) == []
    # ... and until the diff asks it, the update is refused before any PATCH.
    guard = rules.guard_update(None, offline(), "77", olds, normalize_blackout_inputs(ONCE), changed)
    with pytest.raises(InvalidRequest, match="AlertSite changes only recurring blackouts"):
        guard.before()


def test_a_note_taken_out_is_a_change_sent_as_null() -> None:
    olds = stored({**WEEKLY, "note": "was"})
    changed, replaces = diff(olds, WEEKLY)
    assert (changed, replaces) == (["note"], [])
    assert behaviour().update_body(normalize_blackout_inputs(WEEKLY), changed) == {"note": None}


def test_the_patch_body_holds_the_changed_fields_in_alertsites_numbers() -> None:
    inputs = normalize_blackout_inputs({**WEEKLY, "end_day": "tuesday", "start_time": "9:30"})
    body = behaviour().update_body(inputs, ["end_day", "start_time"])
    assert body == {"end_day": 3, "start_time": "09:30"}


def test_the_create_body_writes_dates_in_the_zone_of_the_clients_settings() -> None:
    rules = behaviour()
    body = rules.to_api(normalize_blackout_inputs(ONCE))
    assert rules._api_body(offline("UTC"), body)["from_date"] == "2027-01-15 12:00:00"
    assert rules._api_body(offline("Asia/Tokyo"), body)["from_date"] == "2027-01-15 21:00:00"
    assert rules._api_body(offline(), body)["persistent"] is False


def test_a_window_that_began_is_refused_before_any_request() -> None:
    running = behaviour(now=datetime(2027, 1, 15, 12, 30, tzinfo=timezone.utc))
    with pytest.raises(InvalidRequest, match="from_date: the window began") as info:
        running.claim(None, offline(), normalize_blackout_inputs(ONCE))
    assert "Nothing was created" in str(info.value)


def test_the_check_refuses_an_ended_window_by_the_injected_clock() -> None:
    assert behaviour().validate(normalize_blackout_inputs(ONCE)) == []
    late = behaviour(now=NOW + timedelta(days=30))
    assert [name for name, _ in late.validate(normalize_blackout_inputs(ONCE))] == ["thru_date"]


def test_the_past_delete_message_says_why_and_what_is_left() -> None:
    live = {**stored(ONCE), "id": "77"}
    ended = past_delete_message("77", live)
    assert "has ended" in ended and "cannot delete a past one-time blackout" in ended and "77" in ended
    running = past_delete_message("77", live, running=True, said=["Record is in the past"])
    assert "NOT deleted" in running and ONCE["thru_date"] in running
    assert "AlertSite said: Record is in the past" in running
    assert describe(normalize_blackout_inputs(WEEKLY)) == (
        "Notifier blackout of 145632, friday 18:00 .. monday 07:00 weekly")


def test_same_object_is_told_by_its_object_type_and_window() -> None:
    rules = behaviour()
    state = stored(ONCE)
    live = {**state, "from_date": "2027-01-15T12:00:00+00:00", "note": "changed in the UI"}
    assert rules.same(live, state)
    assert not rules.same({**live, "assoc_id": "5"}, state)
    assert not rules.same({**live, "thru_date": "2027-01-15T15:31:00+01:00"}, state)


def test_import_keeps_an_ended_window_for_its_preview_to_explain() -> None:
    outputs = {**stored(ONCE), "blackout_id": "77"}
    assert behaviour().import_inputs(outputs, "b") == normalize_blackout_inputs(ONCE)
