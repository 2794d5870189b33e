"""The mailbox guard through the real pulumi CLI: one round-trip monitor per mailbox.

Two resources of one stack with one mailbox: the second create is refused, naming the first,
and nothing is duplicated; `alertsite:allowSharedMailbox true` lets both be created. A forced
replacement deletes the old monitor before it creates the new one, so the guard lets it
through. Every check compares the emulator's monitors with the stack's state.
"""

from __future__ import annotations

from collections.abc import Callable

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl

from .support import SpecProject, monitor_args


def state_ids(project: SpecProject) -> list[str]:
    return sorted(str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE))


def live_ids(emulator: EmulatorControl) -> list[str]:
    return sorted(str(m["id"]) for m in emulator.monitors())


def test_one_mailbox_for_two_resources_is_refused_unless_shared_on_purpose(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0), monitor_args(1, email="RoundTrip-0@Example.com")])
    up = project.up(check=False)
    assert up.returncode != 0
    # Whichever the engine started first wins; the other is refused before any POST.
    assert ("created by the same run, watches the same mailbox" in up.output
            and "Nothing was created" in up.output), up.output[-4000:]
    assert up.diagnostics.count("Refusing to create monitor") == 1, up.diagnostics
    assert "alertsite:allowSharedMailbox (ALERTSITE_ALLOW_SHARED_MAILBOX)" in up.output
    (monitor,) = emulator.monitors()
    assert state_ids(project) == [str(monitor["id"])]

    project.run("config", "set", "alertsite:allowSharedMailbox", "true")
    project.up()
    monitors = emulator.monitors()
    assert len(monitors) == 2
    assert {str(m["email"]).casefold() for m in monitors} == {"roundtrip-0@example.com"}
    assert state_ids(project) == live_ids(emulator)
    project.preview("--expect-no-changes")


def test_a_forced_replacement_deletes_first_and_is_not_refused(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0), monitor_args(1)])
    project.up()
    before = {r["urn"]: str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)}
    (urn,) = [u for u in before if u.endswith("::mon-0")]
    replaced = project.up("--replace", urn)
    assert "replaced" in replaced.output
    after = {r["urn"]: str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)}
    assert after[urn] != before[urn]
    assert state_ids(project) == live_ids(emulator) and len(after) == 2
    project.preview("--expect-no-changes")
