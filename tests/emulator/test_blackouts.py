"""Blackouts (``/blackouts``, maintenance windows): create, get, list filters, patch (recurring
only), delete (not once begun), bulk edit, back-references, the account time zone, the
emulator's movable clock, roles, faults, persistence (contract ``alertsite-api-more.md`` §3).

How the monitor runner and the notifier honour them is at the end: the store and the runner
or notifier are driven directly, with the store's clock moved.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.alerts import AlertNotifier
from alertsite_pulumi.emulator.runner import MonitorRunner
from alertsite_pulumi.emulator.store import Store

from .helpers import NOT_FOUND_BODY, Api, field_errors

FORMAT = "%Y-%m-%d %H:%M:%S"
HOUR = 3600
FIELDS = {"assoc_id", "date_added", "end_day", "end_time", "from_date", "id", "login", "note",
          "persistent", "start_day", "start_time", "thru_date", "type"}


def _local_now(emulator: EmulatorControl) -> datetime:
    return datetime.strptime(emulator.clock()["local_now"], FORMAT)


def _window(emulator: EmulatorControl, start_h: float, hours: float = 1) -> tuple[str, str]:
    """A one-time window ``start_h`` hours from the emulator's now, ``hours`` long."""
    now = _local_now(emulator)
    begin = now + timedelta(hours=start_h)
    return begin.strftime(FORMAT), (begin + timedelta(hours=hours)).strftime(FORMAT)


def _one_time(emulator: EmulatorControl, assoc_id: int, start_h: float = 1, kind: str = "Monitor",
              **extra: Any) -> dict[str, Any]:
    begin, end = _window(emulator, start_h)
    return {"assoc_id": assoc_id, "type": kind, "from_date": begin, "thru_date": end, **extra}


def _recurring(assoc_id: int, kind: str = "Monitor", **extra: Any) -> dict[str, Any]:
    return {"assoc_id": assoc_id, "type": kind, "start_day": 2, "start_time": "16:08",
            "end_day": 2, "end_time": "16:10", **extra}


def _create(api: Api, body: dict[str, Any]) -> int:
    response = api.request("POST", "/blackouts", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == {"id"} and isinstance(created["id"], str) and created["id"].isdigit()
    return int(created["id"])


def _get(api: Api, blackout_id: int, **params: str) -> dict[str, Any]:
    response = api.request("GET", f"/blackouts/{blackout_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _list(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.request("GET", "/blackouts", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"metadata", "results"}
    results: list[dict[str, Any]] = body["results"]
    return results


def _fields_of(response: requests.Response) -> set[str]:
    return {name for fields, _ in field_errors(response) for name in fields}


# --- create and get -------------------------------------------------------------------------


def test_a_one_time_blackout_is_created_and_read_back_as_documented(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = int(api.create_id())
    body = _one_time(emulator, monitor_id, note="Scheduled maintenance")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    blackout_id = _create(api, body)
    got = _get(api, blackout_id)
    assert set(got) == FIELDS
    assert got["id"] == blackout_id and isinstance(got["id"], int)
    assert {k: got[k] for k in ("assoc_id", "type", "from_date", "thru_date", "note", "persistent")} == {
        **{k: body[k] for k in ("assoc_id", "type", "from_date", "thru_date", "note")}, "persistent": False}
    assert (got["start_day"], got["start_time"], got["end_day"], got["end_time"]) == (None,) * 4
    assert got["login"] == api.credentials[0]
    added = datetime.strptime(got["date_added"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= added <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_a_recurring_blackout_infers_persistent_and_select_keeps_fields(api: Api) -> None:
    recipient_id = api.create_recipient()
    blackout_id = _create(api, _recurring(recipient_id, "Notifier"))
    got = _get(api, blackout_id)
    assert (got["persistent"], got["from_date"], got["thru_date"], got["type"]) == \
        (True, None, None, "Notifier")
    assert (got["start_day"], got["start_time"], got["end_day"], got["end_time"]) == (2, "16:08", 2, "16:10")
    assert _get(api, blackout_id, select="id,type") == {"id": blackout_id, "type": "Notifier"}


def test_recipient_is_an_alias_of_notifier_unless_switched_off(emulator: EmulatorControl, api: Api) -> None:
    recipient_id = api.create_recipient()
    blackout_id = _create(api, _recurring(recipient_id, "Recipient"))
    assert _get(api, blackout_id)["type"] == "Notifier"
    emulator.update_settings(blackout_recipient_alias=False)
    refused = api.request("POST", "/blackouts", json=_recurring(recipient_id, "Recipient"))
    assert _fields_of(refused) == {"type"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": None}, "type"),
        ({"type": "Site"}, "type"),
        ({"assoc_id": None}, "assoc_id"),
        ({"assoc_id": "abc"}, "assoc_id"),
        ({"assoc_id": 1}, "assoc_id"),
        ({"from_date": "2030-01-01T10:00:00"}, "from_date"),
        ({"thru_date": None}, "thru_date"),
        ({"note": "x" * 256}, "note"),
        ({"start_day": 2, "persistent": False}, "start_day"),
        ({"persistent": "no"}, "persistent"),
    ],
)
def test_a_bad_one_time_create_is_400_naming_the_field_and_creates_nothing(
    emulator: EmulatorControl, api: Api, change: dict[str, Any], field: str
) -> None:
    monitor_id = int(api.create_id())
    body = {**_one_time(emulator, monitor_id), **change}
    response = api.request("POST", "/blackouts", json={k: v for k, v in body.items() if v is not None})
    assert field in _fields_of(response)
    assert _list(api) == []


def test_one_time_windows_must_be_ordered_and_in_the_future(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    begin, end = _window(emulator, 1)
    backwards = api.request("POST", "/blackouts", json={
        "assoc_id": monitor_id, "type": "Monitor", "from_date": end, "thru_date": begin})
    assert "thru_date" in _fields_of(backwards)
    past_begin, past_end = _window(emulator, -2)
    past = api.request("POST", "/blackouts", json={
        "assoc_id": monitor_id, "type": "Alert", "from_date": past_begin, "thru_date": past_end})
    assert _fields_of(past) == {"from_date", "thru_date"}
    assert all("future" in m for _, m in field_errors(past))
    assert _list(api) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_day": 0}, "start_day"),
        ({"end_day": 8}, "end_day"),
        ({"start_time": "24:00"}, "start_time"),
        ({"end_time": "4:10"}, "end_time"),
        ({"end_time": None}, "end_time"),
        ({"end_time": "16:08"}, "end_time"),
        ({"from_date": "2030-01-01 00:00:00"}, "from_date"),
    ],
)
def test_a_bad_recurring_create_is_400_naming_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    monitor_id = int(api.create_id())
    body = {**_recurring(monitor_id), **change}
    response = api.request("POST", "/blackouts", json={k: v for k, v in body.items() if v is not None})
    assert field in _fields_of(response)


def test_assoc_id_must_name_a_monitor_or_a_recipient_by_type(api: Api) -> None:
    monitor_id = int(api.create_id())
    recipient_id = api.create_recipient()
    for wrong in (_recurring(recipient_id, "Alert"), _recurring(monitor_id, "Notifier")):
        assert "assoc_id" in _fields_of(api.request("POST", "/blackouts", json=wrong))
    _create(api, _recurring(monitor_id, "Alert"))
    _create(api, _recurring(recipient_id, "Notifier"))


def test_a_window_may_wrap_the_week_unless_switched_off(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    friday_to_monday = _recurring(monitor_id, start_day=6, start_time="18:00", end_day=2, end_time="07:00")
    _create(api, friday_to_monday)
    emulator.update_settings(blackout_week_wrap=False)
    assert "end_day" in _fields_of(api.request("POST", "/blackouts", json=friday_to_monday))


# --- list -------------------------------------------------------------------------------------


def test_the_list_filters_by_type_assoc_id_and_persistent_and_pages(
    emulator: EmulatorControl, api: Api
) -> None:
    first, second = int(api.create_id()), int(api.create_id(name="second"))
    recipient_id = api.create_recipient()
    one_time = _create(api, _one_time(emulator, first))
    recurring = _create(api, _recurring(first, "Alert"))
    other = _create(api, _recurring(second))
    notifier = _create(api, _recurring(recipient_id, "Notifier"))
    assert [b["id"] for b in _list(api)] == [one_time, recurring, other, notifier]
    assert [b["id"] for b in _list(api, persistent="false")] == [one_time, recurring, other, notifier]
    assert [b["id"] for b in _list(api, persistent="true")] == [recurring, other, notifier]
    assert [b["id"] for b in _list(api, type="Monitor")] == [one_time, other]
    assert [b["id"] for b in _list(api, type="Notifier")] == [notifier]
    assert [b["id"] for b in _list(api, assoc_id=first)] == [one_time, recurring]
    assert [b["id"] for b in _list(api, assoc_id=first, type="Alert")] == [recurring]
    assert [b["id"] for b in _list(api, limit=2, offset=1)] == [recurring, other]
    assert _list(api, select="id", limit=1) == [{"id": one_time}]
    for bad in ({"type": "Site"}, {"persistent": "maybe"}, {"assoc_id": "x"}, {"limit": "0"}):
        assert api.request("GET", "/blackouts", params=bad).status_code == 400


# --- patch ------------------------------------------------------------------------------------


def test_patch_changes_a_recurring_blackout_and_takes_the_example_aliases(api: Api) -> None:
    monitor_id = int(api.create_id())
    blackout_id = _create(api, _recurring(monitor_id, note="weekly"))
    before = _get(api, blackout_id)
    aliases = {"from_time": "23:30", "thru_time": "23:55"}  # the PATCH example (B-EDIT)
    response = api.request("PATCH", f"/blackouts/{blackout_id}", json=aliases)
    assert response.status_code == 200 and response.json() == {"id": str(blackout_id)}
    after = _get(api, blackout_id)
    assert (after["start_time"], after["end_time"]) == ("23:30", "23:55")
    assert {k: v for k, v in after.items() if k not in ("start_time", "end_time")} == \
        {k: v for k, v in before.items() if k not in ("start_time", "end_time")}
    retyped = api.request("PATCH", f"/blackouts/{blackout_id}", json={"type": "Alert", "end_day": 3})
    assert retyped.status_code == 200
    assert (_get(api, blackout_id)["type"], _get(api, blackout_id)["end_day"]) == ("Alert", 3)
    bad = api.request("PATCH", f"/blackouts/{blackout_id}", json={"start_day": 9})
    assert _fields_of(bad) == {"start_day"}
    assert _get(api, blackout_id)["start_day"] == 2


def test_the_time_aliases_are_ignored_when_switched_off(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    blackout_id = _create(api, _recurring(monitor_id))
    emulator.update_settings(blackout_time_aliases=False)
    assert api.request("PATCH", f"/blackouts/{blackout_id}", json={"from_time": "23:30"}).status_code == 200
    assert _get(api, blackout_id)["start_time"] == "16:08"


def test_a_one_time_blackout_cannot_be_patched_unless_switched(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    blackout_id = _create(api, _one_time(emulator, monitor_id))
    refused = api.request("PATCH", f"/blackouts/{blackout_id}", json={"note": "moved"})
    assert refused.status_code == 400
    assert "Only recurring" in api.messages(refused)[0]
    assert _get(api, blackout_id)["note"] is None
    emulator.update_settings(blackout_patch_one_time="allow")
    assert api.request("PATCH", f"/blackouts/{blackout_id}", json={"note": "moved"}).status_code == 200
    assert _get(api, blackout_id)["note"] == "moved"


# --- delete and the clock -------------------------------------------------------------------


def test_delete_takes_recurring_and_future_one_time_but_not_begun_ones(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = int(api.create_id())
    recurring = _create(api, _recurring(monitor_id))
    future = _create(api, _one_time(emulator, monitor_id, start_h=5))
    soon = _create(api, _one_time(emulator, monitor_id, start_h=1))
    assert api.request("DELETE", f"/blackouts/{recurring}").status_code == 204
    assert api.request("DELETE", f"/blackouts/{future}").status_code == 204
    for gone in (recurring, future):
        missing = api.request("GET", f"/blackouts/{gone}")
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND_BODY)
    emulator.advance_clock(1.5 * HOUR)  # the window is running
    running = api.request("DELETE", f"/blackouts/{soon}")
    assert running.status_code == 400 and "cannot be deleted" in api.messages(running)[0]
    emulator.advance_clock(HOUR)  # and now past
    assert api.request("DELETE", f"/blackouts/{soon}").status_code == 400
    assert [b["id"] for b in _list(api)] == [soon]  # past ones are still listed
    assert api.request("DELETE", "/blackouts/999999999").status_code == 404


def test_the_clock_moves_forward_only_and_leaves_tokens_alone(emulator: EmulatorControl, api: Api) -> None:
    start = emulator.clock()
    assert start["offset_seconds"] == 0 and start["time_zone"] == "UTC"
    moved = emulator.advance_clock(2 * 86400)
    assert moved["offset_seconds"] == 2 * 86400
    shift = datetime.strptime(moved["now"], "%Y-%m-%dT%H:%M:%SZ") - \
        datetime.strptime(start["now"], "%Y-%m-%dT%H:%M:%SZ")
    assert timedelta(days=2) <= shift <= timedelta(days=2, seconds=5)
    assert api.request("GET", "/blackouts").status_code == 200  # the token still works
    for bad in ({"advance_seconds": -1}, {"advance_seconds": "10"}, {}):
        refused = requests.post(f"{emulator.base_url}/_emulator/clock", json=bad, timeout=5)
        assert refused.status_code == 400
    emulator.reset()
    assert emulator.clock()["offset_seconds"] == 0


def test_blackout_times_are_read_in_the_account_time_zone(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    utc_now = _local_now(emulator)
    emulator.update_settings(account_time_zone="Asia/Tokyo")  # UTC+9, no daylight saving
    assert _local_now(emulator) - utc_now >= timedelta(hours=9) - timedelta(seconds=5)
    # Two hours from now in UTC is seven hours ago in Tokyo: in the past there.
    begin = (utc_now + timedelta(hours=2)).strftime(FORMAT)
    end = (utc_now + timedelta(hours=3)).strftime(FORMAT)
    refused = api.request("POST", "/blackouts", json={
        "assoc_id": monitor_id, "type": "Monitor", "from_date": begin, "thru_date": end})
    assert _fields_of(refused) == {"from_date", "thru_date"}
    assert requests.patch(f"{emulator.base_url}/_emulator/settings",
                          json={"account_time_zone": "Mars/Olympus"}, timeout=5).status_code == 400


def test_the_control_surface_shows_the_active_blackouts(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    blackout_id = _create(api, _one_time(emulator, monitor_id, start_h=1))
    assert emulator.blackouts()["active"] == []
    emulator.advance_clock(1.5 * HOUR)
    assert [b["id"] for b in emulator.blackouts()["active"]] == [blackout_id]
    emulator.advance_clock(HOUR)
    assert emulator.blackouts()["active"] == []
    assert [b["id"] for b in emulator.blackouts()["blackouts"]] == [blackout_id]


# --- bulk edit --------------------------------------------------------------------------------


def test_bulk_edit_appends_and_replaces_monitor_blackouts(emulator: EmulatorControl, api: Api) -> None:
    first, second = int(api.create_id()), int(api.create_id(name="second"))
    begin, end = _window(emulator, 2)
    body: dict[str, Any] = {
        "monitors": [first, second],
        "update_one_time": True, "update_one_time_action": "append",
        "one_time_blackouts": [{"from_date": begin, "thru_date": end, "type": "Monitor", "note": "maint"}],
        "update_persistent": True, "update_persistent_action": "append",
        "persistent_blackouts": [{"start_day": 7, "start_time": "20:00", "end_day": 7,
                                  "end_time": "22:15", "type": "Monitor"}],
    }
    response = api.request("POST", "/blackouts/bulk-edit", json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["ids"]) == 4
    assert sorted((b["assoc_id"], b["persistent"]) for b in _list(api)) == \
        [(first, False), (first, True), (second, False), (second, True)]
    replace = {"monitors": [first], "update_persistent": True, "update_persistent_action": "update",
               "persistent_blackouts": [{"start_day": 1, "start_time": "01:00", "end_day": 1,
                                         "end_time": "02:00", "type": "Alert"}]}
    assert api.request("POST", "/blackouts/bulk-edit", json=replace).status_code == 200
    recurring_first = _list(api, assoc_id=first, persistent="true")
    assert [(b["type"], b["start_day"]) for b in recurring_first] == [("Alert", 1)]
    assert len(_list(api, assoc_id=first)) == 2 and len(_list(api, assoc_id=second)) == 2


def test_bulk_update_keeps_the_one_time_blackouts_that_have_begun(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = int(api.create_id())
    begun = _create(api, _one_time(emulator, monitor_id, start_h=1))
    future = _create(api, _one_time(emulator, monitor_id, start_h=5))
    emulator.advance_clock(1.5 * HOUR)
    begin, end = _window(emulator, 10)
    response = api.request("POST", "/blackouts/bulk-edit", json={
        "monitors": [monitor_id], "update_one_time": True, "update_one_time_action": "update",
        "one_time_blackouts": [{"from_date": begin, "thru_date": end, "type": "Alert"}]})
    assert response.status_code == 200, response.text
    (created,) = response.json()["ids"]
    assert [b["id"] for b in _list(api)] == [begun, int(created)]
    assert api.request("GET", f"/blackouts/{future}").status_code == 404


def test_bulk_edit_is_403_and_changes_nothing_when_a_monitor_is_unknown(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = int(api.create_id())
    window = {"start_day": 1, "start_time": "01:00", "end_day": 1, "end_time": "02:00"}
    body = {"monitors": [monitor_id, 999999999], "update_persistent": True, "persistent_blackouts": [window]}
    refused = api.request("POST", "/blackouts/bulk-edit", json=body)
    assert refused.status_code == 403 and "999999999" in api.messages(refused)[0]
    assert _list(api) == []
    bad = {**body, "monitors": [monitor_id], "persistent_blackouts": [window, {**window, "start_day": 0}]}
    refused = api.request("POST", "/blackouts/bulk-edit", json=bad)
    assert _fields_of(refused) == {"persistent_blackouts[1].start_day"}
    assert _list(api) == []


# --- back-references and cascades -----------------------------------------------------------


def test_monitors_and_recipients_list_their_blackout_ids(api: Api) -> None:
    monitor_id = api.create_id()
    recipient_id = api.create_recipient()
    assert api.monitor(monitor_id)["blackout_ids"] is None
    assert api.recipient(recipient_id)["blackout_ids"] is None
    kinds = [_create(api, _recurring(int(monitor_id), k)) for k in ("Monitor", "Alert")]
    notifier = _create(api, _recurring(recipient_id, "Notifier"))
    assert api.monitor(monitor_id)["blackout_ids"] == [str(k) for k in kinds]
    assert api.recipient(recipient_id)["blackout_ids"] == [str(notifier)]
    listed = api.list_monitors().json()["results"]
    assert listed[0]["blackout_ids"] == [str(k) for k in kinds]


def test_deleting_a_monitor_or_recipient_deletes_its_blackouts_unless_switched(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = api.create_id()
    recipient_id = api.create_recipient()
    _create(api, _recurring(int(monitor_id)))
    _create(api, _recurring(recipient_id, "Notifier"))
    assert api.delete(monitor_id).status_code == 204
    assert api.request("DELETE", f"/recipients/{recipient_id}").status_code == 204
    assert _list(api) == []
    emulator.update_settings(blackout_cascade="keep")
    kept_monitor = api.create_id()
    kept = _create(api, _recurring(int(kept_monitor)))
    assert api.delete(kept_monitor).status_code == 204
    assert [b["id"] for b in _list(api)] == [kept]


# --- roles, faults, persistence ---------------------------------------------------------------


def test_the_viewer_reads_but_cannot_write(api: Api, viewer: Api) -> None:
    monitor_id = int(api.create_id())
    blackout_id = _create(api, _recurring(monitor_id))
    for method, path, body in (("POST", "/blackouts", _recurring(monitor_id)),
                               ("PATCH", f"/blackouts/{blackout_id}", {"note": "x"}),
                               ("DELETE", f"/blackouts/{blackout_id}", None),
                               ("POST", "/blackouts/bulk-edit", {"monitors": [monitor_id]})):
        refused = viewer.request(method, path, json=body)
        assert refused.status_code == 403
        assert "blackouts" in viewer.messages(refused)[0]
    assert _get(viewer, blackout_id) == _get(api, blackout_id)
    assert len(_list(viewer)) == 1


def test_every_call_needs_a_token(emulator: EmulatorControl) -> None:
    for method, path in (("GET", "/blackouts"), ("POST", "/blackouts"), ("GET", "/blackouts/1"),
                         ("PATCH", "/blackouts/1"), ("DELETE", "/blackouts/1"),
                         ("POST", "/blackouts/bulk-edit")):
        assert requests.request(method, f"{emulator.api_url}{path}", json={}, timeout=5).status_code == 401


def test_the_counters_and_faults_know_the_blackout_endpoints(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    api.login()
    emulator.reset_requests()
    emulator.set_faults([{"endpoint": "blackout_create", "kind": "status", "status": 503, "count": 1},
                         {"endpoint": "blackout_list", "kind": "status", "status": 429, "retry_after": 3}])
    assert api.request("POST", "/blackouts", json=_recurring(monitor_id)).status_code == 503
    assert emulator.blackouts()["blackouts"] == []
    blackout_id = _create(api, _recurring(monitor_id))
    listed = api.request("GET", "/blackouts")
    assert (listed.status_code, listed.headers["Retry-After"]) == (429, "3")
    emulator.set_faults([{"endpoint": "blackout_delete", "kind": "commit_then_drop", "count": 1}])
    _get(api, blackout_id)
    assert api.request("PATCH", f"/blackouts/{blackout_id}", json={"note": "n"}).status_code == 200
    assert api.request("POST", "/blackouts/bulk-edit", json={"monitors": [monitor_id]}).status_code == 200
    with pytest.raises(requests.ConnectionError):
        api.request("DELETE", f"/blackouts/{blackout_id}")
    assert emulator.blackouts()["blackouts"] == []
    counts = emulator.requests()["by_endpoint"]
    names = ("blackout_create", "blackout_list", "blackout_get", "blackout_update", "blackout_delete",
             "blackout_bulk")
    assert [counts[n] for n in names] == [2, 1, 1, 1, 1, 1]


def test_blackouts_survive_a_restart_on_the_same_database(tmp_path: Path) -> None:
    db = str(tmp_path / "blackouts.db")
    with EmulatorServer(db=db) as server:
        api = Api(server.api_url)
        monitor_id = int(api.create_id())
        kept = _create(api, _recurring(monitor_id, note="kept"))
        dropped = _create(api, _one_time(server.control, monitor_id, start_h=3))
        assert api.request("DELETE", f"/blackouts/{dropped}").status_code == 204
        before = _get(api, kept)
        api.session.close()
    with EmulatorServer(db=db) as reopened:
        api = Api(reopened.api_url)
        assert _get(api, kept) == before
        assert api.request("GET", f"/blackouts/{dropped}").status_code == 404
        assert api.monitor(str(monitor_id))["blackout_ids"] == [str(kept)]
        assert _create(api, _recurring(monitor_id)) > dropped
        api.session.close()


# --- the runner and the notifier honour them ------------------------------------------------


def _store_with_blackout(kind: str, assoc: str = "monitor") -> tuple[Store, str, int, int]:
    """A store with one loopback monitor, one SMS recipient (recorded, never sent) and a one-time
    ``kind`` blackout starting in an hour (for the monitor, or the recipient)."""
    store = Store()
    monitor_id = store.seed_monitor({"name": "shop", "smtp_hostname": "smtp://127.0.0.1:1",
                                     "pop3_hostname": "pop3://127.0.0.1:1", "email": "rt@example.com",
                                     "timeout": 5})
    recipient_id = int(store.seed_recipient({"name": "sms", "method_id": 6, "recipient": "555"}))
    begin = store.local_now() + timedelta(hours=1)
    blackout_id = int(store.create_blackout({
        "assoc_id": int(monitor_id) if assoc == "monitor" else recipient_id, "type": kind,
        "from_date": begin.strftime(FORMAT), "thru_date": (begin + timedelta(hours=1)).strftime(FORMAT),
    }, "admin@example.com"))
    return store, monitor_id, recipient_id, blackout_id


def test_active_blackouts_follow_the_store_clock_and_recurring_windows_wrap() -> None:
    store, monitor_id, _, blackout_id = _store_with_blackout("Monitor")
    assert store.active_blackouts() == []
    store.advance_clock(1.5 * HOUR)
    assert [b["id"] for b in store.active_blackouts()] == [blackout_id]
    store.advance_clock(HOUR)
    assert store.active_blackouts() == []
    wrap = int(store.create_blackout({"assoc_id": int(monitor_id), "type": "Alert", "start_day": 6,
                                      "start_time": "18:00", "end_day": 2, "end_time": "07:00"}, None))
    sunday_noon = datetime(2030, 1, 6, 12, 0, tzinfo=timezone.utc)  # 2030-01-06 is a Sunday
    assert [b["id"] for b in store.active_blackouts(sunday_noon)] == [wrap]
    monday_0659 = sunday_noon + timedelta(hours=18, minutes=59)
    assert [b["id"] for b in store.active_blackouts(monday_0659)] == [wrap]
    assert store.active_blackouts(monday_0659 + timedelta(minutes=1)) == []  # the end minute is out
    assert [b["id"] for b in store.active_blackouts(sunday_noon - timedelta(hours=1, minutes=59))] == [wrap]
    assert store.active_blackouts(sunday_noon - timedelta(hours=42, minutes=1)) == []  # Friday 17:59


def test_a_monitor_blackout_skips_the_runs_and_records_nothing() -> None:
    store, monitor_id, _, _ = _store_with_blackout("Monitor")
    store.advance_clock(1.5 * HOUR)
    runner = MonitorRunner(store)
    try:
        runner.run_due()
        assert runner.snapshot()["running"] == []
        assert store.raw_monitor(monitor_id)["last_status"] is None
        store.advance_clock(HOUR)
        runner.run_due()
        assert runner.snapshot()["running"] == [monitor_id]
        for _ in range(200):  # the refused connection is recorded at once (bounded: 10 s)
            if store.raw_monitor(monitor_id)["last_status"] is not None:
                break
            time.sleep(0.05)
        assert store.raw_monitor(monitor_id)["last_status"]["code"] != "0"
    finally:
        runner.stop()


FAILED = {"code": "1", "description": "TCP connection failed"}
GREEN = {"code": "0", "description": "OK"}


def test_an_alert_blackout_runs_but_sends_no_alert_and_defers_the_clear() -> None:
    store, monitor_id, recipient_id, _ = _store_with_blackout("Alert")
    store.edit_recipient_raw(str(recipient_id), {"notify_on_clear": True})
    notifier = AlertNotifier(store)
    monitor = store.raw_monitor(monitor_id)
    assert [a.recipient_id for a in notifier.observe(monitor, FAILED)] == [recipient_id]
    store.advance_clock(1.5 * HOUR)
    assert notifier.observe(monitor, FAILED) == []
    assert notifier.observe(monitor, GREEN) == []  # no clear during the blackout
    store.advance_clock(HOUR)
    cleared = notifier.observe(monitor, GREEN)
    assert [(a.notify_type, a.recipient_id, a.errcount) for a in cleared] == [("clear", recipient_id, 2)]


def test_a_notifier_blackout_silences_that_recipient_only() -> None:
    store, monitor_id, silenced, _ = _store_with_blackout("Notifier", assoc="recipient")
    other = int(store.seed_recipient({"name": "sms 2", "method_id": 6, "recipient": "556"}))
    notifier = AlertNotifier(store)
    monitor = store.raw_monitor(monitor_id)
    store.advance_clock(1.5 * HOUR)
    assert [a.recipient_id for a in notifier.observe(monitor, FAILED)] == [other]
    store.advance_clock(HOUR)
    assert sorted(a.recipient_id for a in notifier.observe(monitor, FAILED)) == sorted([silenced, other])


def test_a_monitor_blackout_does_not_silence_alerts_of_a_run_made_anyway() -> None:
    # Monitor blackouts are the runner's: the notifier alerts for an outcome it is handed.
    store, monitor_id, recipient_id, _ = _store_with_blackout("Monitor")
    store.advance_clock(1.5 * HOUR)
    alerts = AlertNotifier(store).observe(store.raw_monitor(monitor_id), FAILED)
    assert [a.recipient_id for a in alerts] == [recipient_id]


def test_reset_drops_blackouts(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    _create(api, _recurring(monitor_id))
    emulator.reset()
    api.login()
    assert _list(api) == []
