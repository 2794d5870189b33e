"""``alertsite-mail-tls`` (mandatory, remediable): the mail servers are reached over TLS."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceRemediation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from alertsite_pulumi.rules import DEFAULT_PORTS
from alertsite_pulumi.validators import redact_url_userinfo

from .config import str_list_setting
from .monitors import monitors_only, where
from .values import read_prop

__all__ = ["MAIL_TLS", "MAIL_TLS_CONFIG", "remediate_mail_tls", "validate_mail_tls"]

#: The plain-text scheme of each mail field, its TLS form and the TLS form's default port.
_TLS_FORMS: Final = {
    "smtp_hostname": ("smtp", "smtps", DEFAULT_PORTS["smtps"]),
    "pop3_hostname": ("pop3", "pop3s", DEFAULT_PORTS["pop3s"]),
}

MAIL_TLS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "allowedPlaintextHosts": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Mail hosts that may be reached over plain smtp:// or pop3://.",
        },
    },
)


@dataclass(frozen=True)
class _MailUrl:
    scheme: str
    """Lower-cased scheme, e.g. ``smtp``."""
    host: str
    """Lower-cased host name or address, without IPv6 brackets."""


def _parse_mail_url(value: str) -> _MailUrl | None:
    if "://" not in value:
        return None
    # The host is what follows the last '@': a password may hold '/' or '#'.
    parts = urlsplit(redact_url_userinfo(value.strip()))
    if not parts.hostname:
        return None
    return _MailUrl(parts.scheme.lower(), parts.hostname.lower())


def _normalise_host(host: str) -> str:
    return host.strip().lower().strip("[]")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _allowed_hosts(args: ResourceValidationArgs) -> list[str]:
    return str_list_setting(args.get_config(), MAIL_TLS_CONFIG, "allowedPlaintextHosts")


def _plaintext_fields(
    props: Mapping[str, Any], allowed_hosts: list[str]
) -> list[tuple[str, str, _MailUrl | None]]:
    """Each mail field that is not TLS and whose host is not allowed: (field, value, parsed)."""
    allowed = {_normalise_host(h) for h in allowed_hosts}
    found: list[tuple[str, str, _MailUrl | None]] = []
    for field, (_, tls_scheme, _) in _TLS_FORMS.items():
        value = read_prop(props, field)
        if not isinstance(value, str):
            continue  # absent or unknown: the provider's check or the update will tell
        url = _parse_mail_url(value)
        if url is not None and (url.scheme == tls_scheme or url.host in allowed):
            continue
        found.append((field, value, url))
    return found


@monitors_only
def validate_mail_tls(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``smtp_hostname`` must be ``smtps://`` and ``pop3_hostname`` ``pop3s://``."""
    allowed_hosts = _allowed_hosts(args)
    allowed_text = ", ".join(repr(h) for h in allowed_hosts) or "none"
    for field, value, url in _plaintext_fields(args.props, allowed_hosts):
        plain_scheme, tls_scheme, tls_port = _TLS_FORMS[field]
        if url is None:
            report_violation(
                f"{where(args)}: {field} {redact_url_userinfo(value)!r} is not a {tls_scheme}:// URL; "
                f"write it as {tls_scheme}://host[:port] (TLS, port {tls_port} by default).",
                None,
            )
            continue
        report_violation(
            f"{where(args)}: {field} {redact_url_userinfo(value)!r} uses {url.scheme}://, so the test "
            f"mail and mailbox password cross the network in clear text; use "
            f"{tls_scheme}://{_url_host(url.host)}:{tls_port}, or add {url.host!r} to "
            f"allowedPlaintextHosts (now: {allowed_text}) to allow {plain_scheme}:// to it.",
            None,
        )


@monitors_only
def remediate_mail_tls(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """Rewrite ``smtp://h[:p]`` to ``smtps://h:465`` and ``pop3://h[:p]`` to ``pop3s://h:995``
    (the TLS default ports).

    Hosts in ``allowedPlaintextHosts``, values that are not ``smtp://``/``pop3://`` URLs and
    URLs with a login in them (the provider refuses those, saying why; a rewrite would drop the
    login without a word) are left alone. Returns None when nothing changes.
    """
    changes: dict[str, str] = {}
    for field, value, url in _plaintext_fields(args.props, _allowed_hosts(args)):
        plain_scheme, tls_scheme, tls_port = _TLS_FORMS[field]
        if url is not None and url.scheme == plain_scheme and "@" not in value:
            changes[field] = f"{tls_scheme}://{_url_host(url.host)}:{tls_port}"
    if not changes:
        return None
    # Written in place through the SDK's secrets-preserving proxy: copying the props into a new
    # dict would unwrap email_password and send it back to the engine as a plain value.
    props = cast(MutableMapping[str, Any], args.props)
    for field, value in changes.items():
        props[field] = value
    return props


MAIL_TLS: Final = ResourceValidationPolicy(
    name="alertsite-mail-tls",
    description=(
        "AlertSite round-trip monitors must reach their mail servers over TLS (smtps:// and pop3s://)."
    ),
    validate=validate_mail_tls,
    # The SDK types a remediation as returning an awaitable, but its Remediate also takes a
    # plain mapping (or None) from a synchronous function.
    remediate=cast(ResourceRemediation, remediate_mail_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MAIL_TLS_CONFIG,
    remediation_steps=(
        f"Use smtps://host:{DEFAULT_PORTS['smtps']} and pop3s://host:{DEFAULT_PORTS['pop3s']}, "
        f"or list the host in allowedPlaintextHosts."
    ),
)
