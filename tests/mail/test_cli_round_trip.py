"""``alertsite-pulumi round-trip`` in-process, against the real mail servers and the emulator:
exit codes, human and JSON output, the password only from the environment or stdin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import ADMIN

from alertsite_pulumi.cli import cli
from alertsite_pulumi.emulator import EmulatorControl

from .conftest import MailServers, MailUser

VIEW_NOTE = "this machine's view, not AlertSite's"


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None,
           secrets: tuple[str, ...] = ()) -> Result:
    base = {"ALERTSITE_MAILBOX_PASSWORD": "", "ALERTSITE_BASE_URL": "", "ALERTSITE_USERNAME": "",
            "ALERTSITE_PASSWORD": "", "ALERTSITE_ACCESS_TOKEN": ""}
    result = CliRunner().invoke(cli, list(args), env={**base, **(env or {})}, input=input)
    for secret in secrets:
        assert secret not in result.output and secret not in result.stderr
    return result


def mailbox_args(servers: MailServers, user: MailUser, *extra: str) -> list[str]:
    return ["round-trip", "--smtp", servers.starttls.url(), "--pop3", servers.pop3s, "--email", user.email,
            "--username", user.name, "--cafile", str(servers.ca_file), "--trip-timeout", "10", *extra]


def test_a_good_trip_exits_0_and_shows_every_step(mail_servers: MailServers, mail_user: MailUser) -> None:
    env = {"ALERTSITE_MAILBOX_PASSWORD": mail_user.password}
    result = invoke(*mailbox_args(mail_servers, mail_user), env=env, secrets=(mail_user.password,))
    assert result.exit_code == 0, result.output + result.stderr
    for step in ("pop3.login", "smtp.starttls", "smtp.data", "pop3.poll", "pop3.dele", "pop3.quit"):
        assert f"ok    {step}" in result.stdout
    assert "result: OK in" in result.stdout and "the probe message was deleted" in result.stdout
    assert VIEW_NOTE in result.stderr
    assert mail_user.messages() == []


def test_json_for_pipelines_and_a_wrong_password_from_stdin(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    wrong = "Stdin-Wrong-Pw-31"
    result = invoke(*mailbox_args(mail_servers, mail_user, "--json", "--password-stdin"), input=wrong + "\n",
                    secrets=(wrong, mail_user.password))
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False and VIEW_NOTE in document["note"]
    (trip,) = document["trips"]
    assert trip["failed_step"] == "pop3.login" and trip["code"] == 9104 and trip["code_origin"] == "own"
    assert trip["cleanup"] == "not-sent" and trip["steps"][-1]["ok"] is False
    good = invoke(*mailbox_args(mail_servers, mail_user, "--json", "--password-stdin"),
                  input=mail_user.password + "\n", secrets=(mail_user.password,))
    assert good.exit_code == 0 and json.loads(good.stdout)["trips"][0]["code"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["round-trip", "--smtp", "smtp://127.0.0.1", "--pop3", "pop3://127.0.0.1", "--email", "a@b.example"],
         "also needs --username"),
        (["round-trip", "--smtp", "smtp://127.0.0.1", "--pop3", "pop3://127.0.0.1", "--email", "a@b.example",
          "--username", "a"], "no mailbox password"),
        (["round-trip", "--monitor", "1", "--smtp", "smtp://127.0.0.1"], "not both"),
        (["round-trip", "--smtp", "http://127.0.0.1", "--pop3", "pop3://127.0.0.1", "--email", "a@b.example",
          "--username", "a", "--password-stdin"], "smtp server 'http://127.0.0.1'"),
        (["round-trip", "--trip-timeout", "0"], "--trip-timeout"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = invoke(*args, input="Some-Pw-1\n", secrets=("Some-Pw-1",))
    assert result.exit_code == 2
    assert message in result.stderr


def _seed(emulator: EmulatorControl, servers: MailServers, user: MailUser, **fields: Any) -> str:
    return emulator.seed_monitor({
        "billing_plancode": "UBM - A/A", "name": "seeded", "smtp_hostname": servers.plain.url(),
        "pop3_hostname": servers.pop3, "email": user.email, "email_username": user.name,
        "email_password": user.password, "timeout": 10, **fields,
    })


def test_a_monitor_from_the_api(
    emulator: EmulatorControl, mail_servers: MailServers, mail_user: MailUser
) -> None:
    monitor_id = _seed(emulator, mail_servers, mail_user)
    env = {"ALERTSITE_BASE_URL": emulator.api_url, "ALERTSITE_USERNAME": ADMIN[0],
           "ALERTSITE_PASSWORD": ADMIN[1], "ALERTSITE_MAILBOX_PASSWORD": mail_user.password}
    result = invoke("round-trip", "--monitor", monitor_id, env=env, secrets=(mail_user.password, ADMIN[1]))
    assert result.exit_code == 0, result.output + result.stderr
    assert f"round trip of monitor {monitor_id} 'seeded': {mail_user.email}" in result.stdout
    assert "timeout 10 s" in result.stdout
    missing = invoke("round-trip", "--monitor", "999999999", env=env, secrets=(ADMIN[1],))
    assert missing.exit_code == 2 and "404" in missing.stderr


def test_credentials_in_a_url_are_never_shown(
    emulator: EmulatorControl, mail_servers: MailServers, mail_user: MailUser
) -> None:
    # A monitor made outside Pulumi may hold them; the probe refuses such a URL as the resource
    # does, and shows it only masked.
    monitor_id = _seed(emulator, mail_servers, mail_user, pop3_hostname="pop3://rt1:TopSecret99@127.0.0.1:1")
    env = {"ALERTSITE_BASE_URL": emulator.api_url, "ALERTSITE_USERNAME": ADMIN[0],
           "ALERTSITE_PASSWORD": ADMIN[1], "ALERTSITE_MAILBOX_PASSWORD": mail_user.password}
    for extra in ([], ["--json"]):
        result = invoke("round-trip", "--monitor", monitor_id, *extra, env=env,
                        secrets=("TopSecret99", "rt1:", mail_user.password, ADMIN[1]))
        assert result.exit_code == 2
        assert "pop3 server 'pop3://***@127.0.0.1:1'" in result.stderr
        assert "must not carry credentials in the URL" in result.stderr
    given = invoke("round-trip", "--smtp", mail_servers.plain.url(), "--pop3", "pop3://user:Pw-In-Url-7@127.0.0.1:1",
                   "--email", mail_user.email, "--username", mail_user.name, env=env,
                   secrets=("Pw-In-Url-7", "user:", mail_user.password))
    assert given.exit_code == 2 and "'pop3://***@127.0.0.1:1'" in given.stderr
