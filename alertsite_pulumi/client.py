"""AlertSiteClient: the only code that talks HTTP to AlertSite.

Every call goes through one ``_request()`` with a timeout, the shared access token, the
client-side throttle and the retry policy; the public methods on top are thin and named
after what they do. A create is never blindly repeated: when its answer is lost the
client looks for the monitor it may have made before it tries again.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from .config import Settings
from .errors import (
    AlertSiteError,
    AmbiguousCreateError,
    AuthenticationError,
    NotFound,
    TransportError,
    error_for_status,
)
from .fields import coerce_monitor

log = logging.getLogger("alertsite_pulumi.client")

ROUND_TRIP_TYPE: Final = "email-round-trip"
#: Renew a token this long before AlertSite would expire it.
TOKEN_RENEW_MARGIN: Final = 300.0
DEFAULT_TOKEN_LIFETIME: Final = 3600.0
#: How far back a monitor's creation time may lie and still count as "made by this create"
#: (allows for clock skew between this machine and AlertSite).
CREATE_CLOCK_SLACK: Final = 120.0
#: The fields that identify the monitor a create made, when its answer was lost.
CREATE_MATCH_KEYS: Final = ("name", "email", "smtp_hostname", "pop3_hostname")
IDEMPOTENT_METHODS: Final = frozenset({"GET", "PATCH", "DELETE", "PUT", "HEAD"})
RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})
_RNG: Final = random.Random()


def quote_segment(value: str | int) -> str:
    """A path parameter, URL-quoted in one place."""
    return quote(str(value), safe="")


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


# --- shared login -------------------------------------------------------------------------


class TokenManager:
    """One access token for every thread and client that share the same credentials.

    A token is renewed ahead of its lifetime; after a 401 the first thread to report the
    failed token logs in again and the others reuse the new one (one login, not ten).
    """

    def __init__(self, login: Callable[[], tuple[str, float]], *,
                 clock: Callable[[], float] = time.monotonic, fixed_token: str | None = None) -> None:
        self._login = login
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = fixed_token
        self._fixed = fixed_token is not None
        self._expires = float("inf") if fixed_token else 0.0
        self._margin = TOKEN_RENEW_MARGIN
        self.logins = 0

    def __repr__(self) -> str:
        return f"TokenManager(logins={self.logins}, has_token={self._token is not None})"

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires - self._margin:
                self._renew()
            assert self._token is not None
            return self._token

    def invalidate(self, failed: str) -> bool:
        """Forget ``failed`` if it is still the current token (other threads may have renewed).

        False when a new login cannot help: the token was given ready-made in the settings.
        """
        with self._lock:
            if self._fixed:
                return False
            if self._token == failed:
                self._token = None
            return True

    def _renew(self) -> None:
        token, lifetime = self._login()
        self.logins += 1
        self._token = token
        self._expires = self._clock() + lifetime
        # Renew ahead of expiry, but never so early that a short-lived token is renewed at once.
        self._margin = min(TOKEN_RENEW_MARGIN, lifetime / 10)


# Re-entrant: a client built under it (shared_client) takes it again for its token manager.
_SHARED_LOCK = threading.RLock()
_SHARED_TOKENS: dict[tuple[str, str, str], TokenManager] = {}
_SHARED_CLIENTS: dict[Settings, AlertSiteClient] = {}


def _credentials_key(settings: Settings) -> tuple[str, str, str]:
    secret = settings.access_token or f"{settings.username}\0{settings.password}"
    return (settings.base_url, settings.username or "", hashlib.sha256(secret.encode()).hexdigest())


def shared_client(settings: Settings) -> AlertSiteClient:
    """The process-wide client for these settings: one session, one login."""
    with _SHARED_LOCK:
        client = _SHARED_CLIENTS.get(settings)
        if client is None:
            client = AlertSiteClient(settings)
            _SHARED_CLIENTS[settings] = client
        return client


# --- the client ---------------------------------------------------------------------------


class _Ambiguous(Exception):
    """A request that may have been applied but whose answer was lost."""

    def __init__(self, error: AlertSiteError) -> None:
        super().__init__(str(error))
        self.error = error


class AlertSiteClient:
    """A typed client for the AlertSite Management API v3 (the round-trip monitor subset)."""

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        share_login: bool = True,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self.retry = retry or RetryPolicy(max_retries=settings.max_retries, budget=settings.retry_budget)
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"Accept": "application/json",
                                     "User-Agent": "alertsite-pulumi/0.1"})
        self._wall_clock = wall_clock
        self.throttle = Throttle(settings.max_requests_per_second, clock=self.retry.clock,
                                 sleep=self.retry.sleep)
        self._claimed_lock = threading.Lock()
        self._claimed: set[str] = set()
        self.tokens = self._token_manager(share_login)

    def __repr__(self) -> str:
        return f"AlertSiteClient(base_url={self.base_url!r}, username={self.settings.username!r})"

    def _token_manager(self, share: bool) -> TokenManager:
        def make() -> TokenManager:
            return TokenManager(self._login_for_manager, clock=self.retry.clock,
                                fixed_token=self.settings.access_token)

        if not share:
            return make()
        key = _credentials_key(self.settings)
        with _SHARED_LOCK:
            manager = _SHARED_TOKENS.get(key)
            if manager is None:
                manager = make()
                _SHARED_TOKENS[key] = manager
            return manager

    # -- the one request path --------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        replay_safe: bool | None = None,
    ) -> requests.Response:
        """Send one API call with timeout, token, throttle and retries; raise an AlertSiteError.

        ``replay_safe=False`` (creates) raises ``_Ambiguous`` instead of retrying when the
        request may have been applied: a 5xx, or a connection lost after sending.
        """
        method = method.upper()
        url = self.base_url + path
        started = self.retry.clock()
        attempt = 0
        relogged = False
        if replay_safe is None:
            replay_safe = method in IDEMPOTENT_METHODS
        while True:
            headers = {}
            token = None
            if auth:
                token = self.tokens.get()
                headers["Authorization"] = f"Bearer {token}"
            self.throttle.wait()
            t0 = time.monotonic()
            try:
                response = self.session.request(method, url, json=json, params=params,
                                                headers=headers, timeout=self.settings.request_timeout)
            except requests.RequestException as exc:
                sent = _was_sent(exc)
                log.info("%s %s -> no answer (%s)", method, path, type(exc).__name__)
                error = TransportError(
                    f"No answer from AlertSite ({_describe(exc)})", method=method, path=path)
                if sent and not replay_safe:
                    raise _Ambiguous(error) from None
                wait = self.retry.delay(attempt=attempt, started=started, status=None, sent=sent,
                                        replay_safe=replay_safe)
                if wait is None:
                    raise error from None
                attempt += 1
                self.retry.sleep(wait)
                continue
            elapsed_ms = (time.monotonic() - t0) * 1000
            log.debug("%s %s -> %s (%.0f ms)", method, path, response.status_code, elapsed_ms)
            if response.status_code < 400:
                return response
            if (response.status_code == 401 and auth and token is not None and not relogged
                    and self.tokens.invalidate(token)):
                relogged = True
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            failure = error_for_status(response.status_code, method=method, path=path,
                                     messages=_error_messages(response), is_login=not auth,
                                     retry_after=retry_after)
            if response.status_code >= 500 and not replay_safe:
                raise _Ambiguous(failure)
            wait = self.retry.delay(attempt=attempt, started=started, status=response.status_code,
                                    replay_safe=replay_safe, retry_after=retry_after)
            if wait is None:
                raise failure
            log.info("%s %s -> %s; retrying in %.2f s", method, path, response.status_code, wait)
            attempt += 1
            self.retry.sleep(wait)

    # -- authentication ----------------------------------------------------------------------

    def _login_for_manager(self) -> tuple[str, float]:
        self.settings.require_credentials()
        response = self._request("POST", "/access-tokens", auth=False, replay_safe=True,
                                 json={"username": self.settings.username,
                                       "password": self.settings.password})
        body = _json(response)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError("AlertSite's login answer held no access_token",
                                      method="POST", path="/access-tokens",
                                      status=response.status_code)
        lifetime = body.get("expires_in")
        try:
            seconds = float(lifetime) if lifetime is not None else DEFAULT_TOKEN_LIFETIME
        except (TypeError, ValueError):
            seconds = DEFAULT_TOKEN_LIFETIME
        log.info("logged in to AlertSite as %s", self.settings.username)
        return token, seconds

    def login(self) -> None:
        """``POST /access-tokens``: make sure a valid token is held (logs in if needed)."""
        self.tokens.get()

    # -- monitors ------------------------------------------------------------------------------

    def create_round_trip_monitor(self, body: Mapping[str, Any]) -> str:
        """``POST /monitors/email-round-trip``: create a monitor and return its id.

        Safe against lost answers: when the POST gets no clear answer (timeout, dropped
        connection, 5xx) the monitor may exist, so look for it first (same name, email and
        hostnames, created since this call began); adopt a single match, retry only when
        there is none, and refuse when there are several.
        """
        began = self._wall_clock()
        started = self.retry.clock()
        attempt = 0
        while True:
            try:
                response = self._request("POST", "/monitors/email-round-trip", json=dict(body),
                                         replay_safe=False)
                monitor_id = str(_json(response)["id"])
                self._claim(monitor_id)
                return monitor_id
            except _Ambiguous as ambiguous:
                log.warning("create of %r got no clear answer (%s); looking for the monitor",
                            body.get("name"), ambiguous.error.status or "no answer")
                candidates = self.find_created_monitors(body, since=began)
                if len(candidates) == 1:
                    monitor_id = str(candidates[0]["id"])
                    log.warning("adopting monitor %s, made by the create whose answer was lost",
                                monitor_id)
                    self._claim(monitor_id)
                    return monitor_id
                if len(candidates) > 1:
                    ids = ", ".join(str(c["id"]) for c in candidates)
                    raise AmbiguousCreateError(
                        f"A create of monitor {body.get('name')!r} got no clear answer and "
                        f"{len(candidates)} monitors match it (ids {ids}); refusing to guess",
                        method="POST", path="/monitors/email-round-trip") from None
                # Nothing was made: the POST is safe to send again.
                wait = self.retry.delay(attempt=attempt, started=started)
                if wait is None:
                    raise ambiguous.error from None
                attempt += 1
                self.retry.sleep(wait)

    def find_created_monitors(self, body: Mapping[str, Any], *, since: float) -> list[dict[str, Any]]:
        """Round-trip monitors that match ``body`` and were created since ``since`` (epoch s)."""
        keys = CREATE_MATCH_KEYS
        out = []
        with self._claimed_lock:
            claimed = set(self._claimed)
        for monitor in self.list_monitors():
            if any(monitor.get(k) != body.get(k) for k in keys):
                continue
            if str(monitor.get("id")) in claimed:
                continue
            created = _parse_time(monitor.get("created"))
            if created is not None and created < since - CREATE_CLOCK_SLACK:
                continue
            out.append(monitor)
        return out

    def _claim(self, monitor_id: str) -> None:
        with self._claimed_lock:
            self._claimed.add(monitor_id)

    def update_round_trip_monitor(self, monitor_id: str, body: Mapping[str, Any]) -> None:
        """``PATCH /monitors/email-round-trip/{id}``: change only the fields in ``body``."""
        self._request("PATCH", f"/monitors/email-round-trip/{quote_segment(monitor_id)}",
                      json=dict(body))

    def get_monitor(self, monitor_id: str, select: Sequence[str] | None = None) -> dict[str, Any]:
        """``GET /monitors/{id}``: the monitor, every known field coerced to its type."""
        params = {"select": ",".join(select)} if select is not None else None
        response = self._request("GET", f"/monitors/{quote_segment(monitor_id)}", params=params)
        body = _json(response)
        if not isinstance(body, Mapping):
            raise AlertSiteError("AlertSite answered with something that is not a monitor",
                                 method="GET", path=f"/monitors/{monitor_id}",
                                 status=response.status_code)
        monitor = coerce_monitor(body)
        monitor.setdefault("id", str(monitor_id))
        return monitor

    def iter_monitors(self, monitor_type: str = ROUND_TRIP_TYPE, *, page_size: int = 100,
                      select: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """``GET /monitors?type=...``: every monitor of the type, following limit/offset pages."""
        offset = 0
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"type": monitor_type, "limit": page_size, "offset": offset}
            if select is not None:
                params["select"] = ",".join(select)
            body = _json(self._request("GET", "/monitors", params=params))
            page = body.get("results", []) if isinstance(body, Mapping) else body
            if not isinstance(page, list):
                raise AlertSiteError("AlertSite's monitor list had an unexpected shape",
                                     method="GET", path="/monitors")
            fresh = 0
            for raw in page:
                if isinstance(raw, Mapping):
                    monitor = coerce_monitor(raw)
                    key = str(monitor.get("id"))
                    if key not in seen:
                        seen.add(key)
                        fresh += 1
                        yield monitor
            # A server that ignores limit/offset returns everything on every page: stop then.
            if len(page) < page_size or fresh == 0:
                return
            offset += len(page)

    def list_monitors(self, monitor_type: str = ROUND_TRIP_TYPE, *, page_size: int = 100,
                      select: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """``GET /monitors?type=...``: all pages as one list."""
        return list(self.iter_monitors(monitor_type, page_size=page_size, select=select))

    def delete_monitor(self, monitor_id: str, *, missing_ok: bool = True) -> bool:
        """``DELETE /monitors/{id}``: True if deleted, False if it was already gone."""
        try:
            self._request("DELETE", f"/monitors/{quote_segment(monitor_id)}")
        except NotFound:
            if missing_ok:
                return False
            raise
        return True


def _json(response: requests.Response) -> Any:
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


def _error_messages(response: requests.Response) -> list[str]:
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
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failure"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection refused" if not _was_sent(exc) else "connection lost"
    return type(exc).__name__


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


__all__ = [
    "CREATE_MATCH_KEYS",
    "AlertSiteClient",
    "RetryPolicy",
    "Throttle",
    "TokenManager",
    "parse_retry_after",
    "shared_client",
]
