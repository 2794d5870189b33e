"""What a round trip reports: each step with its time, the outcome, and AlertSite's status code.

AlertSite documents three status codes for a monitor run: 0 (OK), 1 (TCP connection
failed) and 2 (timeout). A finer cause (a certificate, a refused relay, a wrong POP3
password) has no published code, so it gets one of this project's own (9100 and up) and
``code_origin == "own"``: nobody should take those numbers for AlertSite's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

FailureKind = Literal[
    "dns", "connect", "timeout", "tls", "smtp-login-needed", "smtp-refused", "pop3-login",
    "protocol", "interrupted",
]

#: AlertSite's documented codes, and this project's own for the finer causes.
CODES: Final[dict[str, int]] = {
    "ok": 0,
    "connect": 1,
    "timeout": 2,
    "dns": 9100,
    "tls": 9101,
    "smtp-login-needed": 9102,
    "smtp-refused": 9103,
    "pop3-login": 9104,
    "protocol": 9105,
    "interrupted": 9106,
}
ALERTSITE_CODES: Final = frozenset({0, 1, 2})

#: What a failure means, in AlertSite's words where it has some.
KIND_TITLES: Final[dict[str, str]] = {
    "ok": "OK",
    "connect": "TCP connection failed",
    "timeout": "Timeout",
    "dns": "DNS lookup failed",
    "tls": "TLS failed",
    "smtp-login-needed": "SMTP server needs a login",
    "smtp-refused": "SMTP server refused the message",
    "pop3-login": "POP3 login failed",
    "protocol": "Mail protocol error",
    "interrupted": "Interrupted",
}


class TripFailure(Exception):
    """A step failed: ``kind`` (see :data:`CODES`) and a one-line ``cause`` without secrets."""

    def __init__(self, kind: FailureKind, cause: str) -> None:
        super().__init__(cause)
        self.kind: FailureKind = kind
        self.cause = cause


@dataclass(frozen=True)
class Step:
    """One step of the trip: ``smtp.connect``, ``pop3.login``, ``pop3.poll``, ..."""

    name: str
    ok: bool
    ms: float
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"step": self.name, "ok": self.ok, "ms": round(self.ms, 1), "detail": self.detail}


StepCallback = Callable[[Step], None]


@dataclass(frozen=True)
class TripResult:
    """The outcome of one round trip (never holds the password)."""

    ok: bool
    kind: str
    failed_step: str | None
    cause: str | None
    elapsed_ms: float
    steps: tuple[Step, ...]
    warnings: tuple[str, ...]
    token: str
    cleanup: str
    """``deleted``, ``not-sent``, ``not-arrived`` or ``failed`` (``pending`` in the result that
    :attr:`.probe.ProbeOptions.on_outcome` gets before a clean-up)."""
    cleanup_detail: str
    smtp: str
    pop3: str
    email: str
    timeout_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> int:
        return CODES[self.kind]

    @property
    def code_origin(self) -> str:
        """``alertsite`` for AlertSite's documented codes, ``own`` for this project's."""
        return "alertsite" if self.code in ALERTSITE_CODES else "own"

    @property
    def description(self) -> str:
        """One line: ``OK``, or the title and the cause."""
        if self.ok:
            return "OK"
        return f"{KIND_TITLES[self.kind]}: {self.cause}"

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "code": self.code,
            "code_origin": self.code_origin,
            "kind": self.kind,
            "description": self.description,
            "failed_step": self.failed_step,
            "cause": self.cause,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "timeout_s": self.timeout_s,
            "smtp": self.smtp,
            "pop3": self.pop3,
            "email": self.email,
            "token": self.token,
            "cleanup": self.cleanup,
            "cleanup_detail": self.cleanup_detail,
            "warnings": list(self.warnings),
            "steps": [s.to_json() for s in self.steps],
            **self.extra,
        }
