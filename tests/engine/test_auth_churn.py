"""Auth churn through the real CLI: a call after a create refused twice, and its clean-up."""

from __future__ import annotations

from collections.abc import Callable

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl

from .support import SpecProject


def state_ids(project: SpecProject) -> list[str]:
    return sorted(str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE))


def live_ids(emulator: EmulatorControl) -> list[str]:
    return sorted(str(m["id"]) for m in emulator.monitors())


def test_a_read_after_the_create_refused_twice_logs_in_again_and_the_up_succeeds(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    # The GET that follows the POST meets a 401, and again after the new login.
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 401, "count": 2},
                         {"endpoint": "delete", "kind": "status", "status": 401, "count": 2}])
    project.up()
    assert len(live_ids(emulator)) == 1
    assert state_ids(project) == live_ids(emulator)
    assert emulator.requests()["by_endpoint"]["login"] == 3
    emulator.clear_faults()
    project.preview("--expect-no-changes")


def test_a_failed_create_deletes_its_monitor_even_when_the_delete_is_refused_twice(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 403, "count": 1},
                         {"endpoint": "delete", "kind": "status", "status": 401, "count": 2}])
    failed = project.up(check=False)
    assert failed.returncode != 0
    assert "refused the request for lack of permission" in failed.output
    # No orphan: AlertSite holds nothing the state does not know.
    assert live_ids(emulator) == [] and state_ids(project) == []
    assert emulator.requests()["by_endpoint"]["delete"] == 3
    emulator.clear_faults()
    project.up()
    assert len(live_ids(emulator)) == 1 and state_ids(project) == live_ids(emulator)
