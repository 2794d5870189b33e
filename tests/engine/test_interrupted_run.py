"""A `pulumi up` killed half way (SIGKILL), then what a person or a pipeline does next.

The engine (3.260) leaves the creates that were in flight as pending operations, and some of
them had made their monitor. Whatever comes next, nothing is duplicated: a plain `pulumi up`
(after `pulumi cancel`) fails closed on the mailbox guard, naming the monitors;
`pulumi refresh --clear-pending-creates` or `--import-pending-creates` lose the pending
operations but not the monitors, and the next `up` fails the same way. `alertsite-pulumi
recover` settles every one of these states (adopt, or delete), after which `pulumi up`
converges: AlertSite holds exactly the monitors of the state, each once. Convergence is
measured from the emulator's monitors against the stack's state, not from a preview.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPES

from .harness import VENV, PulumiProject
from .support import MAILBOX_PASSWORD, SpecProject, monitor_args
from .test_examples import EXAMPLES, example_project, policy_args

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


def interrupted_up(project: PulumiProject, emulator: EmulatorControl, *,
                   made: Callable[[], int] | None = None, what: str = "monitor") -> None:
    """Start `pulumi up` with 200 ms per API call; SIGKILL it once KILL_AFTER objects exist
    (``made`` counts them: the emulator's monitors unless told)."""
    count = made or (lambda: len(emulator.monitors()))
    emulator.set_faults([{"endpoint": "*", "kind": "latency", "latency_ms": 200}])
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"],
                            cwd=project.root, env=project.base_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while count() < KILL_AFTER:
            assert proc.poll() is None, "pulumi up ended before it could be interrupted"
            assert time.monotonic() < deadline, f"no {what} was created in time"
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


def state_ids(project: PulumiProject) -> list[str]:
    """The ids of the monitor resources in the state, dynamic or native."""
    return [str(r["id"]) for kind in EMAIL_ROUND_TRIP_MONITOR_TYPES for r in project.resources(kind)]


def pending_creates(project: PulumiProject) -> list[str]:
    ops = project.export()["deployment"].get("pending_operations") or []
    return [op["resource"]["urn"] for op in ops if op["type"] == "creating"]


def recover(project: PulumiProject, *flags: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(VENV / "bin" / "alertsite-pulumi"), "recover", "--stack", project.stack,
                           "--cwd", str(project.root), *flags],
                          env=project.base_env(), capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0 or not check, done.stdout + done.stderr
    return done


def killed(project: PulumiProject, emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    """Kill a `pulumi up` half way and remove its lock; the orphans it left, by id."""
    interrupted_up(project, emulator)
    live = {str(m["id"]): m for m in emulator.monitors()}
    orphans = {i: m for i, m in live.items() if i not in set(state_ids(project))}
    pending = pending_creates(project)
    # The situation to recover from: creates left pending, and monitors no resource holds.
    assert pending, "the kill left no pending create"
    assert orphans, f"no orphan: {len(live)} monitors, {len(state_ids(project))} in the state"
    assert len(orphans) <= len(pending)
    # The file backend keeps the killed run's lock: `pulumi cancel` removes it.
    locked = project.up(check=False)
    assert locked.returncode != 0 and "locked" in locked.output
    project.run("cancel", "--yes")
    return orphans


REFUSAL = re.compile(r"Refusing to create monitor '([^']+)': AlertSite monitor (\d+) \('([^']+)'\) "
                     r"already watches the mailbox (\S+), ")


def refused_plain_up(project: PulumiProject, emulator: EmulatorControl,
                     orphans: dict[str, dict[str, Any]]) -> None:
    """A plain `pulumi up` refuses the orphans' resources by name and id, and duplicates none.

    The engine stops starting creates after the first failure, so the refused are the orphans
    whose resource it reached (at least one: the pending creates go first), and the run made
    fewer than all the monitors.
    """
    up = project.up(check=False)
    assert up.returncode != 0, up.output[-3000:]
    refused = REFUSAL.findall(up.diagnostics)
    assert refused, up.output[-6000:]
    for name, monitor_id, their_name, email in refused:
        assert monitor_id in orphans, (monitor_id, sorted(orphans))
        assert name == their_name == orphans[monitor_id]["name"] and email == orphans[monitor_id]["email"]
    assert len(refused) == len({r[1] for r in refused}) <= len(orphans)
    assert "run `alertsite-pulumi recover --stack <stack>`" in up.output and "adopt_monitor_id=" in up.output
    live = emulator.monitors()
    emails = Counter(m["email"] for m in live)
    assert max(emails.values()) == 1, "a monitor was duplicated"
    # Every monitor the state lacks is an orphan of the killed run, nothing else.
    assert {str(m["id"]) for m in live} - set(state_ids(project)) == set(orphans)


def assert_converged(project: PulumiProject, emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    """AlertSite holds exactly the state's monitors, one per resource: 0 orphans, 0 duplicates."""
    final = {str(m["id"]): m for m in emulator.monitors()}
    ids = state_ids(project)
    assert sorted(ids) == sorted(final), "AlertSite and the state disagree"
    assert len(ids) == MONITORS and pending_creates(project) == []
    names = Counter(m["name"] for m in final.values())
    emails = Counter(m["email"] for m in final.values())
    assert max(names.values()) == 1 and max(emails.values()) == 1
    assert set(names) == {f"Round trip {i}" for i in range(MONITORS)}
    return final


def recover_changes_nothing(project: PulumiProject) -> None:
    """recover again, with nothing left to settle: exit 0, and the state is left as it is."""
    before = project.export()["deployment"]
    assert "nothing to do" in recover(project).stdout
    after = project.export()["deployment"]
    assert after["resources"] == before["resources"]
    assert after.get("pending_operations") == before.get("pending_operations")


@pytest.mark.parametrize("mode", ["adopt", "delete"])
def test_killed_up_converges_after_recover(spec_project: Callable[..., SpecProject],
                                           emulator: EmulatorControl, mode: str) -> None:
    project = spec_project([monitor_args(i) for i in range(MONITORS)])
    orphans = killed(project, emulator)

    # --dry-run shows the decisions and changes nothing: not the state, not AlertSite.
    before = project.export()["deployment"]
    dry = recover(project, "--dry-run", f"--{mode}")
    would = "would adopt monitor " if mode == "adopt" else "would delete orphan monitor "
    assert dry.stdout.count(would) == len(orphans), dry.stdout
    after = project.export()["deployment"]
    assert after["resources"] == before["resources"]
    assert after.get("pending_operations") == before.get("pending_operations")
    assert set(orphans) <= {str(m["id"]) for m in emulator.monitors()}

    done = recover(project, f"--{mode}")
    verb = "adopted" if mode == "adopt" else "deleted"
    assert done.stdout.count(f"{verb} ") == len(orphans), done.stdout
    assert pending_creates(project) == []
    project.up()

    final = assert_converged(project, emulator)
    if mode == "adopt":
        assert set(orphans) <= set(final), "an adopted monitor was replaced"
    else:
        assert not set(orphans) & set(final), "a monitor recover deleted is still there"
    project.preview("--expect-no-changes")
    recover_changes_nothing(project)


def test_plain_up_after_a_kill_fails_closed_then_recover_converges(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    """The CI job killed, then re-run with `pulumi cancel` + `pulumi up` and no recover."""
    project = spec_project([monitor_args(i) for i in range(MONITORS)])
    orphans = killed(project, emulator)
    refused_plain_up(project, emulator, orphans)
    # The killed run's pending operations are still there; the re-run may have made some of
    # their resources (the engine stops starting creates at the first refusal, so which ones
    # depends on the order it met them in).
    pending = pending_creates(project)
    assert pending
    in_state = {str(r["urn"]) for r in project.resources()}
    made_again = [urn for urn in pending if urn in in_state]

    done = recover(project)
    assert done.stdout.count("adopted ") == len(orphans), done.stdout
    assert done.stdout.count("already in the state") == len(made_again), done.stdout
    project.up()
    final = assert_converged(project, emulator)
    assert set(orphans) <= set(final)
    project.preview("--expect-no-changes")
    recover_changes_nothing(project)


@pytest.mark.parametrize("how", ["clear", "import"])
def test_refresh_of_pending_creates_duplicates_nothing(spec_project: Callable[..., SpecProject],
                                                       emulator: EmulatorControl, how: str) -> None:
    """`pulumi refresh --clear-pending-creates` / `--import-pending-creates URN ID` (what the
    engine's warning points to) lose the interrupted creates, not their monitors."""
    project = spec_project([monitor_args(i) for i in range(MONITORS)])
    orphans = killed(project, emulator)
    if how == "clear":
        project.refresh("--clear-pending-creates")
    else:
        urns = {str(op["resource"]["inputs"]["email"]): op["resource"]["urn"]
                for op in project.export()["deployment"]["pending_operations"]}
        pairs = [arg for monitor_id, monitor in orphans.items()
                 for arg in ("--import-pending-creates", urns[monitor["email"]],
                             "--import-pending-creates", monitor_id)]
        project.refresh(*pairs)
    assert {str(m["id"]) for m in emulator.monitors()} - set(state_ids(project)) == set(orphans)
    refused_plain_up(project, emulator, orphans)

    done = recover(project)
    assert done.stdout.count("adopted ") == len(orphans), done.stdout
    project.up()
    assert set(orphans) <= set(assert_converged(project, emulator))
    project.preview("--expect-no-changes")
    recover_changes_nothing(project)


def merge_job_commands() -> dict[str, list[str]]:
    """The commands of the merge job in examples/policy-gated's two pipeline files."""
    root = EXAMPLES / "policy-gated"
    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text())["alertsite-monitors:up"]["script"]
    workflow = yaml.safe_load((root / ".github" / "workflows" / "monitors.yml").read_text())
    github = [line.strip() for step in workflow["jobs"]["gate"]["steps"]
              if step.get("if") == "github.event_name == 'push'"
              for line in step["run"].splitlines() if line.strip()]
    return {"gitlab": list(gitlab), "github": github}


def test_the_pipelines_run_recover_before_up_idempotently(tmp_path: Path, engine_bin: Path,
                                                          emulator: EmulatorControl) -> None:
    """The recipe of examples/policy-gated, run as its pipeline files write it: on a new stack, on
    a stack with an orphan whose interrupted create was cleared, and again with nothing to do."""
    jobs = merge_job_commands()
    assert jobs["github"] == jobs["gitlab"], jobs
    commands = jobs["github"]
    assert [c.split()[0].rsplit("/", 1)[-1] + " " + c.split()[1] for c in commands] == [
        "pulumi cancel", "alertsite-pulumi recover", "pulumi up", "alertsite-pulumi verify"], commands
    # AlertSite's tests on demand pass (the example's mail servers are not real: tests/mail runs
    # them for real), so the job's verify step is the gate it is in a pipeline.
    emulator.update_settings(tod_outcome="ok")
    names = ("inbound-mx", "outbound-relay", "password-reset")
    project = example_project("policy-gated", tmp_path, engine_bin, emulator, secret_paths={
        f"mailboxPasswords.{name}": MAILBOX_PASSWORD for name in names})
    # The pipelines' variables (absolute: the example runs from a copy); left unset, the commands
    # refuse to run (`--policy-pack ""` would run no pack at all).
    _, pack, _, config = policy_args(project.root)
    env = {**project.base_env(), "STACK": project.stack, "POLICY_PACK": pack, "POLICY_CONFIG": config}

    def merge_job() -> str:
        output = []
        for command in commands:
            done = subprocess.run(["bash", "-c", command.replace("../../.venv", str(VENV))],
                                  cwd=project.root, env=env, capture_output=True, text=True, check=False,
                                  timeout=600)
            assert done.returncode == 0, f"{command}:\n{done.stdout}{done.stderr}"
            output.append(done.stdout)
        return "\n".join(output)

    first = merge_job()
    assert "nothing to do" in first                    # a new stack: recover changes nothing
    assert "alertsite-round-trip@v" in first, first    # and the up ran the pack
    assert sorted(state_ids(project)) == sorted(str(m["id"]) for m in emulator.monitors())
    assert len(state_ids(project)) == 3

    # What a killed run followed by `pulumi refresh --clear-pending-creates` leaves: a monitor
    # in AlertSite that no resource holds, and no pending operation to tell whose it is.
    exported = project.export()
    resources = exported["deployment"]["resources"]
    (relay,) = [r for r in resources if str(r["urn"]).endswith("::outbound-relay")]
    exported["deployment"]["resources"] = [r for r in resources if r is not relay]
    state_file = project.root / "orphaned.json"
    state_file.write_text(json.dumps(exported))
    project.run("stack", "import", "--file", str(state_file))
    emulator.reset_requests()
    output = merge_job()
    assert f"outbound-relay: adopted monitor {relay['id']} into the state" in output, output
    assert emulator.requests()["by_endpoint"]["create"] == 0
    assert sorted(state_ids(project)) == sorted(str(m["id"]) for m in emulator.monitors())
    assert len(state_ids(project)) == 3
    assert "nothing to do" in merge_job()              # and again: nothing changes
    project.preview("--expect-no-changes", *policy_args(project.root))
