"""A `pulumi up` of native monitors killed half way (SIGKILL), then a plain re-run and
`alertsite-pulumi recover`: as for the dynamic resource (test_interrupted_run.py), nothing is
duplicated and recover settles what the killed creates made, measured from the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .native_support import native_project
from .support import ADMIN_PASSWORD, ADMIN_USER, monitor_args
from .test_interrupted_run import (
    MONITORS,
    assert_converged,
    killed,
    pending_creates,
    recover,
    recover_changes_nothing,
    refused_plain_up,
)

pytestmark = pytest.mark.engine


def test_plain_up_after_a_kill_fails_closed_then_recover_converges(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = native_project(tmp_path / "native", engine_bin, emulator.api_url, name="native-killed",
                             monitors=[monitor_args(i) for i in range(MONITORS)],
                             secrets={"acctPassword": ADMIN_PASSWORD})
    orphans = killed(project, emulator)
    refused_plain_up(project, emulator, orphans)
    assert pending_creates(project)

    done = recover(project)
    assert done.stdout.count("adopted ") == len(orphans), done.stdout
    project.up()
    final = assert_converged(project, emulator)
    assert set(orphans) <= set(final), "an adopted monitor was replaced"
    project.preview("--expect-no-changes")
    recover_changes_nothing(project)
    # The adopted monitors are whole resources: refresh reads them back unchanged.
    project.refresh("--expect-no-changes")


def test_an_interrupted_create_through_an_explicit_provider_is_reported_not_guessed(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = native_project(tmp_path / "native", engine_bin, emulator.api_url, name="native-killed",
                             monitors=[monitor_args(i) for i in range(MONITORS)],
                             secrets={"acctPassword": ADMIN_PASSWORD})
    providers = {"acct": {"base_url": emulator.api_url, "username": ADMIN_USER,
                          "password_key": "acctPassword"}}
    project.set_spec([{**monitor_args(i), "options": {"provider": "acct"}} for i in range(MONITORS)],
                     providers)
    orphans = killed(project, emulator)
    before = project.export()["deployment"]
    done = recover(project, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "its interrupted create went through the explicit provider 'acct'" in done.stdout
    assert "adopt_monitor_id" in done.stderr and "Traceback" not in done.stderr
    after = project.export()["deployment"]
    assert after.get("pending_operations") == before.get("pending_operations")
    assert {str(m["id"]) for m in emulator.monitors()} >= set(orphans), "recover deleted a monitor"
    # What the message promises: the next `up` refuses each such resource, naming its monitor.
    refused_plain_up(project, emulator, orphans)
