"""A `pulumi up` killed half way (SIGKILL), then the recovery procedure of the README.

The engine (3.260) leaves the creates that were in flight as pending operations; a plain
`pulumi up` creates them again, so a monitor whose POST had succeeded becomes an orphan
duplicate. `alertsite-pulumi recover` settles them (adopt, or delete), after which the
stack converges: AlertSite holds exactly the monitors of the state, each once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl

from .harness import VENV
from .support import SpecProject, monitor_args

MONITORS = 40
KILL_AFTER = 10


def session_pids(session: int) -> list[int]:
    """Every live process of a session (the CLI, its language host and provider plugins,
    which run in process groups of their own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session:
            pids.append(int(entry.name))
    return pids


def kill_session(session: int) -> None:
    for pid in session_pids(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def interrupted_up(project: SpecProject, emulator: EmulatorControl) -> None:
    """Start `pulumi up` with 200 ms per API call; SIGKILL it once KILL_AFTER monitors exist."""
    emulator.set_faults([{"endpoint": "*", "kind": "latency", "latency_ms": 200}])
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"],
                            cwd=project.root, env=project.base_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(emulator.monitors()) < KILL_AFTER:
            assert proc.poll() is None, "pulumi up ended before it could be interrupted"
            assert time.monotonic() < deadline, "no monitor was created in time"
            time.sleep(0.02)
    finally:
        # SIGKILL the CLI's whole session (a CI runner killing the job does the same).
        kill_session(proc.pid)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while session_pids(proc.pid):
        assert time.monotonic() < deadline, "processes of the killed run survived"
        time.sleep(0.05)
    emulator.clear_faults()


def state_ids(project: SpecProject) -> list[str]:
    return [str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)]


def pending_creates(project: SpecProject) -> list[str]:
    ops = project.export()["deployment"].get("pending_operations") or []
    return [op["resource"]["urn"] for op in ops if op["type"] == "creating"]


def recover(project: SpecProject, *flags: str) -> subprocess.CompletedProcess[str]:
    env = project.base_env()
    done = subprocess.run([str(VENV / "bin" / "alertsite-pulumi"), "recover", "--stack", project.stack,
                           "--cwd", str(project.root), *flags],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.parametrize("mode", ["adopt", "delete"])
def test_killed_up_converges_after_recover(spec_project: Callable[..., SpecProject],
                                           emulator: EmulatorControl, mode: str) -> None:
    project = spec_project([monitor_args(i) for i in range(MONITORS)])
    interrupted_up(project, emulator)

    live = {str(m["id"]) for m in emulator.monitors()}
    in_state = set(state_ids(project))
    orphans = live - in_state
    pending = pending_creates(project)
    # The situation to recover from: creates left pending, and monitors no resource holds.
    assert pending, "the kill left no pending create"
    assert orphans, f"no orphan: {len(live)} monitors, {len(in_state)} in the state"
    assert len(orphans) <= len(pending)

    # The file backend keeps the killed run's lock: `pulumi cancel` removes it.
    locked = project.up(check=False)
    assert locked.returncode != 0 and "locked" in locked.output
    project.run("cancel", "--yes")

    done = recover(project, f"--{mode}")
    verb = "adopted" if mode == "adopt" else "deleted"
    assert done.stdout.count(f"{verb} ") == len(orphans), done.stdout
    assert pending_creates(project) == []
    project.refresh()
    project.up()

    final = {str(m["id"]): m for m in emulator.monitors()}
    ids = state_ids(project)
    assert sorted(ids) == sorted(final), "AlertSite and the state disagree"
    assert len(ids) == MONITORS
    names = Counter(m["name"] for m in final.values())
    emails = Counter(m["email"] for m in final.values())
    assert max(names.values()) == 1 and max(emails.values()) == 1
    assert set(names) == {f"Round trip {i}" for i in range(MONITORS)}
    if mode == "adopt":
        assert orphans <= set(final), "an adopted monitor was replaced"
    else:
        assert not orphans & set(final), "a monitor recover deleted is still there"
    project.preview("--expect-no-changes")
    # A second recover has nothing left to do.
    assert "nothing to do" in recover(project).stdout


def test_plain_up_after_a_kill_duplicates_monitors(spec_project: Callable[..., SpecProject],
                                                   emulator: EmulatorControl) -> None:
    """Why recover exists: with the pinned engine, cancel + up re-creates the pending creates."""
    project = spec_project([monitor_args(i) for i in range(MONITORS)])
    interrupted_up(project, emulator)
    orphans = {str(m["id"]) for m in emulator.monitors()} - set(state_ids(project))
    assert orphans
    project.run("cancel", "--yes")
    project.up()
    final = emulator.monitors()
    assert len(final) == MONITORS + len(orphans)
    assert len(state_ids(project)) == MONITORS
    assert orphans.isdisjoint(state_ids(project))
