"""The POP3 half of the trip: log in, find the probe message by its header, delete it.

Each look is a POP3 session of its own (a new connection, ``USER``/``PASS``, ``UIDL``,
``TOP n 0`` for messages not seen before, ``QUIT``), since a POP3 server shows the mailbox
as it was at login. ``DELE`` takes effect at ``QUIT``. ``poplib`` gets a socket already
connected by :func:`.net.open_channel` (TLS verified for ``pop3s://``); ``POP3_SSL`` and
the debug output (which would print ``PASS``) are never used.
"""

from __future__ import annotations

import poplib
import socket
import ssl
from dataclasses import dataclass, field

from ..tokens import SECRET_MASK
from .message import LEFTOVER_AGE_S, probe_header
from .net import (
    MAX_ANSWER_BYTES,
    Deadline,
    LineReader,
    Recorder,
    arm,
    greeting,
    guard,
    maybe_step,
    open_channel,
)
from .result import TripFailure
from .target import Mailbox, MailServer

#: At most this many messages (the newest) are looked at in one session.
MAX_SCAN = 200
#: poplib's limit on one line (its ``_MAXLINE``, which the stubs do not name).
_POP3_MAXLINE: int = getattr(poplib, "_MAXLINE", 2048)


class _PreconnectedPOP3(poplib.POP3):
    """poplib on a socket that is already connected; reads the greeting on creation.

    Every read and write gets the time left before the deadline, and a multi-line answer
    (UIDL, TOP) is cut off at :data:`.net.MAX_ANSWER_BYTES`.
    """

    def __init__(self, sock: socket.socket, server: MailServer, deadline: Deadline, password: str) -> None:
        self._ready_socket = sock
        self._deadline = deadline
        self._where = server.url
        self._reader = LineReader(sock, deadline, server.url)
        self._password = password.encode("utf-8")
        super().__init__(server.host, server.port)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self._ready_socket

    def _getline(self) -> tuple[bytes, int]:
        line = self._reader.readline(_POP3_MAXLINE + 1)
        if len(line) > _POP3_MAXLINE:
            # Not poplib's error_proto, which reads as the server's -ERR (and made UIDL fall
            # back to STAT in the middle of the long line).
            raise TripFailure("protocol", f"{self._where} sent a line of more than {_POP3_MAXLINE} bytes")
        if not line:
            raise poplib.error_proto("-ERR EOF")
        octets = len(line)
        if line[-2:] == b"\r\n":
            return line[:-2], octets
        if line[:1] == b"\r":
            return line[1:-1], octets
        return line[:-1], octets

    def mask(self, text: bytes) -> bytes:
        """A server's text with the password masked, before any of it is cut to length (a cut
        could keep half of a repeated password, which no later replace would find)."""
        return text.replace(self._password, SECRET_MASK.encode())

    def _getresp(self) -> bytes:
        # Only the texts that are shown are masked (an -ERR, the greeting, QUIT's answer), never
        # what is parsed: a password may be a word that a listing or a header holds.
        try:
            answer: bytes = super()._getresp()  # type: ignore[misc]  # poplib's, untyped
        except poplib.error_proto as exc:
            args = (self.mask(a) if isinstance(a, bytes) else a for a in exc.args)
            raise poplib.error_proto(*args) from None
        return answer

    def _getlongresp(self) -> tuple[bytes, list[bytes], int]:
        answer = self._getresp()
        lines: list[bytes] = []
        octets = 0
        line, size = self._getline()
        while line != b".":
            if line.startswith(b".."):
                size -= 1
                line = line[1:]
            octets += size
            if octets > MAX_ANSWER_BYTES:
                raise TripFailure(
                    "protocol",
                    f"{self._where} sent an answer (a listing, a header or a message) of more than "
                    f"{MAX_ANSWER_BYTES // (1024 * 1024)} MiB without ending it",
                )
            lines.append(line)
            line, size = self._getline()
        return answer, lines, octets

    def _putline(self, line: bytes) -> None:
        self._ready_socket.settimeout(self._deadline.socket_timeout())
        self._ready_socket.sendall(line + b"\r\n")


@dataclass
class Seen:
    """What earlier sessions learnt: the header verdict per UIDL id (None: not a probe's)."""

    verdicts: dict[str, tuple[str, int] | None] = field(default_factory=dict)


class Pop3Session:
    """One logged-in POP3 session (a context manager that closes the connection)."""

    def __init__(
        self,
        mailbox: Mailbox,
        deadline: Deadline,
        context: ssl.SSLContext,
        recorder: Recorder | None,
        warn_days: float,
        warnings: list[str],
    ) -> None:
        self.mailbox = mailbox
        self.deadline = deadline
        server = mailbox.pop3
        self._sock = open_channel(server, deadline, context, recorder, warn_days, warnings)
        self.client: _PreconnectedPOP3 | None = None
        self.message_count = 0
        """How many messages the last look saw (only the newest MAX_SCAN are read)."""
        try:
            with (maybe_step(recorder, "pop3.banner") as step, greeting(server, deadline),
                  guard(server, deadline)):
                arm(self._sock, deadline)
                self.client = _PreconnectedPOP3(self._sock, server, deadline, mailbox.password.reveal())
                step.detail = self.client.mask(self.client.getwelcome()).decode("utf-8", "replace")[:200]
            with maybe_step(recorder, "pop3.login") as step:
                self._login()
                step.detail = f"logged in as {mailbox.username}"
        except BaseException:
            self.close()
            raise

    def _login(self) -> None:
        assert self.client is not None
        server, username = self.mailbox.pop3, self.mailbox.username
        try:
            with guard(server, self.deadline):
                arm(self._sock, self.deadline)
                try:
                    self.client.user(username)
                    arm(self._sock, self.deadline)
                    self.client.pass_(self.mailbox.password.reveal())
                except poplib.error_proto as exc:
                    answer = exc.args[0] if exc.args else b""
                    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
                    if text.strip() == "-ERR EOF":
                        raise TripFailure("connect", f"{server.url} closed the connection at login") from None
                    raise TripFailure(
                        "pop3-login",
                        f"{server.url} refused the login of {username!r} ({text.strip()[:160]}): "
                        "check email_username and email_password",
                    ) from None
        except TripFailure as failure:
            # The server's answer is not ours to trust: keep the password out of it regardless.
            failure.cause = failure.cause.replace(self.mailbox.password.reveal(), SECRET_MASK)
            failure.args = (failure.cause,)
            raise

    def __enter__(self) -> Pop3Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Closing without QUIT leaves the mailbox unchanged (RFC 1939): DELEs are dropped.
        if self.client is not None:
            self.client.close()
        self._sock.close()

    def probe_messages(self, seen: Seen) -> dict[int, tuple[str, int]]:
        """Message number -> (token, sent) of every probe message here (the newest MAX_SCAN)."""
        assert self.client is not None
        with guard(self.mailbox.pop3, self.deadline):
            arm(self._sock, self.deadline)
            try:
                _, listing, _ = self.client.uidl()
                ids: dict[int, str] = {}
                for line in listing:
                    text = line.decode("ascii", "replace")
                    num_text, _, uid = text.partition(" ")
                    if not (num_text.isascii() and num_text.isdigit()):
                        raise TripFailure("protocol", f"{self.mailbox.pop3.url} sent a UIDL line that is not "
                                                      f"'<number> <id>': {text[:80]!r}")
                    ids[int(num_text)] = uid.strip()
                self.message_count = len(ids)
            except poplib.error_proto:
                count, _ = self.client.stat()
                # Only the newest: a server may claim any count.
                ids = {n: "" for n in range(max(count - MAX_SCAN, 0) + 1, count + 1)}
                self.message_count = count
            found: dict[int, tuple[str, int]] = {}
            for number in sorted(ids, reverse=True)[:MAX_SCAN]:
                uid = ids[number]
                if uid and uid in seen.verdicts:
                    verdict = seen.verdicts[uid]
                else:
                    verdict = probe_header(self._headers(number))
                    if uid:
                        seen.verdicts[uid] = verdict
                if verdict is not None:
                    found[number] = verdict
            return found

    def _headers(self, number: int) -> list[bytes]:
        assert self.client is not None
        arm(self._sock, self.deadline)
        try:
            return list(self.client.top(number, 0)[1])
        except poplib.error_proto:
            # TOP is optional in POP3; RETR reads the whole message instead.
            arm(self._sock, self.deadline)
            lines = list(self.client.retr(number)[1])
            return lines[: lines.index(b"")] if b"" in lines else lines

    def delete(self, numbers: list[int]) -> None:
        assert self.client is not None
        with guard(self.mailbox.pop3, self.deadline):
            for number in numbers:
                arm(self._sock, self.deadline)
                self.client.dele(number)

    def quit(self) -> str:
        """QUIT, which commits the deletions; the server's answer."""
        assert self.client is not None
        with guard(self.mailbox.pop3, self.deadline):
            arm(self._sock, self.deadline)
            answer = self.client.mask(self.client.quit())
        return answer.decode("utf-8", "replace")[:200]


def leftovers(found: dict[int, tuple[str, int]], token: str, now: float) -> list[int]:
    """Earlier probes' messages old enough to be nobody's running trip."""
    return [n for n, (other, sent) in found.items() if other != token and now - sent > LEFTOVER_AGE_S]
