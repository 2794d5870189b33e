"""``alertsite-mailbox-credentials`` (advisory): AlertSite can log in to the mailbox."""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .monitors import monitors_only, where
from .values import UNKNOWN, read_prop

__all__ = ["MAILBOX_CREDENTIALS", "validate_mailbox_credentials"]


@monitors_only
def validate_mailbox_credentials(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``email_username`` and ``email_password`` must be set and non-empty."""
    for field in ("email_username", "email_password"):
        value = read_prop(args.props, field)
        if value is UNKNOWN:
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            # Never print the value: email_password is a secret (it is only ever empty here).
            report_violation(
                f"{where(args)}: {field} is {'empty' if value is not None else 'not set'}; "
                f"AlertSite needs the POP3 login of the mailbox to read the test mail back: "
                f"set a non-empty {field}.",
                None,
            )


MAILBOX_CREDENTIALS: Final = ResourceValidationPolicy(
    name="alertsite-mailbox-credentials",
    description="AlertSite round-trip monitors should set the mailbox's POP3 username and password.",
    validate=validate_mailbox_credentials,
    enforcement_level=EnforcementLevel.ADVISORY,
)
