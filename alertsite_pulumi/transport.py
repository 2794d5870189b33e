"""One HTTP attempt and what to make of it: its classification, the retry policy, the throttle.

Nothing here sends a request or knows an endpoint: the client sends, and asks this module
whether a failed attempt may have been applied, which error it stands for, and how long to
wait before the next one. Sleep, clock and randomness are injectable so that the policy can
be tested with a fake clock.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Final

import requests

from .errors import AlertSiteError, TransportError, error_for_status

#: Verbs that may be sent twice without doing twice what they do.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "PATCH", "DELETE", "PUT", "HEAD"})
RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})
_RNG: Final = random.Random()


# --- retries ------------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """When to try a request again, and after how long.

    429 is always retried (it means the request was not processed), honouring
    ``Retry-After``; 502/503/504 and lost connections only for requests that are safe to
    send twice (idempotent verbs, the login); all within
    ``max_retries`` and a total time ``budget``. Sleep, clock and randomness are injectable.
    """

    max_retries: int = 6
    budget: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random | None = None

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^attempt, capped."""
        rng = self.rng or _RNG
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** attempt))
        return ceiling * (0.5 + rng.random() / 2)

    def delay(
        self,
        *,
        attempt: int,
        started: float,
        status: int | None = None,
        replay_safe: bool = True,
        sent: bool = True,
        retry_after: float | None = None,
    ) -> float | None:
        """Seconds to wait before the next try, or None to give up.

        ``status`` is None when no answer came; ``sent`` is False when the request surely
        never reached the server (connection refused or connect timeout). ``replay_safe``
        says whether the request may be sent twice: GET, PATCH, DELETE and the login are; a
        POST that creates is not.
        """
        if attempt >= self.max_retries:
            return None
        if status == 429:
            wait = retry_after if retry_after is not None else self.backoff(attempt)
        elif status in RETRYABLE_STATUSES or status is None:
            if not replay_safe and (status is not None or sent):
                return None
            wait = self.backoff(attempt)
        else:
            return None
        if self.clock() - started + wait > self.budget:
            return None
        return max(0.0, wait)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


# --- throttle -----------------------------------------------------------------------------


class Throttle:
    """At most ``rate`` requests per second from this process (a simple spacing limiter)."""

    def __init__(self, rate: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        if not self.rate:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            self._sleep(slot - now)


# --- one failed attempt -------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """An attempt that did not succeed: the error it stands for, and what the retry needs."""

    error: AlertSiteError
    #: The HTTP status, or None when no answer came.
    status: int | None
    #: False only when the request surely never reached the server.
    sent: bool
    #: True when the server may have applied the request although its answer says nothing
    #: of it: a 5xx, or a connection lost after sending. A create must not be repeated then.
    maybe_applied: bool
    retry_after: float | None = None


def failure_from_exception(exc: requests.RequestException, *, method: str, path: str) -> Failure:
    """The failure of an attempt that got no answer at all."""
    sent = _was_sent(exc)
    error = TransportError(f"No answer from AlertSite ({_describe(exc)})", method=method, path=path)
    return Failure(error, status=None, sent=sent, maybe_applied=sent)


def failure_from_response(response: requests.Response, *, method: str, path: str,
                          is_login: bool) -> Failure:
    """The failure of an attempt that AlertSite answered with a status of 400 or more."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error = error_for_status(status, method=method, path=path, messages=_error_messages(response),
                             is_login=is_login, retry_after=retry_after)
    return Failure(error, status=status, sent=True, maybe_applied=status >= 500,
                   retry_after=retry_after)


def _was_sent(exc: requests.RequestException) -> bool:
    """False only when the request surely never reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        name = type(reason).__name__ if reason is not None else ""
        if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return False
    return True


def _describe(exc: requests.RequestException) -> str:
    """A few words on why no answer came (requests' own text would repeat the URL)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failure"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection refused" if not _was_sent(exc) else "connection lost"
    return type(exc).__name__


def _error_messages(response: requests.Response) -> list[str]:
    """The messages of AlertSite's ``{"errors": [{"message": ...}]}`` body, or the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        return [response.reason] if response.reason else []
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, list):
        return []
    out = []
    for entry in errors:
        if isinstance(entry, Mapping) and entry.get("message"):
            out.append(str(entry["message"]))
    return out


# --- answers ------------------------------------------------------------------------------


def read_json(response: requests.Response) -> Any:
    """A successful answer's JSON body (``{}`` when empty); AlertSiteError when it is not JSON."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise AlertSiteError("AlertSite answered with something that is not JSON",
                             method=response.request.method,
                             path=_path_only(response.request.path_url),
                             status=response.status_code) from None


def _path_only(path_url: str) -> str:
    return path_url.split("?", 1)[0]


__all__ = [
    "IDEMPOTENT_METHODS",
    "Failure",
    "RetryPolicy",
    "Throttle",
    "failure_from_exception",
    "failure_from_response",
    "parse_retry_after",
    "read_json",
]
