"""How the emulator reads one request off the wire, strictly: the body's framing, a deadline
for the whole request, and what of it may reach a log line.

Every refusal is an :class:`.model.ApiError`, so that the server answers it with an errors
body and closes the connection (what follows a badly framed body cannot be trusted).
"""

from __future__ import annotations

import io
import re
import socket
import time
from email.message import Message
from typing import Final

from .model import ApiError

MAX_BODY_BYTES: Final = 1 << 20
#: Seconds a client has to send one whole request (line, headers and body) once it began.
DEFAULT_READ_TIMEOUT: Final = 10.0
#: A method is an HTTP token; none that the emulator serves is longer than this.
MAX_METHOD_LENGTH: Final = 20

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
_READ_PIECE = 64 * 1024


class DeadlineReader(io.RawIOBase):
    """The socket's bytes for a buffered reader; while a request is being read, every read
    waits at most until that request's deadline, so a client that stalls or trickles cannot
    hold a thread longer than ``read_timeout`` (between requests, ``idle_timeout`` applies).
    """

    def __init__(self, sock: socket.socket, read_timeout: float, idle_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None
        self.timed_out = False
        """Whether a read gave up at the deadline (the request is incomplete)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self.deadline is None:
            self._sock.settimeout(self.idle_timeout)
        else:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.timed_out = True
                raise TimeoutError("the request did not arrive in time")
            self._sock.settimeout(left)
        try:
            count = self._sock.recv_into(buffer)
        except TimeoutError:
            self.timed_out = self.deadline is not None
            raise
        if count and self.deadline is None:
            self.deadline = time.monotonic() + self.read_timeout
        return count

    def request_read(self) -> None:
        """The request is in: no deadline until the next one begins."""
        self.deadline = None
        self.timed_out = False
        self._sock.settimeout(self.idle_timeout)


def check_method(method: str) -> None:
    if len(method) > MAX_METHOD_LENGTH or not _TOKEN.fullmatch(method):
        raise ApiError(400, "the request method is not a valid HTTP method")


def read_body(headers: Message, rfile: io.BufferedIOBase, read_timeout: float) -> bytes:
    """The request body, framed by exactly one of Content-Length or chunked transfer coding."""
    encodings = headers.get_all("Transfer-Encoding") or []
    lengths = headers.get_all("Content-Length") or []
    try:
        if encodings and lengths:
            # Two framings that a proxy and this server could read differently: request smuggling.
            raise ApiError(400, "a request may not have both Content-Length and Transfer-Encoding")
        if encodings:
            if [e.strip().lower() for e in encodings] != ["chunked"]:
                raise ApiError(501, "the only Transfer-Encoding served is chunked")
            return _read_chunked(rfile)
        if not lengths:
            return b""
        return _read_exactly(rfile, _content_length(lengths))
    except TimeoutError:
        raise ApiError(408, f"the request body did not arrive within {read_timeout:g} s") from None


def _content_length(values: list[str]) -> int:
    if len(values) != 1:
        raise ApiError(400, "a request may have only one Content-Length")
    raw = values[0].strip()
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, "Content-Length must be a whole number")
    # Compared as text first: int() of thousands of digits is refused by Python itself.
    if len(raw) > len(str(MAX_BODY_BYTES)) or int(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    return int(raw)


def _read_exactly(rfile: io.BufferedIOBase, length: int) -> bytes:
    pieces: list[bytes] = []
    left = length
    while left:
        piece = rfile.read(min(left, _READ_PIECE))
        if not piece:
            raise ApiError(400, f"the request body ended after {length - left} of {length} bytes")
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _read_chunked(rfile: io.BufferedIOBase) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = rfile.readline(1024).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise ApiError(400, "malformed chunked body")
        size = int(size_text, 16)
        if size == 0:
            _read_trailers(rfile)
            return b"".join(chunks)
        total += size
        if total > MAX_BODY_BYTES:
            raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(_read_exactly(rfile, size))
        if rfile.readline(1024).strip():
            raise ApiError(400, "malformed chunked body")


def _read_trailers(rfile: io.BufferedIOBase) -> None:
    for _ in range(100):
        line = rfile.readline(1024)
        if not line:
            raise ApiError(400, "malformed chunked body")
        if not line.strip():
            return
    raise ApiError(400, "too many trailer lines in a chunked body")


def printable(text: str, limit: int = 200) -> str:
    """``text`` for a log line: control and non-ASCII characters escaped, cut at ``limit``."""
    cut = text[:limit]
    shown = "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii") for c in cut)
    if len(text) > limit:
        shown += f"...({len(text)} chars)"
    return shown
