"""Alerts as AlertSite sends them (:mod:`alertsite_pulumi.emulator.alerts`): who gets one
(recipient groups, error types, the default group, everyone), when (start and stop thresholds,
clears), and how: webhooks to a real HTTP receiver on loopback, e-mail to a real aiosmtpd
server on loopback, failures recorded, never a password in the log or the control surface.

The notifier is driven with run outcomes directly (as the runner hands them over), and once
through the runner itself. Recipients and groups come from :class:`Directory`, plain data in
the shape the store keeps them in.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from aiosmtpd.smtp import SMTP, Envelope, Session

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.__main__ import build_parser
from alertsite_pulumi.emulator.alerts import (
    USER_AGENT,
    AlertDirectory,
    AlertLog,
    AlertNotifier,
    Delivery,
    NoRecipients,
    directory_of,
    parse_relay,
    route,
)
from alertsite_pulumi.emulator.runner import MonitorRunner
from alertsite_pulumi.emulator.store import Store

from .test_cli import cli

MONITOR = {"id": "100001", "name": "Shop mail", "home_location": 20, "email_password": "Probe-Pw-1"}
OTHER = {"id": "100002", "name": "Other mail"}
TCP_FAILED = {"code": "1", "description": "TCP connection failed: refused"}
TIMED_OUT = {"code": "2", "description": "Timeout"}
GREEN = {"code": "0", "description": "OK"}


@dataclass
class Directory:
    """Recipients and groups as the store keeps them (:class:`AlertDirectory`)."""

    recipients: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)

    def raw_recipients(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.recipients)

    def raw_recipient_groups(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.groups)


def recipient(rid: int, target: str = "", method_id: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "id": rid, "name": f"recipient {rid}", "method_id": method_id,
        "recipient": target or f"ops{rid}@mail.test", "username": None, "password": None,
        "availability_alert": True, "performance_alert": False, "notify_on_clear": False,
        "start_threshold": 1, "stop_threshold": 10, **fields,
    }


def group(gid: int, monitors: list[int], recipients: list[int], errortypes: list[int] | None = None,
          is_default: bool = False) -> dict[str, Any]:
    return {"id": gid, "name": f"group {gid}", "is_default": is_default, "monitors": monitors,
            "recipients": recipients, "errortypes": errortypes or [], "templates": []}


def routed(directory: AlertDirectory, monitor_id: int = 100001, status: int = 1) -> list[int]:
    return [r["id"] for r in route(monitor_id, status, directory)]


# --- routing ------------------------------------------------------------------------------


def test_without_groups_every_recipient_with_availability_alerts_is_alerted() -> None:
    directory = Directory([recipient(1), recipient(2, availability_alert=False), recipient(3)])
    assert routed(directory) == [1, 3]


def test_a_monitor_in_a_group_alerts_only_that_groups_recipients_and_one_in_none_alerts_everyone() -> None:
    directory = Directory([recipient(1), recipient(2), recipient(3)], [group(7, [100001], [2])])
    assert routed(directory, 100001) == [2]
    assert routed(directory, 100002) == [1, 2, 3]  # no default group: everyone


def test_error_types_narrow_a_group_to_those_status_codes_and_each_recipient_is_alerted_once() -> None:
    directory = Directory(
        [recipient(1), recipient(2), recipient(3)],
        [group(7, [100001], [1, 2], errortypes=[1]), group(8, [100001], [2, 3]),
         group(9, [100001], [3], errortypes=[2])],
    )
    assert routed(directory, status=1) == [1, 2, 3]
    assert routed(directory, status=2) == [2, 3]
    only_timeouts = Directory([recipient(1)], [group(7, [100001], [1], errortypes=[2])])
    assert routed(only_timeouts, status=1) == []  # in a group that does not cover it: nobody


def test_with_a_default_group_a_monitor_in_no_group_alerts_the_default_groups_recipients() -> None:
    directory = Directory(
        [recipient(1), recipient(2), recipient(3)],
        [group(7, [100001], [1]), group(8, [100009], [2], is_default=True)],
    )
    assert routed(directory, 100002) == [2]
    assert routed(directory, 100001) == [1]  # in a group of its own: not the default group too


def test_disabled_and_unknown_recipients_in_a_group_are_skipped() -> None:
    directory = Directory([recipient(1, availability_alert=False), recipient(2)],
                          [group(7, [100001], [1, 2, 99])])
    assert routed(directory) == [2]


def test_a_directory_is_used_as_it_is_and_anything_else_has_no_recipients() -> None:
    directory = Directory([recipient(1)])
    assert directory_of(directory) is directory
    assert isinstance(directory_of(object()), NoRecipients)
    assert directory_of(object()).raw_recipients() == []


# --- thresholds ---------------------------------------------------------------------------


def _types(notifier: AlertNotifier, status: dict[str, str], monitor: dict[str, Any] = MONITOR
           ) -> list[tuple[str, int]]:
    return [(a.notify_type, a.recipient_id) for a in notifier.observe(monitor, status)]


def test_an_alert_after_start_threshold_errors_at_most_stop_threshold_alerts_and_one_clear() -> None:
    directory = Directory([recipient(1, start_threshold=3, stop_threshold=2, notify_on_clear=True),
                           recipient(2, start_threshold=1, stop_threshold=1)])
    notifier = AlertNotifier(directory)
    assert _types(notifier, TCP_FAILED) == [("error", 2)]
    assert _types(notifier, TIMED_OUT) == []  # the error goes on (another code): 2 has had its one
    third = notifier.observe(MONITOR, TCP_FAILED)
    assert [(a.notify_type, a.recipient_id, a.errcount) for a in third] == [("error", 1, 3)]
    assert _types(notifier, TCP_FAILED) == [("error", 1)]
    assert _types(notifier, TCP_FAILED) == []
    assert _types(notifier, TCP_FAILED) == []
    assert _types(notifier, GREEN) == [("clear", 1)]  # 2 has no notify_on_clear
    assert _types(notifier, GREEN) == []
    # A new error counts from one again.
    assert _types(notifier, TCP_FAILED) == [("error", 2)]


def test_no_clear_when_the_error_ended_before_any_alert_was_sent() -> None:
    notifier = AlertNotifier(Directory([recipient(1, start_threshold=3, notify_on_clear=True)]))
    assert _types(notifier, TCP_FAILED) == [] and _types(notifier, TCP_FAILED) == []
    assert _types(notifier, GREEN) == []
    assert _types(notifier, TCP_FAILED) == [] and _types(notifier, TCP_FAILED) == []
    assert _types(notifier, TCP_FAILED) == [("error", 1)]


def test_each_monitor_counts_its_own_errors() -> None:
    notifier = AlertNotifier(Directory([recipient(1, start_threshold=2)]))
    assert _types(notifier, TCP_FAILED, MONITOR) == []
    assert _types(notifier, TCP_FAILED, OTHER) == []
    assert _types(notifier, TCP_FAILED, OTHER) == [("error", 1)]


def test_a_broken_directory_is_no_alert_and_no_exception() -> None:
    class Broken:
        def raw_recipients(self) -> list[dict[str, Any]]:
            raise RuntimeError("the store is gone")

        def raw_recipient_groups(self) -> list[dict[str, Any]]:
            return []

    said: list[str] = []
    assert AlertNotifier(Broken(), say=said.append).observe(MONITOR, TCP_FAILED) == []
    assert said == ["alerts for monitor 100001: not decided: RuntimeError"]


# --- a real webhook receiver --------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the deadline tests) is what the test wants


class Receiver:
    """An HTTP server on a free loopback port that keeps every POST and answers ``status``."""

    def __init__(self, status: int = 204, location: str | None = None, hang: bool = False,
                 trickle: bool = False) -> None:
        self.received: list[Received] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(Received(self.path, self.headers, body))
                if hang:
                    time.sleep(5)
                    return
                if trickle:  # a header a byte at a time, each well within a socket timeout
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    for _ in range(50):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.1)
                    return
                self.send_response(receiver.status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _delivered(notifier: AlertNotifier) -> list[dict[str, Any]]:
    assert notifier.deliver_pending() >= 0
    alerts: list[dict[str, Any]] = notifier.log.snapshot()["alerts"]
    return alerts


def test_a_webhook_gets_the_documented_json_with_basic_auth_and_alertsites_user_agent(
    receiver: Receiver
) -> None:
    hook = recipient(5, receiver.url("/hook?team=ops"), 16, username="hook-user", password="Hook-Pw-1",
                     notify_on_clear=True)
    notifier = AlertNotifier(Directory([hook]), delivery=Delivery(custid="C12345", company="Example Inc"))
    notifier.observe(MONITOR, TCP_FAILED)
    [entry] = _delivered(notifier)
    assert entry["outcome"] == "sent" and entry["reason"] is None and entry["notify_type"] == "error"

    [post] = receiver.received
    assert post.path == "/hook?team=ops"
    assert post.headers["User-Agent"] == USER_AGENT == "ipd/1.0 (ipd; IPD 1.0; AlertSite)"
    assert post.headers["Content-Type"] == "application/json"
    scheme, _, login = post.headers["Authorization"].partition(" ")
    assert scheme == "Basic" and base64.b64decode(login) == b"hook-user:Hook-Pw-1"
    payload = json.loads(post.body)
    assert all(isinstance(v, str) for v in payload.values()), payload
    assert {k: payload[k] for k in ("source", "notify_type", "custid", "company", "device_id", "device_name",
                                    "status", "errcount", "status_text", "location", "location_num",
                                    "transaction")} == {
        "source": "AlertSite", "notify_type": "error", "custid": "C12345", "company": "Example Inc",
        "device_id": "100001", "device_name": "Shop mail", "status": "1", "errcount": "1",
        "status_text": "TCP connection failed: refused", "location": "Boston, MA", "location_num": "20",
        "transaction": "0",
    }
    assert {"timestamp", "device_typecode", "device_type"} <= set(payload)

    notifier.observe(MONITOR, GREEN)
    _delivered(notifier)
    clear = json.loads(receiver.received[1].body)
    assert (clear["notify_type"], clear["status"], clear["device_id"]) == ("clear", "0", "100001")


def test_a_webhook_without_a_login_gets_no_authorization(receiver: Receiver) -> None:
    notifier = AlertNotifier(Directory([recipient(5, receiver.url(), 16, username="", password="")]))
    notifier.observe(MONITOR, TCP_FAILED)
    assert [e["outcome"] for e in _delivered(notifier)] == ["sent"]
    assert receiver.received[0].headers["Authorization"] is None


@pytest.mark.parametrize(("status", "reason"), [(500, "HTTP 500"), (302, "redirects are not followed")])
def test_a_webhook_that_answers_an_error_or_a_redirect_is_a_failed_alert(status: int, reason: str) -> None:
    target = Receiver()
    server = Receiver(status, location=target.url("/elsewhere"))
    try:
        notifier = AlertNotifier(Directory([recipient(5, server.url(), 16)]))
        notifier.observe(MONITOR, TCP_FAILED)
        [entry] = _delivered(notifier)
        assert entry["outcome"] == "failed" and reason in entry["reason"]
        assert len(server.received) == 1 and target.received == []
    finally:
        server.stop()
        target.stop()


def test_a_webhook_that_is_down_or_never_answers_is_a_failed_alert_within_its_deadline() -> None:
    hung = Receiver(hang=True)
    try:
        notifier = AlertNotifier(
            Directory([recipient(5, f"http://127.0.0.1:{_closed_port()}/hook", 16),
                       recipient(6, hung.url(), 16)]),
            delivery=Delivery(timeout_s=0.5),
        )
        notifier.observe(MONITOR, TCP_FAILED)
        started = time.monotonic()
        down, stuck = _delivered(notifier)
        assert time.monotonic() - started < 4
        assert down["outcome"] == "failed" and "ConnectionRefusedError" in down["reason"]
        assert stuck["outcome"] == "failed", stuck
        assert stuck["reason"] in ("TimeoutError: timed out",
                                   "no answer within the delivery's deadline of 0.5 s")
    finally:
        hung.stop()


def test_a_webhook_that_trickles_its_answer_fails_at_the_deliverys_deadline() -> None:
    slow = Receiver(trickle=True)
    try:
        notifier = AlertNotifier(Directory([recipient(5, slow.url(), 16)]), delivery=Delivery(timeout_s=1.0))
        notifier.observe(MONITOR, TCP_FAILED)
        started = time.monotonic()
        [entry] = _delivered(notifier)
        assert time.monotonic() - started < 3
        assert (entry["outcome"], entry["reason"]) == \
            ("failed", "no answer within the delivery's deadline of 1 s")
    finally:
        slow.stop()


def test_a_webhook_off_loopback_and_methods_without_delivery_are_recorded_not_sent() -> None:
    notifier = AlertNotifier(Directory([recipient(5, "https://hooks.example.com/x", 16),
                                        recipient(6, "+15550100", 6)]))
    notifier.observe(MONITOR, TCP_FAILED)
    webhook, sms = _delivered(notifier)
    assert webhook["outcome"] == "not sent" and "not on loopback" in webhook["reason"]
    assert sms["outcome"] == "not sent" and sms["reason"] == \
        "method 6 (SMS message) is recorded, not sent, by the emulator"


def test_no_password_reaches_the_log_or_the_control_surface(
    emulator: EmulatorControl, emulator_server: EmulatorServer, receiver: Receiver
) -> None:
    in_url = receiver.url().replace("http://", "http://url-user:Url-Pw-9@")
    notifier = AlertNotifier(
        Directory([recipient(5, in_url, 16, username="hook-user", password="Hook-Pw-1"),
                   recipient(6, f"http://127.0.0.1:{_closed_port()}/x", 16, password="Down-Pw-2")]),
        emulator_server.app.alerts,
    )
    notifier.observe(MONITOR, TCP_FAILED)
    assert notifier.deliver_pending() == 2
    answer = requests.get(f"{emulator.base_url}/_emulator/alerts", timeout=10)
    assert answer.status_code == 200
    for secret in ("Hook-Pw-1", "Url-Pw-9", "url-user:", "Down-Pw-2", "Probe-Pw-1"):
        assert secret not in answer.text
    shown = emulator.alerts()
    assert [(e["recipient_id"], e["outcome"]) for e in shown] == [(5, "sent"), (6, "failed")]
    assert shown[0]["recipient"] == receiver.url().replace("http://", "http://***@")
    emulator.clear_alerts()
    assert emulator.alerts() == []


def test_a_reset_clears_the_alert_log(emulator: EmulatorControl, emulator_server: EmulatorServer) -> None:
    notifier = AlertNotifier(Directory([recipient(6, "+1555", 6)]), emulator_server.app.alerts)
    notifier.observe({**MONITOR, "home_location": None, "locations": [{"id": 30}]}, TCP_FAILED)
    assert notifier.deliver_pending() == 1
    [entry] = emulator.alerts()
    assert entry["outcome"] == "not sent" and entry["monitor_name"] == "Shop mail"
    assert notifier.log.snapshot()["alerts"][0]["errcount"] == 1
    emulator.reset()
    assert emulator.alerts() == []


def test_the_location_is_the_monitors_home_else_its_first() -> None:
    notifier = AlertNotifier(Directory([recipient(5, "http://127.0.0.1:1/", 16)]))
    [home] = notifier.observe(MONITOR, TCP_FAILED)
    [first] = notifier.observe({**OTHER, "locations": [{"id": 30}, {"id": 10}]}, TCP_FAILED)
    assert (home.location_id, home.location) == (20, "Boston, MA")
    assert (first.location_id, first.location) == (30, "Chicago, IL")


# --- a real SMTP relay --------------------------------------------------------------------


class Relay:
    """aiosmtpd on a free loopback port that keeps every message (to known addresses only)."""

    def __init__(self, known: tuple[str, ...] = ("ops1@mail.test", "ops2@mail.test", "ops3@mail.test")
                 ) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        relay = self

        class Handler:
            async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                                  options: list[str]) -> str:
                if address not in known:
                    return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 Ok"

            async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
                content = envelope.original_content or b""
                relay.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos),
                                       message_from_bytes(content, policy=policy.default)))
                return "250 2.0.0 Ok: queued"

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        create = self._loop.create_server(lambda: SMTP(Handler(), hostname="relay.test", loop=self._loop),
                                          "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(create, self._loop).result(timeout=10)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), timeout=5)

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    yield server
    server.stop()


def test_email_alerts_go_through_the_relay_with_alertsites_subjects(relay: Relay) -> None:
    directory = Directory([recipient(1, method_id=1, notify_on_clear=True), recipient(2, method_id=12),
                           recipient(3, method_id=4)])
    delivery = Delivery(smtp_relay=("127.0.0.1", relay.port), mail_from="AlertSite <alerts@alertsite.test>")
    notifier = AlertNotifier(directory, delivery=delivery)
    notifier.observe(MONITOR, TCP_FAILED)
    entries = _delivered(notifier)
    assert [e["outcome"] for e in entries] == ["sent"] * 3
    subject = "[AlertSite] Site/Device Alert (ST=1) - Shop mail TCP connection failed: refused"
    assert [e["subject"] for e in entries] == [subject] * 3
    assert [(sender, to) for sender, to, _ in relay.messages] == [
        ("alerts@alertsite.test", ["ops1@mail.test"]), ("alerts@alertsite.test", ["ops2@mail.test"]),
        ("alerts@alertsite.test", ["ops3@mail.test"])]
    text, html, wireless = (m for _, _, m in relay.messages)
    assert text["Subject"] == subject and text["From"] == "AlertSite <alerts@alertsite.test>"
    assert text["To"] == "ops1@mail.test"
    assert text.get_content_type() == "text/plain" and "Shop mail" in text.get_content()
    assert html.get_content_type() == "text/html"
    assert wireless.get_content_type() == "text/plain"

    notifier.observe(MONITOR, GREEN)
    [*_, cleared] = _delivered(notifier)
    assert cleared["notify_type"] == "clear" and cleared["outcome"] == "sent"
    assert relay.messages[-1][2]["Subject"] == "[AlertSite] Site/Device Alert (ST=0) - Shop mail"
    assert len(relay.messages) == 4  # the clear only to recipient 1 (notify_on_clear)


def test_email_alerts_without_a_relay_or_refused_by_it_are_recorded(relay: Relay) -> None:
    directory = Directory([recipient(1), recipient(4, "nobody@mail.test"), recipient(5, "not an address")])
    unrelayed = AlertNotifier(directory)
    unrelayed.observe(MONITOR, TCP_FAILED)
    assert {(e["outcome"], e["reason"]) for e in _delivered(unrelayed)} == {
        ("not sent", "no relay configured (--alert-smtp HOST:PORT)")}

    relayed = AlertNotifier(directory, delivery=Delivery(smtp_relay=("127.0.0.1", relay.port)))
    relayed.observe(MONITOR, TCP_FAILED)
    sent, refused, malformed = _delivered(relayed)
    assert sent["outcome"] == "sent"
    assert refused["outcome"] == "failed" and "550" in refused["reason"], refused["reason"]
    assert malformed["outcome"] == "failed" and "is not an email address" in malformed["reason"]
    assert len(relay.messages) == 1

    down = AlertNotifier(Directory([recipient(1)]),
                         delivery=Delivery(smtp_relay=("127.0.0.1", _closed_port())))
    down.observe(MONITOR, TCP_FAILED)
    [entry] = _delivered(down)
    assert entry["outcome"] == "failed" and "ConnectionRefusedError" in entry["reason"]


def test_the_log_keeps_the_newest_alerts_and_counts_them_all() -> None:
    log = AlertLog(size=2)
    notifier = AlertNotifier(Directory([recipient(6, "+1555", 6)]), log)
    for _ in range(3):
        notifier.observe(MONITOR, TCP_FAILED)
    assert notifier.deliver_pending() == 3
    snapshot = log.snapshot()
    assert [e["id"] for e in snapshot["alerts"]] == [2, 3] and snapshot["total"] == 3
    assert [e["errcount"] for e in snapshot["alerts"]] == [2, 3]


# --- the command line and the runner ------------------------------------------------------


def test_the_alert_relay_is_a_command_line_option() -> None:
    args = build_parser().parse_args(["--run-monitors", "--alert-smtp", "127.0.0.1:2525"])
    assert args.alert_smtp == ("127.0.0.1", 2525)
    assert build_parser().parse_args([]).alert_smtp is None
    assert parse_relay("[::1]:25") == ("::1", 25)
    for bad in ("127.0.0.1", "host:0", "host:port", ":25"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_relay(bad)


def test_the_command_line_starts_the_notifier_and_refuses_a_bad_relay(relay: Relay) -> None:
    with cli("--run-monitors", "--alert-smtp", f"127.0.0.1:{relay.port}") as running:
        base = running.api_url.removesuffix("/api/v3")
        answer = requests.get(f"{base}/_emulator/alerts", timeout=10)
        assert answer.status_code == 200 and answer.json() == {"alerts": [], "total": 0, "kept": 500}
        assert running.stop() == 0
    refused = subprocess.run([sys.executable, "-m", "alertsite_pulumi.emulator", "--alert-smtp", "nowhere"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "an SMTP relay is HOST:PORT" in refused.stderr


def test_the_runner_alerts_after_its_failed_runs_through_the_relay(relay: Relay, receiver: Receiver) -> None:
    store = Store()
    closed = _closed_port()
    monitor_id = store.seed_monitor({
        "name": "Refused mail", "billing_plancode": "UBM - A/A", "smtp_hostname": f"smtp://127.0.0.1:{closed}",
        "pop3_hostname": f"pop3://127.0.0.1:{closed}", "email": "probe1@mail.test",
        "email_username": "probe1", "email_password": "Probe-Pw-1", "interval": 5, "timeout": 3,
    })
    directory = Directory(
        [recipient(1, start_threshold=2, stop_threshold=2), recipient(2, receiver.url(), 16)],
        [group(7, [int(monitor_id)], [1, 2])],
    )
    lines: list[str] = []
    notifier = AlertNotifier(directory, delivery=Delivery(smtp_relay=("127.0.0.1", relay.port)),
                             say=lines.append).start()
    # A run a second (intervals of 5 minutes, 300 times faster).
    runner = MonitorRunner(store, time_scale=300, log=lines.append, observer=notifier).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(f"monitor {monitor_id}: 1 " in line for line in lines) < 4:
            time.sleep(0.05)
        runs = sum(f"monitor {monitor_id}: 1 " in line for line in lines)
        assert runs >= 4, lines
        # The delivery thread catches up with the runs (a webhook alert per run).
        for _ in range(100):
            if sum(e["recipient_id"] == 2 for e in notifier.log.snapshot()["alerts"]) >= 4:
                break
            time.sleep(0.05)
    finally:
        runner.stop()
        notifier.stop()
        store.close()
    entries = notifier.log.snapshot()["alerts"]
    # The e-mail recipient from its second failed run, twice at most; the webhook every run.
    assert [e["errcount"] for e in entries if e["recipient_id"] == 1] == [2, 3]
    assert [e["errcount"] for e in entries if e["recipient_id"] == 2][:4] == [1, 2, 3, 4]
    assert {e["outcome"] for e in entries} == {"sent"}
    assert [m["Subject"] for _, _, m in relay.messages] == \
        ["[AlertSite] Site/Device Alert (ST=1) - Refused mail " + entries[0]["status_text"]] * 2
    assert json.loads(receiver.received[0].body)["device_id"] == monitor_id
    assert not any("Probe-Pw-1" in line for line in lines)
