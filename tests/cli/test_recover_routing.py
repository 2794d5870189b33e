"""Recovery of interrupted creates of alert recipients and recipient groups, on a stack export,
without the CLI (tests/engine/test_interrupted_run.py kills a real run)."""

from __future__ import annotations

from typing import Any

import pytest

from alertsite_pulumi.recover import (
    ADOPT,
    GROUPS,
    MONITORS,
    RECIPIENTS,
    RECOVERABLE,
    RecoveryError,
    apply,
    check_unambiguous,
    explicit_provider,
    match_orphans,
    pending_creates,
    planned_creates,
    referenced_ids,
    resource_urns,
)
from alertsite_pulumi.tokens import (
    ALERT_RECIPIENT_TYPE,
    EMAIL_ROUND_TRIP_MONITOR_TYPE,
    RECIPIENT_GROUP_TYPE,
    UNKNOWN_SENTINEL,
)

HEAD = "urn:pulumi:dev::proj::"
ACCOUNT = {"base_url": "http://127.0.0.1:1/api/v3", "username": "admin@example.com"}


def recipient_inputs(i: int) -> dict[str, Any]:
    # As the check stores them: the method by name, the account it recorded, the provider.
    return {"name": f"r{i}", "method": "email_html", "method_id": 12, "recipient": f"Ops{i}@Example.com",
            "alertsite_account": ACCOUNT, "__provider": "pickle"}


def group_inputs(i: int) -> dict[str, Any]:
    return {"name": f"g{i}", "monitors": ["1"], "recipients": ["50"], "__provider": "pickle"}


def resource(kind: str, name: str, inputs: dict[str, Any], object_id: str | None = None) -> dict[str, Any]:
    out = {"urn": f"{HEAD}{kind}::{name}", "type": kind, "inputs": inputs}
    if object_id is not None:
        out["id"] = object_id
    return out


def deployment() -> dict[str, Any]:
    """A monitor (id 1) and a recipient (id 50) in the state; a recipient and a group pending,
    the group first (the order a state may list them in)."""
    return {
        "resources": [
            resource(EMAIL_ROUND_TRIP_MONITOR_TYPE, "m0", {"name": "m0"}, "1"),
            resource(ALERT_RECIPIENT_TYPE, "r0", recipient_inputs(0), "50"),
        ],
        "pending_operations": [
            {"type": "creating", "resource": resource(RECIPIENT_GROUP_TYPE, "g1", group_inputs(1))},
            {"type": "creating", "resource": resource(ALERT_RECIPIENT_TYPE, "r1", recipient_inputs(1))},
        ],
    }


def live_recipient(i: int, recipient_id: int, **changes: Any) -> dict[str, Any]:
    """A recipient as GET /recipients lists it: integer id, no method name, a null password."""
    return {"id": recipient_id, "name": f"r{i}", "method_id": 12, "recipient": f"ops{i}@example.com",
            "password": None, "availability_alert": True, "notifier_groups": None, **changes}


def live_group(i: int, group_id: int) -> dict[str, Any]:
    return {"id": group_id, "name": f"g{i}", "is_default": False,
            "monitors": [{"id": 1, "name": "m0"}], "recipients": [{"id": 50, "name": "r0"}],
            "errortypes": [], "templates": []}


def test_pending_recipients_and_groups_are_matched_by_their_identity_among_their_own_kind() -> None:
    dep = deployment()
    pending = pending_creates(dep)
    # Settled in the order monitors, recipients, groups, whatever order the state lists them in.
    assert [(p.name, p.kind) for p in pending] == [("r1", RECIPIENTS), ("g1", GROUPS)]
    assert referenced_ids(dep, RECIPIENTS) == {"50"} and referenced_ids(dep) == {"1"}
    # The CLI keys each kind's listing by the kind itself.
    assert len({kind: kind.noun for kind in RECOVERABLE}) == 3
    recipients = [p for p in pending if p.kind is RECIPIENTS]
    # r0's own recipient (50) is referenced; a same-named one with another address is not r1's;
    # the address matches without regard to case, as AlertSite's e-mail addresses do.
    listed = [live_recipient(0, 50), live_recipient(1, 60, recipient="other@example.com"),
              live_recipient(1, 61)]
    left = match_orphans(recipients, listed, referenced_ids(dep, RECIPIENTS))
    assert [c["id"] for c in recipients[0].candidates] == [61]
    assert [m["id"] for m in left] == [60]
    groups = [p for p in pending if p.kind is GROUPS]
    # A group matches by name only; an object of another kind with the same id is never one.
    match_orphans(groups, [live_group(1, 70), live_group(2, 71)], referenced_ids(dep, GROUPS))
    assert [c["id"] for c in groups[0].candidates] == [70]


def test_adopted_recipient_and_group_get_their_outputs_read_from_alertsite() -> None:
    dep = deployment()
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:x"}
    dep["pending_operations"][1]["resource"]["inputs"]["password"] = secret
    pending = pending_creates(dep)
    match_orphans([p for p in pending if p.kind is RECIPIENTS], [live_recipient(1, 61)], {"50"})
    match_orphans([p for p in pending if p.kind is GROUPS], [live_group(1, 70)], set())

    outcomes = apply(dep, pending, ADOPT, client=None)

    assert [(o.name, o.action, o.monitor_id, o.noun) for o in outcomes] == [
        ("r1", "adopted", "61", "recipient"), ("g1", "adopted", "70", "recipient group")]
    by_id = {r.get("id"): r for r in dep["resources"]}
    recipient, group = by_id["61"]["outputs"], by_id["70"]["outputs"]
    assert recipient["recipient_id"] == "61" and recipient["recipient"] == "ops1@example.com"
    assert recipient["method"] == "email_html" and recipient["availability_alert"] is True
    # The password is write-only: kept from the stored inputs, never from what AlertSite lists.
    assert recipient["password"] == secret
    assert recipient["alertsite_account"] == ACCOUNT and recipient["__provider"] == "pickle"
    assert group["group_id"] == "70" and group["monitors"] == ["1"] and group["recipients"] == ["50"]
    # The group comes after the recipient in the state (a group refers to recipients).
    assert [r.get("id") for r in dep["resources"]][-2:] == ["61", "70"]
    assert dep["pending_operations"] == []
    assert {f"{HEAD}{RECIPIENT_GROUP_TYPE}::g1", f"{HEAD}{ALERT_RECIPIENT_TYPE}::r1"} <= resource_urns(dep)


def test_an_ambiguous_recipient_changes_nothing_and_names_the_ids() -> None:
    dep = deployment()
    pending = [p for p in pending_creates(dep) if p.kind is RECIPIENTS]
    match_orphans(pending, [live_recipient(1, 61), live_recipient(1, 62)], {"50"})
    with pytest.raises(RecoveryError) as error:
        check_unambiguous(pending)
    assert "2 unreferenced recipients match (ids 61, 62)" in str(error.value)
    assert "nothing was changed" in str(error.value) and "recipients list" in str(error.value)


def test_a_recipient_create_a_later_up_made_drops_its_pending_operation_and_duplicates() -> None:
    dep = deployment()
    dep["resources"].append(resource(ALERT_RECIPIENT_TYPE, "r1", recipient_inputs(1), "65"))
    pending = [p for p in pending_creates(dep) if p.kind is RECIPIENTS]
    match_orphans(pending, [live_recipient(1, 65), live_recipient(1, 61)], referenced_ids(dep, RECIPIENTS))
    check_unambiguous(pending, resource_urns(dep))

    outcomes = apply(dep, pending, ADOPT, client=None)

    assert [(o.action, o.monitor_id) for o in outcomes] == [("duplicate", "61")]
    assert [r["urn"] for r in dep["resources"]].count(f"{HEAD}{ALERT_RECIPIENT_TYPE}::r1") == 1
    # The group's pending create was not among those settled: it stays for the next run.
    assert [op["resource"]["type"] for op in dep["pending_operations"]] == [RECIPIENT_GROUP_TYPE]


def test_planned_recipients_and_groups_come_from_the_preview_in_settling_order() -> None:
    def step(kind: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        state = {"urn": f"{HEAD}{kind}::{name}", "type": kind, "custom": True, "inputs": inputs}
        return {"op": "create", "urn": state["urn"], "newState": state}

    preview = {"steps": [
        # A group whose monitors are not known before the update: left out, matched by name.
        step(RECIPIENT_GROUP_TYPE, "g3", {"name": "g3", "monitors": [UNKNOWN_SENTINEL]}),
        step(ALERT_RECIPIENT_TYPE, "r3", {**recipient_inputs(3), "password": "[secret]"}),
        step(EMAIL_ROUND_TRIP_MONITOR_TYPE, "m3", {"name": "m3"}),
    ]}
    planned = planned_creates(preview, known=set())
    assert [(p.name, p.kind) for p in planned] == [("m3", MONITORS), ("r3", RECIPIENTS), ("g3", GROUPS)]
    assert "password" not in planned[1].inputs and "monitors" not in planned[2].inputs
    match_orphans(planned[2:], [live_group(3, 80)], set())
    assert [c["id"] for c in planned[2].candidates] == [80]


def test_a_native_recipient_through_an_explicit_provider_is_elsewhere() -> None:
    head = "urn:pulumi:dev::proj::pulumi:providers:"
    native = "alertsite:index:AlertRecipient"
    assert explicit_provider({"type": native, "provider": head + "alertsite::acct-b::9f1c"}) == "acct-b"
    assert explicit_provider({"type": ALERT_RECIPIENT_TYPE, "provider": head + "pulumi-python::x::7"}) is None
