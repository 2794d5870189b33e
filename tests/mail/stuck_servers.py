"""Loopback TCP servers that hold a mail client forever: one trickles a byte every 2 s and
never ends its line, one never stops talking (POP3 lines without the closing ``.``), one
never says a word."""

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


def trickling_for(seconds: float, every: float = 0.5) -> Callable[[socket.socket, threading.Event], None]:
    """Like :func:`trickle`, a byte every ``every`` s, but only for ``seconds``, then it hangs up."""

    def talk(conn: socket.socket, stop: threading.Event) -> None:
        end = time.monotonic() + min(seconds, LIFETIME_S)
        conn.sendall(b"+")
        while not stop.wait(every) and time.monotonic() < end:
            conn.sendall(b"x")

    return talk
