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


FAILING_PROGRAM = '''
import pulumi
from alertsite_pulumi import get_monitor, list_monitors

if pulumi.Config().get("lookUp") == "get":
    get_monitor("424242")
else:
    list_monitors()
'''
WRONG_PASSWORD = "wrong-alertsite-pw-7"


def test_a_failed_look_up_is_one_error_naming_it_and_its_cause_without_a_traceback(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = PulumiProject(root=tmp_path / "failing", bin_dir=engine_bin, name="failing")
    project.write(FAILING_PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER,
                         "lookUp": "get"},
                 secrets={"alertsite:password": ADMIN_PASSWORD})

    def failed(command: str, *, env: dict[str, str] | None = None) -> str:
        result = project.run(command, *(("--yes", "--skip-preview") if command == "up" else ()),
                             env=env, check=False)
        assert result.returncode != 0
        assert "Traceback" not in result.output and 'File "' not in result.output
        assert ADMIN_PASSWORD not in result.output and WRONG_PASSWORD not in result.output
        return result.output

    # A missing id: the look-up, the call and AlertSite's answer, at preview and at up.
    for command in ("preview", "up"):
        shown = failed(command)
        assert "alertsite_pulumi.get_monitor('424242') failed: " in shown
        assert "(GET /monitors/424242 -> HTTP 404)" in shown

    # A refused login.
    project.run("config", "set", "lookUp", "list")
    project.run("config", "set", "--secret", "alertsite:password", WRONG_PASSWORD)
    shown = failed("up")
    assert "alertsite_pulumi.list_monitors() failed: " in shown and "HTTP 400" in shown

    # The API out of reach, and credentials missing altogether.
    project.run("config", "rm", "alertsite:baseUrl")
    shown = failed("up", env={"ALERTSITE_BASE_URL": NOWHERE})
    assert "alertsite_pulumi.list_monitors() failed: " in shown and "connection refused" in shown
    project.run("config", "rm", "alertsite:password")
    shown = failed("up", env={"ALERTSITE_BASE_URL": NOWHERE})
    assert "alertsite_pulumi.list_monitors() failed: No AlertSite credentials" in shown
    assert emulator.monitors() == []
