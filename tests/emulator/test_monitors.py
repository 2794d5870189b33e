"""Round-trip email monitors: create, patch, get, select, list, delete, and how values
come back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from factories import valid_monitor

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import NOT_FOUND_BODY, Api


def test_create_answers_a_string_id_and_fills_account_defaults(api: Api) -> None:
    response = api.create()
    assert response.status_code == 200
    monitor_id = response.json()["id"]
    assert re.fullmatch(r"\d+", monitor_id)
    monitor = api.monitor(monitor_id)
    assert monitor["id"] == monitor_id
    assert monitor["type"] == "email-round-trip"
    assert monitor["access_type"] == "Edit"
    assert monitor["interval"] == "15"
    assert monitor["timeout"] == "300"
    assert monitor["enabled"] is True
    assert monitor["locations"] == [
        {"id": "10", "name": "Fort Lauderdale, FL"},
        {"id": "20", "name": "Boston, MA"},
    ]
    assert monitor["home_location"] == "10"
    assert monitor["mode"] == "Primary"
    assert monitor["allow_internal_testing"] is True
    assert monitor["note"] == ""
    assert monitor["alert_note"] == ""
    assert monitor["custom_properties"] == []
    assert monitor["email_username"] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", monitor["created"])
    assert monitor["last_status"] is None  # never run: no status, not an invented "0 OK"


def test_create_is_not_idempotent(api: Api) -> None:
    first, second = api.create_id(), api.create_id()
    assert first != second
    assert len(api.list_monitors().json()["results"]) == 2


def test_numbers_given_as_strings_are_accepted_and_stored_as_numbers(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id = api.create_id(
        interval="30", timeout="120", locations=[{"id": "30"}, {"id": 40}], home_location="40",
        enabled="false",
    )
    stored = emulator.monitor(monitor_id)
    assert stored["interval"] == 30
    assert stored["timeout"] == 120
    assert stored["locations"] == [{"id": 30}, {"id": 40}]
    assert stored["home_location"] == 40
    assert stored["enabled"] is False


def test_unknown_fields_are_kept_and_read_only_fields_ignored(api: Api) -> None:
    monitor_id = api.create_id(dashboard_group="mail", id="999", type="web")
    monitor = api.monitor(monitor_id)
    assert monitor["dashboard_group"] == "mail"
    assert monitor["id"] == monitor_id
    assert monitor["type"] == "email-round-trip"


def test_alert_note_is_cut_at_1000_characters_not_refused(api: Api) -> None:
    monitor_id = api.create_id(alert_note="x" * 1500)
    assert api.monitor(monitor_id)["alert_note"] == "x" * 1000


def test_note_of_256_characters_is_refused(api: Api) -> None:
    response = api.create(note="n" * 256)
    assert response.status_code == 400
    assert api.messages(response) == ["note: at most 255 characters (got 256)"]
    assert api.create(note="n" * 255).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"billing_plancode": None}, "billing_plancode"),
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"smtp_hostname": None}, "smtp_hostname"),
        ({"pop3_hostname": None}, "pop3_hostname"),
        ({"email": None}, "email"),
        ({"billing_plancode": "GOLD"}, "billing_plancode"),
        ({"smtp_hostname": "mail.example.com"}, "smtp_hostname"),
        ({"smtp_hostname": "pop3://mail.example.com"}, "smtp_hostname"),
        ({"smtp_hostname": "smtp://mail.example.com:70000"}, "smtp_hostname"),
        ({"smtp_hostname": "smtp://mail.example.com:0"}, "smtp_hostname"),
        ({"pop3_hostname": "smtps://mail.example.com"}, "pop3_hostname"),
        ({"pop3_hostname": "pop3://mail.example.com/path"}, "pop3_hostname"),
        ({"email": "not-an-address"}, "email"),
        ({"email": 42}, "email"),
        ({"interval": 7}, "interval"),
        ({"interval": "often"}, "interval"),
        ({"interval": 5}, "interval"),  # 300 s is not longer than the 300 s timeout
        ({"timeout": 0}, "timeout"),
        ({"timeout": 301}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"locations": []}, "locations"),
        ({"locations": [{"id": 99}]}, "locations"),
        ({"locations": [10]}, "locations"),
        ({"locations": [{"id": 10}, {"id": 10}]}, "locations"),
        ({"home_location": 99}, "home_location"),
        ({"mode": "Everywhere"}, "mode"),
        ({"mode": "Round Robin", "locations": [{"id": 10}]}, "mode"),
        ({"enabled": "yes"}, "enabled"),
        ({"allow_internal_testing": 1}, "allow_internal_testing"),
        ({"custom_properties": {"id": 1}}, "custom_properties"),
        ({"note": 5}, "note"),
        # The part before '@' is dot-separated atoms.
        ({"email": "a..b@example.com"}, "email"),
        ({"email": ".a@example.com"}, "email"),
        ({"email": "a.@example.com"}, "email"),
        # No control character but tab and line breaks, in any text, nested ones too.
        ({"name": "Mail\x00round trip"}, "name"),
        ({"note": "x\x01"}, "note"),
        ({"email_username": "rt\x7f"}, "email_username"),
        ({"email_password": "\x00secret"}, "email_password"),
        ({"custom_properties": [{"id": "1", "value": "v\x00"}]}, "custom_properties"),
    ],
)
def test_validation_names_the_field(api: Api, overrides: dict[str, Any], field: str) -> None:
    body = valid_monitor(**overrides)
    body = {k: v for k, v in body.items() if v is not None}
    response = api.request("POST", "/monitors/email-round-trip", json=body)
    assert response.status_code == 400
    messages = api.messages(response)
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{field}: ")


def test_text_keeps_tabs_and_line_breaks_and_names_no_control_character(api: Api) -> None:
    monitor_id = api.create_id(note="one\ttwo\r\nthree", email="first.last+rt@example.com")
    assert api.monitor(monitor_id)["note"] == "one\ttwo\r\nthree"
    response = api.create(email_password="p\x00ssword")
    assert api.messages(response) == ["email_password: holds a control character at character 2"]


def test_validation_lists_one_entry_per_problem(api: Api) -> None:
    response = api.request(
        "POST",
        "/monitors/email-round-trip",
        json={"name": "x", "interval": 7, "timeout": 0, "smtp_hostname": "x", "note": "n" * 300},
    )
    assert response.status_code == 400
    fields = sorted(m.split(":")[0] for m in api.messages(response))
    assert fields == sorted(
        ["billing_plancode", "pop3_hostname", "email", "smtp_hostname", "note", "interval", "timeout"]
    )


def test_interval_message_names_allowed_values(api: Api) -> None:
    message = api.messages(api.create(interval=7))[0]
    assert "5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440" in message


def test_all_modes_are_accepted(api: Api) -> None:
    for mode in ("Primary", "Global Notify", "Global Verify", "Round Robin", "SLA (MultiPOP)"):
        assert api.create(mode=mode).status_code == 200, mode


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    monitor_id = api.create_id(note="keep me", locations=[{"id": 10}, {"id": 20}, {"id": 30}])
    response = api.patch(monitor_id, {"name": "renamed", "locations": [{"id": 50}]})
    assert response.status_code == 200
    assert response.json() == {"id": monitor_id}
    monitor = api.monitor(monitor_id)
    assert monitor["name"] == "renamed"
    assert monitor["note"] == "keep me"
    assert monitor["locations"] == [{"id": "50", "name": "London, UK"}]


def test_patch_validates_the_merged_monitor(api: Api) -> None:
    monitor_id = api.create_id()
    response = api.patch(monitor_id, {"interval": 5})
    assert response.status_code == 400
    assert api.messages(response)[0].startswith("interval: ")
    assert api.patch(monitor_id, {"interval": 5, "timeout": 120}).status_code == 200
    assert api.monitor(monitor_id)["interval"] == "5"


def test_patch_keeps_the_password_and_created(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id(email_password="mailbox-secret")
    created = emulator.monitor(monitor_id)["created"]
    assert api.patch(monitor_id, {"name": "renamed"}).status_code == 200
    stored = emulator.monitor(monitor_id)
    assert emulator.password_matches(monitor_id, "mailbox-secret")
    assert stored["created"] == created


def test_patch_of_unknown_monitor_is_404(api: Api) -> None:
    response = api.patch("9999999", {"name": "x"})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY


def test_get_of_unknown_monitor_is_404(api: Api) -> None:
    for monitor_id in ("9999999", "abc"):
        response = api.get(monitor_id)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND_BODY


def test_select_returns_only_the_fields_asked(api: Api) -> None:
    monitor_id = api.create_id()
    assert api.monitor(monitor_id, select="name,interval") == {
        "name": "mail round trip",
        "interval": "15",
    }
    assert api.monitor(monitor_id, select="") == {}


def test_list_pages_by_limit_and_offset_in_id_order(emulator: EmulatorControl, api: Api) -> None:
    ids = [api.create_id(name=f"m{i}") for i in range(5)]
    results = api.list_monitors(type="email-round-trip").json()["results"]
    assert [m["id"] for m in results] == ids
    page = api.list_monitors(limit="2", offset="2", select="id").json()["results"]
    assert page == [{"id": ids[2]}, {"id": ids[3]}]
    assert api.list_monitors(offset="5").json()["results"] == []
    emulator.update_settings(default_limit=3, max_limit=4)
    assert len(api.list_monitors().json()["results"]) == 3
    assert len(api.list_monitors(limit="1000").json()["results"]) == 4


def test_list_filters_by_type(api: Api) -> None:
    api.create_id()
    assert len(api.list_monitors(type="web,email-round-trip").json()["results"]) == 1
    assert api.list_monitors(type="web").json()["results"] == []


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "ten"}, {"offset": "-1"}])
def test_list_refuses_bad_paging(api: Api, params: dict[str, str]) -> None:
    response = api.list_monitors(**params)
    assert response.status_code == 400
    assert api.messages(response)[0].startswith(next(iter(params)))


def test_delete_answers_204_then_404(api: Api) -> None:
    monitor_id = api.create_id()
    response = api.delete(monitor_id)
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(monitor_id).status_code == 404
    again = api.delete(monitor_id)
    assert again.status_code == 404
    assert again.json() == NOT_FOUND_BODY


def test_numbers_as_numbers_switch(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    emulator.update_settings(numbers_as_strings=False)
    monitor = api.monitor(monitor_id)
    assert monitor["interval"] == 15
    assert monitor["home_location"] == 10
    assert monitor["locations"][0] == {"id": 10, "name": "Fort Lauderdale, FL"}
    assert monitor["id"] == monitor_id  # ids stay strings


def test_booleans_as_strings_switch(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id(enabled=False)
    emulator.update_settings(booleans_as_strings=True)
    monitor = api.monitor(monitor_id)
    assert monitor["enabled"] == "false"
    assert monitor["allow_internal_testing"] == "true"
    # what was read back can be written back
    assert api.patch(monitor_id, {"enabled": monitor["allow_internal_testing"]}).status_code == 200
    assert api.monitor(monitor_id)["enabled"] == "true"


def test_password_is_omitted_or_masked_but_stored(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id(email_password="mailbox-secret")
    assert "email_password" not in api.monitor(monitor_id)
    assert "mailbox-secret" not in api.list_monitors().text
    emulator.update_settings(password_in_get="mask")
    assert api.monitor(monitor_id)["email_password"] == "********"
    assert emulator.password_matches(monitor_id, "mailbox-secret")


def test_create_status_and_bare_list_switches(emulator: EmulatorControl, api: Api) -> None:
    emulator.update_settings(create_status=201, list_envelope="bare")
    response = api.create()
    assert response.status_code == 201
    listed = api.list_monitors().json()
    assert isinstance(listed, list)
    assert listed[0]["id"] == response.json()["id"]


def test_configured_plans_and_locations(emulator: EmulatorControl, api: Api) -> None:
    emulator.update_settings(
        plan_codes=["GOLD"],
        locations=[{"id": 7, "name": "Paris"}, {"id": 8, "name": "Rome"}],
        default_locations=[8],
    )
    assert api.create().status_code == 400
    monitor = api.monitor(api.create_id(billing_plancode="GOLD"))
    assert monitor["locations"] == [{"id": "8", "name": "Rome"}]
    assert monitor["home_location"] == "8"
