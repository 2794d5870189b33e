"""AlertSiteClient: the only code that talks HTTP to AlertSite.

Every call goes through one ``_request()`` with a timeout, the shared access token, the
client-side throttle and the retry policy (``transport`` says what a failed attempt means,
how long the next may take and how long to wait; ``auth`` holds the token); each call has
one time budget, which its requests, waits and re-logins all spend. The public methods on
top are thin and named after what they do. A create is never sent again while the first
may still be made: when its answer is lost the client looks for the monitor it may have
made, and fails closed rather than guess.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from .auth import SharedClients, TokenManager, read_login_answer, shared_token_manager
from .coercion import coerce_monitor
from .config import Settings
from .errors import AlertSiteError, AmbiguousCreateError, NotFound, TransportError, UnfinishedCreateError
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


#: Answers after which a create may still be made later: none came (a timeout or a
#: connection lost after sending), or a gateway gave up waiting for AlertSite (504). A 500,
#: 502 or 503 came from a server that is done with the request, so one look tells.
_MAY_STILL_COMMIT: Final = frozenset({None, 504})


class _Ambiguous(Exception):
    """A request that may have been applied but whose answer was lost."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure.error))
        self.failure = failure
        self.error = failure.error


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
        settle_window: float | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self._host = urlsplit(self.base_url).hostname
        #: How long to keep looking for the monitor a create with a lost answer may still
        #: make: AlertSite already had one request timeout, and gets as long again.
        self.settle_window = settings.request_timeout if settle_window is None else settle_window
        self.retry = retry or RetryPolicy(max_retries=settings.max_retries, budget=settings.retry_budget)
        self.session = session or requests.Session()
        # One kept-alive connection per call in flight: the native plugin serves up to
        # max_concurrency calls at once, and a smaller pool would close and reopen connections.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(64, settings.max_concurrency))
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
            return TokenManager(clock=self.retry.clock, fixed_token=self.settings.access_token)

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
        deadline: float | None = None,
        persistent: bool = False,
    ) -> requests.Response:
        """Send one API call with timeout, token, throttle and retries; raise an AlertSiteError.

        ``replay_safe=False`` (creates) raises ``_Ambiguous`` instead of retrying when the
        request may have been applied: a 5xx, or a connection lost after sending.
        ``deadline`` (on the retry clock) is the end of the call this request belongs to;
        None starts a new call. ``persistent`` retries a 500 too (a clean-up).
        """
        method = method.upper()
        if replay_safe is None:
            replay_safe = method in IDEMPOTENT_METHODS
        ends = deadline if deadline is not None else self.retry.deadline(self.settings.request_timeout)
        attempt = relogins = 0
        last: Failure | None = None
        while True:
            token = self.tokens.get(lambda: self._login(ends)) if auth else None
            timeout = self.retry.timeout(ends, self.settings.request_timeout)
            if timeout is None:
                raise _budget_spent(last, method=method, path=path)
            result = self._attempt(method, path, token, json=json, params=params, timeout=timeout)
            if not isinstance(result, Failure):
                return result
            last = result
            if result.final:
                raise result.error
            # A refused token is cured by a new login (invalidate() is False for a token given
            # ready-made); a refused login itself (401; a wrong password is 400) is tried again.
            reauth = result.status == 401 and (token is None or self.tokens.invalidate(token))
            if result.maybe_applied and not replay_safe:
                raise _Ambiguous(result)
            wait = self.retry.delay(attempt=attempt, deadline=ends, status=result.status,
                                    sent=result.sent, unreachable=result.unreachable,
                                    replay_safe=replay_safe, retry_after=result.retry_after,
                                    reauth=reauth, relogins=relogins, persistent=persistent)
            if wait is None:
                raise result.error
            if result.status is not None:  # a lost answer was logged by _attempt already
                log.info("%s %s -> %s; retrying in %.2f s", method, path, result.status, wait)
            if reauth:
                relogins += 1
            else:
                attempt += 1
            if wait:
                self.retry.sleep(wait)

    def _attempt(self, method: str, path: str, token: str | None, *, json: Any,
                 params: Mapping[str, Any] | None, timeout: float) -> requests.Response | Failure:
        """Send the request once (after the throttle): its answer if 2xx, else a Failure."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self.throttle.wait()
        t0 = time.monotonic()
        try:
            # No redirect is followed: a redirect for a POST would be replayed or turned into
            # a GET, and an API root that redirects is the wrong baseUrl (failure_from_response).
            response = self.session.request(method, self.base_url + path, json=json, params=params,
                                            headers=headers, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            log.info("%s %s -> no answer (%s)", method, path, type(exc).__name__)
            return failure_from_exception(exc, method=method, path=path, host=self._host)
        elapsed_ms = (time.monotonic() - t0) * 1000
        log.debug("%s %s -> %s (%.0f ms)", method, path, response.status_code, elapsed_ms)
        if response.status_code < 300:
            return response
        return failure_from_response(response, method=method, path=path, is_login=token is None)

    # -- authentication ----------------------------------------------------------------------

    def _login(self, deadline: float) -> tuple[str, float]:
        """``POST /access-tokens`` within the budget of the call that needs the token."""
        self.settings.require_credentials()
        response = self._request("POST", "/access-tokens", auth=False, replay_safe=True,
                                 deadline=deadline,
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
        deadline = self.retry.deadline(self.settings.request_timeout)
        self.tokens.get(lambda: self._login(deadline))

    # -- monitors ------------------------------------------------------------------------------

    def create_round_trip_monitor(self, body: Mapping[str, Any]) -> str:
        """``POST /monitors/email-round-trip``: create a monitor and return its id.

        Never sends the POST again while the first may still be made. When a POST gets no
        clear answer the client looks for the monitor it may have made (same name, email
        and hostnames, created since this call began) and adopts a single match:

        * after a 500, 502 or 503 (the server is done with the request) it looks once, and
          sends the POST again only when nothing was made;
        * after a timeout, a connection lost after sending or a 504, and after a success
          whose answer holds no id, it keeps looking for ``settle_window`` seconds and then
          fails closed, never sending the POST again.

        Raises:
            InvalidRequest: AlertSite rejected a value in ``body``.
            AmbiguousCreateError: the answer was lost and several monitors match ``body``.
            UnfinishedCreateError: the answer was lost and the monitor did not appear in the
                settle window, or could not be looked for: whether it was made is unknown.
            ServerError: every POST the budget allowed got a 5xx, and a look-up after each
                found nothing made (the error says so).
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            TransportError, AlertSiteError: as for any call (see the class).
        """
        began = self._wall_clock()
        deadline = self.retry.deadline(self.settings.request_timeout)
        attempt = 0
        while True:
            try:
                response = self._request("POST", "/monitors/email-round-trip", json=dict(body),
                                         replay_safe=False, deadline=deadline)
            except _Ambiguous as lost:
                status = lost.failure.status
                log.warning("create of %r got no clear answer (%s); looking for the monitor",
                            body.get("name"), status or "no answer")
                if status in _MAY_STILL_COMMIT:
                    monitor_id = self._await_lost_create(body, lost.error, since=began)
                else:
                    found = self._look_for_lost_create(body, lost.error, since=began)
                    if found is None:
                        # Verified: nothing was made, so the POST is safe to send again.
                        wait = self.retry.delay(attempt=attempt, deadline=deadline, status=status,
                                                replay_safe=True)
                        if wait is None:
                            raise _nothing_made(lost.error) from None
                        attempt += 1
                        self.retry.sleep(wait)
                        continue
                    monitor_id = found
            else:
                answered = _created_id(response)
                if answered is None:
                    log.warning("create of %r succeeded but its answer held no id; looking for "
                                "the monitor", body.get("name"))
                    error = AlertSiteError("AlertSite's answer to the create held no monitor id",
                                           method="POST", path="/monitors/email-round-trip",
                                           status=response.status_code)
                    answered = self._await_lost_create(body, error, since=began)
                monitor_id = answered
            self._claim(monitor_id)
            return monitor_id

    def _look_for_lost_create(self, body: Mapping[str, Any], lost: AlertSiteError, *,
                              since: float) -> str | None:
        """One look for the monitor a create with a lost answer made: its id, or None."""
        try:
            return self._made_by_lost_create(body, since=since)
        except AmbiguousCreateError:
            raise
        except AlertSiteError as failed:
            raise UnfinishedCreateError(
                f"The create of monitor {body.get('name')!r} got no clear answer: {_reason(lost)}. "
                f"Looking for the monitor it may have made failed too: {failed.brief()}. "
                "Whether AlertSite made it is unknown", method="POST",
                path="/monitors/email-round-trip") from failed

    def _await_lost_create(self, body: Mapping[str, Any], lost: AlertSiteError, *,
                           since: float) -> str:
        """The id of the monitor a create with a lost answer made, looked for over the settle
        window; UnfinishedCreateError when it does not appear (the POST is not sent again)."""
        ends = self.retry.clock() + self.settle_window
        look = 0
        while True:
            found = self._look_for_lost_create(body, lost, since=since)
            if found is not None:
                return found
            left = ends - self.retry.clock()
            if left <= 0:
                raise UnfinishedCreateError(
                    f"The create of monitor {body.get('name')!r} got no clear answer: "
                    f"{_reason(lost)}. No monitor it made appeared within {self.settle_window:g} s, "
                    "and the create was not sent again, because AlertSite may still make it: "
                    "whether the monitor exists is unknown", method="POST",
                    path="/monitors/email-round-trip") from None
            self.retry.sleep(min(left, self.retry.backoff(look)))
            look += 1

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

    def discard_monitor(self, monitor_id: str) -> bool:
        """``DELETE /monitors/{id}`` as persistently as the budget allows: the clean-up of a
        create that failed after AlertSite made the monitor. True if deleted, False if gone.

        Every 5xx (500 too), lost connection and refused token is retried, with new logins,
        until ``max_retries`` or the call's budget is spent.

        Raises:
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            ServerError, TransportError, AlertSiteError: as for any call (see the class).
        """
        try:
            self._request("DELETE", f"/monitors/{quote_segment(monitor_id)}", persistent=True)
        except NotFound:
            return False
        return True


_SHARED_CLIENTS: Final = SharedClients(AlertSiteClient)


def shared_client(settings: Settings) -> AlertSiteClient:
    """The process-wide client for these settings: one session, one login.

    Raises nothing itself: the client logs in on its first call.
    """
    return _SHARED_CLIENTS.get(settings)


def _created_id(response: requests.Response) -> str | None:
    """The new monitor's id from a successful create's answer, or None if it holds none."""
    try:
        body = read_json(response)
    except AlertSiteError:
        return None
    monitor_id = body.get("id") if isinstance(body, Mapping) else None
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, str | int) or monitor_id == "":
        return None
    return str(monitor_id)


def _reason(error: AlertSiteError) -> str:
    """What came back instead of a clear answer, in a few words."""
    text = str(error.args[0]) if error.args else type(error).__name__
    return text if error.status is None or str(error.status) in text else f"{text} (HTTP {error.status})"


def _nothing_made(error: AlertSiteError) -> AlertSiteError:
    """The last 5xx of a create that gave up, saying what the look-ups verified."""
    error.hint = ("A look-up after each failed attempt found no monitor made by it: nothing was "
                  "created or duplicated. Run the command again later.")
    return error


def _budget_spent(last: Failure | None, *, method: str, path: str) -> AlertSiteError:
    """The error of a call whose budget ran out before its next attempt."""
    if last is not None:
        return last.error
    return TransportError("The call's retry budget (alertsite:retryBudget) was spent before "
                          "AlertSite could be asked", method=method, path=path)


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
