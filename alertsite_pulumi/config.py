"""Where settings come from: explicit > stack config (alertsite:*) > environment (ALERTSITE_*) >
stack config stored in the state > default.

Settings are resolved when the provider is configured (or a client is built), never at
import time. Secrets in a Settings object print as ``[secret]``.
"""

from __future__ import annotations

import ipaddress
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError
from .tokens import SECRET_MASK

DEFAULT_BASE_URL: Final = "https://api.alertsite.com/api/v3"
#: Calls the native plugin serves at once by default, and at most (the dynamic host has 4 workers).
DEFAULT_MAX_CONCURRENCY: Final = 32
MAX_CONCURRENCY: Final = 256


def _keep(setting: Setting, raw: Any) -> Any:
    return raw


def _shown(raw: Any) -> str:
    """A value for an error message: its repr, cut short (a value may be a whole file)."""
    text = repr(raw)
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text)} characters)"


def _bounded(setting: Setting, raw: Any, rule: str, low: float, high: float, *,
             low_open: bool = False, whole: bool = False) -> float:
    """``raw`` as a finite number within [low, high] (or (low, high]); else a ConfigurationError
    that names the config key, the variable and the allowed range."""
    value: float | None = None
    if not isinstance(raw, bool):
        try:
            value = float(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError, OverflowError):
            value = None
    # NaN fails every comparison below, so it is refused with infinities and out-of-range values.
    in_range = value is not None and (low < value if low_open else low <= value) and value <= high
    if value is None or not in_range or (whole and not value.is_integer()):
        raise _refused(setting, rule, raw)
    return value


def _refused(setting: Setting, rule: str, raw: Any) -> ConfigurationError:
    return ConfigurationError(f"{setting.config_key} / {setting.env} must be {rule}, not {_shown(raw)}.")


def _seconds_per_request(setting: Setting, raw: Any) -> float:
    return _bounded(setting, raw, "a number of seconds above 0 and at most 3600", 0, 3600,
                    low_open=True)


def _seconds(setting: Setting, raw: Any) -> float:
    return _bounded(setting, raw, "a number of seconds from 0 to 3600", 0, 3600)


def _count(setting: Setting, raw: Any) -> int:
    return int(_bounded(setting, raw, "a whole number from 0 to 100", 0, 100, whole=True))


def _concurrency(setting: Setting, raw: Any) -> int:
    return int(_bounded(setting, raw, f"a whole number from 1 to {MAX_CONCURRENCY}", 1, MAX_CONCURRENCY,
                        whole=True))


def _rate(setting: Setting, raw: Any) -> float | None:
    rule = "0 (no limit) or a number of requests per second from 0.01 to 1000"
    value = _bounded(setting, raw, rule, 0, 1000)
    if value == 0:
        return None  # the same as not setting it
    if value < 0.01:
        # A rate this low would hold each call for minutes: surely a typo, not a throttle.
        raise _refused(setting, rule, raw)
    return value


def _no_control_characters(setting: Setting, text: str) -> str:
    """``text``, unless it holds a line break, NUL or other control character (refused without
    showing it: Python's URL parser drops CR and LF silently, and a header built from the
    value could be split by them)."""
    # Cc: C0 and C1 controls (U+0085 NEL among them); Zl, Zp: U+2028, U+2029, line breaks too.
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        raise ConfigurationError(
            f"{setting.config_key} / {setting.env} holds a line break, NUL or other control "
            "character; give it on one line, without them.")
    return text


def _line(setting: Setting, raw: Any) -> Any:
    return _no_control_characters(setting, raw) if isinstance(raw, str) else raw


def _url(setting: Setting, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _refused(setting, "a URL", raw)
    _no_control_characters(setting, raw)
    if not raw.strip():
        # Empty must not mean "the default": that default is the public API, and an empty value
        # is most often a variable meant to name the emulator or a test account that was unset.
        raise ConfigurationError(
            f"{setting.config_key} / {setting.env} is set but empty; give the API root, or unset "
            f"it to use {DEFAULT_BASE_URL}.")
    return raw.strip()


def _boolean(setting: Setting, raw: Any) -> bool:
    # Strict: a switch that turns a safety check off must not be flipped by "yes", "1" or a typo.
    if isinstance(raw, bool):
        return raw
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text in ("true", "false"):
        return text == "true"
    raise ConfigurationError(
        f"{setting.config_key} / {setting.env} must be true or false, not {raw!r}")


def _time_zone(setting: Setting, raw: Any) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``) that this machine's zone data knows."""
    rule = 'an IANA time zone name such as "UTC" or "Europe/Berlin"'
    if not isinstance(raw, str) or not raw.strip():
        raise _refused(setting, rule, raw)
    name = _no_control_characters(setting, raw).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: a name that is no file name (an absolute path, "..").
        raise _refused(setting, rule, raw) from None
    return name


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
    #: Whether an empty text counts as not set (so the next source or the default applies).
    empty_is_unset: bool = True
    #: What the setting means, for the plugin's schema and the docs (its default is added there,
    #: from ``Settings``).
    doc: str = ""


# Values are parsed in this order: of several bad ones, the first here is the one reported.
SETTINGS: Final = (
    Setting("base_url", "alertsite:baseUrl", "ALERTSITE_BASE_URL", parse=_url, empty_is_unset=False,
            doc="API root; plain http:// only for loopback hosts."),
    Setting("username", "alertsite:username", "ALERTSITE_USERNAME", parse=_line,
            doc="AlertSite login email."),
    Setting("password", "alertsite:password", "ALERTSITE_PASSWORD", secret=True,
            doc="AlertSite login password."),
    Setting("access_token", "alertsite:accessToken", "ALERTSITE_ACCESS_TOKEN", secret=True,
            doc="A ready access token instead of username and password."),
    Setting("request_timeout", "alertsite:requestTimeout", "ALERTSITE_REQUEST_TIMEOUT",
            parse=_seconds_per_request, doc="Seconds per request."),
    Setting("retry_budget", "alertsite:retryBudget", "ALERTSITE_RETRY_BUDGET", parse=_seconds,
            doc="Seconds all retries of one call may take."),
    Setting("max_retries", "alertsite:maxRetries", "ALERTSITE_MAX_RETRIES", parse=_count,
            doc="Retries of a transient failure."),
    Setting("max_requests_per_second", "alertsite:maxRequestsPerSecond",
            "ALERTSITE_MAX_REQUESTS_PER_SECOND", parse=_rate,
            doc="Client-side throttle per provider process (none: no limit)."),
    Setting("allow_shared_mailbox", "alertsite:allowSharedMailbox", "ALERTSITE_ALLOW_SHARED_MAILBOX",
            parse=_boolean,
            doc="Create a monitor even when another round-trip monitor watches the same mailbox."),
    Setting("max_concurrency", "alertsite:maxConcurrency", "ALERTSITE_MAX_CONCURRENCY",
            parse=_concurrency, doc="API calls the plugin serves at once."),
    Setting("time_zone", "alertsite:timeZone", "ALERTSITE_TIME_ZONE", parse=_time_zone,
            doc="The account's time zone (an IANA name), in which blackout dates are written: "
                "AlertSite's carry no zone."),
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
    allow_shared_mailbox: bool = False
    """Create a monitor even when another round-trip monitor watches the same mailbox."""
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    """Calls the native plugin serves at once (the dynamic provider's host is fixed at 4)."""
    time_zone: str = "UTC"
    """The account's time zone (IANA name): blackout dates are written and read in it."""

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
    names = "alertsite:baseUrl / ALERTSITE_BASE_URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError as error:
        # The URL itself is not repeated: it may carry a password.
        raise ConfigurationError(f"{names} is not a valid URL ({error}).") from None
    if parts.username or parts.password or parts.query:
        raise ConfigurationError(f"{names} must not carry credentials or a query string.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"{names} must be an https:// URL, not {_shown(url)}.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"alertsite:baseUrl {_shown(url)} uses plain http:// to a host that is not loopback; "
            "only https:// is allowed there (plain http is for the local emulator)."
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
    *,
    stored_config: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings from explicit values, then stack config, then the environment, then stored config.

    ``stored_config`` is the stack config the engine saved at the last ``pulumi up`` (all that
    ``refresh`` and ``destroy`` get): it may be stale, so anything current wins over it.
    An access token is used only when no source ranking above it completes a username and
    password, and never a stored token beside a login: a token lives one hour and cannot be
    renewed, so a stale one must not shadow a login given (or rotated) elsewhere.
    """
    environ = os.environ if environ is None else environ
    sources = [
        _by_attr(explicit or {}, lambda s: s.attr),
        _by_attr(stack_config or {}, lambda s: s.config_key),
        _by_attr(environ, lambda s: s.env),
        _by_attr(stored_config or {}, lambda s: s.config_key),
    ]
    rank: dict[str, int] = {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        for index, source in enumerate(sources):
            if setting.attr in source:
                rank[setting.attr] = index
                values[setting.attr] = setting.parse(setting, source[setting.attr])
                break
    if "access_token" in rank and "username" in rank and "password" in rank:
        login_rank = max(rank["username"], rank["password"])
        stored = len(sources) - 1
        if login_rank < rank["access_token"] or login_rank == rank["access_token"] == stored:
            del values["access_token"]
    settings = replace(Settings(), **values)
    return replace(settings, base_url=check_base_url(settings.base_url))


def _by_attr(source: Mapping[str, Any], key: Callable[[Setting], str]) -> dict[str, Any]:
    """The values ``source`` sets, keyed by Settings attribute (empty text is unset where allowed)."""
    found = {}
    for setting in SETTINGS:
        value = source.get(key(setting))
        if value is not None and (value != "" or not setting.empty_is_unset):
            found[setting.attr] = value
    return found
