"""Where settings come from: explicit > stack config (alertsite:*) > environment (ALERTSITE_*) > default.

Settings are resolved when the provider is configured (or a client is built), never at
import time. Secrets in a Settings object print as ``[secret]``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .fields import SECRET_MASK

DEFAULT_BASE_URL: Final = "https://api.alertsite.com/api/v3"


@dataclass(frozen=True)
class Setting:
    attr: str
    config_key: str
    env: str
    secret: bool = False
    doc: str = ""


SETTINGS: Final = (
    Setting("base_url", "alertsite:baseUrl", "ALERTSITE_BASE_URL",
            doc=f"API root, default {DEFAULT_BASE_URL}"),
    Setting("username", "alertsite:username", "ALERTSITE_USERNAME", doc="login email"),
    Setting("password", "alertsite:password", "ALERTSITE_PASSWORD", secret=True, doc="login password"),
    Setting("access_token", "alertsite:accessToken", "ALERTSITE_ACCESS_TOKEN", secret=True,
            doc="a ready token instead of username/password"),
    Setting("request_timeout", "alertsite:requestTimeout", "ALERTSITE_REQUEST_TIMEOUT",
            doc="seconds per request (default 30)"),
    Setting("max_retries", "alertsite:maxRetries", "ALERTSITE_MAX_RETRIES",
            doc="retries of a transient failure (default 6)"),
    Setting("retry_budget", "alertsite:retryBudget", "ALERTSITE_RETRY_BUDGET",
            doc="seconds all retries of one call may take (default 120)"),
    Setting("max_requests_per_second", "alertsite:maxRequestsPerSecond",
            "ALERTSITE_MAX_REQUESTS_PER_SECOND", doc="client-side throttle (default: none)"),
)


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to reach AlertSite."""

    base_url: str = DEFAULT_BASE_URL
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    request_timeout: float = 30.0
    max_retries: int = 6
    retry_budget: float = 120.0
    max_requests_per_second: float | None = None

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("password", "access_token") and value is not None:
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
                values[setting.attr] = source
                break
    by_attr = {s.attr: s for s in SETTINGS}
    if "request_timeout" in values:
        timeout = _number(by_attr["request_timeout"], values["request_timeout"], float)
        values["request_timeout"] = float(timeout)
    if "retry_budget" in values:
        values["retry_budget"] = float(_number(by_attr["retry_budget"], values["retry_budget"], float))
    if "max_retries" in values:
        values["max_retries"] = int(_number(by_attr["max_retries"], values["max_retries"], int))
    if "max_requests_per_second" in values:
        rate = float(_number(by_attr["max_requests_per_second"], values["max_requests_per_second"], float))
        values["max_requests_per_second"] = rate or None
    settings = replace(Settings(), **values)
    return replace(settings, base_url=check_base_url(settings.base_url))
