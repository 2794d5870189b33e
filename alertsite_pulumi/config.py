"""Where settings come from: explicit > stack config (alertsite:*) > environment (ALERTSITE_*) > default.

Settings are resolved when the provider is configured (or a client is built), never at
import time. Secrets in a Settings object print as ``[secret]``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .fields import SECRET_MASK

DEFAULT_BASE_URL: Final = "https://api.alertsite.com/api/v3"
#: Calls the native plugin serves at once by default, and at most (the dynamic host has 4 workers).
DEFAULT_MAX_CONCURRENCY: Final = 32
MAX_CONCURRENCY: Final = 256


def _keep(setting: Setting, raw: Any) -> Any:
    return raw


def _number(setting: Setting, raw: Any, cast: type[float] | type[int]) -> float | int:
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{setting.config_key} / {setting.env} must be a number, not {raw!r}"
        ) from None
    if value < 0:
        raise ConfigurationError(f"{setting.config_key} / {setting.env} must not be negative")
    return value


def _seconds(setting: Setting, raw: Any) -> float:
    return float(_number(setting, raw, float))


def _count(setting: Setting, raw: Any) -> int:
    return int(_number(setting, raw, int))


def _positive_count(setting: Setting, raw: Any) -> int:
    value = _count(setting, raw)
    if not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigurationError(
            f"{setting.config_key} / {setting.env} must be 1 to {MAX_CONCURRENCY}, not {raw!r}")
    return value


def _rate(setting: Setting, raw: Any) -> float | None:
    # 0 means no limit, the same as not setting it.
    return float(_number(setting, raw, float)) or None


@dataclass(frozen=True)
class Setting:
    """One setting: its Settings attribute, where it comes from, and how its raw value is read."""

    attr: str
    config_key: str
    env: str
    secret: bool = False
    #: Turns the value found (text from stack config or the environment, or anything given
    #: explicitly) into the Settings attribute; raises ConfigurationError naming both sources.
    parse: Callable[[Setting, Any], Any] = _keep


# Values are parsed in this order: of several bad ones, the first here is the one reported.
SETTINGS: Final = (
    Setting("base_url", "alertsite:baseUrl", "ALERTSITE_BASE_URL"),
    Setting("username", "alertsite:username", "ALERTSITE_USERNAME"),
    Setting("password", "alertsite:password", "ALERTSITE_PASSWORD", secret=True),
    Setting("access_token", "alertsite:accessToken", "ALERTSITE_ACCESS_TOKEN", secret=True),
    Setting("request_timeout", "alertsite:requestTimeout", "ALERTSITE_REQUEST_TIMEOUT", parse=_seconds),
    Setting("retry_budget", "alertsite:retryBudget", "ALERTSITE_RETRY_BUDGET", parse=_seconds),
    Setting("max_retries", "alertsite:maxRetries", "ALERTSITE_MAX_RETRIES", parse=_count),
    Setting("max_requests_per_second", "alertsite:maxRequestsPerSecond",
            "ALERTSITE_MAX_REQUESTS_PER_SECOND", parse=_rate),
    Setting("max_concurrency", "alertsite:maxConcurrency", "ALERTSITE_MAX_CONCURRENCY",
            parse=_positive_count),
)
_SECRET_ATTRS: Final = frozenset(s.attr for s in SETTINGS if s.secret)


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to reach AlertSite."""

    base_url: str = DEFAULT_BASE_URL
    """API root."""
    username: str | None = None
    """Login email."""
    password: str | None = field(default=None, repr=False)
    """Login password."""
    access_token: str | None = field(default=None, repr=False)
    """A ready token instead of username/password."""
    request_timeout: float = 30.0
    """Seconds per request."""
    max_retries: int = 6
    """Retries of a transient failure."""
    retry_budget: float = 120.0
    """Seconds all retries of one call may take."""
    max_requests_per_second: float | None = None
    """Client-side throttle; None for no limit."""
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    """Calls the native plugin serves at once (the dynamic provider's host is fixed at 4)."""

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_ATTRS and value is not None:
                value = SECRET_MASK
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    @property
    def has_credentials(self) -> bool:
        return bool(self.access_token) or bool(self.username and self.password)

    def require_credentials(self) -> None:
        if self.access_token:
            return
        missing = [s for s in SETTINGS if s.attr in ("username", "password") and not getattr(self, s.attr)]
        if missing:
            names = " and ".join(f"{s.config_key} (or {s.env})" for s in missing)
            raise ConfigurationError(
                f"No AlertSite credentials: set {names}, or alertsite:accessToken "
                "(or ALERTSITE_ACCESS_TOKEN). Use `pulumi config set --secret` for passwords."
            )


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; plain http only for loopback hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"alertsite:baseUrl / ALERTSITE_BASE_URL must be an https:// URL, not {url!r}"
        )
    if parts.username or parts.password or parts.query:
        raise ConfigurationError(
            "alertsite:baseUrl / ALERTSITE_BASE_URL must not carry credentials or a query string"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"alertsite:baseUrl {url!r} uses plain http:// to a host that is not loopback; "
            "only https:// is allowed there (plain http is for the local emulator)"
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_settings(
    explicit: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from explicit values, then stack config keys, then the environment, then defaults."""
    explicit = explicit or {}
    stack_config = stack_config or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        for source in (explicit.get(setting.attr), stack_config.get(setting.config_key),
                       environ.get(setting.env)):
            if source is not None and source != "":
                values[setting.attr] = setting.parse(setting, source)
                break
    settings = replace(Settings(), **values)
    return replace(settings, base_url=check_base_url(settings.base_url))
