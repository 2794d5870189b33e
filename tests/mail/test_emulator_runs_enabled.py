"""`alertsite-emulator --run-monitors` runs every *enabled* monitor (the README's "The emulator
runs monitors"): a disabled one, on the same mail servers, is never run while an enabled one is."""

from __future__ import annotations

from .conftest import MailServers, MailUser
from .emulator_process import emulator_process, wait_for


def test_a_disabled_monitor_is_not_run(mail_servers: MailServers, mail_user: MailUser) -> None:
    args = ("--run-monitors", "--time-scale", "300", "--mail-cafile", str(mail_servers.ca_file))
    mailbox = {"smtp_hostname": mail_servers.starttls.url(), "pop3_hostname": mail_servers.pop3s,
               "email": mail_user.email, "email_username": mail_user.name,
               "email_password": mail_user.password, "interval": 5, "timeout": 10}
    with emulator_process(*args) as emulator:
        disabled = emulator.create(**mailbox, name="disabled", enabled=False)
        enabled = emulator.create(**mailbox, name="enabled")
        # Runs go every second at this time scale: wait for two of the enabled monitor's.
        wait_for("a first run", lambda: "code_origin" in emulator.last_status(enabled) or None)
        first = emulator.last_status(enabled)["time"]
        wait_for("a second run", lambda: emulator.last_status(enabled)["time"] != first or None)
        assert "code_origin" not in emulator.last_status(disabled)  # AlertSite's initial status only
    assert f"monitor {enabled}: 0 OK" in emulator.stderr
    assert f"monitor {disabled}:" not in emulator.stderr
    assert mail_user.password not in emulator.stderr
    assert mail_user.messages() == []
