"""The README's main-job command, run as a user runs it (state in a temporary directory)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .harness import REPO


def main_job(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PULUMI_", "ALERTSITE_", "VIRTUAL_ENV"))}
    env.update({"ALERTSITE_STATE_DIR": str(state), "PULUMI_HOME": str(state / "home")})
    return subprocess.run(["bash", str(REPO / "scripts" / "main-job"), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def test_main_job_brings_up_the_configured_monitors_and_a_rerun_changes_nothing(
        tmp_path: Path, engine_bin: Path) -> None:
    first = main_job(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "using the local emulator" in first.stderr
    assert "4 created" in first.stdout
    for name in ("Support mailbox round trip", "Billing mailbox round trip", "Alerts relay round trip"):
        assert name in first.stdout
    assert "3 round-trip monitors" in first.stdout + first.stderr
    # The job's emulator runs no monitors: none has a status, and none shows an invented "0 OK".
    assert first.stdout.count("no status yet") == 3 and "0 OK" not in first.stdout
    assert (tmp_path / "emulator.db").exists()

    second = main_job(tmp_path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "4 unchanged" in second.stdout
    assert " created" not in second.stdout and "updated" not in second.stdout
    assert "3 round-trip monitors" in second.stdout + second.stderr

    down = main_job(tmp_path, "destroy")
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    assert "4 deleted" in down.stdout
    after = main_job(tmp_path, "preview")
    assert "+ 4 to create" in after.stdout


def test_with_an_account_set_the_main_job_wants_the_live_stack_not_the_emulator(
        tmp_path: Path, engine_bin: Path) -> None:
    """ALERTSITE_USERNAME and ALERTSITE_PASSWORD (or a token) set: the stack `live`, never the
    emulator; with no Pulumi.live.yaml it says how to write one, before any change."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PULUMI_", "ALERTSITE_", "VIRTUAL_ENV"))}
    env.update({"ALERTSITE_STATE_DIR": str(tmp_path), "PULUMI_HOME": str(tmp_path / "home")})
    assert not (REPO / "Pulumi.live.yaml").exists()
    for account in ({"ALERTSITE_USERNAME": "ops@example.com", "ALERTSITE_PASSWORD": "account-Pw-4"},
                    {"ALERTSITE_ACCESS_TOKEN": "0123456789abcdef0123456789abcdef"}):
        done = subprocess.run(["bash", str(REPO / "scripts" / "main-job")], cwd=REPO, env={**env, **account},
                              capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
        assert "Pulumi.live.yaml is missing" in done.stderr
        assert "alertsite-pulumi export --format stack-config --stack live -o Pulumi.live.yaml" in done.stderr
        assert "using the local emulator" not in done.stderr
        assert "account-Pw-4" not in done.stdout + done.stderr
    assert not (tmp_path / "emulator.db").exists()
