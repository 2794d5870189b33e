"""AlertSiteClient: the only code that talks HTTP to AlertSite.

Every call goes through one ``_request()`` with a timeout, the shared access token, the
client-side throttle and the retry policy (``transport`` says what a failed attempt means
and how long to wait; ``auth`` holds the token); the public methods on top are thin and
named after what they do. A create is never blindly repeated: when its answer is lost the
client looks for the monitor it may have made before it tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from .auth import SharedClients, TokenManager, read_login_answer, shared_token_manager
from .coercion import coerce_monitor
from .config import Settings
from .errors import AlertSiteError, AmbiguousCreateError, NotFound
from .transport import (
    IDEMPOTENT_METHODS,
    Failure,
    RetryPolicy,
    Throttle,
    failure_from_exception,
    failure_from_response,
    read_json,
)

log = logging.getLogger("alertsite_pulumi.client")

ROUND_TRIP_TYPE: Final = "email-round-trip"
#: How far back a monitor's creation time may lie and still count as "made by this create"
#: (allows for clock skew between this machine and AlertSite).
CREATE_CLOCK_SLACK: Final = 120.0
#: The fields that identify the monitor a create made, when its answer was lost.
CREATE_MATCH_KEYS: Final = ("name", "email", "smtp_hostname", "pop3_hostname")


def quote_segment(value: str | int) -> str:
    """A path parameter, URL-quoted in one place."""
    return quote(str(value), safe="")


class _Ambiguous(Exception):
    """A request that may have been applied but whose answer was lost."""

    def __init__(self, error: AlertSiteError) -> None:
        super().__init__(str(error))
        self.error = error


class AlertSiteClient:
    """A typed client for the AlertSite Management API v3 (the round-trip monitor subset).

    Any call may raise, besides the errors its own docstring names: ``ConfigurationError``
    (no credentials to log in with), ``AuthenticationError`` (login or token refused),
    ``PermissionDenied`` (403), ``RateLimited`` (429) and ``ServerError`` (5xx) once the
    retry budget is spent, ``TransportError`` (no answer), or ``AlertSiteError`` itself (an
    unexpected status, or an answer that is not JSON).
    """

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

        return shared_token_manager(self.settings, make) if share else make()

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
        if replay_safe is None:
            replay_safe = method in IDEMPOTENT_METHODS
        started = self.retry.clock()
        attempt = 0
        relogged = False
        while True:
            token = self.tokens.get() if auth else None
            result = self._attempt(method, path, token, json=json, params=params)
            if not isinstance(result, Failure):
                return result
            # One re-login per call; invalidate() is False when a new login cannot help.
            if result.status == 401 and token is not None and not relogged and self.tokens.invalidate(token):
                relogged = True
                continue
            if result.maybe_applied and not replay_safe:
                raise _Ambiguous(result.error)
            wait = self.retry.delay(attempt=attempt, started=started, status=result.status,
                                    sent=result.sent, replay_safe=replay_safe,
                                    retry_after=result.retry_after)
            if wait is None:
                raise result.error
            if result.status is not None:  # a lost answer was logged by _attempt already
                log.info("%s %s -> %s; retrying in %.2f s", method, path, result.status, wait)
            attempt += 1
            self.retry.sleep(wait)

    def _attempt(self, method: str, path: str, token: str | None, *, json: Any,
                 params: Mapping[str, Any] | None) -> requests.Response | Failure:
        """Send the request once (after the throttle): its answer if below 400, else a Failure."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self.throttle.wait()
        t0 = time.monotonic()
        try:
            response = self.session.request(method, self.base_url + path, json=json, params=params,
                                            headers=headers, timeout=self.settings.request_timeout)
        except requests.RequestException as exc:
            log.info("%s %s -> no answer (%s)", method, path, type(exc).__name__)
            return failure_from_exception(exc, method=method, path=path)
        elapsed_ms = (time.monotonic() - t0) * 1000
        log.debug("%s %s -> %s (%.0f ms)", method, path, response.status_code, elapsed_ms)
        if response.status_code < 400:
            return response
        return failure_from_response(response, method=method, path=path, is_login=token is None)

    # -- authentication ----------------------------------------------------------------------

    def _login_for_manager(self) -> tuple[str, float]:
        self.settings.require_credentials()
        response = self._request("POST", "/access-tokens", auth=False, replay_safe=True,
                                 json={"username": self.settings.username,
                                       "password": self.settings.password})
        token, seconds = read_login_answer(read_json(response), method="POST", path="/access-tokens",
                                           status=response.status_code)
        log.info("logged in to AlertSite as %s", self.settings.username)
        return token, seconds

    def login(self) -> None:
        """``POST /access-tokens``: make sure a valid token is held (logs in if needed).

        Raises:
            ConfigurationError: neither an access token nor username and password are set.
            AuthenticationError: AlertSite refused the login, or its answer held no token.
            RateLimited, ServerError, TransportError: as for any call (see the class).
        """
        self.tokens.get()

    # -- monitors ------------------------------------------------------------------------------

    def create_round_trip_monitor(self, body: Mapping[str, Any]) -> str:
        """``POST /monitors/email-round-trip``: create a monitor and return its id.

        Safe against lost answers: when the POST gets no clear answer (timeout, dropped
        connection, 5xx) the monitor may exist, so look for it first (same name, email and
        hostnames, created since this call began); adopt a single match, retry only when
        there is none, and refuse when there are several.

        Raises:
            InvalidRequest: AlertSite rejected a value in ``body``.
            AmbiguousCreateError: the answer was lost and several monitors match ``body``.
            ServerError, TransportError: no clear answer, no match, and no retry left.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            AlertSiteError: as for any call (see the class).
        """
        began = self._wall_clock()
        started = self.retry.clock()
        attempt = 0
        while True:
            try:
                response = self._request("POST", "/monitors/email-round-trip", json=dict(body),
                                         replay_safe=False)
                monitor_id = str(read_json(response)["id"])
            except _Ambiguous as ambiguous:
                log.warning("create of %r got no clear answer (%s); looking for the monitor",
                            body.get("name"), ambiguous.error.status or "no answer")
                adopted = self._made_by_lost_create(body, since=began)
                if adopted is None:
                    # Nothing was made: the POST is safe to send again.
                    wait = self.retry.delay(attempt=attempt, started=started)
                    if wait is None:
                        raise ambiguous.error from None
                    attempt += 1
                    self.retry.sleep(wait)
                    continue
                monitor_id = adopted
            self._claim(monitor_id)
            return monitor_id

    def _made_by_lost_create(self, body: Mapping[str, Any], *, since: float) -> str | None:
        """The id of the one monitor a create whose answer was lost made, or None if none."""
        candidates = self.find_created_monitors(body, since=since)
        if len(candidates) > 1:
            ids = ", ".join(str(c["id"]) for c in candidates)
            raise AmbiguousCreateError(
                f"A create of monitor {body.get('name')!r} got no clear answer and "
                f"{len(candidates)} monitors match it (ids {ids}); refusing to guess",
                method="POST", path="/monitors/email-round-trip") from None
        if not candidates:
            return None
        monitor_id = str(candidates[0]["id"])
        log.warning("adopting monitor %s, made by the create whose answer was lost", monitor_id)
        return monitor_id

    def find_created_monitors(self, body: Mapping[str, Any], *, since: float) -> list[dict[str, Any]]:
        """``GET /monitors?type=email-round-trip``: the monitors ``body`` may have made.

        Those that match ``body`` on CREATE_MATCH_KEYS, were created since ``since`` (epoch
        seconds) and are not already claimed by a create of this client.

        Raises:
            AlertSiteError: the monitor list had an unexpected shape, or as for any call
                (see the class).
        """
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
        """``PATCH /monitors/email-round-trip/{id}``: change only the fields in ``body``.

        Raises:
            NotFound: there is no monitor ``monitor_id``.
            InvalidRequest: AlertSite rejected a value in ``body``.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            ServerError, TransportError, AlertSiteError: as for any call (see the class).
        """
        self._request("PATCH", f"/monitors/email-round-trip/{quote_segment(monitor_id)}",
                      json=dict(body))

    def get_monitor(self, monitor_id: str, select: Sequence[str] | None = None) -> dict[str, Any]:
        """``GET /monitors/{id}``: the monitor, every known field coerced to its type.

        Raises:
            NotFound: there is no monitor ``monitor_id``.
            AlertSiteError: the answer is not a monitor, or as for any call (see the class).
        """
        params = {"select": ",".join(select)} if select is not None else None
        response = self._request("GET", f"/monitors/{quote_segment(monitor_id)}", params=params)
        body = read_json(response)
        if not isinstance(body, Mapping):
            raise AlertSiteError("AlertSite answered with something that is not a monitor",
                                 method="GET", path=f"/monitors/{monitor_id}",
                                 status=response.status_code)
        monitor = coerce_monitor(body)
        monitor.setdefault("id", str(monitor_id))
        return monitor

    def iter_monitors(self, monitor_type: str = ROUND_TRIP_TYPE, *, page_size: int = 100,
                      select: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """``GET /monitors?type=...``: every monitor of the type, following limit/offset pages.

        Raises:
            AlertSiteError: while iterating, a page had an unexpected shape; or as for any call
                (see the class).
        """
        offset = 0
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"type": monitor_type, "limit": page_size, "offset": offset}
            if select is not None:
                params["select"] = ",".join(select)
            body = read_json(self._request("GET", "/monitors", params=params))
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
        """``GET /monitors?type=...``: all pages as one list.

        Raises:
            AlertSiteError: a page had an unexpected shape, or as for any call (see the class).
        """
        return list(self.iter_monitors(monitor_type, page_size=page_size, select=select))

    def delete_monitor(self, monitor_id: str, *, missing_ok: bool = True) -> bool:
        """``DELETE /monitors/{id}``: True if deleted, False if it was already gone.

        Raises:
            NotFound: there is no monitor ``monitor_id`` and ``missing_ok`` is False.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            ServerError, TransportError, AlertSiteError: as for any call (see the class).
        """
        try:
            self._request("DELETE", f"/monitors/{quote_segment(monitor_id)}")
        except NotFound:
            if missing_ok:
                return False
            raise
        return True


_SHARED_CLIENTS: Final = SharedClients(AlertSiteClient)


def shared_client(settings: Settings) -> AlertSiteClient:
    """The process-wide client for these settings: one session, one login.

    Raises nothing itself: the client logs in on its first call.
    """
    return _SHARED_CLIENTS.get(settings)


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
    "shared_client",
]
