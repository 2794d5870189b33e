"""Mailboxes that cannot work with a password login, so that AlertSite's monitor cannot read them.

AlertSite's round-trip monitor logs in to POP3 with ``email_username``/``email_password``
(no OAuth). Microsoft turned off basic authentication for POP in Exchange Online (Microsoft
365) in October 2022, and for Outlook.com in 2024; Google turned off password logins for
POP in Google Workspace and Gmail in 2024, except app passwords. So:

* ``alertsite-pop3-microsoft365`` (mandatory): a monitor whose POP3 host is Microsoft's cannot
  log in at all;
* ``alertsite-pop3-google`` (advisory): a monitor whose POP3 host is Google's works only with
  an app password.

Both host lists are in the rules' config (``hosts``: exact names, or ``*.domain`` for every
name under it), and each rule's level is set as any rule's is (``enforcementLevel``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Final
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from alertsite_pulumi.validators import redact_url_userinfo

from .config import str_list_setting
from .monitors import monitors_only, where
from .values import read_prop

__all__ = [
    "GOOGLE_POP3_CONFIG",
    "GOOGLE_POP3_HOSTS",
    "MICROSOFT_POP3_CONFIG",
    "MICROSOFT_POP3_HOSTS",
    "POP3_GOOGLE",
    "POP3_MICROSOFT365",
    "pop3_host_matches",
]

MICROSOFT_POP3_HOSTS: Final = (
    "outlook.office365.com",
    "outlook.office.com",
    "*.office365.com",
    "*.outlook.com",
    "pop3.live.com",
    "partner.outlook.cn",
)
GOOGLE_POP3_HOSTS: Final = ("pop.gmail.com", "pop.googlemail.com")


def _hosts_schema(defaults: tuple[str, ...], whose: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(
        properties={
            "hosts": {
                "type": "array",
                "items": {"type": "string"},
                "default": list(defaults),
                "description": f"POP3 hosts of {whose}: exact names, or *.domain for every name under it.",
            },
        },
    )


MICROSOFT_POP3_CONFIG: Final = _hosts_schema(MICROSOFT_POP3_HOSTS, "Microsoft 365 / Exchange Online")
GOOGLE_POP3_CONFIG: Final = _hosts_schema(GOOGLE_POP3_HOSTS, "Gmail / Google Workspace")


def pop3_host_matches(value: object, patterns: list[str]) -> str | None:
    """The POP3 URL's host when it matches one of ``patterns`` (case-insensitive), else None."""
    if not isinstance(value, str) or "://" not in value:
        return None
    # The host is what follows the last '@': a password may hold '/' or '#'.
    host = (urlsplit(redact_url_userinfo(value.strip())).hostname or "").rstrip(".").lower()
    if not host:
        return None
    for pattern in patterns:
        wanted = pattern.strip().rstrip(".").lower()
        if host == wanted or (wanted.startswith("*.") and fnmatchcase(host, wanted)):
            return host
    return None


def _provider_host(args: ResourceValidationArgs, schema: PolicyConfigSchema) -> tuple[object, str] | None:
    """(pop3_hostname, its host) when the host is on the rule's list."""
    value = read_prop(args.props, "pop3_hostname")
    host = pop3_host_matches(value, str_list_setting(args.get_config(), schema, "hosts"))
    return None if host is None else (redact_url_userinfo(str(value)), host)


@monitors_only
def validate_pop3_microsoft365(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``pop3_hostname`` must not be a Microsoft 365 / Exchange Online POP3 host."""
    found = _provider_host(args, MICROSOFT_POP3_CONFIG)
    if found is None:
        return
    value, host = found
    report_violation(
        f"{where(args)}: pop3_hostname {value!r} is Microsoft 365 / Exchange Online, which turned "
        f"off password (basic authentication) logins for POP in October 2022; AlertSite's monitor "
        f"logs in with email_username/email_password only, so it cannot read this mailbox. Use a "
        f"mailbox on a server that allows POP3 with a password, or, if {host!r} is not Microsoft's "
        f"(an on-premises Exchange), remove it from this rule's hosts.",
        None,
    )


@monitors_only
def validate_pop3_google(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A Gmail / Google Workspace POP3 host works only with an app password."""
    found = _provider_host(args, GOOGLE_POP3_CONFIG)
    if found is None:
        return
    report_violation(
        f"{where(args)}: pop3_hostname {found[0]!r} is Gmail / Google Workspace, which turned off "
        f"password logins for POP in 2024 except app passwords; make email_password an app "
        f"password of the mailbox (it needs 2-step verification), or use a mailbox elsewhere.",
        None,
    )


POP3_MICROSOFT365: Final = ResourceValidationPolicy(
    name="alertsite-pop3-microsoft365",
    description=(
        "AlertSite round-trip monitors cannot log in to Microsoft 365 / Exchange Online POP3 "
        "(password logins are off)."
    ),
    validate=validate_pop3_microsoft365,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MICROSOFT_POP3_CONFIG,
)

POP3_GOOGLE: Final = ResourceValidationPolicy(
    name="alertsite-pop3-google",
    description="AlertSite round-trip monitors on Gmail / Google Workspace POP3 need an app password.",
    validate=validate_pop3_google,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=GOOGLE_POP3_CONFIG,
)
