"""The SMTP half of the trip: one probe message to the monitor's own address, without AUTH.

AlertSite's monitor has no SMTP login fields, so the server must take the message as a
relay or as its final destination without one. A ``530`` or a relay refusal therefore
means "this server needs a login, which AlertSite cannot give", and is reported so; other
refusals are told apart by :func:`refusal` (TLS wanted first, a policy rule, temporary).

``smtplib`` is given a socket that :func:`.net.open_channel` connected (and, for
``smtps://``, wrapped in verified TLS), so every step has its own time. ``STARTTLS`` gets
the same verified context; ``smtplib.SMTP_SSL`` is never used (its default context does not
verify) and the debug output is never switched on.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

from .net import (
    MAX_ANSWER_BYTES,
    MAX_REPLY_LINES,
    Deadline,
    LineReader,
    Recorder,
    arm,
    check_certificate,
    greeting,
    guard,
    open_channel,
)
from .result import TripFailure
from .target import Mailbox

StartTls = Literal["auto", "always", "never"]

#: smtplib's limit on one reply line (its ``_MAXLINE``, which the stubs do not name).
_SMTP_MAXLINE: int = getattr(smtplib, "_MAXLINE", 8192)
_STARTTLS = re.compile(r"\bSTARTTLS\b|\b(TLS|encryption) (is )?required\b", re.IGNORECASE)
# Postfix, Exim, Sendmail, Exchange and qmail's words for refusing to relay.
_RELAY = re.compile(
    r"\brelay(ing)?\b.{0,40}\b(denied|not permitted|not allowed|prohibited|refused)\b"
    r"|\b(unable|not permitted|not allowed) to relay\b|\ballowed rcpthosts\b",
    re.IGNORECASE,
)
_LOGIN_WORDS = re.compile(r"authenticat|\bauth\b|\blog ?in\b|\bsign ?in\b|credential", re.IGNORECASE)
#: An enhanced status code of class 7, security or policy (RFC 3463).
_POLICY = re.compile(r"\b5\.7\.\d{1,3}\b")


class _PreconnectedSMTP(smtplib.SMTP):
    """smtplib on a socket that is already connected (so that DNS/TCP/TLS are steps of their own).

    Every read and write gets the time left before the deadline, and a reply is cut off at
    :data:`.net.MAX_REPLY_LINES` lines or :data:`.net.MAX_ANSWER_BYTES`.
    """

    def __init__(self, sock: socket.socket, local_hostname: str, deadline: Deadline, where: str) -> None:
        self._ready_socket = sock
        self._deadline = deadline
        self._where = where
        self._reader: LineReader | None = None
        super().__init__(local_hostname=local_hostname)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # STARTTLS verifies the certificate against _host, which only __init__ would set.
        self._host = host
        return self._ready_socket

    def send(self, s: ReadableBuffer | str) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._deadline.socket_timeout())
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if self._reader is None or self._reader.sock is not self.sock:
            # A new socket after STARTTLS: nothing read before the handshake is kept.
            self._reader = LineReader(self.sock, self._deadline, self._where)
        lines: list[bytes] = []
        size = 0
        while True:
            try:
                line = self._reader.readline(_SMTP_MAXLINE + 1)
            except OSError as exc:
                self.close()
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from None
            if not line:
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if len(line) > _SMTP_MAXLINE:
                self.close()
                # smtplib's own SMTPResponseException(500) would read as the server's answer.
                raise TripFailure("protocol", f"{self._where} sent a line of more than {_SMTP_MAXLINE} bytes")
            size += len(line)
            if len(lines) >= MAX_REPLY_LINES or size > MAX_ANSWER_BYTES:
                self.close()
                raise TripFailure(
                    "protocol",
                    f"{self._where} sent a reply of more than {MAX_REPLY_LINES} lines without ending it",
                )
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                # smtplib's -1, which read as the server's refusal ("refused MAIL FROM (-1 ...)").
                self.close()
                shown = line.decode("utf-8", "replace").strip()[:80]
                raise TripFailure("protocol", f"{self._where} sent no SMTP reply: {shown!r}") from None
            if line[3:4] != b"-":
                return code, b"\n".join(lines)


def _ehlo_name(sock: socket.socket) -> str:
    # An address literal (RFC 5321 4.1.3): getfqdn() could spend seconds on a reverse lookup.
    address = sock.getsockname()[0]
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = text.strip().splitlines()
    return f"{code} {lines[0] if lines else ''}".strip()[:200]


def refusal(command: str, code: int, text: bytes | str, where: str, *, auth_offered: bool | None,
            starttls: StartTls = "auto") -> TripFailure:
    """What a refusal of ``command`` means for a sender without a login, as AlertSite is.

    Read from the reply's code and words, in this order: TLS wanted first (a 530 naming
    STARTTLS); a relay refusal, 4xx or 5xx (Postfix's default rule answers ``454 4.7.1 Relay
    access denied``); a login asked for (530, or words of authentication); any other 5.7.x
    (a spam filter, a blocklist, an access rule: no login was asked for); then temporary (4xx)
    and permanent (5xx) refusals. ``auth_offered`` is None before EHLO (nothing is known).
    """
    reply = _reply(code, text)
    if code == 530 and _STARTTLS.search(reply):
        how = ("the probe was told not to use it (--starttls never): use --starttls auto (the default) "
               "or always" if starttls == "never" else "it did not offer STARTTLS: use smtps:// if it has it")
        return TripFailure("tls", f"{where} wants TLS before {command} ({reply}); {how}")
    if _RELAY.search(reply):
        return TripFailure(
            "smtp-login-needed",
            f"{where} refused {command} as relaying ({reply}): this server needs a login (or a sender inside "
            "its own network), which AlertSite cannot give; send through the server that receives mail for "
            "this address, or let this one take mail for it without AUTH",
        )
    if code == 530 or (code >= 500 and _LOGIN_WORDS.search(reply)):
        return TripFailure(
            "smtp-login-needed",
            f"{where} refused {command} without a login ({reply}): this server needs a login, "
            "which AlertSite cannot give; let it take mail for this address without AUTH",
        )
    if code >= 500 and _POLICY.search(reply):
        login = {True: "; it offers AUTH, so a logged-in sender might pass, which AlertSite cannot be",
                 False: "; it offers no AUTH, so no login would pass it", None: ""}[auth_offered]
        return TripFailure(
            "smtp-refused",
            f"{where} refused {command} by its policy ({reply}): a spam filter, a blocklist or an access "
            f"rule of the server{login}",
        )
    if 400 <= code < 500:
        return TripFailure("smtp-refused", f"{where} refused {command} for now ({reply})")
    return TripFailure("smtp-refused", f"{where} refused {command} ({reply})")


class SmtpSend:
    """Sends the one probe message; ``maybe_sent`` turns true once DATA has been issued."""

    def __init__(
        self,
        mailbox: Mailbox,
        deadline: Deadline,
        context: ssl.SSLContext,
        recorder: Recorder,
        *,
        starttls: StartTls,
        warn_days: float,
        warnings: list[str],
    ) -> None:
        self.mailbox = mailbox
        self.deadline = deadline
        self.context = context
        self.recorder = recorder
        self.starttls = starttls
        self.warn_days = warn_days
        self.warnings = warnings
        self.maybe_sent = False
        self._client: _PreconnectedSMTP | None = None

    def send(self, message: bytes) -> None:
        server = self.mailbox.smtp
        sock = open_channel(server, self.deadline, self.context, self.recorder, self.warn_days, self.warnings)
        client = self._client = _PreconnectedSMTP(sock, _ehlo_name(sock), self.deadline, server.url)
        try:
            self._converse(client, message)
        finally:
            client.close()
            sock.close()

    def _converse(self, client: _PreconnectedSMTP, message: bytes) -> None:
        server, deadline, rec, where = self.mailbox.smtp, self.deadline, self.recorder, self.mailbox.smtp.url
        address = self.mailbox.email
        with rec.step("smtp.banner") as step, greeting(server, deadline), guard(server, deadline):
            arm(client._ready_socket, deadline)
            code, text = client.connect(server.host, server.port)
            if 400 <= code < 600:
                # A refusal in place of the greeting (421 busy, 554 this client is not welcome).
                raise self._refusal("the connection", code, text)
            if code != 220:
                raise TripFailure("protocol", f"{where} greeted with {_reply(code, text)} instead of 220")
            step.detail = _reply(code, text)
        with rec.step("smtp.ehlo") as step, guard(server, deadline):
            self._hello(client)
            step.detail = "STARTTLS offered" if client.has_extn("starttls") else "no STARTTLS offered"
        if not server.implicit_tls:
            self._maybe_starttls(client)
        with rec.step("smtp.mail") as step, guard(server, deadline):
            arm(client.sock, deadline)
            code, text = client.mail(address)
            if code != 250:
                raise self._refusal(f"MAIL FROM:<{address}>", code, text)
            step.detail = _reply(code, text)
        with rec.step("smtp.rcpt") as step, guard(server, deadline):
            arm(client.sock, deadline)
            code, text = client.rcpt(address)
            if code not in (250, 251):
                raise self._refusal(f"RCPT TO:<{address}>", code, text)
            step.detail = _reply(code, text)
        with rec.step("smtp.data") as step, guard(server, deadline):
            arm(client.sock, deadline)
            self.maybe_sent = True
            try:
                code, text = client.data(message)
            except smtplib.SMTPDataError as exc:
                raise self._refusal("DATA", exc.smtp_code, exc.smtp_error) from None
            if code != 250:
                raise self._refusal("the message", code, text)
            step.detail = _reply(code, text)
        with rec.step("smtp.quit") as step:
            try:
                arm(client.sock, deadline)
                code, text = client.quit()
                step.detail = _reply(code, text)
            except (OSError, smtplib.SMTPException, TripFailure):
                # The message was accepted already; a lost QUIT changes nothing for delivery.
                step.detail = "no answer to QUIT (the message was accepted before)"

    def _refusal(self, command: str, code: int, text: bytes | str) -> TripFailure:
        client = self._client
        offered = None if client is None or client.ehlo_resp is None else client.has_extn("auth")
        return refusal(command, code, text, self.mailbox.smtp.url, auth_offered=offered,
                       starttls=self.starttls)

    def _hello(self, client: _PreconnectedSMTP) -> None:
        arm(client.sock, self.deadline)
        code, text = client.ehlo()
        if code != 250:
            arm(client.sock, self.deadline)
            code, text = client.helo()
            if code != 250:
                where = self.mailbox.smtp.url
                raise TripFailure("protocol", f"{where} refused EHLO and HELO ({_reply(code, text)})")

    def _maybe_starttls(self, client: _PreconnectedSMTP) -> None:
        server, deadline = self.mailbox.smtp, self.deadline
        offered = client.has_extn("starttls")
        if self.starttls == "never" or (self.starttls == "auto" and not offered):
            return
        with self.recorder.step("smtp.starttls") as step, guard(server, deadline):
            if not offered:
                raise TripFailure(
                    "tls", f"{server.url} does not offer STARTTLS, and the probe was told to require it"
                )
            arm(client.sock, deadline)
            try:
                client.starttls(context=self.context)
            except smtplib.SMTPResponseException as exc:
                # smtplib raises for any answer but 220 (Postfix: 454 4.7.0 TLS not available).
                answer = _reply(exc.smtp_code, exc.smtp_error)
                raise TripFailure(
                    "tls",
                    f"{server.url} offered STARTTLS but refused it ({answer}); --starttls never tries "
                    "the rest of the path without TLS",
                ) from None
            assert isinstance(client.sock, ssl.SSLSocket)
            step.detail, found = check_certificate(client.sock, server, self.warn_days)
            self.warnings.extend(found)
            self._hello(client)
