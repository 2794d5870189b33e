"""Recovery decisions on a stack export, without the CLI (the engine test kills a real run)."""

from __future__ import annotations

from typing import Any

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE as MONITOR_TYPE
from alertsite_pulumi.recover import (
    ADOPT,
    PROGRAM,
    RecoveryError,
    apply,
    check_unambiguous,
    explicit_provider,
    mailbox_conflicts,
    match_orphans,
    monitor_urns,
    pending_creates,
    planned_creates,
    referenced_ids,
)


def monitor_inputs(i: int) -> dict[str, Any]:
    return {"name": f"m{i}", "email": f"m{i}@example.com", "smtp_hostname": "smtps://s.example.com",
            "pop3_hostname": "pop3s://p.example.com", "__provider": "pickle"}


URN = "urn:pulumi:dev::proj::" + MONITOR_TYPE + "::"


def deployment() -> dict[str, Any]:
    urn = URN
    return {
        "resources": [{"urn": urn + "m0", "type": MONITOR_TYPE, "id": "1", "inputs": monitor_inputs(0)}],
        "pending_operations": [
            {"type": "creating", "resource": {"urn": urn + "m1", "type": MONITOR_TYPE,
                                              "inputs": monitor_inputs(1)}},
            {"type": "creating", "resource": {"urn": urn + "m2", "type": MONITOR_TYPE,
                                              "inputs": monitor_inputs(2)}},
            {"type": "updating", "resource": {"urn": urn + "m0", "type": MONITOR_TYPE}},
        ],
    }


def live(i: int, monitor_id: str) -> dict[str, Any]:
    return {**{k: v for k, v in monitor_inputs(i).items() if k != "__provider"}, "id": monitor_id}


def test_pending_creates_are_matched_to_unreferenced_monitors_only() -> None:
    dep = deployment()
    pending = pending_creates(dep)
    assert [p.name for p in pending] == ["m1", "m2"]
    assert referenced_ids(dep) == {"1"}
    # m0's own monitor (id 1) is referenced by the state: never an orphan, whatever it looks like.
    match_orphans(pending, [live(0, "1"), live(1, "7")], referenced_ids(dep))
    assert [c["id"] for c in pending[0].candidates] == ["7"]
    assert pending[1].candidates == []


def test_adopt_turns_a_matched_create_into_a_resource_and_drops_the_rest() -> None:
    dep = deployment()
    pending = pending_creates(dep)
    match_orphans(pending, [live(1, "7")], referenced_ids(dep))
    outcomes = apply(dep, pending, ADOPT, client=None)
    assert [(o.name, o.action, o.monitor_id) for o in outcomes] == [("m1", "adopted", "7"),
                                                                    ("m2", "dropped", None)]
    adopted = [r for r in dep["resources"] if r.get("id") == "7"]
    assert len(adopted) == 1 and adopted[0]["outputs"]["__provider"] == "pickle"
    # Only the settled creates are gone; the pending update is left to refresh/up.
    assert [op["type"] for op in dep["pending_operations"]] == ["updating"]


def test_ambiguity_changes_nothing_and_names_the_ids() -> None:
    dep = deployment()
    pending = pending_creates(dep)
    match_orphans(pending, [live(1, "7"), live(1, "8")], referenced_ids(dep))
    with pytest.raises(RecoveryError) as error:
        check_unambiguous(pending)
    assert "ids 7, 8" in str(error.value) and "nothing was changed" in str(error.value)


def test_adopted_outputs_are_read_from_alertsite_and_keep_the_stored_secret() -> None:
    dep = deployment()
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:x"}
    dep["pending_operations"][0]["resource"]["inputs"]["email_password"] = secret
    pending = pending_creates(dep)
    listed = {**live(1, "7"), "timeout": "240", "type": "email-round-trip"}
    match_orphans(pending, [listed], referenced_ids(dep))
    apply(dep, pending, ADOPT, client=None)
    (adopted,) = [r for r in dep["resources"] if r.get("id") == "7"]
    outputs = adopted["outputs"]
    assert outputs["timeout"] == 240 and outputs["monitor_id"] == "7"
    assert outputs["monitor_type"] == "email-round-trip"
    assert outputs["email_password"] == secret


def test_a_create_a_later_up_settled_drops_its_pending_operation_and_its_duplicates() -> None:
    """A plain `up` after the kill made the resource again: its interrupted create's orphans are
    duplicates (deleted), and the pending operation goes; adopting would add a second URN."""
    dep = deployment()
    dep["resources"].append({"urn": URN + "m1", "type": MONITOR_TYPE, "id": "9", "inputs": monitor_inputs(1)})
    pending = pending_creates(dep)
    left = match_orphans(pending, [live(1, "9"), live(1, "7"), live(1, "8"), live(5, "50")],
                         referenced_ids(dep))
    assert [m["id"] for m in left] == ["50"]
    check_unambiguous(pending, monitor_urns(dep))    # several duplicates of a settled create are fine
    outcomes = apply(dep, pending, ADOPT, client=None)
    assert [(o.name, o.action, o.monitor_id) for o in outcomes] == [
        ("m1", "duplicate", "7"), ("m1", "duplicate", "8"), ("m2", "dropped", None)]
    assert [r["urn"] for r in dep["resources"]].count(URN + "m1") == 1
    assert [op["type"] for op in dep["pending_operations"]] == ["updating"]
    # With nothing left, a second pass changes nothing.
    again = pending_creates(dep)
    assert again == [] and apply(dep, again, ADOPT, client=None) == []


def test_planned_creates_come_from_the_preview_without_hidden_values() -> None:
    def step(op: str, name: str, **inputs: Any) -> dict[str, Any]:
        state = {"urn": URN + name, "type": MONITOR_TYPE, "custom": True, "stackTrace": [{}],
                 "inputs": {**monitor_inputs(int(name[1:])), **inputs},
                 "propertyDependencies": {"email_password": [], "name": []}}
        return {"op": op, "urn": URN + name, "newState": state}

    preview = {"steps": [step("create", "m3", email_password="[secret]",
                              note="04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
                         step("same", "m0"), step("create", "m1")]}
    (planned,) = planned_creates(preview, known={URN + "m1"})
    assert planned.source == PROGRAM and planned.name == "m3"
    assert "email_password" not in planned.inputs and "note" not in planned.inputs
    assert planned.resource["propertyDependencies"] == {"name": []}
    assert "stackTrace" not in planned.resource
    # Matched like a pending create (the mailbox case-insensitively), and adopted the same way.
    match_orphans([planned], [{**live(3, "30"), "email": "M3@Example.com"}], set())
    dep = deployment()
    outcomes = apply(dep, [planned], ADOPT, client=None)
    assert [(o.action, o.monitor_id) for o in outcomes] == [("adopted", "30")]
    assert len(dep["pending_operations"]) == 3    # a planned create has no pending operation


def test_a_mailbox_watched_by_a_monitor_that_is_not_the_resources_is_a_conflict() -> None:
    dep = deployment()
    pending = pending_creates(dep)
    other = {**live(2, "70"), "name": "hand-made"}
    left = match_orphans(pending, [other], referenced_ids(dep))
    problems = mailbox_conflicts(pending, left, monitor_urns(dep))
    assert len(problems) == 1
    assert "m2: monitor 70 ('hand-made') watches its mailbox m2@example.com" in problems[0]
    assert 'adopt_monitor_id="70"' in problems[0]


def test_only_a_native_monitor_made_through_an_explicit_provider_is_elsewhere() -> None:
    native = "alertsite:index:EmailRoundTripMonitor"
    head = "urn:pulumi:dev::proj::pulumi:providers:"
    assert explicit_provider({"type": native, "provider": head + "alertsite::default_0_1_0::9f1c"}) is None
    assert explicit_provider({"type": native, "provider": head + "alertsite::default::9f1c"}) is None
    assert explicit_provider({"type": native, "provider": head + "alertsite::acct-b::9f1c"}) == "acct-b"
    assert explicit_provider({"type": native}) is None
    assert explicit_provider({"type": MONITOR_TYPE, "provider": head + "pulumi-python::default::7"}) is None
