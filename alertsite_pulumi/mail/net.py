"""The trip's clock, its step recorder, and the way to a server: DNS, TCP connect, TLS.

Every socket operation gets the time left before the trip's deadline as its timeout, so one
deadline bounds the whole trip: the answers are read by :class:`LineReader`, which gives every
single ``recv`` the time left (a server that sends one byte a second cannot stretch the
trip), and the protocols cap how much one answer may hold (:data:`MAX_ANSWER_BYTES`).
Exceptions from sockets, ``ssl``, ``smtplib`` and ``poplib`` are turned into a
:class:`.TripFailure` with a one-line cause in :func:`guard`; the password never reaches
those texts (it is only ever sent by POP3 ``PASS``, and ``poplib``'s errors carry the server's
answer, not the command).
"""

from __future__ import annotations

import ipaddress
import poplib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from .result import Step, StepCallback, TripFailure
from .target import MailServer

Clock = Callable[[], float]

DAY_S = 86400.0
#: The most one answer may hold (an SMTP reply, a POP3 listing or header); a server that
#: streams without end fails the trip instead of filling this process's memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
#: The most lines of one SMTP reply (``250-`` continuations; EHLO has a dozen or two).
MAX_REPLY_LINES = 200
_RECV_SIZE = 16384
#: OpenSSL's verify codes for a certificate whose issuer is not trusted here (X509_V_ERR_...):
#: self-signed (18), self-signed in the chain (19), unknown issuer (20, 21).
_UNTRUSTED = frozenset({18, 19, 20, 21})


class Deadline:
    """The end of the trip: ``seconds`` from now on ``clock``."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic, *, cleanup: bool = False) -> None:
        self.seconds = seconds
        self.cleanup = cleanup
        """The clean-up's own budget, not the trip's: its servers have greeted this trip already."""
        self._clock = clock
        self._end = clock() + seconds

    @property
    def described(self) -> str:
        """``the trip's timeout of 5 s`` (or the clean-up's budget), for messages."""
        budget = "the clean-up's budget" if self.cleanup else "the trip's timeout"
        return f"{budget} of {self.seconds:g} s"

    def remaining(self) -> float:
        return self._end - self._clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def socket_timeout(self) -> float:
        """The timeout for the next socket operation; TripFailure when none is left."""
        left = self.remaining()
        if left <= 0:
            raise TripFailure("timeout", f"{self.described} ran out")
        return max(left, 0.001)


class SlowAnswer(TripFailure):
    """The deadline ran out while the server was still sending part of an answer."""


class LineReader:
    """Lines from a socket, each ``recv`` bounded by the time left before the deadline.

    ``readline(limit)`` behaves as a buffered file's: a line with its newline, at most
    ``limit`` bytes of one without, ``b""`` at the end of the stream. Used instead of
    ``socket.makefile``, whose reads each get the whole socket timeout anew.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline, where: str) -> None:
        self.sock = sock
        self._deadline = deadline
        self._where = where
        self._buffer = bytearray()

    def readline(self, limit: int) -> bytes:
        while True:
            end = self._buffer.find(b"\n", 0, limit)
            if end >= 0 or len(self._buffer) >= limit:
                size = end + 1 if end >= 0 else limit
                line = bytes(self._buffer[:size])
                del self._buffer[:size]
                return line
            self.sock.settimeout(self._deadline.socket_timeout())
            try:
                chunk = self.sock.recv(_RECV_SIZE)
            except TimeoutError:
                if self._buffer:
                    raise SlowAnswer(
                        "timeout",
                        f"{self._where} was still sending a line of its answer ({len(self._buffer)} "
                        "bytes so far) "
                        f"when {self._deadline.described} ran out",
                    ) from None
                raise TripFailure(
                    "timeout",
                    f"no answer from {self._where} before {self._deadline.described}",
                ) from None
            if not chunk:
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
            self._buffer += chunk


class StepTimer:
    """What a step reports about itself while it runs."""

    def __init__(self) -> None:
        self.detail = ""


class Recorder:
    """Collects the steps in order, calling ``on_step`` as each one ends."""

    def __init__(self, on_step: StepCallback | None = None, clock: Clock = time.perf_counter) -> None:
        self.steps: list[Step] = []
        self.failed_step: str | None = None
        self._on_step = on_step
        self._clock = clock

    @contextmanager
    def step(self, name: str) -> Iterator[StepTimer]:
        timer = StepTimer()
        started = self._clock()
        try:
            yield timer
        except TripFailure as failure:
            self._add(Step(name, False, self._ms(started), failure.cause))
            self.failed_step = self.failed_step or name
            raise
        except KeyboardInterrupt:
            self._add(Step(name, False, self._ms(started), "interrupted"))
            self.failed_step = self.failed_step or name
            raise
        self._add(Step(name, True, self._ms(started), timer.detail))

    def _ms(self, started: float) -> float:
        return (self._clock() - started) * 1000

    def _add(self, step: Step) -> None:
        self.steps.append(step)
        if self._on_step is not None:
            self._on_step(step)


@contextmanager
def maybe_step(recorder: Recorder | None, name: str) -> Iterator[StepTimer]:
    """A recorded step, or (for the repeated sessions of a poll) just a timer."""
    if recorder is None:
        yield StepTimer()
        return
    with recorder.step(name) as timer:
        yield timer


def _first_line(text: object, limit: int = 200) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line[:limit]


def classify(exc: BaseException, server: MailServer, deadline: Deadline) -> TripFailure:
    """The failure an exception stands for, with a one-line cause naming the server."""
    where = f"{server.scheme}://{server.address}"
    if isinstance(exc, TripFailure):
        return exc
    if isinstance(exc, socket.gaierror):
        return TripFailure("dns", f"cannot resolve {server.host}: {exc.strerror or exc}")
    if deadline.expired() or isinstance(exc, TimeoutError):
        return TripFailure(
            "timeout", f"no answer from {where} before {deadline.described}"
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = ""
        if exc.verify_code in _UNTRUSTED:
            hint = " (a private CA: trust it with --cafile, the emulator's --mail-cafile"
            hint += "; or try without TLS: --starttls never)" if not server.implicit_tls else ")"
        return TripFailure(
            "tls", f"the certificate of {where} is not valid: {exc.verify_message or exc.reason}{hint}"
        )
    if isinstance(exc, ssl.SSLError):
        hint = ""
        if exc.reason in ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE"):
            hint = f" (the server may not speak TLS on port {server.port}: try {server.scheme[:-1]}://)"
        return TripFailure("tls", f"TLS with {where} failed: {exc.reason or exc}{hint}")
    if isinstance(exc, ConnectionRefusedError):
        return TripFailure(
            "connect", f"{where} refused the connection (nothing listens there, or a firewall rejects it)"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return TripFailure("protocol", f"{where} answered {exc.smtp_code} {_first_line(exc.smtp_error)}")
    if isinstance(exc, poplib.error_proto):
        return TripFailure("protocol", f"{where} answered {_first_line(exc.args[0] if exc.args else exc)}")
    if isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, EOFError)):
        return TripFailure("connect", f"{where} closed the connection")
    if isinstance(exc, OSError):
        return TripFailure("connect", f"cannot reach {where}: {exc.strerror or type(exc).__name__}")
    return TripFailure("protocol", f"{where}: {type(exc).__name__}: {_first_line(exc)}")


@contextmanager
def guard(server: MailServer, deadline: Deadline) -> Iterator[None]:
    """Turn any exception from the mail libraries into a classified :class:`TripFailure`."""
    try:
        yield
    except TripFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a cause, none a traceback
        raise classify(exc, server, deadline) from None


def _resolve(server: MailServer, deadline: Deadline) -> list[tuple[Any, ...]]:
    """getaddrinfo, bounded by the deadline (it has no timeout of its own)."""
    try:
        ipaddress.ip_address(server.host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(server.host, server.port, type=socket.SOCK_STREAM)
    found: list[tuple[Any, ...]] = []
    errors: list[OSError] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(server.host, server.port, type=socket.SOCK_STREAM))
        except OSError as exc:
            errors.append(exc)

    worker = threading.Thread(target=lookup, name=f"dns:{server.host}", daemon=True)
    worker.start()
    worker.join(deadline.socket_timeout())
    if worker.is_alive():
        raise TripFailure("timeout", f"the DNS lookup of {server.host} did not finish in time")
    if errors:
        raise errors[0]
    return found


def _connect(server: MailServer, addresses: list[tuple[Any, ...]], deadline: Deadline) -> socket.socket:
    last: OSError | None = None
    for family, kind, proto, _name, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.socket_timeout())
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
            if deadline.expired():
                break
    raise last or OSError(f"no address for {server.host}")


def check_certificate(sock: ssl.SSLSocket, server: MailServer, warn_days: float) -> tuple[str, list[str]]:
    """The TLS step's detail, and a warning when the (verified) certificate expires soon."""
    cert = sock.getpeercert() or {}
    not_after = cert.get("notAfter")
    detail = f"{sock.version()}, certificate verified"
    warnings: list[str] = []
    if isinstance(not_after, str):
        expires = ssl.cert_time_to_seconds(not_after)
        day = datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%d")
        detail += f", valid until {day}"
        days_left = (expires - time.time()) / DAY_S
        if days_left < warn_days:
            warnings.append(
                f"the certificate of {server.url} expires in {max(days_left, 0):.1f} days ({day})"
            )
    return detail, warnings


def open_channel(
    server: MailServer,
    deadline: Deadline,
    context: ssl.SSLContext,
    recorder: Recorder | None,
    warn_days: float,
    warnings: list[str],
) -> socket.socket:
    """DNS, TCP connect and (for smtps/pop3s) the TLS handshake, each a step of its own."""
    prefix = "smtp" if server.scheme.startswith("smtp") else "pop3"
    with maybe_step(recorder, f"{prefix}.dns") as step, guard(server, deadline):
        addresses = _resolve(server, deadline)
        step.detail = ", ".join(sorted({str(a[4][0]) for a in addresses}))
    with maybe_step(recorder, f"{prefix}.connect") as step, guard(server, deadline):
        sock = _connect(server, addresses, deadline)
        step.detail = f"connected to {sock.getpeername()[0]} port {server.port}"
    if not server.implicit_tls:
        return sock
    try:
        with maybe_step(recorder, f"{prefix}.tls") as step, guard(server, deadline):
            sock.settimeout(deadline.socket_timeout())
            tls = context.wrap_socket(sock, server_hostname=server.host)
            step.detail, found = check_certificate(tls, server, warn_days)
            warnings.extend(found)
    except BaseException:
        sock.close()
        raise
    return tls


@contextmanager
def greeting(server: MailServer, deadline: Deadline) -> Iterator[None]:
    """Waiting for a greeting in plain text from a port that expects TLS at once looks like
    silence until the deadline: say so (not in the clean-up: the port greeted this trip before)."""
    try:
        yield
    except TripFailure as failure:
        if (failure.kind == "timeout" and not server.implicit_tls and not isinstance(failure, SlowAnswer)
                and not deadline.cleanup):
            failure.cause = (
                f"no greeting from {server.url} before the trip's timeout: if this port expects "
                f"TLS at once, use {server.scheme}s://"
            )
            failure.args = (failure.cause,)
        raise


def arm(sock: socket.socket | None, deadline: Deadline) -> None:
    """Give the next command on ``sock`` the time left before the deadline."""
    if sock is not None:
        sock.settimeout(deadline.socket_timeout())
