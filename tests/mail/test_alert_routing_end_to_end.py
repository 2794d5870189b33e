"""The issue's acceptance test, through the emulator's process and API only: a monitor, three
recipients and a group are made with the project's own client over real HTTP; the monitor
runs (``--run-monitors``) against Postfix and Dovecot; its mailbox password changes and it
turns red; the alert goes through Postfix into the group's e-mail recipient's Dovecot mailbox
(read back over pop3s) and as a JSON POST with Basic auth to the group's webhook; a recipient
outside the group gets nothing; the password set back, the clear follows on both."""

from __future__ import annotations

import base64
import json
import poplib
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from factories import ADMIN

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import Settings
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.routing_kind import RECIPIENT_GROUPS, RECIPIENTS

from .conftest import MailServers, MailUser, new_mail_user
from .emulator_process import emulator_process, wait_for
from .postfix import Postfix

SUBJECT = "[AlertSite] Site/Device Alert"
#: The documented fields of the JSON availability alert (§1.5), every value a string.
PAYLOAD_FIELDS = ("source", "notify_type", "custid", "company", "device_id", "device_name", "timestamp",
                  "status", "errcount", "status_text", "location", "location_num", "device_typecode",
                  "device_type", "transaction", "url", "http_status", "step_num", "step_name")
MAX_HOOK_BODY = 64 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Posted:
    """One request the webhook received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


@dataclass
class WebhookReceiver:
    """A loopback HTTP server on port 0 that answers 200 to anything and keeps what it got."""

    url: str
    _posted: list[Posted] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, posted: Posted) -> None:
        with self._lock:
            self._posted.append(posted)

    def posted(self) -> list[Posted]:
        with self._lock:
            return list(self._posted)


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_HOOK_BODY)
            body = self.rfile.read(length)
            assert receiver is not None
            receiver.add(Posted(self.command, self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET = do_PUT = _record

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test reads the requests, not a log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}/alertsite/hook")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def pop3_subjects(servers: MailServers, user: MailUser) -> list[str]:
    """The subjects of every message in ``user``'s mailbox, read over pop3s (left there)."""
    pop = poplib.POP3_SSL("127.0.0.1", servers.dovecot.pop3s_port, context=servers.client_context(),
                          timeout=10)
    try:
        pop.user(user.name)
        pop.pass_(user.password)
        count, _ = pop.stat()
        subjects = []
        for number in range(1, count + 1):
            _, lines, _ = pop.retr(number)
            message = message_from_bytes(b"\r\n".join(lines), policy=policy.default)
            subjects.append(str(message["Subject"]))
        pop.quit()
    finally:
        pop.close()
    return subjects


def _at_least(found: list[Any], count: int) -> list[Any] | None:
    return found if len(found) >= count else None


def test_a_red_monitor_alerts_its_group_by_mail_and_webhook_and_clears_when_green(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    ops, outsider = new_mail_user(mail_servers), new_mail_user(mail_servers)
    hook_login = ("hook-user", f"Hook-{secrets.token_hex(8)}-Pw")
    # Longer than the first: Dovecot's passwd-file notices a change by mtime (seconds) and size.
    changed_password = f"Changed-Mailbox-{secrets.token_hex(8)}-Pw"
    relay = postfix.url().removeprefix("smtp://")
    args = ("--run-monitors", "--time-scale", "300", "--mail-cafile", str(mail_servers.ca_file),
            "--alert-smtp", relay, "--alert-from", "AlertSite <alerts@mail.test>")
    with webhook_receiver() as hook, emulator_process(*args) as emulator:
        client = AlertSiteClient(Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1],
                                          request_timeout=10))
        control = EmulatorControl(emulator.api_url.removesuffix("/api/v3"), emulator.api_url)
        try:
            # Interval 5 (minutes) at --time-scale 300: a run every second.
            monitor_id = client.create_round_trip_monitor({
                "billing_plancode": "UBM - A/A", "name": "Shop mail", "smtp_hostname": postfix.url(),
                "pop3_hostname": mail_servers.pop3s, "email": mail_user.email,
                "email_username": mail_user.name, "email_password": mail_user.password,
                "interval": 5, "timeout": 10,
            })
            thresholds = {"availability_alert": True, "notify_on_clear": True, "start_threshold": 1,
                          "stop_threshold": 1}
            mail_id = client.create_object(RECIPIENTS, {
                "name": "Ops mail", "method_id": 12, "recipient": ops.email, **thresholds})
            hook_id = client.create_object(RECIPIENTS, {
                "name": "Ops webhook", "method_id": 16, "recipient": hook.url,
                "username": hook_login[0], "password": hook_login[1], **thresholds})
            outside_id = client.create_object(RECIPIENTS, {
                "name": "Someone else", "method_id": 12, "recipient": outsider.email, **thresholds})
            group_id = client.create_object(RECIPIENT_GROUPS, {
                "name": "Shop mail alerts", "monitors": [{"id": int(monitor_id)}],
                "recipients": [{"id": int(mail_id)}, {"id": int(hook_id)}]})
            assert client.get_object(RECIPIENTS, mail_id)["notifier_groups"] == [group_id]
            assert client.get_object(RECIPIENTS, outside_id)["notifier_groups"] is None

            def until(what: str, probe: Callable[[], T | None], timeout: float) -> T:
                """``wait_for``, saying in a failure what the emulator's alert log holds."""
                try:
                    return wait_for(what, probe, timeout=timeout)
                except AssertionError as exc:
                    raise AssertionError(f"{exc}; the alert log: {control.alerts()}") from None

            def last_run() -> tuple[str, str] | None:
                """The code and time of the monitor's last run; None before its first."""
                status = client.get_monitor(monitor_id).get("last_status")
                return (str(status["code"]), str(status["time"])) if isinstance(status, dict) else None

            def code() -> str | None:
                run = last_run()
                return run[0] if run else None

            until("a green run", lambda: code() == "0" or None, timeout=30)
            assert control.alerts() == []  # green from the start: nobody is alerted

            mail_servers.dovecot.set_password(mail_user.name, changed_password)
            until("a red run", lambda: code() == "9104" or None, timeout=30)
            [alert] = until("the alert in the ops mailbox",
                            lambda: _at_least(pop3_subjects(mail_servers, ops), 1), timeout=45)
            assert alert.startswith(f"{SUBJECT} (ST=9104) - Shop mail POP3 login failed"), alert
            [error] = until("the error POST", lambda: _at_least(hook.posted(), 1), timeout=30)
            assert (error.method, error.path) == ("POST", "/alertsite/hook")
            login = base64.b64encode(":".join(hook_login).encode()).decode()
            assert error.headers["Authorization"] == f"Basic {login}"
            assert error.headers["Content-Type"] == "application/json"
            assert error.headers["User-Agent"].startswith("ipd/")
            payload = error.json()
            assert sorted(payload) == sorted(PAYLOAD_FIELDS)
            assert all(isinstance(v, str) for v in payload.values()), payload
            assert payload["source"] == "AlertSite" and payload["notify_type"] == "error"
            assert payload["device_id"] == monitor_id and payload["device_name"] == "Shop mail"
            assert payload["status"] == "9104" and payload["errcount"] == "1"
            assert payload["status_text"].startswith("POP3 login failed")
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", payload["timestamp"])

            mail_servers.dovecot.set_password(mail_user.name, mail_user.password)
            subjects = until("the clear in the ops mailbox",
                             lambda: _at_least(pop3_subjects(mail_servers, ops), 2), timeout=45)
            assert subjects == [alert, f"{SUBJECT} (ST=0) - Shop mail"]
            [_, clear] = until("the clear POST", lambda: _at_least(hook.posted(), 2), timeout=30)
            assert clear.headers["Authorization"] == f"Basic {login}"
            cleared = clear.json()
            assert cleared["notify_type"] == "clear" and cleared["status"] == "0"
            assert cleared["device_id"] == monitor_id

            # Runs go on every second: a later green run, for a stray alert to show.
            cleared_by = last_run()

            def later_green() -> bool | None:
                run = last_run()
                return (run is not None and run[0] == "0" and run != cleared_by) or None

            until("a later green run", later_green, timeout=10)
            logged = control.alerts()
        finally:
            client.session.close()
            control.close()
    assert sorted((e["recipient_id"], e["notify_type"], e["outcome"]) for e in logged) == sorted([
        (int(mail_id), "error", "sent"), (int(mail_id), "clear", "sent"),
        (int(hook_id), "error", "sent"), (int(hook_id), "clear", "sent"),
    ])
    assert int(outside_id) not in {e["recipient_id"] for e in logged}
    assert pop3_subjects(mail_servers, outsider) == [] and outsider.messages() == []
    assert len(ops.messages()) == 2 and len(hook.posted()) == 2  # stop_threshold 1
    shown = json.dumps(logged) + emulator.stderr
    for secret in (hook_login[1], mail_user.password, changed_password):
        assert secret not in shown
