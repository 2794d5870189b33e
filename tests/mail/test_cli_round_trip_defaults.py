"""Two promises of `alertsite-pulumi round-trip` as a user meets them: a certificate expiring
within the default `--cert-warning-days` (14) is a warning, and the mailbox password is never
an option."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from alertsite_pulumi.cli import cli

from .conftest import MailServers, MailUser, expiring_cert


def invoke(*args: str, env: dict[str, str]) -> Result:
    base = {"ALERTSITE_MAILBOX_PASSWORD": "", "ALERTSITE_BASE_URL": "", "ALERTSITE_USERNAME": "",
            "ALERTSITE_PASSWORD": "", "ALERTSITE_ACCESS_TOKEN": ""}
    return CliRunner().invoke(cli, list(args), env={**base, **env})


def test_the_default_warns_of_a_certificate_expiring_within_14_days(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    env = {"ALERTSITE_MAILBOX_PASSWORD": mail_user.password}
    warned = {}
    for days in (13, 15):
        server = mail_servers.start_smtps(expiring_cert(mail_servers.ca, days=days))
        result = invoke("round-trip", "--smtp", server.url("smtps"), "--pop3", mail_servers.pop3s,
                        "--email", mail_user.email, "--username", mail_user.name,
                        "--cafile", str(mail_servers.ca_file), "--trip-timeout", "10", "--json", env=env)
        assert result.exit_code == 0, result.output + result.stderr
        assert mail_user.password not in result.output + result.stderr
        (trip,) = json.loads(result.stdout)["trips"]
        warned[days] = trip["warnings"]
    assert len(warned[13]) == 1 and "expires in" in warned[13][0]
    assert warned[15] == []
    assert mail_user.messages() == []


def test_the_mailbox_password_is_never_an_option() -> None:
    result = invoke("round-trip", "--smtp", "smtp://127.0.0.1", "--pop3", "pop3://127.0.0.1",
                    "--email", "a@b.example", "--username", "a", "--password", "Option-Pw-9", env={})
    assert result.exit_code == 2
    assert "No such option" in result.stderr and "Option-Pw-9" not in result.stderr
