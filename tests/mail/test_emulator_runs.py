"""``alertsite-emulator --run-monitors`` against real mail servers: a monitor turns green,
then red with the failed step once the mailbox password changes; monitors off loopback are
not run."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from factories import ADMIN

from alertsite_pulumi.cli import cli

from .conftest import MailServers, MailUser
from .emulator_process import Emulator, emulator_process, wait_for


def _ran(emulator: Emulator, monitor_id: str, code: str) -> dict[str, Any] | None:
    status = emulator.last_status(monitor_id)
    return status if status is not None and status["code"] == code else None


def listed_status(emulator: Emulator, monitor_id: str) -> str:
    """The status column of ``alertsite-pulumi monitors list`` for one monitor."""
    env = {"ALERTSITE_BASE_URL": emulator.api_url, "ALERTSITE_USERNAME": ADMIN[0],
           "ALERTSITE_PASSWORD": ADMIN[1]}
    result = CliRunner().invoke(cli, ["monitors", "list"], env=env)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.rstrip().endswith("status")
    row = next(r for r in rows if r.startswith(f"{monitor_id} "))
    return row[header.index("status"):].strip()


def test_a_monitor_turns_green_then_red_after_the_mailbox_password_changes(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    args = ("--run-monitors", "--time-scale", "300", "--mail-cafile", str(mail_servers.ca_file))
    with emulator_process(*args) as emulator:
        monitor_id = emulator.create(
            smtp_hostname=mail_servers.starttls.url(), pop3_hostname=mail_servers.pop3s,
            email=mail_user.email, email_username=mail_user.name, email_password=mail_user.password,
            interval=5, timeout=10,
        )
        remote_id = emulator.create(
            smtp_hostname="smtp://mail.example.com", pop3_hostname="pop3s://pop.example.com",
            email="elsewhere@example.com", email_username="x", email_password="remote-Pw-1", interval=5,
            timeout=10,
        )
        green = wait_for("a green run", lambda: _ran(emulator, monitor_id, "0"))
        assert green["description"] == "OK" and green["failed_step"] is None
        assert green["code_origin"] == "alertsite" and int(green["response_time_ms"]) > 0
        report = emulator.site_status(monitor_id)
        assert report["last_status"] == "0" and report["dt_last_error"] is None
        assert listed_status(emulator, monitor_id) == "0 OK"

        mail_servers.dovecot.set_password(mail_user.name, "Changed-Mailbox-Pw-2")
        red = wait_for("a red run", lambda: _ran(emulator, monitor_id, "9104"))
        assert red["failed_step"] == "pop3.login" and red["code_origin"] == "emulator"
        assert red["description"].startswith("POP3 login failed:")
        report = emulator.site_status(monitor_id)
        assert report["last_status"] == "9104" and report["failed_step"] == "pop3.login"
        # Runs go on every second: the report may already hold a later red run.
        assert report["dt_last_error"] >= red["time"] >= green["time"]
        assert listed_status(emulator, monitor_id) == "9104 POP3 login failed at pop3.login"
        assert emulator.last_status(remote_id) is None
        assert emulator.site_status(remote_id)["last_status"] is None
        assert listed_status(emulator, remote_id) == "no status yet"
    assert f"monitor {remote_id}: not run" in emulator.stderr
    assert f"monitor {monitor_id}: 0 OK" in emulator.stderr
    for secret in (mail_user.password, "Changed-Mailbox-Pw-2", "remote-Pw-1"):
        assert secret not in emulator.stderr
    assert mail_user.messages() == []
