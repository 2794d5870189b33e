"""The access token, and what is shared per process: one login per credentials, one client per settings.

The provider serves a whole stack from one process with a small thread pool (and may build
more than one client for the same account); sharing the token means a 401 costs one
re-login for every thread, not one each. Nothing here sends a request: each caller hands
the token manager its own login call, and the client registry the function that builds one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeVar

from .config import Settings
from .errors import AuthenticationError

#: Renew a token this long before AlertSite would expire it.
TOKEN_RENEW_MARGIN: Final = 300.0
DEFAULT_TOKEN_LIFETIME: Final = 3600.0

C = TypeVar("C")


class TokenManager:
    """One access token for every thread and client that share the same credentials.

    A token is renewed ahead of its lifetime; after a 401 the first thread to report the
    failed token logs in again and the others reuse the new one (one login, not ten). The
    manager holds the token only: whoever needs one passes its own login call, so that a
    login runs with the caller's session, timeout and budget, not those of the client that
    happened to create the manager.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 fixed_token: str | None = None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = fixed_token
        self._fixed = fixed_token is not None
        self._expires = float("inf") if fixed_token else 0.0
        self._margin = TOKEN_RENEW_MARGIN
        self.logins = 0

    def __repr__(self) -> str:
        return f"TokenManager(logins={self.logins}, has_token={self._token is not None})"

    def get(self, login: Callable[[], tuple[str, float]]) -> str:
        """The current token; ``login`` (returning a token and its lifetime) makes a new one."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires - self._margin:
                self._renew(login)
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

    def _renew(self, login: Callable[[], tuple[str, float]]) -> None:
        token, lifetime = login()
        self.logins += 1
        self._token = token
        self._expires = self._clock() + lifetime
        # Renew ahead of expiry, but never so early that a short-lived token is renewed at once.
        self._margin = min(TOKEN_RENEW_MARGIN, lifetime / 10)


def read_login_answer(body: Any, *, method: str, path: str, status: int) -> tuple[str, float]:
    """The token and its lifetime in seconds from the body of a successful login.

    Raises:
        AuthenticationError: the answer held no access token.
    """
    token = body.get("access_token") if isinstance(body, Mapping) else None
    if not isinstance(token, str) or not token:
        raise AuthenticationError("AlertSite's login answer held no access_token",
                                  method=method, path=path, status=status)
    lifetime = body.get("expires_in")
    try:
        seconds = float(lifetime) if lifetime is not None else DEFAULT_TOKEN_LIFETIME
    except (TypeError, ValueError):
        seconds = DEFAULT_TOKEN_LIFETIME
    return token, seconds


# --- shared per process -------------------------------------------------------------------

# Re-entrant: a client built under it (SharedClients.get) takes it again for its token manager.
_SHARED_LOCK: Final = threading.RLock()
_SHARED_TOKENS: dict[tuple[str, str, str], TokenManager] = {}


def credentials_key(settings: Settings) -> tuple[str, str, str]:
    """What identifies one login: the API root, the user, and a hash (never the secret itself)."""
    secret = settings.access_token or f"{settings.username}\0{settings.password}"
    return (settings.base_url, settings.username or "", hashlib.sha256(secret.encode()).hexdigest())


def shared_token_manager(settings: Settings, make: Callable[[], TokenManager]) -> TokenManager:
    """The process-wide token manager for these credentials, made by ``make`` on first use."""
    key = credentials_key(settings)
    with _SHARED_LOCK:
        manager = _SHARED_TOKENS.get(key)
        if manager is None:
            manager = make()
            _SHARED_TOKENS[key] = manager
        return manager


class SharedClients(Generic[C]):
    """One client per settings for the whole process, built by ``build`` on first use.

    The registry takes the builder rather than importing the client, which imports this
    module for its token manager.
    """

    def __init__(self, build: Callable[[Settings], C]) -> None:
        self._build = build
        self._clients: dict[Settings, C] = {}

    def get(self, settings: Settings) -> C:
        with _SHARED_LOCK:
            client = self._clients.get(settings)
            if client is None:
                client = self._build(settings)
                self._clients[settings] = client
            return client


__all__ = [
    "SharedClients",
    "TokenManager",
    "credentials_key",
    "read_login_answer",
    "shared_token_manager",
]
