"""One monitor per mailbox across provider processes, through the real pulumi CLI.

Each provider process lists the account once, so two processes creating monitors on the same
mailboxes at once both saw them free: two stacks of one account applied at the same time, and
one stack with two providers of one account (the native default provider and an explicit
``pulumi_alertsite.Provider``; each provider is its own plugin process). Every API call is held
200 ms so that the creates overlap. The rule: after its POST a create looks again, and of the
monitors on one mailbox the oldest stays; the creator of a newer one deletes it and fails.
Each scenario runs RUNS times and must leave no mailbox with two monitors.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.mailbox_guard import mailbox_key

from .harness import PulumiProject, Result
from .native_support import native_project
from .support import ADMIN_PASSWORD, ADMIN_USER, SpecProject, monitor_args

pytestmark = pytest.mark.engine

RUNS = 10
MONITORS = 3
LATENCY = [{"endpoint": "*", "kind": "latency", "latency_ms": 200}]
#: A bound on each command of a run (they take a few seconds).
COMMAND_TIMEOUT = 180.0


def start(project: PulumiProject, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["pulumi", *args, "--non-interactive"], cwd=project.root,
                            env=project.base_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen[str]) -> Result:
    argv = [str(a) for a in proc.args] if isinstance(proc.args, list) else [str(proc.args)]
    try:
        stdout, stderr = proc.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"`{' '.join(argv)}` ran over {COMMAND_TIMEOUT:g} s") from None
    return Result(argv, proc.returncode, stdout, stderr)


def duplicates(emulator: EmulatorControl) -> dict[str, int]:
    counts = Counter(mailbox_key(str(m["email"])) for m in emulator.monitors())
    return {mailbox: n for mailbox, n in counts.items() if n > 1}


def assert_state_matches_account(emulator: EmulatorControl, *ids: list[str]) -> None:
    """Every live monitor is in exactly one state, and every state id is live (no orphan)."""
    in_states = [i for one in ids for i in one]
    assert sorted(in_states) == sorted(str(m["id"]) for m in emulator.monitors())


def test_two_stacks_applied_at_once_make_one_monitor_per_mailbox(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    specs = [monitor_args(i) for i in range(MONITORS)]
    stacks = [spec_project(specs, name="stack-a"),
              spec_project([dict(s, email=s["email"].upper()) for s in specs], name="stack-b")]
    began = time.monotonic()
    for run in range(RUNS):
        emulator.set_faults(LATENCY)
        ups = [finish(proc) for proc in [start(p, "up", "--yes", "--skip-preview") for p in stacks]]
        assert duplicates(emulator) == {}, f"run {run}: {duplicates(emulator)}"
        assert len(emulator.monitors()) == MONITORS, f"run {run}"
        ids = [[str(r["id"]) for r in p.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)] for p in stacks]
        assert_state_matches_account(emulator, *ids)
        # Each mailbox lost by a stack failed that stack's up, naming the monitor that stayed.
        for up, held in zip(ups, ids, strict=True):
            lost = MONITORS - len(held)
            assert (up.returncode != 0) == (lost > 0), up.output[-3000:]
            # Refused before its POST, or deleted again after it ("made earlier").
            assert up.diagnostics.count("watches the mailbox") == lost, up.diagnostics
        emulator.clear_faults()
        destroys = [start(p, "destroy", "--yes", "--skip-preview") for p in stacks]
        for done in [finish(proc) for proc in destroys]:
            assert done.returncode == 0, done.output[-3000:]
        assert emulator.monitors() == []
    print(f"{RUNS} runs of two concurrent ups in {time.monotonic() - began:.1f} s")


def test_two_providers_of_one_account_in_one_stack_make_one_monitor(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = native_project(tmp_path / "two-providers", engine_bin, emulator.api_url,
                             name="two-providers", secrets={"samePassword": ADMIN_PASSWORD})
    explicit = {"same": {"base_url": emulator.api_url, "username": ADMIN_USER,
                         "password_key": "samePassword"}}
    project.set_spec([monitor_args(0, resource_name="by-default", email="same@example.com"),
                      {**monitor_args(1, resource_name="by-explicit", email="SAME@example.com"),
                       "options": {"provider": "same"}}], explicit)
    for run in range(RUNS):
        emulator.set_faults(LATENCY)
        up = project.up(check=False)
        assert duplicates(emulator) == {}, f"run {run}: {duplicates(emulator)}"
        (monitor,) = emulator.monitors()
        assert [str(r["id"]) for r in project.monitors()] == [str(monitor["id"])]
        assert up.returncode != 0
        assert up.diagnostics.count("watches the mailbox") == 1, up.diagnostics
        emulator.clear_faults()
        project.destroy()
        assert emulator.monitors() == []

