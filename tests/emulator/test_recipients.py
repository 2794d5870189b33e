"""Alert recipients (``/recipients``): create, get, patch, delete, list, the write-only
password, validation, roles, back-references, persistence and faults (contract
``alertsite-api-more.md`` §0-1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.store import Store

from .helpers import NOT_FOUND_BODY, REQUIRED, Api, field_errors, valid_recipient

PASSWORD = "webhook-basic-auth-pw"
ENVELOPE_KEYS = {"metadata", "results"}


def _list(api: Api, **params: Any) -> dict[str, Any]:
    response = api.request("GET", "/recipients", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    return body


def test_create_answers_a_string_id_and_get_shows_the_documented_defaults(api: Api) -> None:
    response = api.request("POST", "/recipients", json={"name": "DevOps", "recipient": "ops@example.com"})
    assert response.status_code == 200
    assert response.json() == {"id": response.json()["id"]}
    assert response.json()["id"].isdigit()
    recipient_id = int(response.json()["id"])
    assert api.recipient(recipient_id) == {
        "id": recipient_id,
        "name": "DevOps",
        "recipient": "ops@example.com",
        "method_id": 12,
        "method_description": "E-mail (HTML format)",
        "username": None,
        "password": None,
        "availability_alert": True,
        "performance_alert": False,
        "notify_on_clear": False,
        "attach_screen_capture": False,
        "attach_server_response": False,
        "repeat_performance_alerts": False,
        "remote_commands": False,
        "start_threshold": 1,
        "stop_threshold": 10,
        "performance_alert_type": "20",
        "notifier_groups": None,
        "blackout_ids": None,
    }


def test_the_documented_create_examples_are_accepted(api: Api) -> None:
    email_id = api.create_recipient(name="DevOps", method_id=12, recipient="devops@example.com",
                                    availability_alert=True, notify_on_clear=True, performance_alert=True)
    email = api.recipient(email_id)
    assert (email["notify_on_clear"], email["performance_alert"]) == (True, True)
    hook_id = api.create_recipient(name="HTTP POST to server", method_id=16,
                                   recipient="https://mycompany.com/webhook/accept", username="",
                                   password="", availability_alert=True, notify_on_clear=True)
    hook = api.recipient(hook_id)
    assert hook["method_description"] == "POST JSON request to web server"
    assert hook["username"] == "" and hook["password"] is None


@pytest.mark.parametrize(("method_id", "recipient"), [
    (1, "text@example.com"),
    (4, "5551234567@vtext.example.com"),
    (10, "http://hooks.example.com:8080/alertsite?x=1"),
    (16, "https://hooks.slack.com/services/T000/B000/XXXX"),
    (6, "+15551234567"),
    (8, "snmp.example.com"),
    (15, "splunk-token"),
    (17, "instance.service-now.example.com"),
])
def test_each_method_takes_its_kind_of_recipient(api: Api, method_id: int, recipient: str) -> None:
    recipient_id = api.create_recipient(method_id=method_id, recipient=recipient)
    stored = api.recipient(recipient_id)
    assert (stored["method_id"], stored["recipient"]) == (method_id, recipient)
    assert stored["method_description"]


def test_the_password_is_write_only_everywhere(emulator: EmulatorControl, api: Api) -> None:
    recipient_id = api.create_recipient(method_id=16, recipient="https://hooks.example.com/a",
                                        username="alertsite", password=PASSWORD)
    get = api.request("GET", f"/recipients/{recipient_id}")
    listed = api.request("GET", "/recipients")
    assert get.json()["password"] is None and get.json()["username"] == "alertsite"
    assert listed.json()["results"][0]["password"] is None
    raw = emulator.recipient(recipient_id)
    assert raw["password"] == "[secret]"
    assert emulator.recipients()[0]["password"] == "[secret]"
    for answer in (get.text, listed.text, str(raw), str(emulator.recipients())):
        assert PASSWORD not in answer
    assert emulator.recipient_password_matches(recipient_id, PASSWORD)
    assert not emulator.recipient_password_matches(recipient_id, "another")
    # A patch that leaves the password out keeps it; a null clears it.
    assert api.request("PATCH", f"/recipients/{recipient_id}", json={"name": "x"}).status_code == 200
    assert emulator.recipient_password_matches(recipient_id, PASSWORD)
    assert api.request("PATCH", f"/recipients/{recipient_id}", json={"password": None}).status_code == 200
    assert not emulator.recipient_password_matches(recipient_id, PASSWORD)
    assert emulator.recipient(recipient_id)["password"] is None


def test_patch_changes_only_what_it_sends_and_answers_the_string_id(api: Api) -> None:
    recipient_id = api.create_recipient(notify_on_clear=True)
    before = api.recipient(recipient_id)
    response = api.request("PATCH", f"/recipients/{recipient_id}", json={"recipient": "new@example.com"})
    assert response.status_code == 200 and response.json() == {"id": str(recipient_id)}
    assert api.recipient(recipient_id) == {**before, "recipient": "new@example.com"}
    disable = {"availability_alert": False, "performance_alert": False}
    assert api.request("PATCH", f"/recipients/{recipient_id}", json=disable).status_code == 200
    enable = {"performance_alert": True, "performance_alert_type": "20", "repeat_performance_alerts": True}
    assert api.request("PATCH", f"/recipients/{recipient_id}", json=enable).status_code == 200
    after = api.recipient(recipient_id)
    assert (after["availability_alert"], after["performance_alert"], after["repeat_performance_alerts"]) \
        == (False, True, True)
    assert after["notify_on_clear"] is True and after["recipient"] == "new@example.com"


def test_patch_ignores_read_only_fields(api: Api) -> None:
    recipient_id = api.create_recipient()
    before = api.recipient(recipient_id)
    body = {**before, "id": 1, "method_description": "Pager", "notifier_groups": ["5"], "blackout_ids": ["6"],
            "name": "renamed"}
    assert api.request("PATCH", f"/recipients/{recipient_id}", json=body).status_code == 200
    assert api.recipient(recipient_id) == {**before, "name": "renamed"}


def test_delete_answers_204_and_then_every_call_is_404(api: Api) -> None:
    recipient_id = api.create_recipient()
    deleted = api.request("DELETE", f"/recipients/{recipient_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    for method in ("GET", "DELETE"):
        gone = api.request(method, f"/recipients/{recipient_id}")
        assert (gone.status_code, gone.json()) == (404, NOT_FOUND_BODY)
    patched = api.request("PATCH", f"/recipients/{recipient_id}", json={"name": "x"})
    assert (patched.status_code, patched.json()) == (404, NOT_FOUND_BODY)


@pytest.mark.parametrize("bad_id", ["999999999", "abc", "-1", "1" * 40])
def test_unknown_ids_are_record_not_found(api: Api, bad_id: str) -> None:
    response = api.request("GET", f"/recipients/{bad_id}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND_BODY)


def test_a_monitor_id_is_not_a_recipient_id(api: Api) -> None:
    monitor_id = api.create_id()
    response = api.request("GET", f"/recipients/{monitor_id}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND_BODY)


def test_the_list_envelope_and_paging(emulator: EmulatorControl, api: Api) -> None:
    ids = [api.create_recipient(i) for i in range(3)]
    body = _list(api)
    assert body["metadata"] == {"__permissions": {"acl": 7},
                                "resultset": {"count": 3, "limit": None, "offset": "0"}}
    assert [r["id"] for r in body["results"]] == ids
    assert all(isinstance(r["id"], int) and r["password"] is None for r in body["results"])
    first = _list(api, limit=2)
    assert [r["id"] for r in first["results"]] == ids[:2]
    assert first["metadata"]["resultset"] == {"count": 3, "limit": 2, "offset": "0"}
    rest = _list(api, limit=2, offset=2)
    assert [r["id"] for r in rest["results"]] == ids[2:]
    assert rest["metadata"]["resultset"] == {"count": 3, "limit": 2, "offset": "2"}
    assert _list(api, offset=5)["results"] == []
    emulator.update_settings(list_count="page")
    assert _list(api, limit=2, offset=2)["metadata"]["resultset"]["count"] == 1


def test_the_list_filters_by_type_and_method(api: Api) -> None:
    availability = api.create_recipient(0, performance_alert=False)
    both = api.create_recipient(1, performance_alert=True, method_id=1)
    performance = api.create_recipient(2, availability_alert=False, performance_alert=True)

    def ids(**params: Any) -> list[int]:
        return [r["id"] for r in _list(api, **params)["results"]]

    assert ids(type="Availability") == [availability, both]
    assert ids(type="Performance") == [both, performance]
    assert ids(method_id=1) == [both]
    assert ids(method_id=12, type="Performance") == [performance]
    assert ids(method_id=16) == []
    assert _list(api, type="Performance")["metadata"]["resultset"]["count"] == 2


@pytest.mark.parametrize("params", [{"type": "availability"}, {"type": "Both"}, {"method_id": "x"},
                                    {"limit": "0"}, {"offset": "-1"}])
def test_bad_list_parameters_are_400(api: Api, params: dict[str, str]) -> None:
    response = api.request("GET", "/recipients", params=params)
    assert response.status_code == 400
    assert next(iter(params)) in api.messages(response)[0]


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({"method_id": 7}, "method_id", "7 is not a delivery method"),
    ({"method_id": 13}, "method_id", "13 is not a delivery method"),
    ({"method_id": 99}, "method_id", "99 is not a delivery method"),
    ({"method_id": "12"}, "method_id", "must be an integer"),
    ({"method_id": True}, "method_id", "must be an integer"),
    ({"method_id": 14}, "method_id", "cannot be created through the API"),
    ({"recipient": "not-an-address"}, "recipient", "is not an email address"),
    ({"method_id": 1, "recipient": "ops@"}, "recipient", "is not an email address"),
    ({"method_id": 4, "recipient": "5551234567"}, "recipient", "is not an email address"),
    ({"method_id": 16, "recipient": "ftp://hooks.example.com/a"}, "recipient", "http:// or https:// URL"),
    ({"method_id": 10, "recipient": "hooks.example.com/a"}, "recipient", "http:// or https:// URL"),
    ({"method_id": 16, "recipient": "https://hooks.example.com:70000/a"}, "recipient", "URL"),
    ({"method_id": 6, "recipient": ""}, "recipient", REQUIRED),
    ({"recipient": None}, "recipient", REQUIRED),
    ({"recipient": 5}, "recipient", "must be a string"),
    ({"name": None}, "name", REQUIRED),
    ({"name": "  "}, "name", REQUIRED),
    ({"name": ["DevOps"]}, "name", "must be a string"),
    ({"availability_alert": "yes"}, "availability_alert", "must be true or false"),
    ({"notify_on_clear": 1}, "notify_on_clear", "must be true or false"),
    ({"start_threshold": 0}, "start_threshold", "at least 1"),
    ({"stop_threshold": "10"}, "stop_threshold", "must be an integer"),
    ({"performance_alert_type": 20}, "performance_alert_type", "string of digits"),
    ({"username": 5}, "username", "must be a string or null"),
    ({"password": ["x"]}, "password", "must be a string or null"),
])
def test_a_bad_create_is_400_naming_the_field_and_creates_nothing(
    emulator: EmulatorControl, api: Api, changes: dict[str, Any], field: str, fragment: str
) -> None:
    body = {k: v for k, v in {**valid_recipient(), **changes}.items() if v is not None}
    errors = field_errors(api.request("POST", "/recipients", json=body))
    assert [fields for fields, _ in errors] == [[field]]
    assert fragment in errors[0][1]
    assert emulator.recipients() == []


def test_every_problem_is_its_own_entry(api: Api) -> None:
    body = {"method_id": 7, "recipient": "", "start_threshold": -1}
    errors = field_errors(api.request("POST", "/recipients", json=body))
    assert sorted(f[0] for f, _ in errors) == ["method_id", "name", "recipient", "start_threshold"]


def test_a_bad_patch_is_400_and_changes_nothing(api: Api) -> None:
    recipient_id = api.create_recipient()
    before = api.recipient(recipient_id)
    errors = field_errors(api.request("PATCH", f"/recipients/{recipient_id}", json={"method_id": 16}))
    assert errors[0][0] == ["recipient"]  # an email address is not a URL for a webhook
    errors = field_errors(api.request("PATCH", f"/recipients/{recipient_id}", json={"name": ""}))
    assert errors == [(["name"], REQUIRED)]
    assert api.recipient(recipient_id) == before


def test_pagerduty_cannot_be_made_through_the_api_but_a_seeded_one_can_be_patched(
    emulator: EmulatorControl, api: Api
) -> None:
    recipient_id = api.create_recipient()
    refused = field_errors(api.request("PATCH", f"/recipients/{recipient_id}", json={"method_id": 14}))
    assert refused[0][0] == ["method_id"] and "PagerDuty" in refused[0][1]
    seeded = emulator.seed_recipient({"name": "PD", "method_id": 14, "recipient": "pd-service-key"})
    assert api.recipient(seeded)["method_description"] == "PagerDuty"
    patched = api.request("PATCH", f"/recipients/{seeded}", json={"method_id": 14, "notify_on_clear": True})
    assert patched.status_code == 200, patched.text
    assert api.recipient(seeded)["notify_on_clear"] is True


def test_method_id_defaults_to_12_or_is_required_by_switch(emulator: EmulatorControl, api: Api) -> None:
    assert api.recipient(api.create_recipient())["method_id"] == 12
    emulator.update_settings(recipient_method_id="required")
    errors = field_errors(api.request("POST", "/recipients", json=valid_recipient()))
    assert errors == [(["method_id"], REQUIRED)]
    assert api.recipient(api.create_recipient(method_id=1))["method_id"] == 1
    recipient_id = api.create_recipient(method_id=12)
    # A patch need not repeat it.
    assert api.request("PATCH", f"/recipients/{recipient_id}", json={"name": "x"}).status_code == 200
    bad = requests.patch(f"{emulator.base_url}/_emulator/settings",
                         json={"recipient_method_id": "sometimes"}, timeout=5)
    assert bad.status_code == 400 and "recipient_method_id" in bad.text


def test_unknown_fields_are_kept(api: Api) -> None:
    recipient_id = api.create_recipient(future_field={"a": 1})
    assert api.recipient(recipient_id)["future_field"] == {"a": 1}


def test_the_viewer_reads_but_cannot_write(api: Api, viewer: Api) -> None:
    recipient_id = api.create_recipient()
    for method, path, body in (("POST", "/recipients", valid_recipient(1)),
                               ("PATCH", f"/recipients/{recipient_id}", {"name": "x"}),
                               ("DELETE", f"/recipients/{recipient_id}", None)):
        refused = viewer.request(method, path, json=body)
        assert refused.status_code == 403
        assert "recipients" in viewer.messages(refused)[0]
    assert viewer.recipient(recipient_id) == api.recipient(recipient_id)
    assert viewer.request("GET", "/recipients").json()["metadata"]["resultset"]["count"] == 1


def test_every_call_needs_a_token(emulator: EmulatorControl) -> None:
    for method, path in (("GET", "/recipients"), ("POST", "/recipients"), ("GET", "/recipients/1"),
                         ("PATCH", "/recipients/1"), ("DELETE", "/recipients/1")):
        response = requests.request(method, f"{emulator.api_url}{path}", json={}, timeout=5)
        assert response.status_code == 401, (method, path)


def test_notifier_groups_lists_the_groups_holding_the_recipient(api: Api) -> None:
    monitor_id = int(api.create_id())
    recipient_id = api.create_recipient()
    other = api.create_recipient(1)
    first = api.create_group([monitor_id], [recipient_id])
    second = api.create_group([monitor_id], [other, recipient_id])
    assert api.recipient(recipient_id)["notifier_groups"] == [str(first), str(second)]
    assert api.recipient(other)["notifier_groups"] == [str(second)]
    listed = {r["id"]: r["notifier_groups"] for r in _list(api)["results"]}
    assert listed == {recipient_id: [str(first), str(second)], other: [str(second)]}
    assert api.request("DELETE", f"/notifier-groups/{first}").status_code == 204
    assert api.recipient(recipient_id)["notifier_groups"] == [str(second)]
    assert api.request("DELETE", f"/notifier-groups/{second}").status_code == 204
    assert api.recipient(recipient_id)["notifier_groups"] is None


def test_ids_come_from_the_one_counter_and_are_never_reused(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    recipient_id = api.create_recipient()
    assert recipient_id > monitor_id
    assert api.request("DELETE", f"/recipients/{recipient_id}").status_code == 204
    emulator.reset()
    api.login()
    assert api.create_recipient() > recipient_id


def test_recipients_survive_a_restart_on_the_same_database(tmp_path: Path) -> None:
    db = str(tmp_path / "recipients.db")
    with EmulatorServer(db=db) as server:
        api = Api(server.api_url)
        kept = api.create_recipient(method_id=16, recipient="https://hooks.example.com/k",
                                    username="u", password=PASSWORD)
        dropped = api.create_recipient(1)
        assert api.request("DELETE", f"/recipients/{dropped}").status_code == 204
        before = api.recipient(kept)
        api.session.close()
    with EmulatorServer(db=db) as reopened:
        api = Api(reopened.api_url)
        assert api.recipient(kept) == before
        assert api.request("GET", f"/recipients/{dropped}").status_code == 404
        control = reopened.control
        assert control.recipient_password_matches(kept, PASSWORD)
        assert api.create_recipient(2) > dropped
        api.session.close()


def test_raw_recipients_give_the_runner_the_canonical_records() -> None:
    store = Store()
    try:
        recipient_id = store.create_recipient(valid_recipient(method_id=16, recipient="https://h.example.com/",
                                                              username="u", password=PASSWORD))
        raw = store.raw_recipients()
        assert len(raw) == 1
        expected = {"id": int(recipient_id), "name": "DevOps", "method_id": 16,
                    "recipient": "https://h.example.com/", "username": "u", "password": PASSWORD,
                    "availability_alert": True, "performance_alert": False, "notify_on_clear": False,
                    "start_threshold": 1, "stop_threshold": 10}
        assert {k: raw[0][k] for k in expected} == expected
        raw[0]["name"] = "changed here"  # a copy: the store is not changed through it
        assert store.raw_recipients()[0]["name"] == "DevOps"
        store.reset()
        assert store.raw_recipients() == []
    finally:
        store.close()


def test_the_control_surface_edits_seeds_and_deletes_out_of_band(
    emulator: EmulatorControl, api: Api
) -> None:
    recipient_id = api.create_recipient(password=PASSWORD)
    edited = emulator.edit_recipient(recipient_id, recipient="not an address", start_threshold=None)
    assert edited["recipient"] == "not an address" and "start_threshold" not in edited
    assert edited["password"] == "[secret]" and edited["id"] == recipient_id
    assert api.recipient(recipient_id)["recipient"] == "not an address"  # nothing was checked
    seeded = int(emulator.seed_recipient({"name": "seeded", "recipient": "s@example.com"}))
    assert api.recipient(seeded)["start_threshold"] == 1
    emulator.delete_recipient(seeded)
    assert api.request("GET", f"/recipients/{seeded}").status_code == 404
    with pytest.raises(requests.HTTPError):
        emulator.recipient(seeded)
    assert [r["id"] for r in emulator.recipients()] == [recipient_id]


def test_reset_drops_recipients(emulator: EmulatorControl, api: Api) -> None:
    api.create_recipient()
    emulator.reset()
    assert emulator.recipients() == []
    api.login()
    assert _list(api)["results"] == []


def test_the_counters_and_faults_know_the_recipient_endpoints(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "recipient_create", "kind": "status", "status": 503, "count": 1},
                         {"endpoint": "recipient_list", "kind": "status", "status": 429, "retry_after": 3}])
    failed = api.request("POST", "/recipients", json=valid_recipient())
    assert failed.status_code == 503 and emulator.recipients() == []
    recipient_id = api.create_recipient()
    listed = api.request("GET", "/recipients")
    assert (listed.status_code, listed.headers["Retry-After"]) == (429, "3")
    assert api.recipient(recipient_id)["id"] == recipient_id
    emulator.set_faults([{"endpoint": "recipient_delete", "kind": "commit_then_drop", "count": 1},
                         {"endpoint": "recipient_update", "kind": "commit_then_garble", "count": 1}])
    garbled = api.request("PATCH", f"/recipients/{recipient_id}", json={"name": "renamed"})
    assert garbled.status_code == 200 and garbled.headers["Content-Type"].startswith("text/html")
    assert api.recipient(recipient_id)["name"] == "renamed"
    with pytest.raises(requests.ConnectionError):
        api.request("DELETE", f"/recipients/{recipient_id}")
    assert emulator.recipients() == []
    counts = emulator.requests()["by_endpoint"]
    assert (counts["recipient_create"], counts["recipient_list"], counts["recipient_get"],
            counts["recipient_update"], counts["recipient_delete"]) == (2, 1, 2, 1, 1)
    refused = requests.put(f"{emulator.base_url}/_emulator/faults",
                           json={"rules": [{"endpoint": "recipients"}]}, timeout=5)
    assert refused.status_code == 400 and "recipient_create" in refused.text
