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
        hint: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.messages: tuple[str, ...] = tuple(messages)
        if hint is not None:
            # What to do can depend on what happened, not only on the class (see ServerError).
            self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.brief()]
        if self.messages:
            parts.append("AlertSite said: " + "; ".join(m.rstrip(". ") for m in self.messages) + ".")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)

    def brief(self) -> str:
        """The message and the call, without AlertSite's messages or the hint (for quoting)."""
        where = f"{self.method} {self.path}" if self.method and self.path else None
        text = str(self.args[0]) if self.args else type(self).__name__
        if where:
            status = f" -> HTTP {self.status}" if self.status is not None else ""
            text += f" ({where}{status})"
        return text

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

    # Whether a create made anything is known only where it was looked up (the client says
    # so then, per error); the class itself promises nothing.
    hint = "AlertSite had a server problem; run the command again later."


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


class UnfinishedCreateError(AlertSiteError):
    """A create failed, and a monitor it made is, or may be, in AlertSite but not in the stack.

    ``monitor_id`` is the monitor left behind when it is known (it was made, and deleting it
    again failed too); None when whether the create made one is unknown (its answer was lost,
    and the monitor did not appear in time or could not be looked for).
    """

    hint = (
        "Run `pulumi up` again: before a create it looks for a monitor already on the same "
        "mailbox, so it does not make a second one; `alertsite-pulumi recover --stack STACK` "
        "takes a monitor left this way into the stack (or `adopt_monitor_id` does)."
    )

    def __init__(self, message: str, *, monitor_id: str | None = None, noun: str = "monitor",
                 **kwargs: object) -> None:
        self.monitor_id = monitor_id
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        if noun != "monitor":
            # Recipients and groups keep one object per identity as monitors keep one per mailbox.
            self.hint = (f"Run `pulumi up` again: before a create it looks for a {noun} with the "
                         f"same identity, so it does not make a second one; `alertsite-pulumi "
                         f"recover --stack STACK` takes a {noun} left this way into the stack.")


class UnconfirmedTestStart(AlertSiteError):
    """``GET /tests`` got no clear answer (a lost answer or a 5xx): the test on demand may be
    running, and its id is unknown. It is never sent again by itself (each GET starts a test)."""

    hint = ("The test on demand may have started; its result is unknown. Start it again only if "
            "a second test of the monitor does no harm.")


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
    if is_login and status in (404, 405):
        # No login there: the base URL is wrong; NotFound would say a monitor was deleted,
        # and a refresh would then drop monitors from the stack.
        return ConfigurationError(
            "There is no AlertSite login at this address: alertsite:baseUrl (ALERTSITE_BASE_URL) "
            "must be the API root, such as https://api.alertsite.com/api/v3",
            method=method, path=path, status=status, messages=messages)
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
