"""Alerts, as AlertSite sends them when a monitor run fails (``--run-monitors``).

After each run the runner records, :class:`AlertNotifier` sees the outcome
(:meth:`AlertNotifier.observe`), decides who is alerted, and hands the alerts to a delivery
thread of its own: a mail server or a webhook that hangs never holds up the runner, and a
delivery that fails is recorded, never raised.

Who is alerted (``/work/shared/alertsite-api-more.md`` §1.3, §2.3), see :func:`route`:

- the recipients of every recipient group that holds the monitor and covers the status
  (a group's ``errortypes``: empty means every error, else only those status codes);
- a monitor in no group: the default group's recipients when there is a default group
  (*assumption*: the documentation says only what happens without one; its ``errortypes``
  apply as for any group), else every recipient ("by default, a recipient gets alerts from all
  monitors");
- each recipient once, and only those with ``availability_alert`` (performance alerts are not
  modelled: a round trip has no performance threshold here).

Blackouts (§3, when the directory keeps them: :class:`BlackoutSource`), on the emulator's
clock: an ``Alert`` blackout of the monitor sends nothing, neither alert nor clear (failed runs
still count, and who was alerted is kept: the first run after it alerts or clears as usual); a
``Notifier`` blackout silences that recipient only (not counted towards its thresholds, and no
clear for an error it was alerted of). ``Monitor`` blackouts are the runner's: no run at all.

When, per (monitor, recipient), see :class:`AlertNotifier`: an alert once the monitor has failed
``start_threshold`` runs in a row, then one per further failed run until ``stop_threshold`` alerts
were sent for this error; when the monitor is green again, one clear to each recipient that was
alerted and has ``notify_on_clear``. Thresholds below 1 count as 1 (*assumption*).

How (§1.2, §1.5), see :class:`Delivery`: e-mail (methods 1 text, 12 HTML, 4 wireless) through
the configured SMTP relay, subject ``[AlertSite] Site/Device Alert (ST=<status>) - <monitor
name> <error description>`` (a clear: ``(ST=0) - <monitor name>``); JSON POST (method 16) with
the documented fields, every value a string, HTTP Basic auth when the recipient has a username
or password, AlertSite's User-Agent, redirects not followed. Connecting (and an SMTP
relay's greeting) has :data:`DELIVERY_TIMEOUT_S`, and what follows a total deadline as long
(the socket is shut at it, whatever the server trickles). Other methods (pagers, SMS,
SNMP, ...) are recorded, not sent. Like the runner's monitors, a webhook off loopback is not
posted unless ``allow_remote``; the relay is the operator's own choice and is always used.

Every alert (sent, failed and why, or not sent and why) is kept in an :class:`AlertLog`, the
newest :data:`LOG_SIZE`, which the control surface shows (``GET /_emulator/alerts``): never a
password, and a login inside a webhook URL masked.
"""

from __future__ import annotations

import base64
import html
import http.client
import json
import queue
import smtplib
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from ..mail import is_loopback_host, redact_url_userinfo
from .model import EMAIL, EmulatorSettings, JsonObject, as_int
from .routing import METHODS

LogFunction = Callable[[str], None]

EMAIL_METHODS: Final = frozenset({1, 4, 12})
WEBHOOK_METHOD: Final = 16

USER_AGENT: Final = "ipd/1.0 (ipd; IPD 1.0; AlertSite)"
SUBJECT_PREFIX: Final = "[AlertSite] Site/Device Alert"
DEFAULT_FROM: Final = "AlertSite Emulator <alerts@alertsite-emulator.localhost>"
DELIVERY_TIMEOUT_S: Final = 10.0
"""The whole of one delivery (connect, send, answer): a slower server fails it."""
LOG_SIZE: Final = 500
"""How many alerts the log keeps (the newest)."""
QUEUE_SIZE: Final = 1000
"""Alerts waiting for the delivery thread; beyond it, an alert is recorded as not sent."""
MAX_ANSWER_BYTES: Final = 64 * 1024
"""How much of a webhook's answer is read (and thrown away) before the connection is closed."""

#: The monitor's device type in the JSON payload (*assumption*: the documentation shows
#: ``w``, a web site; a round trip's own code is not documented).
DEVICE_TYPECODE: Final = "e"
DEVICE_TYPE: Final = "Email Round Trip"

NotifyType = Literal["error", "clear"]
Outcome = Literal["sent", "failed", "not sent"]


@runtime_checkable
class AlertDirectory(Protocol):
    """Where the recipients and recipient groups are kept (the emulator's store).

    Recipients: ``id`` int, ``name``, ``method_id`` int, ``recipient`` (address or URL),
    ``username`` and ``password`` (str or None, the password in clear), ``availability_alert``,
    ``performance_alert``, ``notify_on_clear`` (bool), ``start_threshold``, ``stop_threshold``
    (int). Groups: ``id`` int, ``name``, ``is_default`` bool, and ``monitors``, ``recipients``,
    ``errortypes``, ``templates`` as lists of int ids.
    """

    def raw_recipients(self) -> list[dict[str, Any]]: ...

    def raw_recipient_groups(self) -> list[dict[str, Any]]: ...


@runtime_checkable
class BlackoutSource(Protocol):
    """A directory that also keeps blackouts (the emulator's store): those covering now, each
    with ``type`` (``Alert``: the monitor's availability alerts; ``Notifier``: the recipient)
    and ``assoc_id``."""

    def active_blackouts(self) -> list[dict[str, Any]]: ...


def _silenced(directory: AlertDirectory) -> tuple[set[int], set[int]]:
    """(monitors whose alerts an ``Alert`` blackout stops, recipients a ``Notifier`` blackout
    silences), now; nothing for a directory without blackouts."""
    if not isinstance(directory, BlackoutSource):
        return set(), set()
    active = directory.active_blackouts()
    monitors = {i for b in active if b.get("type") == "Alert"
                and (i := as_int(b.get("assoc_id"))) is not None}
    recipients = {i for b in active if b.get("type") == "Notifier"
                  and (i := as_int(b.get("assoc_id"))) is not None}
    return monitors, recipients


class NoRecipients:
    """A directory with nobody in it: what a store without recipients stands for."""

    def raw_recipients(self) -> list[dict[str, Any]]:
        return []

    def raw_recipient_groups(self) -> list[dict[str, Any]]:
        return []


def directory_of(store: object) -> AlertDirectory:
    """``store`` if it keeps recipients and groups, else :class:`NoRecipients`."""
    return store if isinstance(store, AlertDirectory) else NoRecipients()


def parse_relay(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:25`` for IPv6) as (host, port); ValueError says what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"an SMTP relay is HOST:PORT with a port from 1 to 65535, not {text!r}")
    return host, int(port)


# --- routing ------------------------------------------------------------------------------


def _ids(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in (as_int(v) for v in value) if i is not None]


def route(monitor_id: int, status: int, directory: AlertDirectory) -> list[dict[str, Any]]:
    """The recipients a failed run of ``monitor_id`` with ``status`` alerts, each once, in
    the directory's order (see the module's docstring for the rules)."""
    groups = directory.raw_recipient_groups()
    recipients = directory.raw_recipients()
    holding = [g for g in groups if monitor_id in _ids(g.get("monitors"))]
    if not holding:
        holding = [g for g in groups if g.get("is_default") is True][:1]
    wanted: set[int] | None = None
    if holding:
        wanted = set()
        for group in holding:
            errortypes = _ids(group.get("errortypes"))
            if not errortypes or status in errortypes:
                wanted.update(_ids(group.get("recipients")))
    seen: set[int] = set()
    chosen: list[dict[str, Any]] = []
    for recipient in recipients:
        rid = as_int(recipient.get("id"))
        if rid is None or rid in seen or (wanted is not None and rid not in wanted):
            continue
        if recipient.get("availability_alert") is True:
            seen.add(rid)
            chosen.append(recipient)
    return chosen


# --- what an alert is ---------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One alert to one recipient: what it says, where it goes, how it went."""

    notify_type: NotifyType
    monitor_id: str
    monitor_name: str
    status: str
    status_text: str
    errcount: int
    time: datetime
    location_id: int
    location: str
    recipient_id: int
    recipient_name: str
    method_id: int
    target: str = field(repr=False)
    """The address or URL, as the recipient holds it (a URL may carry a login)."""
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    outcome: Outcome | None = None
    reason: str | None = None
    test: bool = False
    """A test notification (``POST /test-notifiers``), not an alert of a monitor's run."""

    @property
    def subject(self) -> str:
        if self.notify_type == "clear":
            text = f"{SUBJECT_PREFIX} (ST=0) - {self.monitor_name}"
        else:
            text = f"{SUBJECT_PREFIX} (ST={self.status}) - {self.monitor_name} {self.status_text}"
        return " ".join(text.split())  # no line break can end up in a header

    def shown_target(self) -> str:
        return redact_url_userinfo(self.target) if self.method_id == WEBHOOK_METHOD else self.target

    def without_secrets(self, text: str) -> str:
        """``text`` (an error's message) with the recipient's login taken out."""
        for secret in (self.password, self.username):
            if secret:
                text = text.replace(secret, "[secret]")
        if self.target != self.shown_target():
            text = text.replace(self.target, self.shown_target())
        return text

    def public(self) -> JsonObject:
        """The log entry: everything but the login."""
        entry: JsonObject = {
            "time": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "notify_type": self.notify_type,
            "monitor_id": self.monitor_id,
            "monitor_name": self.monitor_name,
            "status": self.status,
            "status_text": self.status_text,
            "errcount": self.errcount,
            "recipient_id": self.recipient_id,
            "recipient_name": self.recipient_name,
            "method_id": self.method_id,
            "method": METHODS.get(self.method_id, "unknown method"),
            "recipient": self.shown_target(),
            "outcome": self.outcome,
            "reason": self.reason,
        }
        if self.method_id in EMAIL_METHODS:
            entry["subject"] = self.subject
        if self.test:
            entry["test"] = True
        return entry

    def payload(self, custid: str, company: str) -> dict[str, str]:
        """The JSON availability alert (§1.5): every value a string."""
        return {
            "source": "AlertSite",
            "notify_type": self.notify_type,
            "custid": custid,
            "company": company,
            "device_id": self.monitor_id,
            "device_name": self.monitor_name,
            "timestamp": self.time.strftime("%Y-%m-%d %H:%M:%S"),
            "status": self.status,
            "errcount": str(self.errcount),
            "status_text": self.status_text,
            "location": self.location,
            "location_num": str(self.location_id),
            "device_typecode": DEVICE_TYPECODE,
            "device_type": DEVICE_TYPE,
            "transaction": "0",
            "url": "",
            "http_status": "",
            "step_num": "0",
            "step_name": "",
        }


class AlertLog:
    """The newest :data:`LOG_SIZE` alerts and how each went, safe from many threads."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JsonObject] = deque(maxlen=max(1, size))
        self._count = 0

    def add(self, alert: Alert) -> None:
        with self._lock:
            self._count += 1
            self._entries.append({"id": self._count, **alert.public()})

    def snapshot(self) -> JsonObject:
        with self._lock:
            return {"alerts": list(self._entries), "total": self._count,
                    "kept": self._entries.maxlen}

    def clear(self) -> None:
        """Forget the alerts (the count of alerts ever logged goes on)."""
        with self._lock:
            self._entries.clear()


# --- delivery -----------------------------------------------------------------------------


class _Failed(Exception):
    """A delivery did not go through; the message says why (no secret in it)."""


@contextmanager
def _deadline(sock_of: Callable[[], socket.socket | None], seconds: float) -> Iterator[None]:
    """Shut the socket ``sock_of`` gives down after ``seconds``: a server that trickles its
    greeting or its answer one byte per socket timeout cannot hold a delivery longer than that
    (which then fails, saying so). The socket is asked for when the time is up, so that the
    deadline covers the connection's own opening (an SMTP greeting is read in ``connect``)."""
    fired = threading.Event()
    ended = threading.Event()
    watcher = threading.Thread(target=_watch, args=(sock_of, seconds, fired, ended), daemon=True)
    watcher.start()
    try:
        yield
    except (OSError, smtplib.SMTPException, http.client.HTTPException):
        if fired.is_set():
            raise _Failed(f"no answer within the delivery's deadline of {seconds:g} s") from None
        raise
    finally:
        ended.set()
        watcher.join(timeout=1.0)
    if fired.is_set():  # an answer cut short at the deadline can still parse (headers end at EOF)
        raise _Failed(f"no answer within the delivery's deadline of {seconds:g} s")


#: How often a fired deadline looks again for a socket still being opened.
_SHUT_POLL_S = 0.05


def _watch(sock_of: Callable[[], socket.socket | None], seconds: float, fired: threading.Event,
           ended: threading.Event) -> None:
    if ended.wait(seconds):
        return
    fired.set()
    shut: set[int] = set()
    while True:
        sock = sock_of()
        if sock is not None and id(sock) not in shut:
            shut.add(id(sock))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # closed already: the delivery ended by itself
        if ended.wait(_SHUT_POLL_S):
            return


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True)
class Delivery:
    """How alerts leave the emulator: the SMTP relay, the sender, the account's names."""

    smtp_relay: tuple[str, int] | None = None
    mail_from: str = DEFAULT_FROM
    timeout_s: float = DELIVERY_TIMEOUT_S
    allow_remote: bool = False
    """Post webhooks that are not on loopback too."""
    custid: str = "C10001"
    company: str = "AlertSite Emulator"
    context: ssl.SSLContext | None = None
    """TLS for ``https`` webhooks (default: the system's CAs)."""

    def deliver(self, alert: Alert) -> Alert:
        """``alert`` with its outcome; never raises for a failed delivery."""
        if alert.method_id in EMAIL_METHODS:
            send: Callable[[Alert], None] = self._mail
        elif alert.method_id == WEBHOOK_METHOD:
            send = self._post
        else:
            method = METHODS.get(alert.method_id, "an unknown method")
            return replace(alert, outcome="not sent", reason=f"method {alert.method_id} ({method}) "
                           "is recorded, not sent, by the emulator")
        if alert.method_id in EMAIL_METHODS and self.smtp_relay is None:
            return replace(alert, outcome="not sent", reason="no relay configured (--alert-smtp HOST:PORT)")
        if alert.method_id == WEBHOOK_METHOD and not self.allow_remote and not _on_loopback(alert.target):
            return replace(alert, outcome="not sent", reason="the webhook is not on loopback "
                           "(--run-monitors-anywhere allows it)")
        try:
            send(alert)
        except _Failed as exc:
            return replace(alert, outcome="failed", reason=alert.without_secrets(str(exc)))
        except (OSError, smtplib.SMTPException, http.client.HTTPException, ValueError) as exc:
            return replace(alert, outcome="failed", reason=alert.without_secrets(_why(exc)))
        return replace(alert, outcome="sent", reason=None)

    def _message(self, alert: Alert) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = alert.subject
        message["From"] = self.mail_from
        message["To"] = alert.target
        message["Date"] = formatdate(alert.time.timestamp(), usegmt=True)
        message["Message-ID"] = make_msgid(domain="alertsite-emulator.localhost")
        lines = [
            f"Monitor: {alert.monitor_name} ({alert.monitor_id})",
            f"Status: {alert.status} {alert.status_text}",
            f"Time: {alert.time.strftime('%Y-%m-%d %H:%M:%S')} UTC",
            f"Location: {alert.location}",
        ]
        if alert.notify_type == "error":
            lines.append(f"Consecutive errors: {alert.errcount}")
        if alert.method_id == 4:  # a phone: the short form
            message.set_content(f"{alert.monitor_name}: ST={alert.status} {alert.status_text}\n")
        elif alert.method_id == 12:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            message.set_content(f"<html><body><h1>{html.escape(alert.subject)}</h1><ul>{items}</ul>"
                                "</body></html>\n", subtype="html")
        else:
            message.set_content("\n".join(lines) + "\n")
        return message

    def _mail(self, alert: Alert) -> None:
        if not EMAIL.fullmatch(alert.target):
            raise _Failed(f"{alert.target!r} is not an email address")
        assert self.smtp_relay is not None
        host, port = self.smtp_relay
        message = self._message(alert)
        # Connected inside the deadline: the greeting is read in connect().
        smtp = smtplib.SMTP(timeout=self.timeout_s)
        try:
            with _deadline(lambda: smtp.sock, self.timeout_s):
                smtp.connect(host, port)
                refused = smtp.send_message(message, from_addr=_address(self.mail_from),
                                            to_addrs=[alert.target])
                smtp.quit()
        finally:
            smtp.close()
        if refused:
            raise _Failed(f"the relay refused the recipient: {refused}")

    def _post(self, alert: Alert) -> None:
        url = urlsplit(alert.target)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise _Failed("the recipient is not an http:// or https:// URL")
        body = json.dumps(alert.payload(self.custid, self.company)).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "Content-Length": str(len(body))}
        if alert.username or alert.password:
            login = f"{alert.username or ''}:{alert.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(login).decode("ascii")
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        conn: http.client.HTTPConnection
        if url.scheme == "https":
            conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=self.timeout_s,
                                               context=self.context or ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout_s)
        try:
            conn.connect()
            with _deadline(lambda: conn.sock, self.timeout_s):
                conn.request("POST", target, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read(MAX_ANSWER_BYTES)
        finally:
            conn.close()
        if 300 <= answer.status < 400:
            raise _Failed(f"HTTP {answer.status} {answer.reason} (redirects are not followed)")
        if not 200 <= answer.status < 300:
            raise _Failed(f"HTTP {answer.status} {answer.reason}")


def _first_location(monitor: Mapping[str, Any]) -> int | None:
    """The id of the monitor's first location (``[{"id": 10}]``), where it runs from."""
    locations = monitor.get("locations")
    if isinstance(locations, list) and locations and isinstance(locations[0], dict):
        return as_int(locations[0].get("id"))
    return None


def _on_loopback(url: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return True  # not a URL: its delivery says so
    return host is None or is_loopback_host(host)


def _address(mailbox: str) -> str:
    """The bare address of ``Name <address>``."""
    start, end = mailbox.rfind("<"), mailbox.rfind(">")
    return mailbox[start + 1:end] if 0 <= start < end else mailbox


# --- the notifier -------------------------------------------------------------------------


class AlertNotifier:
    """Turns the runs the runner records into alerts, and delivers them from a thread.

    Per monitor it counts the failed runs in a row; per (monitor, recipient) how many alerts
    this error has sent. :meth:`observe` is quick (no network: it reads the directory and
    queues) and is called by the runner right after it records a run; :meth:`start` runs the
    delivery thread, :meth:`deliver_pending` delivers what is queued in the calling thread
    (what the thread does, and what a test without the thread does).
    """

    def __init__(
        self,
        directory: AlertDirectory,
        log: AlertLog | None = None,
        delivery: Delivery | None = None,
        *,
        locations: Mapping[int, str] | None = None,
        say: LogFunction | None = None,
    ) -> None:
        self.directory = directory
        self.log = log if log is not None else AlertLog()
        self.delivery = delivery or Delivery()
        self._locations = dict(locations if locations is not None else
                               EmulatorSettings().location_names())
        self._say = say
        self._lock = threading.Lock()
        self._errors: dict[str, int] = {}
        """Failed runs in a row, per monitor (absent: its last run was green)."""
        self._sent: dict[tuple[str, int], int] = {}
        """Alerts sent for the current error, per (monitor, recipient)."""
        self._queue: queue.Queue[Alert] = queue.Queue(QUEUE_SIZE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # deciding ---------------------------------------------------------------------------

    def observe(self, monitor: Mapping[str, Any], status: Mapping[str, Any]) -> list[Alert]:
        """A run of ``monitor`` (its stored record) ended with ``status`` (as recorded): queue
        the alerts it causes, and return them. Never raises: a broken directory is logged."""
        try:
            alerts = self._decide(monitor, status)
        except Exception as exc:  # noqa: BLE001 - alerting must never stop the runner
            self._tell(f"alerts for monitor {monitor.get('id')}: not decided: {type(exc).__name__}")
            return []
        for alert in alerts:
            try:
                self._queue.put_nowait(alert)
            except queue.Full:
                self.log.add(replace(alert, outcome="not sent", reason="the delivery queue is full"))
        return alerts

    def _decide(self, monitor: Mapping[str, Any], status: Mapping[str, Any]) -> list[Alert]:
        monitor_id = str(monitor.get("id"))
        key = as_int(monitor_id)
        code = as_int(status.get("code"))
        if key is None:
            return []
        quiet_monitors, quiet_recipients = _silenced(self.directory)
        with self._lock:
            if key in quiet_monitors:
                # An Alert blackout: no alert and no clear. Failed runs still count, and who was
                # alerted is kept, so the first run after the blackout alerts (or clears) as usual.
                if code != 0:
                    self._errors[monitor_id] = self._errors.get(monitor_id, 0) + 1
                return []
            if code == 0:
                return self._clear(monitor, status, quiet_recipients)
            errcount = self._errors.get(monitor_id, 0) + 1
            self._errors[monitor_id] = errcount
            alerts = []
            for recipient in route(key, code if code is not None else -1, self.directory):
                rid = int(recipient["id"])
                if rid in quiet_recipients:
                    continue  # a Notifier blackout: this recipient only is silent (and not counted)
                sent = self._sent.get((monitor_id, rid), 0)
                start = max(1, as_int(recipient.get("start_threshold")) or 1)
                stop = max(1, as_int(recipient.get("stop_threshold")) or 1)
                if errcount >= start and sent < stop:
                    self._sent[(monitor_id, rid)] = sent + 1
                    alerts.append(self._alert("error", monitor, status, errcount, recipient))
            return alerts

    def _clear(self, monitor: Mapping[str, Any], status: Mapping[str, Any],
               quiet: set[int] | None = None) -> list[Alert]:
        monitor_id = str(monitor.get("id"))
        errcount = self._errors.pop(monitor_id, 0)
        alerted = {rid for (mid, rid) in self._sent if mid == monitor_id}
        for rid in alerted:
            del self._sent[(monitor_id, rid)]
        alerted -= quiet or set()  # a silenced recipient gets no clear either (and none later)
        if not alerted:
            return []
        return [
            self._alert("clear", monitor, status, errcount, recipient)
            for recipient in self.directory.raw_recipients()
            if as_int(recipient.get("id")) in alerted and recipient.get("notify_on_clear") is True
            and recipient.get("availability_alert") is True
        ]

    def _alert(self, notify_type: NotifyType, monitor: Mapping[str, Any], status: Mapping[str, Any],
               errcount: int, recipient: Mapping[str, Any]) -> Alert:
        location_id = as_int(monitor.get("home_location")) or _first_location(monitor) or \
            next(iter(self._locations), 0)
        username = recipient.get("username")
        password = recipient.get("password")
        return Alert(
            notify_type=notify_type,
            monitor_id=str(monitor.get("id")),
            monitor_name=str(monitor.get("name", "")),
            status=str(status.get("code", "")),
            status_text=str(status.get("description", "")),
            errcount=errcount,
            time=datetime.now(timezone.utc),
            location_id=location_id,
            location=self._locations.get(location_id, ""),
            recipient_id=int(recipient["id"]),
            recipient_name=str(recipient.get("name", "")),
            method_id=as_int(recipient.get("method_id")) or 0,
            target=str(recipient.get("recipient", "")),
            username=username if isinstance(username, str) else None,
            password=password if isinstance(password, str) else None,
        )

    # delivering -------------------------------------------------------------------------

    def deliver_pending(self) -> int:
        """Deliver every queued alert in this thread; how many were delivered (or tried)."""
        count = 0
        for _ in range(QUEUE_SIZE):
            try:
                alert = self._queue.get_nowait()
            except queue.Empty:
                break
            self._deliver(alert)
            count += 1
        return count

    def _deliver(self, alert: Alert) -> None:
        try:
            done = self.delivery.deliver(alert)
        except Exception as exc:  # noqa: BLE001 - one broken delivery must not stop the others
            done = replace(alert, outcome="failed", reason=alert.without_secrets(_why(exc)))
        self.log.add(done)
        self._tell(f"monitor {done.monitor_id}: {done.notify_type} alert to recipient "
                   f"{done.recipient_id}: {done.outcome}" + (f" ({done.reason})" if done.reason else ""))

    def start(self) -> AlertNotifier:
        self._thread = threading.Thread(target=self._loop, name="alert-delivery", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop delivering; a delivery under way has ``timeout`` to end (its thread is a daemon)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                alert = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self._deliver(alert)

    def _tell(self, line: str) -> None:
        if self._say is not None:
            self._say(line)
