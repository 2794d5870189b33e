"""Recovery decisions on a stack export, without the CLI (the engine test kills a real run)."""

from __future__ import annotations

from typing import Any

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE as MONITOR_TYPE
from alertsite_pulumi.recover import (
    ADOPT,
    RecoveryError,
    apply,
    check_unambiguous,
    match_orphans,
    pending_creates,
    referenced_ids,
)


def monitor_inputs(i: int) -> dict[str, Any]:
    return {"name": f"m{i}", "email": f"m{i}@example.com", "smtp_hostname": "smtps://s.example.com",
            "pop3_hostname": "pop3s://p.example.com", "__provider": "pickle"}


def deployment() -> dict[str, Any]:
    urn = "urn:pulumi:dev::proj::" + MONITOR_TYPE + "::"
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
