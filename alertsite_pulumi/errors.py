"""AlertSiteError and its subclasses, chosen by HTTP status.

Every error says what was asked (method and path, never a query string or body), what
AlertSite answered, and what to do. No credential ever reaches an error's text.
"""

from __future__ import annotations

from collections.abc import Sequence


class AlertSiteError(Exception):
    """Root of every error this package raises about AlertSite."""

    hint = "See the troubleshooting section of the README."

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        messages: Sequence[str] = (),
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.messages: tuple[str, ...] = tuple(messages)
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else None
        parts = [str(self.args[0]) if self.args else type(self).__name__]
        if where:
            status = f" -> HTTP {self.status}" if self.status is not None else ""
            parts.append(f"({where}{status})")
        if self.messages:
            parts.append("AlertSite said: " + "; ".join(m.rstrip(". ") for m in self.messages) + ".")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.method!r}, {self.path!r}, status={self.status!r})"


class AuthenticationError(AlertSiteError):
    """Login refused (AlertSite answers 400 on a bad login) or a token not accepted (401)."""

    hint = (
        "Check alertsite:username / alertsite:password (ALERTSITE_USERNAME / ALERTSITE_PASSWORD) "
        "or alertsite:accessToken (ALERTSITE_ACCESS_TOKEN); the API needs a real AlertSite login, "
        "not single sign-on."
    )


class PermissionDenied(AlertSiteError):
    """403: the user's role may not do this."""

    hint = "The AlertSite user needs the Admin, Co-Admin or Power User role to change monitors."


class NotFound(AlertSiteError):
    """404: no such monitor (or path)."""

    hint = "The monitor may have been deleted in AlertSite; run `pulumi refresh` to update the stack."


class InvalidRequest(AlertSiteError):
    """400 other than a refused login: AlertSite rejected the values sent."""

    hint = "Fix the fields named above; `pulumi preview` checks most of them before any call."


class RateLimited(AlertSiteError):
    """429 after every retry the budget allowed."""

    hint = (
        "AlertSite is limiting requests: lower alertsite:maxRequestsPerSecond or run "
        "`pulumi up --parallel 2`, then run it again."
    )

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ServerError(AlertSiteError):
    """5xx after every retry the budget allowed."""

    hint = "AlertSite had a server problem; run the command again later. Nothing was duplicated."


class TransportError(AlertSiteError):
    """No answer at all: connection refused or dropped, DNS failure, timeout, TLS failure."""

    hint = (
        "Check alertsite:baseUrl (ALERTSITE_BASE_URL) and the network; raise "
        "alertsite:requestTimeout if AlertSite is slow."
    )


class AmbiguousCreateError(AlertSiteError):
    """A create got no clear answer and several existing monitors could be the one it made."""

    hint = (
        "Delete the duplicates in AlertSite (or adopt one with adopt_monitor_id), then run "
        "`pulumi up` again."
    )


class ConfigurationError(AlertSiteError):
    """A setting is missing or wrong; the message names the config key and environment variable."""

    hint = "See the configuration table in the README."


class AdoptionError(AlertSiteError):
    """The monitor to adopt does not exist, or a name matches none or several monitors."""

    hint = "Check adopt_monitor_id / the monitor name; `alertsite-pulumi monitors list` shows what exists."


_BY_STATUS: dict[int, type[AlertSiteError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    400: InvalidRequest,
    429: RateLimited,
}


def error_for_status(
    status: int,
    *,
    method: str,
    path: str,
    messages: Sequence[str],
    is_login: bool = False,
    retry_after: float | None = None,
) -> AlertSiteError:
    """The error class for an HTTP status, with a message for the person reading `pulumi up`."""
    if is_login and status in (400, 401):
        return AuthenticationError("AlertSite refused the login", method=method, path=path,
                                   status=status, messages=messages)
    if status >= 500:
        return ServerError(f"AlertSite answered {status}", method=method, path=path,
                           status=status, messages=messages)
    if status == 429:
        return RateLimited("AlertSite is rate limiting requests", method=method, path=path,
                           status=status, messages=messages, retry_after=retry_after)
    cls = _BY_STATUS.get(status, AlertSiteError)
    text = {
        AuthenticationError: "AlertSite did not accept the access token",
        PermissionDenied: "AlertSite refused the request for lack of permission",
        NotFound: "AlertSite has no such record",
        InvalidRequest: "AlertSite rejected the request",
    }.get(cls, f"AlertSite answered {status}")
    return cls(text, method=method, path=path, status=status, messages=messages)
