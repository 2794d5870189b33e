"""EmailRoundTripMonitor through the real pulumi CLI against the emulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, MAILBOX_PASSWORD, SpecProject, monitor_args

WRITES = ("create", "update", "delete")


def monitors_by_id(emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    return {str(m["id"]): m for m in emulator.monitors()}


def counts(emulator: EmulatorControl) -> dict[str, int]:
    by_endpoint: dict[str, int] = emulator.requests()["by_endpoint"]
    return by_endpoint


def monitor_states(project: SpecProject) -> list[dict[str, Any]]:
    return project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)


def test_up_then_no_changes_then_destroy(spec_project: Callable[..., SpecProject],
                                         emulator: EmulatorControl) -> None:
    """The foundation check: a provider class from the installed package loads in the provider
    process (pickled by reference), and the stack is stable and can be torn down."""
    project = spec_project()
    project.up()
    (state,) = monitor_states(project)
    pickled = base64.b64decode(state["outputs"]["__provider"])
    assert b"alertsite_pulumi.provider" in pickled and len(pickled) < 300
    assert len(emulator.monitors()) == 1
    project.preview("--expect-no-changes")
    project.refresh("--expect-no-changes")
    project.preview("--expect-no-changes")
    project.destroy()
    assert project.resources() == []
    assert emulator.monitors() == []


def test_create_stores_every_field_and_account_defaults(spec_project: Callable[..., SpecProject],
                                                        emulator: EmulatorControl) -> None:
    project = spec_project()
    emulator.reset_requests()
    project.up()
    (monitor,) = emulator.monitors()
    assert monitor["name"] == "Round trip 0"
    assert emulator.password_matches(str(monitor["id"]), MAILBOX_PASSWORD)
    (state,) = monitor_states(project)
    assert state["id"] == str(monitor["id"])
    outputs = state["outputs"]
    # Fields the user left out come back as outputs from the account defaults, coerced.
    assert outputs["timeout"] == 300 and outputs["enabled"] is True
    assert outputs["locations"] == [10, 20] and outputs["mode"] == "Primary"
    calls = counts(emulator)
    assert calls["login"] == 1 and calls["create"] == 1
    assert calls["create"] + calls["get"] <= 2


def test_interval_change_is_one_patch_in_place(spec_project: Callable[..., SpecProject],
                                               emulator: EmulatorControl) -> None:
    project = spec_project()
    project.up()
    (before,) = emulator.monitors()
    project.set_monitors([monitor_args(interval=30)])
    emulator.reset_requests()
    project.up()
    (after,) = emulator.monitors()
    assert after["id"] == before["id"]
    assert str(after["interval"]) == "30"
    calls = counts(emulator)
    assert calls["update"] == 1 and calls["create"] == 0 and calls["delete"] == 0
    project.preview("--expect-no-changes")


def test_out_of_band_edit_is_shown_by_refresh_and_reverted_by_up(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    project.up()
    (monitor,) = emulator.monitors()
    emulator.edit_monitor(str(monitor["id"]), interval="60", note="edited in the UI")
    drift = project.refresh("--expect-no-changes", check=False)
    assert drift.returncode != 0, drift.output
    project.refresh()
    (state,) = monitor_states(project)
    assert state["outputs"]["interval"] == 60
    project.up()
    (reverted,) = emulator.monitors()
    assert str(reverted["interval"]) == "15"
    # The note was never managed by the program: the UI's value stays, without a diff.
    assert reverted["note"] == "edited in the UI"
    project.preview("--expect-no-changes")
    project.refresh("--expect-no-changes")


def test_out_of_band_delete_is_recreated_by_refresh_and_up(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    project.up()
    (monitor,) = emulator.monitors()
    emulator.delete_monitor(str(monitor["id"]))
    project.refresh()
    assert monitor_states(project) == []
    project.up()
    (recreated,) = emulator.monitors()
    assert recreated["id"] != monitor["id"]
    project.preview("--expect-no-changes")


def test_bad_input_fails_at_preview_with_no_write(spec_project: Callable[..., SpecProject],
                                                  emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(interval=7, smtp_hostname="http://smtp.example.com")])
    emulator.reset_requests()
    result = project.preview(check=False)
    assert result.returncode != 0
    assert "interval: 7 is not one of 5, 10, 15" in result.output
    assert "smtp_hostname: 'http://smtp.example.com' has scheme 'http'" in result.output
    result = project.up(check=False)
    assert result.returncode != 0
    calls = counts(emulator)
    assert all(calls.get(kind, 0) == 0 for kind in WRITES), calls
    assert emulator.monitors() == []


def test_adoption_by_id_and_by_name_creates_nothing(spec_project: Callable[..., SpecProject],
                                                    emulator: EmulatorControl) -> None:
    first = emulator.seed_monitor(monitor_args(0) | {"interval": 15})
    emulator.seed_monitor(monitor_args(1) | {"interval": 15})
    project = spec_project([
        monitor_args(0, adopt_monitor_id=first),
        monitor_args(1, adopt_by_name=True),
    ])
    emulator.reset_requests()
    project.up()
    calls = counts(emulator)
    assert calls["create"] == 0
    assert len(emulator.monitors()) == 2
    ids = project.stack_outputs()["ids"]
    assert ids["mon-0"] == first
    assert ids["mon-1"] in monitors_by_id(emulator)
    project.preview("--expect-no-changes")


def test_adoption_by_name_refuses_ambiguity(spec_project: Callable[..., SpecProject],
                                            emulator: EmulatorControl) -> None:
    emulator.seed_monitor(monitor_args(0))
    emulator.seed_monitor(monitor_args(0))
    project = spec_project([monitor_args(0, adopt_by_name=True)])
    result = project.up(check=False)
    assert result.returncode != 0
    assert "exactly one round-trip monitor named 'Round trip 0' must exist; found 2" in result.output
    assert len(emulator.monitors()) == 2


def test_state_never_holds_secrets_in_plain_text(spec_project: Callable[..., SpecProject],
                                                 emulator: EmulatorControl) -> None:
    project = spec_project()
    project.up()
    project.refresh()
    exported = json.dumps(project.export())
    for text in (project.state_text(), exported, (project.root / "Pulumi.test.yaml").read_text()):
        assert MAILBOX_PASSWORD not in text
        assert ADMIN_PASSWORD not in text
        assert "Bearer" not in text and "access_token" not in text
    (state,) = monitor_states(project)
    assert state["outputs"]["email_password"].get("4dabf18193072939515e22adb298388d") is not None
    # The secret stays secret through refresh (a GET never returns it).
    project.preview("--expect-no-changes")


def test_fifty_monitors_come_up_with_one_login(spec_project: Callable[..., SpecProject],
                                               emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(i) for i in range(50)])
    emulator.reset_requests()
    project.up()
    calls = counts(emulator)
    assert calls["login"] == 1
    assert calls["create"] == 50
    assert len(emulator.monitors()) == 50
    emulator.reset_requests()
    project.preview("--expect-no-changes")
    assert sum(counts(emulator).values()) == 0
    project.destroy()
    assert emulator.monitors() == []


def test_import_resource_option_with_the_pinned_engine(spec_project: Callable[..., SpecProject],
                                                       emulator: EmulatorControl) -> None:
    """`ResourceOptions(import_=id)` reaches read() with no stored provider in this engine:
    it fails (pulumi/pulumi#16175), so the README points to adopt_monitor_id instead."""
    existing = emulator.seed_monitor(monitor_args(0))
    project = spec_project([monitor_args(0, options={"import_": existing})])
    result = project.up(check=False)
    assert result.returncode != 0
    assert "KeyError: '__provider'" in result.output, result.output[-3000:]
    assert len(emulator.monitors()) == 1
