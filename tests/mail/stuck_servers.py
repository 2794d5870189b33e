"""Loopback TCP servers that hold a mail client: one trickles a byte every 2 s and never
ends its line, one never stops talking (POP3 lines without the closing ``.``), one never
says a word. The probe holds its deadline inside every read, so these end a trip at its
timeout, not later.

What still holds a real run past its timeout is the clean-up after a failed trip, which has
a budget of its own (the probe's ``cleanup_timeout``, 15 s): :class:`HeldCleanup` is an SMTP
server that takes the probe's message and never confirms it (or refuses it once it has it)
and a POP3 server whose clean-up session trickles."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

TRICKLE_EVERY_S = 2.0
LIFETIME_S = 120.0
"""No connection is held longer than this, whatever the test does."""


class StuckServer:
    """Accepts every connection and feeds it with ``talk`` until :meth:`stop`."""

    def __init__(self, talk: Callable[[socket.socket, threading.Event], None]) -> None:
        self._talk = talk
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"pop3://127.0.0.1:{self.port}"

    def start(self) -> StuckServer:
        self._spawn(self._accept)
        return self

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._talk(conn, self._stop)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """``+OK`` then one byte every 2 s, never a line's end."""
    end = time.monotonic() + LIFETIME_S
    for byte in b"+OK " + b"x" * int(LIFETIME_S / TRICKLE_EVERY_S):
        conn.sendall(bytes([byte]))
        if stop.wait(TRICKLE_EVERY_S) or time.monotonic() > end:
            return


def stream(conn: socket.socket, stop: threading.Event) -> None:
    """A greeting, then POP3 lines without end: the answer to every command, and a UIDL
    listing that never reaches its closing ``.``."""
    conn.sendall(b"+OK never stops talking\r\n")
    end = time.monotonic() + LIFETIME_S
    while not stop.wait(0.01) and time.monotonic() < end:
        conn.sendall(b"+OK 1 still-talking\r\n" * 20)


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts, then never says a word (nor reads one): the probe's own timeout ends it."""
    stop.wait(LIFETIME_S)


class _Lines:
    """A client's command lines, each read a piece at a time so that :meth:`StuckServer.stop`
    ends the wait; ``None`` when the client has gone (or the server stops)."""

    def __init__(self, conn: socket.socket, stop: threading.Event) -> None:
        self._conn = conn
        self._stop = stop
        self._buffer = b""
        self._end = time.monotonic() + LIFETIME_S
        conn.settimeout(0.2)

    def readline(self) -> bytes | None:
        while b"\n" not in self._buffer:
            if self._stop.is_set() or time.monotonic() > self._end:
                return None
            try:
                chunk = self._conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r")


class HeldCleanup:
    """A plain SMTP server and a POP3 server with an empty mailbox that hold a probe run past
    its timeout in the clean-up that follows the trip.

    SMTP takes the message (``maybe_sent``: the probe must clean up after any failure) and
    then never answers its final dot, so the trip ends at its own timeout (code 2), or, with
    ``refuse``, answers it with a ``451`` and the trip fails at once. POP3 answers the first
    look at the mailbox (before the send) and holds the session that follows a message it
    was sent (the login's address ``<username>@...``): the clean-up's, which gets ``+OK`` and
    then a byte every 0.5 s for ``hold_s`` (the probe gives up on it after its clean-up budget
    of 15 s), then a hang-up. A run therefore lasts the trip plus ``min(hold_s, 15 s)``."""

    def __init__(self, *, refuse: bool = False, hold_s: float = LIFETIME_S) -> None:
        self._refuse = refuse
        self._hold_s = min(hold_s, LIFETIME_S)
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self.messages = 0
        """Messages taken: one per run that reached the send."""
        self.held = 0
        """POP3 sessions held (one per clean-up)."""
        self.smtp = StuckServer(self._smtp_talk)
        self.pop3 = StuckServer(self._pop3_talk)

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.smtp.port}"

    @property
    def pop3_url(self) -> str:
        return self.pop3.url

    def start(self) -> HeldCleanup:
        self.smtp.start()
        self.pop3.start()
        return self

    def stop(self) -> None:
        """Lets go of every session held (the runs in their clean-up end then)."""
        self.smtp.stop()
        self.pop3.stop()

    def __enter__(self) -> HeldCleanup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _smtp_talk(self, conn: socket.socket, stop: threading.Event) -> None:
        lines = _Lines(conn, stop)
        conn.sendall(b"220 held-cleanup.test ESMTP\r\n")
        recipient = ""
        while (line := lines.readline()) is not None:
            verb = line[:4].upper()
            if verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            if verb == b"RCPT":
                recipient = line.partition(b"<")[2].partition(b"@")[0].decode("ascii", "replace")
            if verb != b"DATA":
                conn.sendall(b"250 ok\r\n")
                continue
            conn.sendall(b"354 go on\r\n")
            while (body := lines.readline()) not in (None, b"."):
                pass
            if body is None:
                return
            with self._lock:
                self.messages += 1
                self._pending[recipient] = self._pending.get(recipient, 0) + 1
            if self._refuse:
                conn.sendall(b"451 4.3.0 try again later\r\n")
                continue
            while lines.readline() is not None:  # never confirms: until the client hangs up
                pass
            return

    def _pop3_talk(self, conn: socket.socket, stop: threading.Event) -> None:
        lines = _Lines(conn, stop)
        conn.sendall(b"+OK held-cleanup.test POP3\r\n")
        user, held = "", False
        while (line := lines.readline()) is not None:
            verb, _, argument = line.partition(b" ")
            verb = verb.upper()
            if verb == b"QUIT":
                conn.sendall(b"+OK bye\r\n")
                return
            if held:
                self._trickle(conn, stop)
                return
            if verb == b"USER":
                user = argument.decode("ascii", "replace")
            if verb == b"PASS":
                with self._lock:
                    held = self._pending.get(user, 0) > 0
                    if held:
                        self._pending[user] -= 1
                        self.held += 1
            if verb in (b"UIDL", b"LIST"):
                conn.sendall(b"+OK 0 messages\r\n.\r\n")
            elif verb == b"STAT":
                conn.sendall(b"+OK 0 0\r\n")
            else:
                conn.sendall(b"+OK\r\n")

    def _trickle(self, conn: socket.socket, stop: threading.Event) -> None:
        end = time.monotonic() + self._hold_s
        conn.sendall(b"+OK ")
        while not stop.wait(0.5) and time.monotonic() < end:
            conn.sendall(b"x")
