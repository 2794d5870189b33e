"""The installed `alertsite-pulumi` console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from factories import ADMIN

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.policy_pack import PACK_DIR

from .cli_helpers import ALERTSITE_VARIABLES, WRONG_PASSWORD, assert_no_secrets, monitor_body, seed

SCRIPT = Path(sys.executable).with_name("alertsite-pulumi")


def script(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(SCRIPT), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=60, check=False)
    assert_no_secrets(done.stdout)
    assert_no_secrets(done.stderr)
    return done


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ALERTSITE_VARIABLES}
    env.update(values)
    return env


def test_the_console_script_lists_exports_and_checks(emulator: EmulatorControl, tmp_path: Path) -> None:
    ids = seed(emulator, [monitor_body(i) for i in range(3)])
    env = clean_env(ALERTSITE_BASE_URL=emulator.api_url, ALERTSITE_USERNAME=ADMIN[0],
                    ALERTSITE_PASSWORD=ADMIN[1])

    listed = script("monitors", "list", "--format", "json", env=env)
    exported = script("export", "--format", "python", "--output", str(tmp_path), env=env)
    doctor = script("doctor", env=env)

    assert listed.returncode == 0, listed.stderr
    assert [m["id"] for m in json.loads(listed.stdout)] == ids
    assert exported.returncode == 0, exported.stderr
    compile((tmp_path / "__main__.py").read_text(), "__main__.py", "exec")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "ok   write:" in doctor.stdout


def test_the_console_script_fails_with_a_message_not_a_traceback(emulator: EmulatorControl) -> None:
    env = clean_env(ALERTSITE_BASE_URL=emulator.api_url, ALERTSITE_USERNAME=ADMIN[0])

    refused = script("--password-stdin", "monitors", "list", env=env, stdin=WRONG_PASSWORD + "\n")
    no_password = script("monitors", "list", env=env)

    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert refused.stderr.startswith("Error: AlertSite refused the login")
    assert no_password.returncode == 1
    assert "alertsite:password (or ALERTSITE_PASSWORD)" in no_password.stderr
    assert "Traceback" not in no_password.stderr


def test_help_lists_the_commands() -> None:
    done = script("--help", env=clean_env())

    assert done.returncode == 0
    for command in ("monitors", "export", "doctor"):
        assert command in done.stdout


def test_policy_pack_path_prints_the_pack_and_its_launcher() -> None:
    pack = script("policy-pack", "path", env=clean_env())
    launcher = script("policy-pack", "path", "--launcher", env=clean_env())

    assert pack.returncode == 0 and launcher.returncode == 0, pack.stderr + launcher.stderr
    assert pack.stderr == "", "pulumi-policy is installed here: no warning expected"
    pack_dir = Path(pack.stdout.strip())
    assert pack_dir == PACK_DIR == pack_dir.resolve()
    assert (pack_dir / "PulumiPolicy.yaml").is_file() and (pack_dir / "__main__.py").is_file()
    assert Path(launcher.stdout.strip()) == pack_dir / "run-policy-pack"
    assert os.access(launcher.stdout.strip(), os.X_OK)
