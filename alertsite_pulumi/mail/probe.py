"""One round trip, as AlertSite's monitor makes it, step by step, within one deadline.

Order: log in to POP3 first (and note what the mailbox holds), then send the probe
message through SMTP without AUTH, then look for it in new POP3 sessions until it arrives,
``DELE`` it and ``QUIT``. Logging in before sending is this probe's one departure from
AlertSite's order: with a wrong password nothing is sent, so nothing is left behind that
the probe could not delete.

Guard rails: one message per trip, from the monitor's address to the same address; only
messages carrying the probe header are ever deleted (this trip's, and earlier trips'
leftovers older than :data:`.message.LEFTOVER_AGE_S`); after any failure, a timeout or
Ctrl-C once the message may have been sent, one more POP3 session (its own short budget,
``cleanup_timeout``) deletes it if it is there; a second Ctrl-C stops that clean-up, and the
result still says what may be left. TLS is always verified.
"""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..tokens import SECRET_MASK
from .message import LEFTOVER_AGE_S, build_message
from .net import Deadline, Recorder
from .pop3 import MAX_SCAN, Pop3Session, Seen, leftovers
from .result import Step, StepCallback, TripFailure, TripResult
from .send import SmtpSend, StartTls
from .target import Mailbox


def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """A verifying context: the system's CAs, or only ``cafile``'s (a private or test CA)."""
    return ssl.create_default_context(cafile=cafile)


def _verified(context: ssl.SSLContext) -> ssl.SSLContext:
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise ValueError("the probe only uses TLS contexts that verify certificates and host names")
    return context


@dataclass(frozen=True)
class ProbeOptions:
    """How a trip runs; ``timeout`` is the monitor's (AlertSite: 1 to 300 s)."""

    timeout: float = 300.0
    context: ssl.SSLContext | None = None
    """A verifying SSL context; None: :func:`tls_context` (the system's CAs)."""
    starttls: StartTls = "auto"
    """For ``smtp://``: ``auto`` uses STARTTLS when offered, ``always`` requires it, ``never`` stays plain."""
    cert_warning_days: float = 14.0
    cleanup_timeout: float = 15.0
    poll_first_s: float = 0.25
    poll_max_s: float = 5.0
    max_polls: int = 1000
    cancel: threading.Event | None = None
    """Set it to stop a trip early (it still cleans up); the emulator uses it on shutdown."""
    on_outcome: Callable[[TripResult], None] | None = None
    """Called once with the trip's outcome as soon as it is known, before the clean-up that may
    follow a failure (the result's ``cleanup`` is then ``pending``); :func:`run_trip` returns it
    with what the clean-up did. It must not raise. The emulator records a run's status then."""


class TripInterrupted(KeyboardInterrupt):
    """Ctrl-C during a trip, raised after the cleanup; ``result`` says what was cleaned, and
    ``interrupt`` is the first KeyboardInterrupt (a caller's own subclass, as for SIGTERM)."""

    def __init__(self, result: TripResult, interrupt: KeyboardInterrupt | None = None) -> None:
        super().__init__("round trip interrupted")
        self.result = result
        self.interrupt = interrupt or KeyboardInterrupt()


def _by(interrupt: KeyboardInterrupt) -> str:
    """What interrupted: ``Ctrl-C``, or what an interrupt raised for a signal says (``SIGTERM``)."""
    return str(interrupt) or "Ctrl-C"


def run_trip(
    mailbox: Mailbox, options: ProbeOptions | None = None, on_step: StepCallback | None = None
) -> TripResult:
    """Make one round trip. Never raises for a failed trip (see the result); Ctrl-C raises
    :class:`TripInterrupted` after cleaning up."""
    return _Trip(mailbox, options or ProbeOptions(), on_step).run()


def _scan_detail(deleted: int, younger: int, messages: int) -> str:
    """What the first look found of earlier trips' messages, claiming no more than it saw."""
    minutes = f"{LEFTOVER_AGE_S / 60:g} min"
    parts = [f"{deleted} leftover probe message(s) of earlier trips deleted" if deleted
             else f"no leftover probe messages older than {minutes}"]
    if younger:
        parts.append(f"{younger} younger one(s) of other trips kept (such a trip may still be running; "
                     f"a later trip deletes them once older than {minutes})")
    if messages > MAX_SCAN:
        parts.append(f"only the newest {MAX_SCAN} of {messages} messages were looked at")
    return "; ".join(parts)


def _printable(text: str) -> str:
    """``text`` with every control or format character written as its escape (``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class _Trip:
    def __init__(self, mailbox: Mailbox, options: ProbeOptions, on_step: StepCallback | None) -> None:
        self.mailbox = mailbox
        self.options = options
        self.context = _verified(options.context or tls_context())
        self.token = secrets.token_hex(12)
        # A server may repeat the password in any answer: steps are masked before they are shown.
        self.recorder = Recorder(None if on_step is None else lambda step: on_step(self._redact_step(step)))
        self.warnings: list[str] = []
        self.seen = Seen()
        self.sender: SmtpSend | None = None

    def _session(self, deadline: Deadline, recorded: bool) -> Pop3Session:
        return Pop3Session(
            self.mailbox, deadline, self.context, self.recorder if recorded else None,
            self.options.cert_warning_days, self.warnings if recorded else [],
        )

    def run(self) -> TripResult:
        started = time.perf_counter()
        deadline = Deadline(self.options.timeout)
        failure: TripFailure | None = None
        interrupted: KeyboardInterrupt | None = None
        cleanup = ("not-sent", "nothing was sent")
        try:
            self._check_mailbox(deadline)
            self.sender = SmtpSend(
                self.mailbox, deadline, self.context, self.recorder, starttls=self.options.starttls,
                warn_days=self.options.cert_warning_days, warnings=self.warnings,
            )
            self.sender.send(build_message(self.mailbox.email, self.token))
            self._wait_and_delete(deadline)
            cleanup = ("deleted", "the probe message was deleted")
        except TripFailure as exc:
            failure = exc
        except KeyboardInterrupt as interrupt:
            interrupted = interrupt
            failure = TripFailure("interrupted", f"interrupted ({_by(interrupt)}) before the trip ended")
        elapsed_ms = (time.perf_counter() - started) * 1000
        cleaning = failure is not None and self.sender is not None and self.sender.maybe_sent
        if self.options.on_outcome is not None:
            pending = ("pending", "the clean-up after the failure is still running")
            self.options.on_outcome(self._result(failure, elapsed_ms, pending if cleaning else cleanup))
        if cleaning:
            try:
                cleanup = self._cleanup()
            except KeyboardInterrupt as again:
                # A second Ctrl-C: stop cleaning up, and still say what is left.
                interrupted = interrupted or again
                cleanup = ("failed", (
                    f"the clean-up was interrupted (a second {_by(again)}): the probe message may be left "
                    "in the mailbox; a later trip deletes it once it is older than "
                    f"{LEFTOVER_AGE_S / 60:g} min"))
        result = self._result(failure, elapsed_ms, cleanup)
        if interrupted is not None:
            raise TripInterrupted(result, interrupted)
        return result

    def _check_mailbox(self, deadline: Deadline) -> None:
        with self._session(deadline, recorded=True) as session, self.recorder.step("pop3.scan") as step:
            found = session.probe_messages(self.seen)
            old = leftovers(found, self.token, time.time())
            if old:
                session.delete(old)
            session.quit()
            step.detail = _scan_detail(len(old), len(found) - len(old), session.message_count)

    def _wait_and_delete(self, deadline: Deadline) -> None:
        waited = time.perf_counter()
        polls = 0
        delay = self.options.poll_first_s
        with self.recorder.step("pop3.poll") as step:
            while True:
                polls += 1
                session, mine = self._look(deadline, polls)
                if mine:
                    break
                wait = min(delay, deadline.remaining())
                if polls >= self.options.max_polls or wait <= 0:
                    raise self._not_arrived(polls)
                self._pause(wait)
                if deadline.expired():
                    raise self._not_arrived(polls)
                delay = min(delay * 2, self.options.poll_max_s)
            step.detail = f"arrived after {time.perf_counter() - waited:.1f} s ({polls} POP3 session(s))"
        try:
            with self.recorder.step("pop3.dele") as step:
                session.delete(mine)
                step.detail = f"message {', '.join(map(str, mine))} marked for deletion"
            with self.recorder.step("pop3.quit") as step:
                step.detail = session.quit()
        finally:
            session.close()

    def _look(self, deadline: Deadline, polls: int) -> tuple[Pop3Session, list[int]]:
        try:
            session = self._session(deadline, recorded=False)
        except TripFailure as failure:
            raise self._not_arrived(polls) if failure.kind == "timeout" else failure from None
        try:
            found = session.probe_messages(self.seen)
        except TripFailure as failure:
            session.close()
            raise self._not_arrived(polls) if failure.kind == "timeout" else failure from None
        mine = sorted(n for n, (token, _) in found.items() if token == self.token)
        if not mine:
            session.close()
        return session, mine

    def _pause(self, seconds: float) -> None:
        """Sleep between looks, or stop the trip when it is cancelled meanwhile."""
        if self.options.cancel is None:
            time.sleep(seconds)
        elif self.options.cancel.wait(seconds):
            raise TripFailure("interrupted", "the run was stopped before the trip ended")

    def _not_arrived(self, polls: int) -> TripFailure:
        return TripFailure(
            "timeout",
            f"the probe message did not reach {self.mailbox.pop3.url} within the timeout of "
            f"{self.options.timeout:g} s ({polls} POP3 session(s)): is mail for {self.mailbox.email} "
            "delivered to this mailbox, and not filed as spam?",
        )

    def _cleanup(self) -> tuple[str, str]:
        deadline = Deadline(self.options.cleanup_timeout, cleanup=True)
        try:
            with self._session(deadline, recorded=False) as session:
                found = session.probe_messages(self.seen)
                mine = sorted(n for n, (token, _) in found.items() if token == self.token)
                if mine:
                    session.delete(mine)
                session.quit()
        except TripFailure as failure:
            return "failed", f"could not delete the probe message: {failure.cause}"
        if not mine:
            return "not-arrived", (
                "the probe message had not arrived, so there was nothing to delete; "
                "a later trip deletes it if it arrives"
            )
        return "deleted", "the probe message was deleted after the failure"

    def _redact(self, text: str) -> str:
        """A text as it may be shown: without the password, and with a server's control characters
        escaped (an answer's ESC sequences or bidi overrides would drive the terminal)."""
        return _printable(text.replace(self.mailbox.password.reveal(), SECRET_MASK))

    def _redact_step(self, step: Step) -> Step:
        return Step(step.name, step.ok, step.ms, self._redact(step.detail))

    def _result(self, failure: TripFailure | None, elapsed_ms: float, cleanup: tuple[str, str]) -> TripResult:
        steps = tuple(self._redact_step(s) for s in self.recorder.steps)
        return TripResult(
            ok=failure is None,
            kind="ok" if failure is None else failure.kind,
            failed_step=None if failure is None else self.recorder.failed_step,
            cause=None if failure is None else self._redact(failure.cause),
            elapsed_ms=elapsed_ms,
            steps=steps,
            warnings=tuple(self._redact(w) for w in self.warnings),
            token=self.token,
            cleanup=cleanup[0],
            cleanup_detail=self._redact(cleanup[1]),
            smtp=self.mailbox.smtp.url,
            pop3=self.mailbox.pop3.url,
            email=self.mailbox.email,
            timeout_s=self.options.timeout,
        )
