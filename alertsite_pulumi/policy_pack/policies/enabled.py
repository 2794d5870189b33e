"""``alertsite-monitoring-enabled`` (advisory): a declared monitor actually runs."""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from alertsite_pulumi.coercion import as_bool

from .monitors import monitors_only, where
from .values import UNKNOWN, read_prop

__all__ = ["MONITORING_ENABLED", "validate_monitoring_enabled"]


@monitors_only
def validate_monitoring_enabled(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``enabled`` must not be false (absent means enabled)."""
    enabled = read_prop(args.props, "enabled")
    if enabled is None or enabled is UNKNOWN:
        return
    if as_bool(enabled) is False:
        report_violation(
            f"{where(args)}: enabled is {enabled!r}, so AlertSite never runs this round trip; "
            f"set enabled=True (or leave it out), or delete the monitor if it is not needed.",
            None,
        )


MONITORING_ENABLED: Final = ResourceValidationPolicy(
    name="alertsite-monitoring-enabled",
    description="AlertSite round-trip monitors should be enabled.",
    validate=validate_monitoring_enabled,
    enforcement_level=EnforcementLevel.ADVISORY,
)
