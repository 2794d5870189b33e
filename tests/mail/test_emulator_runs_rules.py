"""Two rules of `alertsite-emulator --run-monitors` (the README's "The emulator runs monitors"):
it runs every *enabled* monitor (a disabled one on the same mail servers never runs), and
`--time-scale` divides intervals while trip timeouts stay real."""

from __future__ import annotations

from typing import Any

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
        first = wait_for("a first run", lambda: emulator.last_status(enabled))["time"]
        wait_for("a second run", lambda: (emulator.last_status(enabled) or {}).get("time") != first or None)
        assert emulator.last_status(disabled) is None  # never run: no status at all
    assert f"monitor {enabled}: 0 OK" in emulator.stderr
    assert f"monitor {disabled}:" not in emulator.stderr
    assert mail_user.password not in emulator.stderr
    assert mail_user.messages() == []


def test_the_time_scale_leaves_trip_timeouts_real(mail_servers: MailServers, mail_user: MailUser) -> None:
    args = ("--run-monitors", "--time-scale", "300", "--mail-cafile", str(mail_servers.ca_file))
    with emulator_process(*args) as emulator:
        # The blackhole server takes the mail and drops it: the trip waits for it until its timeout.
        monitor_id = emulator.create(
            smtp_hostname=mail_servers.blackhole.url(), pop3_hostname=mail_servers.pop3,
            email=mail_user.email, email_username=mail_user.name, email_password=mail_user.password,
            interval=5, timeout=3)
        def ran() -> dict[str, Any] | None:
            return emulator.last_status(monitor_id)

        status = wait_for("a timed-out run", ran)
    assert status["code"] == "2", status  # AlertSite's timeout
    # 3 s, as the monitor says, not 3 s / 300: the deadline held within a second or two.
    assert 2500 <= int(status["response_time_ms"]) <= 5500, status
    assert mail_user.password not in emulator.stderr
