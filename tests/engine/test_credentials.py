"""Credentials taken at run time: a rotated password or a removed token after the last `up`.

`pulumi refresh` and `pulumi destroy` run no program: the engine configures the provider
with the stack config stored at the last `up`, and the provider process gets no other sight
of the current `alertsite:*` keys. So in them the environment wins over that stored config,
a stored token never shadows a stored login, and `--run-program` makes the engine hand
over the current config.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, ADMIN_USER, SpecProject

ROTATED = "rotated-admin-password-2"


def rotate(emulator: EmulatorControl, password: str) -> None:
    """The account's password changes in AlertSite: the old one is refused from now on."""
    emulator.add_user(ADMIN_USER, password)


def test_the_new_password_in_the_environment_serves_refresh_and_destroy(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    # While the program runs, the current stack config wins over the environment.
    project.run("up", "--yes", "--skip-preview", env={"ALERTSITE_PASSWORD": "not-the-password"})
    rotate(emulator, ROTATED)
    env = {"ALERTSITE_PASSWORD": ROTATED}
    project.run("refresh", "--yes", "--skip-preview", "--expect-no-changes", env=env)
    project.run("destroy", "--yes", "--skip-preview", env=env)
    assert emulator.monitors() == [] and project.resources() == []


def test_a_password_rotated_in_stack_config_needs_run_program(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    project.up()
    rotate(emulator, ROTATED)
    project.run("config", "set", "--secret", "alertsite:password", ROTATED)
    # The engine hands plain refresh and destroy the password stored at the last up: the
    # refusal says how to pass the current one.
    for command in (project.refresh, project.destroy):
        result = command(check=False)
        assert result.returncode != 0
        assert "AlertSite refused the login" in result.output
        assert "run them with --run-program (or PULUMI_RUN_PROGRAM=true)" in result.output
    assert len(emulator.monitors()) == 1
    project.refresh("--run-program", "--expect-no-changes")
    rotate(emulator, ROTATED + "-again")
    project.run("config", "set", "--secret", "alertsite:password", ROTATED + "-again")
    project.destroy("--run-program")
    assert emulator.monitors() == [] and project.resources() == []


def test_a_removed_access_token_is_not_used(spec_project: Callable[..., SpecProject],
                                            emulator: EmulatorControl) -> None:
    login = requests.post(f"{emulator.api_url}/access-tokens", timeout=10,
                          json={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    project = spec_project()
    project.run("config", "set", "--secret", "alertsite:accessToken", login.json()["access_token"])
    emulator.reset_requests()
    project.up()
    assert emulator.requests()["by_endpoint"]["login"] == 0  # the token was used as given
    project.run("config", "rm", "alertsite:accessToken")
    emulator.expire_tokens()
    # The state still holds the token; the stored username and password go first.
    project.refresh("--expect-no-changes")
    project.destroy()
    assert emulator.monitors() == [] and project.resources() == []
