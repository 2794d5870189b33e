"""The emulator's alerts end to end: a monitor run by :class:`MonitorRunner` against Dovecot
turns red when its mailbox password changes, and its alert goes through a real MTA (Postfix)
into another Dovecot mailbox; green again, the clear follows. Recipients come from plain data
(the store's recipients live on another branch), the rest is real."""

from __future__ import annotations

import copy
from email import message_from_bytes, policy
from typing import Any

from alertsite_pulumi.emulator.alerts import AlertNotifier, Delivery
from alertsite_pulumi.emulator.runner import MonitorRunner
from alertsite_pulumi.emulator.store import Store

from .conftest import MailServers, MailUser, new_mail_user
from .emulator_process import wait_for
from .postfix import Postfix


class Directory:
    def __init__(self, recipients: list[dict[str, Any]]) -> None:
        self.recipients = recipients

    def raw_recipients(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.recipients)

    def raw_recipient_groups(self) -> list[dict[str, Any]]:
        return []


def _subjects(user: MailUser, count: int) -> list[str] | None:
    messages = user.messages()
    if len(messages) < count:
        return None
    parsed = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in messages]
    return sorted(str(m["Subject"]) for m in parsed)


def test_a_red_run_alerts_through_postfix_and_the_green_one_clears(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    ops = new_mail_user(mail_servers)
    store = Store()
    monitor_id = store.seed_monitor({
        "name": "Shop mail", "billing_plancode": "UBM - A/A", "smtp_hostname": mail_servers.starttls.url(),
        "pop3_hostname": mail_servers.pop3s, "email": mail_user.email, "email_username": mail_user.name,
        "email_password": mail_user.password, "interval": 5, "timeout": 10,
    })
    directory = Directory([{
        "id": 1, "name": "ops", "method_id": 1, "recipient": ops.email, "username": None, "password": None,
        "availability_alert": True, "performance_alert": False, "notify_on_clear": True,
        "start_threshold": 1, "stop_threshold": 1,
    }])
    relay = ("127.0.0.1", int(postfix.url().rsplit(":", 1)[1]))
    delivery = Delivery(smtp_relay=relay, mail_from="alerts@mail.test")
    notifier = AlertNotifier(directory, delivery=delivery).start()
    runner = MonitorRunner(store, time_scale=300, cafile=str(mail_servers.ca_file), log=lambda _: None,
                           observer=notifier).start()

    def code() -> str | None:
        status = store.raw_monitor(monitor_id).get("last_status")
        return status["code"] if isinstance(status, dict) else None

    try:
        wait_for("a green run", lambda: code() == "0" or None, timeout=30)
        mail_servers.dovecot.set_password(mail_user.name, "Changed-Mailbox-Pw-3")
        wait_for("a red run", lambda: code() == "9104" or None, timeout=30)
        [alert] = wait_for("the alert in the ops mailbox", lambda: _subjects(ops, 1), timeout=30)
        assert alert.startswith("[AlertSite] Site/Device Alert (ST=9104) - Shop mail POP3 login failed")
        mail_servers.dovecot.set_password(mail_user.name, mail_user.password)
        wait_for("a green run again", lambda: code() == "0" or None, timeout=30)
        subjects = wait_for("the clear in the ops mailbox", lambda: _subjects(ops, 2), timeout=30)
        assert "[AlertSite] Site/Device Alert (ST=0) - Shop mail" in subjects
    finally:
        runner.stop()
        notifier.stop()
        store.close()
    entries = notifier.log.snapshot()["alerts"]
    assert [(e["notify_type"], e["outcome"]) for e in entries] == [("error", "sent"), ("clear", "sent")]
    assert len(ops.messages()) == 2  # stop_threshold 1: one alert however many red runs
