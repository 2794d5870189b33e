"""One HTTP attempt and what to make of it: its classification, the retry policy, the throttle.

Nothing here sends a request or knows an endpoint: the client sends, and asks this module
whether a failed attempt may have been applied, which error it stands for, how long the
next attempt may take, and how long to wait before it. Sleep, clock and randomness are
injectable so that the policy can be tested with a fake clock.
"""

from __future__ import annotations

import email.utils
import errno
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions

from .errors import AlertSiteError, ConfigurationError, TransportError, error_for_status

#: Verbs that may be sent twice without doing twice what they do.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "PATCH", "DELETE", "PUT", "HEAD"})
RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})
#: Retries of a connection that was refused or a host name that did not resolve. Unlike a
#: 503 these rarely pass within seconds: one quick retry covers a proxy that is restarting,
#: and a wrong ``baseUrl`` fails in about a second instead of using the whole budget.
UNREACHABLE_RETRIES: Final = 1
#: An attempt is only started when at least this much of the call's budget is left (or the
#: whole request timeout, if that is shorter): a request cut to a few milliseconds cannot
#: succeed, and a create cut short would end with an unknown outcome.
MIN_ATTEMPT_SECONDS: Final = 1.0
_RNG: Final = random.Random()


# --- retries ------------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """When to try a request again, after how long, and how long one call may take in all.

    429 is always retried (it means the request was not processed), honouring
    ``Retry-After``; 502/503/504 and lost connections only for requests that are safe to
    send twice (idempotent verbs, the login); a refused connection or a host name that does
    not resolve once at most (``UNREACHABLE_RETRIES``); all within ``max_retries``. A refused
    access token is tried again at once, after a new login, up to ``max_relogins`` times: a
    token expiring is not a transient failure, and where tokens expire fast one call may
    meet several. Everything within one time ``budget`` per call, which covers the requests
    themselves, the waits between them and any login inside the call. Sleep, clock and
    randomness are injectable.
    """

    max_retries: int = 6
    max_relogins: int = 10
    budget: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random | None = None

    def deadline(self, request_timeout: float) -> float:
        """When a call starting now must be over (on ``clock``).

        Never sooner than one full request: a budget below ``request_timeout`` means no
        retry after a slow attempt, not a first attempt cut short.
        """
        return self.clock() + max(self.budget, request_timeout)

    def timeout(self, deadline: float, request_timeout: float) -> float | None:
        """The timeout of the next attempt of a call that ends at ``deadline``, or None when
        too little of the budget is left to start one."""
        left = deadline - self.clock()
        if left < min(request_timeout, MIN_ATTEMPT_SECONDS):
            return None
        return min(request_timeout, left)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^attempt, capped."""
        rng = self.rng or _RNG
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** attempt))
        return ceiling * (0.5 + rng.random() / 2)

    def delay(
        self,
        *,
        attempt: int,
        deadline: float,
        status: int | None = None,
        replay_safe: bool = True,
        sent: bool = True,
        unreachable: bool = False,
        retry_after: float | None = None,
        reauth: bool = False,
        relogins: int = 0,
        persistent: bool = False,
    ) -> float | None:
        """Seconds to wait before the next try, or None to give up.

        ``status`` is None when no answer came; ``sent`` is False when the request surely
        never reached the server (connection refused, DNS failure, connect timeout), and
        ``unreachable`` True when no server could be reached at all (refused or DNS).
        ``replay_safe`` says whether the request may be sent twice: GET, PATCH, DELETE and
        the login are; a POST that creates is not. ``reauth`` says that a 401 can be cured
        by logging in again (the token was not given ready-made); the next try then goes
        at once, unless ``relogins`` (the new logins this call made so far) reached
        ``max_relogins``. ``persistent`` (a clean-up) retries a 500 too. ``deadline`` is the call's
        end (see ``deadline()``): a wait that would pass it is refused.
        """
        if status == 401:
            # Cured by a new login, not by waiting; counted apart from the transient retries.
            if not reauth or relogins >= self.max_relogins or self.clock() > deadline:
                return None
            return 0.0
        if attempt >= self.max_retries:
            return None
        retryable = RETRYABLE_STATUSES | {500} if persistent else RETRYABLE_STATUSES
        if status == 429:
            wait = retry_after if retry_after is not None else self.backoff(attempt)
        elif status in retryable or status is None:
            if not replay_safe and (status is not None or sent):
                return None
            if status is None and unreachable and attempt >= UNREACHABLE_RETRIES:
                return None
            wait = self.backoff(attempt)
        else:
            return None
        wait = max(0.0, wait)
        if self.clock() + wait > deadline:
            return None
        return wait


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
    #: True when no server was reached at all: the connection was refused, or the host
    #: name did not resolve (retried once at most).
    unreachable: bool = False
    #: True when no retry can help: an untrusted TLS certificate, a redirect.
    final: bool = False


class LostAnswer(Exception):
    """A request that may have been applied but whose answer was lost: raised instead of a
    retry for a request that must not be sent twice (a create)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure.error))
        self.failure = failure
        self.error = failure.error


def failure_from_exception(exc: requests.RequestException, *, method: str, path: str,
                           host: str | None = None) -> Failure:
    """The failure of an attempt that got no answer at all; ``host`` names a DNS failure."""
    if _find(exc, ssl.SSLCertVerificationError) is not None:
        # The handshake failed before anything was sent, and will fail the same way again.
        error = TransportError(
            "No answer from AlertSite (TLS failure: the server's certificate is not trusted; "
            "if a proxy re-signs TLS, point REQUESTS_CA_BUNDLE at a CA bundle that holds its "
            "certificate)", method=method, path=path)
        return Failure(error, status=None, sent=False, maybe_applied=False, final=True)
    sent = _was_sent(exc)
    unreachable = _find(exc, urllib3.exceptions.NewConnectionError) is not None
    error = TransportError(f"No answer from AlertSite ({_describe(exc, host)})", method=method, path=path)
    return Failure(error, status=None, sent=sent, maybe_applied=sent, unreachable=unreachable)


def failure_from_response(response: requests.Response, *, method: str, path: str,
                          is_login: bool) -> Failure:
    """The failure of an attempt that AlertSite answered with a redirect or a status of 400 or more."""
    status = response.status_code
    if status < 400:
        # Redirects are not followed (see AlertSiteClient._attempt): an API that answers
        # with one is not where alertsite:baseUrl says it is, and the front end that
        # redirects has not passed the request on.
        location = _safe_url(response.headers.get("Location", ""))
        where = f" to {location}" if location else ""
        redirect = ConfigurationError(
            f"AlertSite answered with a redirect{where}, and the client follows none: set "
            "alertsite:baseUrl (ALERTSITE_BASE_URL) to the API root itself",
            method=method, path=path, status=status)
        return Failure(redirect, status=status, sent=True, maybe_applied=False, final=True)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error = error_for_status(status, method=method, path=path, messages=_error_messages(response),
                             is_login=is_login, retry_after=retry_after)
    return Failure(error, status=status, sent=True, maybe_applied=status >= 500,
                   retry_after=retry_after)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: requests and urllib3 nest the cause in args, reason and __cause__."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [getattr(current, "reason", None), current.__cause__, current.__context__,
                  *current.args[:1]]
        todo.extend(e for e in nested if isinstance(e, BaseException))


def _find(exc: BaseException,
          kind: type[BaseException] | tuple[type[BaseException], ...]) -> BaseException | None:
    return next((e for e in _chain(exc) if isinstance(e, kind)), None)


def _was_sent(exc: requests.RequestException) -> bool:
    """False only when the request surely never reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    never_sent = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
    return _find(exc, never_sent) is None


def _describe(exc: requests.RequestException, host: str | None) -> str:
    """A few words on why no answer came (requests' own text would repeat the URL)."""
    if _find(exc, urllib3.exceptions.NameResolutionError) is not None:
        return f"DNS lookup failed: the host name {host!r} did not resolve" if host else "DNS lookup failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out waiting for the answer"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failure"
    refused = _find(exc, ConnectionRefusedError)
    if refused is not None or _find(exc, urllib3.exceptions.NewConnectionError) is not None:
        if refused is not None:
            return "connection refused"
        os_error = _find(exc, OSError)
        code = getattr(os_error, "errno", None)
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        return "could not connect"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection lost"
    return type(exc).__name__


def _safe_url(url: str) -> str:
    """A URL without credentials, query or fragment (a redirect's Location may carry any)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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
    "UNREACHABLE_RETRIES",
    "Failure",
    "LostAnswer",
    "RetryPolicy",
    "Throttle",
    "failure_from_exception",
    "failure_from_response",
    "parse_retry_after",
    "read_json",
]
