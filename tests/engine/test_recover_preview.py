"""`alertsite-pulumi recover` runs `pulumi preview` only when the account holds monitors the stack
does not reference (the README's "An interrupted `pulumi up`"), so that running it before every
`up` in a pipeline costs a stack export, not a preview.

Which `pulumi` commands it ran is recorded by a shell script placed before the real CLI on PATH,
which logs its arguments and then runs the real CLI with them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl

from .harness import VENV
from .support import SpecProject, monitor_args


def test_recover_previews_only_when_an_unreferenced_monitor_exists(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl, tmp_path: Path,
        engine_bin: Path) -> None:
    project = spec_project()
    project.up()
    calls = tmp_path / "pulumi-calls.log"
    recording = tmp_path / "recording-bin"
    recording.mkdir()
    (recording / "pulumi").write_text(
        f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{engine_bin / "pulumi"}" "$@"\n')
    (recording / "pulumi").chmod(0o755)

    def recover() -> str:
        env = project.base_env()
        env["PATH"] = f"{recording}:{env['PATH']}"
        calls.write_text("")
        done = subprocess.run([str(VENV / "bin" / "alertsite-pulumi"), "recover", "--stack", project.stack,
                               "--cwd", str(project.root)], env=env, capture_output=True, text=True,
                              check=False, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "nothing to do" in done.stdout
        return calls.read_text()

    ran = recover()
    assert "stack export" in ran and "preview" not in ran
    # A monitor the stack does not reference (another team's, say): now recover must ask the
    # program what it would create, and still changes nothing.
    emulator.seed_monitor({k: v for k, v in monitor_args(9).items() if k != "resource_name"})
    before = project.export()["deployment"]["resources"]
    ran = recover()
    assert "preview" in ran
    assert project.export()["deployment"]["resources"] == before
    assert len(emulator.monitors()) == 2
