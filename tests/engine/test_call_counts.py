"""The API calls each command makes, as the README's Performance targets state them: one login
per command; a create is a POST, a GET and one look at the account after it (the mailbox check
across processes), plus one listing of the account per `up` before the first create; an update
a PATCH and a GET; a refresh and a delete one call per monitor; a no-change preview none at all."""

from __future__ import annotations

from collections.abc import Callable

from alertsite_pulumi.emulator import EmulatorControl

from .support import SpecProject, monitor_args

N = 3


def counted(emulator: EmulatorControl) -> dict[str, int]:
    counts: dict[str, int] = emulator.requests()["by_endpoint"]
    emulator.reset_requests()
    return {kind: n for kind, n in counts.items() if n}


def test_each_command_makes_the_calls_the_readme_counts(spec_project: Callable[..., SpecProject],
                                                        emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(i) for i in range(N)])
    emulator.reset_requests()
    project.up()
    assert counted(emulator) == {"login": 1, "list": 1 + N, "create": N, "get": N}
    project.preview("--expect-no-changes")
    assert counted(emulator) == {}
    project.set_monitors([monitor_args(i, interval=30) for i in range(N)])
    project.up()
    assert counted(emulator) == {"login": 1, "update": N, "get": N}
    project.refresh()
    assert counted(emulator) == {"login": 1, "get": N}
    project.destroy()
    assert counted(emulator) == {"login": 1, "delete": N}
    assert emulator.monitors() == []
