"""`alertsite_pulumi.get_monitor(id)` and `list_monitors()` inside a program take their settings
from the `alertsite:*` stack config, then the environment (the README's "Using the provider")."""

from __future__ import annotations

from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, monitor_args

PROGRAM = '''
import pulumi
from alertsite_pulumi import get_monitor, list_monitors

listed = list_monitors()
pulumi.export("names", sorted(m["name"] for m in listed))
one = get_monitor(str(listed[0]["id"]))
pulumi.export("one", {"name": one["name"], "interval": one["interval"],
                      "has_password": "email_password" in one})
'''
#: Nothing listens here: a look-up that used it would fail.
NOWHERE = "http://127.0.0.1:9/api/v3"


def test_look_ups_take_stack_config_then_the_environment(tmp_path: Path, engine_bin: Path,
                                                         emulator: EmulatorControl) -> None:
    emulator.seed_monitor({k: v for k, v in monitor_args(4, interval=30).items() if k != "resource_name"}
                          | {"email_password": "seeded-mailbox-pw-6"})
    project = PulumiProject(root=tmp_path / "lookups", bin_dir=engine_bin, name="lookups")
    project.write(PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD})
    expected = {"names": ["Round trip 4"],
                "one": {"name": "Round trip 4", "interval": 30, "has_password": False}}

    # The stack config wins over the environment.
    up = project.run("up", "--yes", "--skip-preview", env={"ALERTSITE_BASE_URL": NOWHERE})
    assert "seeded-mailbox-pw-6" not in up.output
    assert project.stack_outputs() == expected

    # With no alertsite:baseUrl in the stack config, the environment's is used.
    project.run("config", "rm", "alertsite:baseUrl")
    project.run("up", "--yes", "--skip-preview", env={"ALERTSITE_BASE_URL": emulator.api_url})
    assert project.stack_outputs() == expected
    failed = project.run("up", "--yes", "--skip-preview", env={"ALERTSITE_BASE_URL": NOWHERE}, check=False)
    assert failed.returncode != 0 and "connection refused" in failed.output
