"""Loopback servers that misbehave on purpose: they send an answer one byte at a time, or
stream one without end, to show that the trip's deadline and the answer caps hold.

Each connection runs ``script(conversation)`` in a thread of its own; every loop of a script
stops when the client is gone or after :data:`LIFETIME_S`, so nothing outlives the test.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable

LIFETIME_S = 30.0


class Conversation:
    """One client connection, as a script sees it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")
        self.ends = time.monotonic() + LIFETIME_S
        self.sent = 0

    @property
    def alive(self) -> bool:
        return time.monotonic() < self.ends

    def send(self, data: bytes) -> bool:
        """False once the client is gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def command(self) -> bytes:
        """The client's next line (b"" when it is gone)."""
        self.sock.settimeout(max(self.ends - time.monotonic(), 0.01))
        try:
            return self.file.readline(4096)
        except OSError:
            return b""

    def trickle(self, data: bytes, every_s: float) -> None:
        """``data`` one byte at a time, ``every_s`` apart."""
        for i in range(len(data)):
            if not self.alive or not self.send(data[i:i + 1]):
                return
            time.sleep(every_s)

    def endless(self, line: Callable[[int], bytes], every_s: float = 0.0) -> None:
        """``line(1)``, ``line(2)``, ... until the client is gone (or the lifetime ends)."""
        number = 0
        while self.alive:
            number += 1
            batch = b"".join(line(number + i) for i in range(1 if every_s else 500))
            number += 0 if every_s else 499
            if not self.send(batch):
                return
            if every_s:
                time.sleep(every_s)


Script = Callable[[Conversation], None]


class RogueServer:
    """``127.0.0.1:{port}``, running ``script`` for every connection."""

    def __init__(self, script: Script) -> None:
        outer = self
        self.connections = 0

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                conversation = Conversation(self.request)
                try:
                    script(conversation)
                finally:
                    conversation.file.close()

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="rogue-server", daemon=True)

    def __enter__(self) -> RogueServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def url(self, scheme: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}"


def pop3_logged_in(conversation: Conversation) -> bool:
    """Greet and accept any USER/PASS; True when the client logged in."""
    if not conversation.send(b"+OK rogue POP3 ready\r\n"):
        return False
    for _ in range(2):
        if not conversation.command() or not conversation.send(b"+OK\r\n"):
            return False
    return True


def proxy_to(port: int, stalled: threading.Event) -> Script:
    """A script that relays the connection to ``127.0.0.1:port``, or, once ``stalled`` is set,
    accepts and never answers (a server that hangs)."""

    def script(conversation: Conversation) -> None:
        if stalled.is_set():
            while conversation.alive and conversation.command():
                pass
            return
        with socket.create_connection(("127.0.0.1", port), timeout=LIFETIME_S) as upstream:
            def pump(source: socket.socket, sink: socket.socket) -> None:
                try:
                    while chunk := source.recv(65536):
                        sink.sendall(chunk)
                except OSError:
                    pass
                finally:
                    for sock in (source, sink):
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass

            conversation.sock.settimeout(LIFETIME_S)
            back = threading.Thread(target=pump, args=(upstream, conversation.sock), daemon=True)
            back.start()
            pump(conversation.sock, upstream)
            back.join(timeout=LIFETIME_S)

    return script
