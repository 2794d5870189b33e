"""Tests on demand and test notifications end to end: ``alertsite-emulator --run-monitors`` as
a process of its own runs a real round trip through the test servers and Dovecot on
``GET /tests`` (green for a good mailbox, 9104 for a wrong password) without touching the
monitor's status, and ``POST /test-notifiers`` sends a real e-mail through Postfix into a Dovecot
mailbox and a JSON POST to a loopback webhook."""

from __future__ import annotations

import base64
import time
from email import message_from_bytes, policy
from typing import Any

from factories import ADMIN

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import Settings

from .conftest import MailServers, MailUser, new_mail_user
from .emulator_process import Emulator, emulator_process, wait_for
from .postfix import Postfix
from .test_alert_routing_end_to_end import webhook_receiver

POLLS = 150
POLL_S = 0.2


def _poll(client: AlertSiteClient, test_id: str) -> dict[str, Any]:
    """Poll until the test is over: at most :data:`POLLS` polls and 30 s."""
    end = time.monotonic() + 30
    progress: dict[str, Any] = {}
    for _ in range(POLLS):
        progress = client.poll_test(test_id)
        if progress["progress"] != 1 or time.monotonic() > end:
            break
        time.sleep(POLL_S)
    return progress


def _client(emulator: Emulator) -> AlertSiteClient:
    return AlertSiteClient(Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1],
                                    request_timeout=10))


def test_a_test_on_demand_runs_the_real_trip_and_a_test_notification_arrives(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    ops = new_mail_user(mail_servers)
    relay = postfix.url().removeprefix("smtp://")
    args = ("--run-monitors", "--mail-cafile", str(mail_servers.ca_file),
            "--alert-smtp", relay, "--alert-from", "AlertSite <alerts@mail.test>")
    with webhook_receiver() as hook, emulator_process(*args) as emulator:
        client = _client(emulator)
        try:
            # Disabled: the runner leaves them alone, so any status would be the test's.
            trip = {"smtp_hostname": mail_servers.starttls.url(), "pop3_hostname": mail_servers.pop3s,
                    "email": mail_user.email, "email_username": mail_user.name, "timeout": 10,
                    "enabled": False}
            good = emulator.create(email_password=mail_user.password, **trip)
            wrong = emulator.create(name="wrong password", email_password="Wrong-Mailbox-Pw-7", **trip)
            green = _poll(client, client.start_test(good)["id"])
            assert green == {"progress": 2, "progress_desc": "Test Successful", "status": 0,
                             "status_desc": "Site is OK Now!"}
            red = _poll(client, client.start_test(wrong)["id"])
            assert red["progress"] == 3 and red["status"] == 9104, red
            assert red["status_desc"].startswith("POP3 login failed")
            assert "Wrong-Mailbox-Pw-7" not in str(red)
            assert emulator.last_status(good) is None and emulator.last_status(wrong) is None

            mailed = client.send_test_notification({"method_id": 1, "recipient": ops.email})
            posted = client.send_test_notification({"method_id": 16, "recipient": hook.url,
                                                    "username": "hook", "password": "Hook-Secret-4"})
        finally:
            client.session.close()
        assert mailed == {"status": "sent"} and posted == {"status": "sent"}
        messages = wait_for("the test alert in the ops mailbox",
                            lambda: ops.messages() or None, timeout=30)
        [message] = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in messages]
        assert str(message["Subject"]).startswith("[AlertSite] Site/Device Alert (ST=0) - AlertSite Test")
        [post] = hook.posted()
        assert post.headers["Authorization"] == "Basic " + base64.b64encode(b"hook:Hook-Secret-4").decode()
        assert post.json()["source"] == "AlertSite"
        alerts = emulator.session.get(emulator.api_url.rsplit("/api/v3", 1)[0] + "/_emulator/alerts",
                                      timeout=10).json()["alerts"]
        # A test on demand alerts no one: only the two test notifications are logged.
        assert [(a["method_id"], a["test"], a["outcome"]) for a in alerts] == [(1, True, "sent"),
                                                                                 (16, True, "sent")]
        assert "Hook-Secret-4" not in str(alerts)
    assert "Hook-Secret-4" not in emulator.stderr and "Wrong-Mailbox-Pw-7" not in emulator.stderr
