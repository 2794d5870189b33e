"""AlertSiteClient: the only code that talks HTTP to AlertSite.

Every call goes through one ``_request()`` with a timeout, the shared access token, the
client-side throttle and the retry policy (``transport`` says what a failed attempt means,
how long the next may take and how long to wait; ``auth`` holds the token); each call has
one time budget, which its requests, waits and re-logins all spend. The public methods on
top are thin and named after what they do. A create goes through the client's
``SafeCreate`` (``safe_create``), which never sends it again while the first may still be made.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .auth import SharedClients, TokenManager, read_login_answer, shared_token_manager
from .coercion import coerce_monitor
from .config import Settings
from .endpoints import Endpoint, quote_segment
from .errors import AlertSiteError, NotFound, TransportError, UnconfirmedTestStart
from .safe_create import SafeCreate
from .site_status import SiteStatus, read_row
from .transport import (
    IDEMPOTENT_METHODS,
    Failure,
    LostAnswer,
    RetryPolicy,
    Throttle,
    failure_from_exception,
    failure_from_response,
    read_json,
)
from .version import __version__

log = logging.getLogger("alertsite_pulumi.client")

ROUND_TRIP_TYPE: Final = "email-round-trip"


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
        self.retry = retry or RetryPolicy(max_retries=settings.max_retries, budget=settings.retry_budget)
        self.session = session or requests.Session()
        # One kept-alive connection per call in flight: the native plugin serves up to
        # max_concurrency calls at once, and a smaller pool would close and reopen connections.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(64, settings.max_concurrency))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"Accept": "application/json",
                                     "User-Agent": f"alertsite-pulumi/{__version__}"})
        self.throttle = Throttle(settings.max_requests_per_second, clock=self.retry.clock,
                                 sleep=self.retry.sleep)
        self._wall_clock = wall_clock
        self._settle_window = settings.request_timeout if settle_window is None else settle_window
        self._creates = SafeCreate(
            self._post_round_trip_monitor, self.list_monitors, retry=self.retry,
            request_timeout=settings.request_timeout, wall_clock=wall_clock,
            settle_window=self._settle_window)
        #: The safe create of each other kind of object (recipients, groups), made on first use.
        self._object_creates: dict[Endpoint, SafeCreate] = {}
        self._object_creates_lock = threading.Lock()
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

        ``replay_safe=False`` (creates) raises ``LostAnswer`` instead of retrying when the
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
                raise LostAnswer(result)
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

        Never sends the POST again while the first may still be made: when a POST gets no
        clear answer, it looks for the monitor that POST may have made (same name, mailbox and
        hostnames, created since this call began) and adopts a single match, or fails
        closed. ``safe_create`` says when the POST is sent again, and how long it looks
        (``settle_window``).

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
        return self._creates.create(body)

    def _post_round_trip_monitor(self, body: Mapping[str, Any], deadline: float) -> requests.Response:
        """One ``POST /monitors/email-round-trip`` for the safe create, within ``deadline``:
        ``LostAnswer`` instead of a retry when it may have been applied."""
        return self._request("POST", "/monitors/email-round-trip", json=dict(body),
                             replay_safe=False, deadline=deadline)

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
        params: dict[str, Any] = {"type": monitor_type}
        if select is not None:
            params["select"] = ",".join(select)
        for raw in self._pages("/monitors", params, page_size=page_size, noun="monitor"):
            yield coerce_monitor(raw)

    def _pages(self, path: str, params: Mapping[str, Any], *, page_size: int,
               noun: str) -> Iterator[Mapping[str, Any]]:
        """``GET path``: every object of a list, following limit/offset pages, each once.

        Reads AlertSite's list envelope (``{"metadata": ..., "results": [...]}``) and a bare
        list alike.
        """
        offset = 0
        seen: set[str] = set()
        while True:
            body = read_json(self._request("GET", path, params={**params, "limit": page_size,
                                                                "offset": offset}))
            page = body.get("results", []) if isinstance(body, Mapping) else body
            if not isinstance(page, list):
                raise AlertSiteError(f"AlertSite's {noun} list had an unexpected shape",
                                     method="GET", path=path)
            fresh = 0
            for raw in page:
                if isinstance(raw, Mapping):
                    key = str(raw.get("id"))
                    if key not in seen:
                        seen.add(key)
                        fresh += 1
                        yield raw
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

    def get_site_status(self, monitor_ids: Sequence[str] | None = None) -> list[SiteStatus]:
        """``GET /report-sitestatus``: the last status of every monitor (of ``monitor_ids``),
        one entry per row, read in AlertSite's spelling or the emulator 0.1 one
        (:mod:`.site_status`).

        Raises:
            AlertSiteError: the answer is not a report, or as for any call (see the class).
        """
        params = {"monitors": ",".join(monitor_ids)} if monitor_ids is not None else None
        body = read_json(self._request("GET", "/report-sitestatus", params=params))
        rows = body.get("results") if isinstance(body, Mapping) else body
        if not isinstance(rows, list):
            raise AlertSiteError("AlertSite's site-status report had an unexpected shape",
                                 method="GET", path="/report-sitestatus")
        return [read_row(row) for row in rows if isinstance(row, Mapping)]

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

    # -- other objects: recipients, recipient groups (``endpoints``) ---------------------------

    def list_objects(self, endpoint: Endpoint, *, page_size: int = 100,
                     **filters: str | int) -> list[dict[str, Any]]:
        """``GET {collection}``: every object (of the filters), all pages, as AlertSite sent them.

        Raises:
            AlertSiteError: a page had an unexpected shape, or as for any call (see the class).
        """
        return [dict(raw) for raw in self._pages(endpoint.path, filters, page_size=page_size,
                                                 noun=endpoint.noun)]

    def get_object(self, endpoint: Endpoint, object_id: str) -> dict[str, Any]:
        """``GET {collection}/{id}``: the object as AlertSite sent it.

        Raises:
            NotFound: there is no such object.
            AlertSiteError: the answer is not an object, or as for any call (see the class).
        """
        path = endpoint.item(object_id)
        response = self._request("GET", path)
        body = read_json(response)
        if not isinstance(body, Mapping):
            raise AlertSiteError(f"AlertSite answered with something that is not a {endpoint.noun}",
                                 method="GET", path=path, status=response.status_code)
        found = dict(body)
        found.setdefault("id", str(object_id))
        return found

    def create_object(self, endpoint: Endpoint, body: Mapping[str, Any]) -> str:
        """``POST {collection}``: create the object and return its id, never twice (the
        endpoint's own ``SafeCreate``; see ``create_round_trip_monitor``).

        Raises: as ``create_round_trip_monitor``.
        """
        with self._object_creates_lock:
            creates = self._object_creates.get(endpoint)
            if creates is None:
                def post(wanted: Mapping[str, Any], deadline: float) -> requests.Response:
                    return self._request("POST", endpoint.path, json=dict(wanted),
                                         replay_safe=False, deadline=deadline)

                creates = SafeCreate(
                    post, lambda: self.list_objects(endpoint), retry=self.retry,
                    request_timeout=self.settings.request_timeout, wall_clock=self._wall_clock,
                    settle_window=self._settle_window, noun=endpoint.noun, path=endpoint.path,
                    identity=endpoint.identity)
                self._object_creates[endpoint] = creates
        return creates.create(body)

    def update_object(self, endpoint: Endpoint, object_id: str, body: Mapping[str, Any]) -> None:
        """``PATCH {collection}/{id}``: change the fields in ``body``.

        Raises:
            NotFound: there is no such object.
            InvalidRequest: AlertSite rejected a value in ``body``.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            ServerError, TransportError, AlertSiteError: as for any call (see the class).
        """
        self._request("PATCH", endpoint.item(object_id), json=dict(body))

    def delete_object(self, endpoint: Endpoint, object_id: str, *, missing_ok: bool = True,
                      persistent: bool = False) -> bool:
        """``DELETE {collection}/{id}``: True if deleted, False if it was already gone.
        ``persistent`` retries as ``discard_monitor`` does (the clean-up of a failed create).

        Raises:
            NotFound: there is no such object and ``missing_ok`` is False.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            ServerError, TransportError, AlertSiteError: as for any call (see the class).
        """
        try:
            self._request("DELETE", endpoint.item(object_id), persistent=persistent)
        except NotFound:
            if missing_ok:
                return False
            raise
        return True

    # -- tests on demand and test notifications (§4, §1.6) ---------------------------------

    def start_test(self, monitor_id: str, location_id: int | None = None) -> dict[str, Any]:
        """``GET /tests?monitor_id=...``: start a test on demand and return AlertSite's answer
        (``{"id": ..., "result_url": ...}`` as the emulator assumes it).

        A GET that starts work: it is never sent again once it may have reached AlertSite (a
        lost answer or a 5xx), which would start a second test; a 429 is waited out as usual.

        Raises:
            UnconfirmedTestStart: the answer was lost or was a 5xx: a test may be running.
            NotFound: there is no monitor ``monitor_id``.
            ConfigurationError, AuthenticationError, PermissionDenied, RateLimited,
            TransportError, AlertSiteError: as for any call (see the class).
        """
        params: dict[str, Any] = {"monitor_id": str(monitor_id)}
        if location_id is not None:
            params["location_id"] = str(location_id)
        try:
            response = self._request("GET", "/tests", params=params, replay_safe=False)
        except LostAnswer as lost:
            raise UnconfirmedTestStart(
                f"the start of a test on demand of monitor {monitor_id} got no clear answer; "
                "the test may have started", method="GET", path="/tests",
                status=lost.failure.status) from None
        return self._object_answer(response, "GET", "/tests", "a started test")

    def poll_test(self, test_id: str) -> dict[str, Any]:
        """``GET /tests/{id}``: the test's ``progress`` (0 not found, 1 in progress, 2
        successful, 3 failed), ``status`` and their texts; idempotent, retried as usual."""
        path = f"/tests/{quote_segment(test_id)}"
        return self._object_answer(self._request("GET", path), "GET", path, "a test's progress")

    def send_test_notification(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /test-notifiers``: send one test alert (``method_id`` and ``recipient``
        required); a POST, so never sent twice (a lost answer raises ``TransportError`` or
        ``ServerError``: the alert may have been sent)."""
        try:
            response = self._request("POST", "/test-notifiers", json=dict(body), replay_safe=False)
        except LostAnswer as lost:
            raise lost.error from None
        return self._object_answer(response, "POST", "/test-notifiers", "a test notification's result")

    def _object_answer(self, response: requests.Response, method: str, path: str,
                       what: str) -> dict[str, Any]:
        body = read_json(response)
        if not isinstance(body, Mapping):
            raise AlertSiteError(f"AlertSite answered with something that is not {what}",
                                 method=method, path=path, status=response.status_code)
        return dict(body)


_SHARED_CLIENTS: Final = SharedClients(AlertSiteClient)


def shared_client(settings: Settings) -> AlertSiteClient:
    """The process-wide client for these settings: one session, one login.

    Raises nothing itself: the client logs in on its first call.
    """
    return _SHARED_CLIENTS.get(settings)


def _budget_spent(last: Failure | None, *, method: str, path: str) -> AlertSiteError:
    """The error of a call whose budget ran out before its next attempt."""
    if last is not None:
        return last.error
    return TransportError("The call's retry budget (alertsite:retryBudget) was spent before "
                          "AlertSite could be asked", method=method, path=path)


__all__ = [
    "AlertSiteClient",
    "shared_client",
]
