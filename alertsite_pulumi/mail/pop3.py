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

from .message import LEFTOVER_AGE_S, probe_header
from .net import Deadline, Recorder, arm, greeting, guard, maybe_step, open_channel
from .result import TripFailure
from .target import Mailbox

#: At most this many messages (the newest) are looked at in one session.
MAX_SCAN = 200


class _PreconnectedPOP3(poplib.POP3):
    """poplib on a socket that is already connected; reads the greeting on creation."""

    def __init__(self, sock: socket.socket, host: str, port: int) -> None:
        self._ready_socket = sock
        super().__init__(host, port)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self._ready_socket


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
        try:
            with maybe_step(recorder, "pop3.banner") as step, greeting(server), guard(server, deadline):
                arm(self._sock, deadline)
                self.client = _PreconnectedPOP3(self._sock, server.host, server.port)
                step.detail = self.client.getwelcome().decode("utf-8", "replace")[:200]
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
            failure.cause = failure.cause.replace(self.mailbox.password.reveal(), "[secret]")
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
                    num_text, _, uid = line.decode("ascii", "replace").partition(" ")
                    ids[int(num_text)] = uid.strip()
            except poplib.error_proto:
                count, _ = self.client.stat()
                ids = {n: "" for n in range(1, count + 1)}
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
            answer = self.client.quit()
        return answer.decode("utf-8", "replace")[:200]


def leftovers(found: dict[int, tuple[str, int]], token: str, now: float) -> list[int]:
    """Earlier probes' messages old enough to be nobody's running trip."""
    return [n for n, (other, sent) in found.items() if other != token and now - sent > LEFTOVER_AGE_S]
