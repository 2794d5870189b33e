"""The control surface under /_emulator: reset, settings, out-of-band edits, counters."""

from __future__ import annotations

import requests

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.emulator.api_handlers import ALERTSITE_ROUTES

from .helpers import NOT_FOUND_BODY, Api


def test_health(emulator: EmulatorControl) -> None:
    assert emulator.health()["status"] == "ok"


def test_out_of_band_edit_is_seen_by_get(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    edited = emulator.edit_monitor(monitor_id, name="renamed in the UI", interval=60, note=None)
    assert edited["name"] == "renamed in the UI"
    assert "note" not in edited
    monitor = api.monitor(monitor_id)
    assert monitor["name"] == "renamed in the UI"
    assert monitor["interval"] == "60"
    assert "note" not in monitor


def test_out_of_band_delete(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    emulator.delete_monitor(monitor_id)
    assert api.get(monitor_id).json() == NOT_FOUND_BODY
    response = requests.delete(f"{emulator.base_url}/_emulator/monitors/{monitor_id}", timeout=5)
    assert response.status_code == 404


def test_seed_monitor_is_listed_with_defaults(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = emulator.seed_monitor({"name": "pre-existing", "email": "old@example.com"})
    monitor = api.monitor(monitor_id)
    assert monitor["name"] == "pre-existing"
    assert monitor["interval"] == "15"
    assert [m["id"] for m in emulator.monitors()] == [monitor_id]


def test_request_counters(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    assert api.token is not None
    monitor_id = api.create_id()
    api.get(monitor_id)
    api.list_monitors()
    api.request("GET", "/report-sitestatus")
    api.patch(monitor_id, {"name": "x"})
    api.delete(monitor_id)
    api.request("GET", "/nowhere")
    emulator.monitors()  # the control surface is not counted
    counts = emulator.requests()
    assert counts["total"] == 8
    by_endpoint = counts["by_endpoint"]
    assert {name: n for name, n in by_endpoint.items() if n} == {
        "login": 1, "create": 1, "update": 1, "get": 1, "list": 1, "delete": 1, "report": 1,
        "other": 1,
    }
    assert by_endpoint["recipient_create"] == 0 and by_endpoint["group_list"] == 0
    assert counts["by_token"] == {api.token[:6] + "\u2026": 7}
    assert counts["by_method_path"]["GET /api/v3/monitors/{id}"] == 1
    assert counts["by_method_path"]["PATCH /api/v3/monitors/email-round-trip/{id}"] == 1
    emulator.reset_requests()
    assert emulator.requests()["total"] == 0


def test_reset_restores_startup_state_and_ids_keep_counting(
    emulator: EmulatorControl, api: Api
) -> None:
    old_id = api.create_id()
    emulator.update_settings(numbers_as_strings=False)
    emulator.add_user("temp@example.com", "temp-password")
    emulator.reset()
    assert emulator.monitors() == []
    assert emulator.settings()["numbers_as_strings"] is True
    assert "temp@example.com" not in [u["email"] for u in emulator.users()]
    assert emulator.requests()["total"] == 0
    assert api.list_monitors().status_code == 401  # tokens are gone too
    api.login()
    assert int(api.create_id()) > int(old_id)


def test_settings_refuse_bad_values(emulator: EmulatorControl) -> None:
    response = requests.patch(
        f"{emulator.base_url}/_emulator/settings",
        json={"password_in_get": "show", "create_status": 202, "colour": "red"},
        timeout=5,
    )
    assert response.status_code == 400
    messages = " ".join(e["message"] for e in response.json()["errors"])
    for key in ("password_in_get", "create_status", "colour"):
        assert key in messages
    assert emulator.settings()["password_in_get"] == "omit"


def test_settings_round_trip(emulator: EmulatorControl) -> None:
    updated = emulator.update_settings(token_lifetime_s=60, default_limit=10)
    assert updated["token_lifetime_s"] == 60
    assert emulator.settings()["default_limit"] == 10


def test_openapi_is_served_with_the_prefix(emulator: EmulatorControl) -> None:
    spec = emulator.openapi()
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "/api/v3"}]
    described = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    # Every route is described, and nothing is described that is not served.
    assert described == {(r.method, r.template) for r in ALERTSITE_ROUTES}
    assert {"/recipients/{id}", "/notifier-groups", "/monitors/{id}"} <= set(spec["paths"])


def test_unknown_control_path_is_404_json(emulator: EmulatorControl) -> None:
    response = requests.get(f"{emulator.base_url}/_emulator/nothing", timeout=5)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 404


def test_no_control_answer_shows_a_mailbox_password(emulator: EmulatorControl, api: Api) -> None:
    created = api.create_id(email_password="mailbox-secret-1")
    seeded = emulator.seed_monitor({"name": "seeded", "email": "old@example.com",
                                    "email_password": "mailbox-secret-2", "api_token": "tok-secret-3"})
    unset = emulator.seed_monitor({"name": "no password", "email": "none@example.com"})
    edited = emulator.edit_monitor(created, email_password="mailbox-secret-4")

    answers = [edited, emulator.monitor(created), emulator.monitor(seeded), *emulator.monitors()]
    for path in ("/monitors", f"/monitors/{created}", f"/monitors/{seeded}"):
        answers.append(requests.get(f"{emulator.base_url}/_emulator{path}", timeout=5).json())
    text = repr(answers)
    for secret in ("mailbox-secret-1", "mailbox-secret-2", "tok-secret-3", "mailbox-secret-4"):
        assert secret not in text
    assert edited["email_password"] == "[secret]"
    assert emulator.monitor(seeded)["api_token"] == "[secret]"
    assert "email_password" not in emulator.monitor(unset)  # none set: nothing to mask


def test_a_password_can_be_checked_not_read(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id(email_password="mailbox-secret-5")
    unset = emulator.seed_monitor({"name": "no password", "email": "none@example.com"})

    assert emulator.password_matches(monitor_id, "mailbox-secret-5")
    assert not emulator.password_matches(monitor_id, "mailbox-secret-")
    assert not emulator.password_matches(unset, "")
    emulator.edit_monitor(monitor_id, email_password="rotated")
    assert emulator.password_matches(monitor_id, "rotated")
    url = f"{emulator.base_url}/_emulator/monitors/{monitor_id}/password-check"
    refused = requests.post(url, json={"email_password": 5}, timeout=5)
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == 400
    gone = requests.post(f"{emulator.base_url}/_emulator/monitors/999999999/password-check",
                         json={"email_password": "x"}, timeout=5)
    assert gone.json() == NOT_FOUND_BODY
