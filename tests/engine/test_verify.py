"""`alertsite-pulumi verify` on a stack made by the real engine, against the emulator's tests on
demand (its ``tod_*`` switches stand in for AlertSite's answers; tests/mail runs them for real)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from alertsite_pulumi.cli import cli
from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, MAILBOX_PASSWORD, SpecProject, monitor_args


def verify(project: SpecProject, *args: str) -> Result:
    """The CLI in this process, with the project's engine environment (pulumi on PATH, its
    file backend); no output may hold a password."""
    env = project.base_env()
    result = CliRunner().invoke(cli, ["verify", "--stack", project.stack, "--cwd", str(project.root),
                                      *args], env=env, catch_exceptions=False)
    for secret in (ADMIN_PASSWORD, MAILBOX_PASSWORD):
        assert secret not in result.output
        assert secret not in result.stderr
    return result


@pytest.fixture
def stack(spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> SpecProject:
    project = spec_project([monitor_args(0), monitor_args(1)])
    project.up()
    emulator.reset_requests()
    return project


def ids(emulator: EmulatorControl) -> list[str]:
    return sorted(str(m["id"]) for m in emulator.monitors())


def document(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_all_passed_exits_0_and_tests_each_monitor_of_the_stack(stack: SpecProject,
                                                                 emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert done.stdout.count("PASSED") == 2
    assert "2 passed, 0 failed, 0 timed out, 0 unconfirmed" in done.stdout
    assert "assumed:" in done.stdout  # what the documentation leaves open is said
    as_json = verify(stack, "--json", "--poll-interval", "0.1")
    assert as_json.exit_code == 0
    data = document(as_json)
    assert data["ok"] is True
    assert sorted(t["monitor_id"] for t in data["monitors"]) == ids(emulator)
    assert {t["outcome"] for t in data["monitors"]} == {"passed"}


def test_a_failed_test_exits_1_with_alertsites_code(stack: SpecProject, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="fail")
    done = verify(stack, "--json", "--poll-interval", "0.1")
    assert done.exit_code == 1
    data = document(done)
    assert data["ok"] is False
    assert {t["outcome"] for t in data["monitors"]} == {"failed"}
    assert all(t["code"] not in (None, 0) and t["description"] for t in data["monitors"])


def test_a_test_still_running_at_the_deadline_is_timed_out(stack: SpecProject,
                                                           emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="never-ends")
    done = verify(stack, "--timeout", "2", "--poll-interval", "0.2")
    assert done.exit_code == 1
    assert done.stdout.count("TIMED OUT") == 2
    assert "0 passed" in done.stdout


def test_an_unpollable_test_is_unconfirmed_never_passed(stack: SpecProject, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok", tod_pollable=False)
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 1
    assert done.stdout.count("UNCONFIRMED") == 2
    assert "PASSED" not in done.stdout


def test_429s_and_5xx_are_survived(stack: SpecProject, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    emulator.set_faults([{"endpoint": "tod_start", "kind": "status", "status": 429, "count": 2},
                         {"endpoint": "tod_poll", "kind": "status", "status": 503, "count": 1}])
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert done.stdout.count("PASSED") == 2
    assert all(rule.get("count", 0) == 0 for rule in emulator.faults()["rules"])


def test_monitor_selects_and_an_unknown_one_is_a_usage_error(stack: SpecProject,
                                                            emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    first = ids(emulator)[0]
    done = verify(stack, "--monitor", first, "--json", "--poll-interval", "0.1")
    assert done.exit_code == 0
    assert [t["monitor_id"] for t in document(done)["monitors"]] == [first]
    wrong = verify(stack, "--monitor", "999999")
    assert wrong.exit_code == 2
    assert "999999" in wrong.output and "not a monitor of stack" in wrong.output
    both = verify(stack, "--monitor", first, "--changed")
    assert both.exit_code == 2


def test_changed_tests_only_what_the_last_up_created_or_changed(stack: SpecProject,
                                                                emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    before = ids(emulator)
    stack.set_monitors([monitor_args(0), monitor_args(1, interval=30), monitor_args(2)])
    stack.up()
    after = ids(emulator)
    new = [i for i in after if i not in before]
    changed_one = next(r["id"] for r in stack.resources()
                       if r.get("outputs", {}).get("interval") == 30)
    done = verify(stack, "--changed", "--json", "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert sorted(t["monitor_id"] for t in document(done)["monitors"]) == sorted([*new, changed_one])
