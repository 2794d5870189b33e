"""Recipient groups (``/notifier-groups``): create, get, patch, delete, list, validation,
the default group, the monitors' back-references, deletion cascades, persistence and
faults (contract ``alertsite-api-more.md`` §0 and §2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.store import Store

from .helpers import NOT_FOUND_BODY, REQUIRED, Api, field_errors, valid_recipient


def _list(api: Api, **params: Any) -> dict[str, Any]:
    response = api.request("GET", "/notifier-groups", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"metadata", "results"}
    return body


def _ids(api: Api, **params: Any) -> list[int]:
    return [g["id"] for g in _list(api, **params)["results"]]


def _setup(api: Api) -> tuple[int, int, int]:
    """A monitor and two recipients."""
    return (int(api.create_id(name="LuciernaBank login/logout")),
            api.create_recipient(name="DevOps mailing list", recipient="devops@example.com"),
            api.create_recipient(name="Slack #devops", method_id=16,
                                 recipient="https://hooks.slack.com/services/T0/B0/X"))


def test_create_answers_a_string_id_and_get_fills_the_read_only_sub_fields(api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    body = {"name": "LuciernaBank alerts", "monitors": [{"id": monitor_id}],
            "recipients": [{"id": devops}, {"id": slack}],
            "errortypes": [{"id": 1}, {"id": 2}, {"id": 555}], "templates": [{"id": 1021}]}
    response = api.request("POST", "/notifier-groups", json=body)
    assert response.status_code == 200
    assert response.json() == {"id": response.json()["id"]} and response.json()["id"].isdigit()
    group_id = int(response.json()["id"])
    group = api.group(group_id)
    assert group == {
        "id": group_id,
        "name": "LuciernaBank alerts",
        "is_default": False,
        "monitors": [{"id": monitor_id, "name": "LuciernaBank login/logout", "step_name": None,
                      "step_number": 0}],
        "recipients": [{"id": devops, "name": "DevOps mailing list", "recipient": "devops@example.com"},
                       {"id": slack, "name": "Slack #devops",
                        "recipient": "https://hooks.slack.com/services/T0/B0/X"}],
        "errortypes": [{"description": "TCP connection failed", "id": 1},
                       {"description": "Test timed out", "id": 2},
                       {"description": group["errortypes"][2]["description"], "id": 555}],
        "templates": [{"alert_description_short": group["templates"][0]["alert_description_short"],
                       "id": 1021, "name": group["templates"][0]["name"]}],
    }
    assert group["errortypes"][2]["description"] and group["templates"][0]["name"]


def test_errortypes_and_templates_default_to_empty_and_a_step_number_is_kept(api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    body = {"name": "steps", "monitors": [{"id": monitor_id, "step_number": 2}],
            "recipients": [{"id": devops}]}
    group_id = int(api.request("POST", "/notifier-groups", json=body).json()["id"])
    group = api.group(group_id)
    assert group["monitors"][0]["step_number"] == 2
    assert (group["errortypes"], group["templates"], group["is_default"]) == ([], [], False)


@pytest.mark.parametrize("missing", ["monitors", "recipients", "name"])
@pytest.mark.parametrize("empty", [True, False])
def test_create_needs_name_monitors_and_recipients(
    emulator: EmulatorControl, api: Api, missing: str, empty: bool
) -> None:
    monitor_id, devops, _ = _setup(api)
    body: dict[str, Any] = {"name": "g", "monitors": [{"id": monitor_id}], "recipients": [{"id": devops}]}
    if empty:
        body[missing] = "" if missing == "name" else []
    else:
        del body[missing]
    response = api.request("POST", "/notifier-groups", json=body)
    assert response.json() == {"errors": [{"code": 400, "fields": [missing], "message": REQUIRED}]}
    assert response.status_code == 400
    assert emulator.recipient_groups() == []


@pytest.mark.parametrize("array", ["monitors", "recipients"])
def test_a_patch_cannot_empty_monitors_or_recipients(api: Api, array: str) -> None:
    monitor_id, devops, _ = _setup(api)
    group_id = api.create_group([monitor_id], [devops])
    before = api.group(group_id)
    empties: tuple[list[Any], None] = ([], None)
    for value in empties:
        errors = field_errors(api.request("PATCH", f"/notifier-groups/{group_id}", json={array: value}))
        assert errors == [([array], REQUIRED)]
    assert api.group(group_id) == before


def test_the_name_is_at_most_128_characters(api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    group_id = api.create_group([monitor_id], [devops], name="n" * 128)
    errors = field_errors(api.request("PATCH", f"/notifier-groups/{group_id}", json={"name": "n" * 129}))
    assert errors[0][0] == ["name"] and "128" in errors[0][1]


def test_an_unknown_monitor_or_recipient_is_400_naming_the_field(emulator: EmulatorControl, api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    body = {"name": "g", "monitors": [{"id": monitor_id}, {"id": 999999999}],
            "recipients": [{"id": devops}, {"id": monitor_id}]}  # a monitor id is not a recipient id
    errors = field_errors(api.request("POST", "/notifier-groups", json=body))
    assert [f for f, _ in errors] == [["monitors"], ["recipients"]]
    assert "999999999" in errors[0][1] and "monitors[1]" in errors[0][1]
    assert str(monitor_id) in errors[1][1] and "recipients[1]" in errors[1][1]
    swapped = {"name": "g", "monitors": [{"id": slack}], "recipients": [{"id": devops}]}
    assert field_errors(api.request("POST", "/notifier-groups", json=swapped))[0][0] == ["monitors"]
    assert emulator.recipient_groups() == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"monitors": "all"}, "monitors"),
    ({"monitors": [5]}, "monitors"),
    ({"monitors": [{"id": "5"}]}, "monitors"),
    ({"monitors": [{"step_number": 0}]}, "monitors"),
    ({"recipients": [{"id": 1.5}]}, "recipients"),
    ({"errortypes": [{"id": 1000}]}, "errortypes"),
    ({"errortypes": {"id": 1}}, "errortypes"),
    ({"templates": [{"id": 0}]}, "templates"),
    ({"is_default": "true"}, "is_default"),
    ({"name": 5}, "name"),
])
def test_wrong_types_are_400_naming_the_field(api: Api, changes: dict[str, Any], field: str) -> None:
    monitor_id, devops, _ = _setup(api)
    body = {"name": "g", "monitors": [{"id": monitor_id}], "recipients": [{"id": devops}], **changes}
    errors = field_errors(api.request("POST", "/notifier-groups", json=body))
    assert [f for f, _ in errors] == [[field]]


def test_an_item_listed_twice_is_refused(api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    body = {"name": "g", "monitors": [{"id": monitor_id}, {"id": monitor_id, "step_number": 0}],
            "recipients": [{"id": devops}, {"id": devops}]}
    errors = field_errors(api.request("POST", "/notifier-groups", json=body))
    assert [f for f, _ in errors] == [["monitors"], ["recipients"]]
    assert all("more than once" in m for _, m in errors)


def test_patch_replaces_arrays_whole_and_scalars_partially(api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    other_monitor = int(api.create_id(name="second"))
    group_id = api.create_group([monitor_id], [devops, slack], name="g", errortypes=[{"id": 1}])
    response = api.request("PATCH", f"/notifier-groups/{group_id}",
                           json={"recipients": [{"id": slack}], "monitors": [{"id": other_monitor}]})
    assert response.status_code == 200 and response.json() == {"id": str(group_id)}
    group = api.group(group_id)
    assert [r["id"] for r in group["recipients"]] == [slack]
    assert [m["id"] for m in group["monitors"]] == [other_monitor]
    assert group["name"] == "g" and [e["id"] for e in group["errortypes"]] == [1]
    assert api.request("PATCH", f"/notifier-groups/{group_id}", json={"name": "renamed"}).status_code == 200
    assert api.group(group_id) == {**group, "name": "renamed"}
    assert api.request("PATCH", f"/notifier-groups/{group_id}", json={"errortypes": []}).status_code == 200
    assert api.group(group_id)["errortypes"] == []


def test_the_documented_get_modify_patch_back_flow_ignores_read_only_fields(api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    group_id = api.create_group([monitor_id], [devops], errortypes=[{"id": 2}], templates=[{"id": 14}])
    group = api.group(group_id)
    group["recipients"].append({"id": slack, "name": "ignored", "recipient": "ignored"})
    group["monitors"][0]["name"] = "ignored too"
    group["errortypes"][0]["description"] = "ignored"
    group["id"] = 1
    assert api.request("PATCH", f"/notifier-groups/{group_id}", json=group).status_code == 200
    after = api.group(group_id)
    assert after["id"] == group_id
    assert after["monitors"][0]["name"] == "LuciernaBank login/logout"
    assert after["errortypes"] == [{"description": "Test timed out", "id": 2}]
    assert after["recipients"][1] == {"id": slack, "name": "Slack #devops",
                                      "recipient": "https://hooks.slack.com/services/T0/B0/X"}


def test_setting_is_default_clears_it_on_every_other_group(emulator: EmulatorControl, api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    first = api.create_group([monitor_id], [devops], is_default=True)
    second = api.create_group([monitor_id], [devops], is_default=True)
    assert (api.group(first)["is_default"], api.group(second)["is_default"]) == (False, True)
    assert api.request("PATCH", f"/notifier-groups/{first}", json={"is_default": True}).status_code == 200
    assert (api.group(first)["is_default"], api.group(second)["is_default"]) == (True, False)
    emulator.update_settings(group_default_exclusive=False)
    assert api.request("PATCH", f"/notifier-groups/{second}", json={"is_default": True}).status_code == 200
    assert (api.group(first)["is_default"], api.group(second)["is_default"]) == (True, True)


def test_the_list_envelope_offset_is_null_or_a_string_by_switch(emulator: EmulatorControl, api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    ids = [api.create_group([monitor_id], [devops], name=f"g{i}") for i in range(3)]
    body = _list(api)
    assert body["metadata"] == {"__permissions": {"acl": 7},
                                "resultset": {"count": 3, "limit": None, "offset": None}}
    assert [g["id"] for g in body["results"]] == ids
    assert body["results"][0] == api.group(ids[0])
    page = _list(api, limit=2, offset=1)
    assert [g["id"] for g in page["results"]] == ids[1:]
    assert page["metadata"]["resultset"] == {"count": 3, "limit": 2, "offset": "1"}
    emulator.update_settings(group_list_offset="string")
    assert _list(api)["metadata"]["resultset"]["offset"] == "0"
    emulator.update_settings(list_count="page")
    assert _list(api, offset=2)["metadata"]["resultset"]["count"] == 1


def test_an_empty_account_lists_no_groups(api: Api) -> None:
    assert _list(api)["results"] == [] and _list(api)["metadata"]["resultset"]["count"] == 0


def test_the_list_filters_by_recipient_and_monitor_in_both_spellings(api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    other_monitor = int(api.create_id(name="second"))
    first = api.create_group([monitor_id], [devops])
    second = api.create_group([monitor_id, other_monitor], [slack])
    assert _ids(api, recipient_id=devops) == [first]
    assert _ids(api, recipient_id=slack) == [second]
    assert _ids(api, monidor_id=monitor_id) == [first, second]
    assert _ids(api, monitor_id=other_monitor) == [second]
    assert _ids(api, monidor_id=other_monitor) == [second]
    assert _ids(api, monitor_id=monitor_id, recipient_id=devops) == [first]
    assert _ids(api, monidor_id=other_monitor, recipient_id=devops) == []
    assert _ids(api, recipient_id=999999999) == []
    for name in ("monidor_id", "monitor_id", "recipient_id"):
        refused = api.request("GET", "/notifier-groups", params={name: "abc"})
        assert refused.status_code == 400 and name in api.messages(refused)[0]


def test_monitors_show_the_groups_holding_them(api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    lonely = int(api.create_id(name="lonely"))
    first = api.create_group([monitor_id], [devops])
    second = api.create_group([monitor_id, lonely], [devops])
    assert api.monitor(str(monitor_id))["notifier_groups"] == [str(first), str(second)]
    assert api.monitor(str(monitor_id))["blackout_ids"] is None
    assert api.monitor(str(lonely))["notifier_groups"] == [str(second)]
    assert api.monitor(str(monitor_id), select="notifier_groups,name") == {
        "notifier_groups": [str(first), str(second)], "name": "LuciernaBank login/logout"}
    rows = {r["id"]: r["notifier_groups"] for r in api.list_monitors().json()["results"]}
    assert rows == {str(monitor_id): [str(first), str(second)], str(lonely): [str(second)]}
    assert api.request("PATCH", f"/notifier-groups/{second}", json={"monitors": [{"id": monitor_id}]}
                       ).status_code == 200
    assert api.monitor(str(lonely))["notifier_groups"] is None


def test_a_monitor_patch_ignores_its_back_references(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = int(api.create_id())
    response = api.patch(str(monitor_id), {"notifier_groups": ["1"], "blackout_ids": ["2"], "note": "n"})
    assert response.status_code == 200
    monitor = api.monitor(str(monitor_id))
    assert (monitor["notifier_groups"], monitor["blackout_ids"], monitor["note"]) == (None, None, "n")
    assert "notifier_groups" not in emulator.monitor(str(monitor_id))


def test_deleting_a_monitor_takes_it_out_of_every_group(emulator: EmulatorControl, api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    other = int(api.create_id(name="other"))
    alone = api.create_group([monitor_id], [devops])
    shared = api.create_group([monitor_id, other], [devops])
    assert api.delete(str(monitor_id)).status_code == 204
    assert api.group(alone)["monitors"] == []  # kept, empty (switch emptied_group)
    assert [m["id"] for m in api.group(shared)["monitors"]] == [other]
    assert _ids(api, monitor_id=monitor_id) == []
    assert emulator.recipient_group(alone)["monitors"] == []


def test_deleting_a_recipient_takes_it_out_of_every_group(api: Api) -> None:
    monitor_id, devops, slack = _setup(api)
    alone = api.create_group([monitor_id], [devops])
    shared = api.create_group([monitor_id], [devops, slack])
    assert _ids(api, recipient_id=devops) == [alone, shared]  # the delete tip's look-up
    assert api.request("DELETE", f"/recipients/{devops}").status_code == 204
    assert api.group(alone)["recipients"] == []
    assert [r["id"] for r in api.group(shared)["recipients"]] == [slack]
    assert _ids(api, recipient_id=devops) == []
    # The emptied group can be mended by a patch, and a name-only patch is not refused.
    assert api.request("PATCH", f"/notifier-groups/{alone}", json={"name": "still here"}).status_code == 200
    mended = api.request("PATCH", f"/notifier-groups/{alone}", json={"recipients": [{"id": slack}]})
    assert mended.status_code == 200


def test_the_emptied_group_switch_deletes_a_group_left_without_members(
    emulator: EmulatorControl, api: Api
) -> None:
    emulator.update_settings(emptied_group="delete")
    monitor_id, devops, slack = _setup(api)
    other = int(api.create_id(name="other"))
    by_monitor = api.create_group([monitor_id], [devops, slack])
    by_recipient = api.create_group([other], [devops])
    survivor = api.create_group([monitor_id, other], [devops, slack])
    assert api.delete(str(monitor_id)).status_code == 204
    assert api.request("GET", f"/notifier-groups/{by_monitor}").status_code == 404
    assert api.request("DELETE", f"/recipients/{devops}").status_code == 204
    assert api.request("GET", f"/notifier-groups/{by_recipient}").status_code == 404
    assert _ids(api) == [survivor]
    assert [r["id"] for r in api.group(survivor)["recipients"]] == [slack]
    refused = requests.patch(f"{emulator.base_url}/_emulator/settings", json={"emptied_group": "drop"},
                             timeout=5)
    assert refused.status_code == 400 and "emptied_group" in refused.text


def test_deleting_a_group_keeps_its_monitors_and_recipients(api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    group_id = api.create_group([monitor_id], [devops])
    deleted = api.request("DELETE", f"/notifier-groups/{group_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    for method in ("GET", "DELETE"):
        gone = api.request(method, f"/notifier-groups/{group_id}")
        assert (gone.status_code, gone.json()) == (404, NOT_FOUND_BODY)
    patched = api.request("PATCH", f"/notifier-groups/{group_id}", json={"name": "x"})
    assert (patched.status_code, patched.json()) == (404, NOT_FOUND_BODY)
    assert api.recipient(devops)["notifier_groups"] is None
    assert api.monitor(str(monitor_id))["notifier_groups"] is None


def test_a_recipient_id_is_not_a_group_id(api: Api) -> None:
    recipient_id = api.create_recipient()
    response = api.request("GET", f"/notifier-groups/{recipient_id}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND_BODY)


def test_the_viewer_reads_but_cannot_write(api: Api, viewer: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    group_id = api.create_group([monitor_id], [devops])
    body = {"name": "g", "monitors": [{"id": monitor_id}], "recipients": [{"id": devops}]}
    for method, path in (("POST", "/notifier-groups"), ("PATCH", f"/notifier-groups/{group_id}"),
                         ("DELETE", f"/notifier-groups/{group_id}")):
        refused = viewer.request(method, path, json=body)
        assert refused.status_code == 403
        assert "recipient groups" in viewer.messages(refused)[0]
    assert viewer.group(group_id) == api.group(group_id)
    assert viewer.request("GET", "/notifier-groups").json()["metadata"]["resultset"]["count"] == 1


def test_every_call_needs_a_token(emulator: EmulatorControl) -> None:
    for method, path in (("GET", "/notifier-groups"), ("POST", "/notifier-groups"),
                         ("GET", "/notifier-groups/1"), ("PATCH", "/notifier-groups/1"),
                         ("DELETE", "/notifier-groups/1")):
        response = requests.request(method, f"{emulator.api_url}{path}", json={}, timeout=5)
        assert response.status_code == 401, (method, path)


def test_groups_survive_a_restart_and_ids_are_never_reused(tmp_path: Path) -> None:
    db = str(tmp_path / "groups.db")
    with EmulatorServer(db=db) as server:
        api = Api(server.api_url)
        monitor_id, devops, slack = _setup(api)
        kept = api.create_group([monitor_id], [devops, slack], is_default=True, errortypes=[{"id": 2}])
        dropped = api.create_group([monitor_id], [slack])
        assert api.request("DELETE", f"/notifier-groups/{dropped}").status_code == 204
        assert api.request("DELETE", f"/recipients/{slack}").status_code == 204  # the cascade is kept too
        before = api.group(kept)
        api.session.close()
    with EmulatorServer(db=db) as reopened:
        api = Api(reopened.api_url)
        assert api.group(kept) == before
        assert [r["id"] for r in before["recipients"]] == [devops]
        assert api.request("GET", f"/notifier-groups/{dropped}").status_code == 404
        assert api.monitor(str(monitor_id))["notifier_groups"] == [str(kept)]
        assert api.create_group([monitor_id], [devops]) > max(kept, dropped, slack)
        api.session.close()


def test_raw_recipient_groups_give_the_runner_lists_of_ids() -> None:
    store = Store()
    try:
        monitor_id = int(store.create_monitor({
            "billing_plancode": "UBM - A/A", "name": "m", "smtp_hostname": "smtp://mail.example.com",
            "pop3_hostname": "pop3://mail.example.com", "email": "m@example.com"}))
        recipient_id = int(store.create_recipient(valid_recipient()))
        group_id = int(store.create_group({
            "name": "g", "is_default": True, "monitors": [{"id": monitor_id, "step_number": 0}],
            "recipients": [{"id": recipient_id}], "errortypes": [{"id": 2}], "templates": [{"id": 7}]}))
        raw = store.raw_recipient_groups()
        expected = {"id": group_id, "name": "g", "is_default": True, "monitors": [monitor_id],
                    "recipients": [recipient_id], "errortypes": [2], "templates": [7]}
        assert [{k: g[k] for k in expected} for g in raw] == [expected]
        store.delete_monitor(str(monitor_id))
        assert store.raw_recipient_groups()[0]["monitors"] == []
        store.reset()
        assert store.raw_recipient_groups() == []
    finally:
        store.close()


def test_the_control_surface_edits_seeds_and_deletes_out_of_band(
    emulator: EmulatorControl, api: Api
) -> None:
    monitor_id, devops, slack = _setup(api)
    group_id = api.create_group([monitor_id], [devops])
    raw = emulator.recipient_group(group_id)
    assert (raw["monitors"], raw["recipients"], raw["monitor_steps"]) == (
        [monitor_id], [devops], [{"id": monitor_id, "step_number": 0}])
    # States the API refuses: an empty recipients list, two defaults.
    edited = emulator.edit_recipient_group(group_id, recipients=[], is_default=True)
    assert edited["recipients"] == [] and edited["is_default"] is True
    seeded = int(emulator.seed_recipient_group({"name": "seeded", "is_default": True,
                                                "monitors": [{"id": monitor_id, "step_number": 3}],
                                                "recipients": [slack]}))
    assert api.group(group_id)["recipients"] == []
    assert api.group(seeded)["monitors"][0]["step_number"] == 3
    assert [g["is_default"] for g in _list(api)["results"]] == [True, True]
    assert [g["id"] for g in emulator.recipient_groups()] == [group_id, seeded]
    emulator.delete_recipient_group(seeded)
    assert api.request("GET", f"/notifier-groups/{seeded}").status_code == 404
    emulator.reset()
    assert emulator.recipient_groups() == []


def test_the_counters_and_faults_know_the_group_endpoints(emulator: EmulatorControl, api: Api) -> None:
    monitor_id, devops, _ = _setup(api)
    emulator.reset_requests()
    body = {"name": "g", "monitors": [{"id": monitor_id}], "recipients": [{"id": devops}]}
    emulator.set_faults([{"endpoint": "group_create", "kind": "commit_then_drop", "count": 1},
                         {"endpoint": "group_get", "kind": "status", "status": 500, "count": 1},
                         {"endpoint": "group_list", "kind": "drop", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        api.request("POST", "/notifier-groups", json=body)
    [made] = emulator.recipient_groups()  # the create was committed before the drop
    assert api.request("GET", f"/notifier-groups/{made['id']}").status_code == 500
    assert api.group(made["id"])["name"] == "g"
    with pytest.raises(requests.ConnectionError):
        api.request("GET", "/notifier-groups")
    assert _ids(api) == [made["id"]]
    emulator.set_faults([{"endpoint": "group_update", "kind": "status", "status": 503},
                         {"endpoint": "group_delete", "kind": "status", "status": 502, "count": 1}])
    assert api.request("PATCH", f"/notifier-groups/{made['id']}", json={"name": "x"}).status_code == 503
    assert api.request("DELETE", f"/notifier-groups/{made['id']}").status_code == 502
    assert api.group(made["id"])["name"] == "g"  # neither fault let the call through
    counts = emulator.requests()["by_endpoint"]
    assert (counts["group_create"], counts["group_get"], counts["group_list"], counts["group_update"],
            counts["group_delete"]) == (1, 3, 2, 1, 1)
