"""Attacks on the emulator's alert sending: a relay or a webhook that trickles before the
delivery's guarded part (an SMTP greeting, a TLS handshake) must not hold a delivery longer
than its deadline, as one that trickles its answer cannot."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from alertsite_pulumi.emulator.alerts import AlertNotifier, Delivery

from .test_alerts import MONITOR, TCP_FAILED, Directory, _delivered, recipient

#: No connection of these servers lives longer than this, whatever the client does.
LIFETIME_S = 20.0


class Trickler:
    """Accepts connections on loopback and sends ``head``, then a byte every 0.2 s (never a
    line's end), until stopped or LIFETIME_S."""

    def __init__(self, head: bytes) -> None:
        self._head = head
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._talk, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _talk(self, conn: socket.socket) -> None:
        end = time.monotonic() + LIFETIME_S
        with conn:
            try:
                conn.sendall(self._head)
                while not self._stop.wait(0.2) and time.monotonic() < end:
                    conn.sendall(b"x")
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.fixture
def trickler() -> Iterator[Callable[[bytes], Trickler]]:
    made: list[Trickler] = []

    def make(head: bytes) -> Trickler:
        made.append(Trickler(head))
        return made[-1]

    yield make
    for server in made:
        server.stop()


def _one_delivery(notifier: AlertNotifier) -> tuple[dict[str, object], float]:
    notifier.observe(MONITOR, TCP_FAILED)
    started = time.monotonic()
    [entry] = _delivered(notifier)
    return entry, time.monotonic() - started


def test_a_relay_that_trickles_its_greeting_fails_at_the_deliverys_deadline(
        trickler: Callable[[bytes], Trickler]) -> None:
    relay = trickler(b"220")
    notifier = AlertNotifier(Directory([recipient(1, method_id=1)]),
                             delivery=Delivery(smtp_relay=("127.0.0.1", relay.port), timeout_s=1.0))
    entry, took = _one_delivery(notifier)
    assert took < 4, f"the delivery took {took:.1f} s, its deadline is 1 s"
    assert entry["outcome"] == "failed"


def test_an_https_webhook_that_trickles_its_handshake_fails_at_the_deliverys_deadline(
        trickler: Callable[[bytes], Trickler]) -> None:
    # A TLS handshake record announcing 16 kB, then its bytes one at a time.
    hook = trickler(b"\x16\x03\x03\x40\x00")
    notifier = AlertNotifier(Directory([recipient(5, f"https://127.0.0.1:{hook.port}/hook", 16)]),
                             delivery=Delivery(timeout_s=1.0, context=ssl.create_default_context()))
    entry, took = _one_delivery(notifier)
    assert took < 4, f"the delivery took {took:.1f} s, its deadline is 1 s"
    assert entry["outcome"] == "failed"
