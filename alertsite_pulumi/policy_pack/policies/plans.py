"""``alertsite-allowed-plans`` (mandatory): monitors use an approved billing plan."""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .config import str_list_setting
from .monitors import monitors_only, where
from .values import UNKNOWN, read_prop

__all__ = ["ALLOWED_PLANS", "ALLOWED_PLANS_CONFIG", "validate_allowed_plans"]

ALLOWED_PLANS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "allowedPlanCodes": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                'Billing plan codes monitors may use, compared exactly (e.g. "UBM - A/A"); empty: any plan.'
            ),
        },
    },
)


@monitors_only
def validate_allowed_plans(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``billing_plancode`` must be one of ``allowedPlanCodes`` (not applicable when empty)."""
    allowed = str_list_setting(args.get_config(), ALLOWED_PLANS_CONFIG, "allowedPlanCodes")
    if not allowed:
        args.not_applicable("allowedPlanCodes is empty: every billing plan is allowed")
        return
    plan = read_prop(args.props, "billing_plancode")
    if plan is UNKNOWN or plan in allowed:
        return
    allowed_text = ", ".join(repr(p) for p in allowed)
    what = "is not set" if plan is None else f"{plan!r} is not allowed"
    report_violation(
        f"{where(args)}: billing_plancode {what}; allowed (allowedPlanCodes): {allowed_text}.",
        None,
    )


ALLOWED_PLANS: Final = ResourceValidationPolicy(
    name="alertsite-allowed-plans",
    description="AlertSite round-trip monitors must use an approved billing plan.",
    validate=validate_allowed_plans,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ALLOWED_PLANS_CONFIG,
)
