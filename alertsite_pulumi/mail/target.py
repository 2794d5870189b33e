"""What a round trip is aimed at: the two mail servers (from a monitor's URLs) and the mailbox.

A monitor names its servers as ``smtp://host[:port]`` (25), ``smtps://host[:port]`` (465),
``pop3://host[:port]`` (110) or ``pop3s://host[:port]`` (995); :func:`parse_server` reads
them. :class:`Mailbox` holds the mailbox password as a :class:`Secret`, which prints as
``[secret]`` in every repr, str and f-string, so that no log line or exception text can
carry it by accident.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from ..rules import DEFAULT_PORTS
from ..tokens import SECRET_MASK
from ..validators import parse_mail_url, redact_url_userinfo, validate_email

Kind = Literal["smtp", "pop3"]

SCHEMES: dict[Kind, tuple[str, str]] = {"smtp": ("smtp", "smtps"), "pop3": ("pop3", "pop3s")}

#: How much of a refused value an error shows.
_SHOWN = 60


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and formatting give ``[secret]``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the one place that must send it (POP3 ``PASS``)."""
        return self._value

    def __repr__(self) -> str:
        return SECRET_MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return SECRET_MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: object) -> Secret:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value out in clear; nothing here needs it.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class MailServer:
    """One mail server as a monitor names it."""

    scheme: str
    host: str
    port: int

    @property
    def implicit_tls(self) -> bool:
        """True for ``smtps``/``pop3s``: TLS from the first byte."""
        return self.scheme.endswith("s")

    @property
    def address(self) -> str:
        """``host:port`` for messages (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def parse_server(url: str, kind: Kind) -> MailServer:
    """``smtps://mail.example.com:465`` as a :class:`MailServer`; ValueError names what is wrong.

    The resource's own reading (:func:`..validators.parse_mail_url`): the probe takes exactly
    the URLs a monitor may hold. The error shows the URL only with its user and password
    masked, and only its first characters.
    """
    schemes = SCHEMES[kind]
    try:
        scheme, host, port = parse_mail_url(url, schemes)
    except ValueError as exc:
        raise ValueError(f"{kind} server {_shown(redact_url_userinfo(url))}: {exc}") from None
    return MailServer(scheme, host, port or DEFAULT_PORTS[scheme])


def _shown(text: str) -> str:
    return repr(text[:_SHOWN]) + (f"... ({len(text)} characters)" if len(text) > _SHOWN else "")


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``*.localhost`` (RFC 6761) or a loopback address; no DNS lookup."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Mailbox:
    """A monitor's mail path: where to send, where to read, and the POP3 login."""

    smtp: MailServer
    pop3: MailServer
    email: str
    username: str
    password: Secret

    @classmethod
    def from_urls(cls, smtp: str, pop3: str, email: str, username: str, password: str) -> Mailbox:
        """Build and check a mailbox; ValueError (never showing the password) when invalid."""
        problem = validate_email(email)  # the resource's own reading, as for the URLs
        if problem is not None:
            if ":" in email:
                # No address holds ':' unquoted; one here is most likely a login (rt:pw@host, a URL).
                raise ValueError(f"email {_shown(redact_url_userinfo(email))} is not an email address")
            raise ValueError(f"email {problem}")
        if not username or any(c in username for c in "\r\n\0"):
            raise ValueError("the POP3 username must be set and fit on one line")
        if not password:
            raise ValueError("the mailbox password is empty")
        if any(c in password for c in "\r\n\0"):
            raise ValueError("the mailbox password contains a line break or NUL, which POP3 cannot send")
        try:
            password.encode("utf-8")
        except UnicodeEncodeError:
            # Bytes read from stdin or the environment that are no UTF-8 (Python keeps them as
            # surrogates): refused before a step, whose error would name one of them.
            raise ValueError("the mailbox password is not UTF-8 text") from None
        return cls(parse_server(smtp, "smtp"), parse_server(pop3, "pop3"), email, username, Secret(password))

    @property
    def is_loopback(self) -> bool:
        return self.smtp.is_loopback and self.pop3.is_loopback
