"""The stack rules: they see every monitor's outputs once the stack is complete.

``alertsite-dedicated-mailbox`` (mandatory), ``alertsite-unique-names`` (advisory) and
``alertsite-max-monitors`` (mandatory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .config import int_setting
from .monitors import stack_monitors
from .values import read_prop

__all__ = [
    "DEDICATED_MAILBOX",
    "MAX_MONITORS",
    "MAX_MONITORS_CONFIG",
    "UNIQUE_NAMES",
    "validate_dedicated_mailbox",
    "validate_max_monitors",
    "validate_unique_names",
]


def _first_holders(
    monitors: list[PolicyResource], key_of: Callable[[PolicyResource], str | None]
) -> list[tuple[PolicyResource, PolicyResource, str]]:
    """Each monitor whose key an earlier monitor already has: (first, duplicate, key)."""
    seen: dict[str, PolicyResource] = {}
    duplicates: list[tuple[PolicyResource, PolicyResource, str]] = []
    for monitor in monitors:
        key = key_of(monitor)
        if key is None:
            continue
        if key in seen:
            duplicates.append((seen[key], monitor, key))
        else:
            seen[key] = monitor
    return duplicates


def _mailbox(monitor: PolicyResource) -> str | None:
    email = read_prop(monitor.props, "email")
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().casefold()


def _name(monitor: PolicyResource) -> str | None:
    name = read_prop(monitor.props, "name")
    return name.strip() if isinstance(name, str) else None


def validate_dedicated_mailbox(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No two monitors may share one mailbox (``email``, compared case-insensitively)."""
    for first, duplicate, _ in _first_holders(stack_monitors(args), _mailbox):
        email = read_prop(duplicate.props, "email")
        report_violation(
            f"monitors {first.name!r} and {duplicate.name!r} both use the mailbox {email!r}; "
            f"AlertSite reads and deletes the test mail there, so each round-trip monitor "
            f"needs a dedicated mailbox: give {duplicate.name!r} its own email.",
            duplicate.urn,
        )


def validate_unique_names(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No two monitors should carry the same AlertSite name."""
    for first, duplicate, name in _first_holders(stack_monitors(args), _name):
        report_violation(
            f"monitors {first.name!r} and {duplicate.name!r} are both named {name!r} in "
            f"AlertSite, so dashboards and alerts cannot tell them apart; give "
            f"{duplicate.name!r} a unique name.",
            duplicate.urn,
        )


MAX_MONITORS_CONFIG: Final = PolicyConfigSchema(
    properties={
        # The pack's own guardrail against a runaway stack, not an AlertSite limit.
        "maxMonitors": {
            "type": "integer",
            "minimum": 0,
            "default": 500,
            "description": "Most round-trip monitors one stack may hold.",
        },
    },
)


def validate_max_monitors(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """At most ``maxMonitors`` monitors per stack."""
    limit = int_setting(args.get_config(), MAX_MONITORS_CONFIG, "maxMonitors")
    count = len(stack_monitors(args))
    if count > limit:
        report_violation(
            f"the stack holds {count} AlertSite round-trip monitors, more than the "
            f"{limit} allowed (maxMonitors); remove {count - limit} or split the stack.",
            None,
        )


DEDICATED_MAILBOX: Final = StackValidationPolicy(
    name="alertsite-dedicated-mailbox",
    description="Every AlertSite round-trip monitor must have a mailbox of its own.",
    validate=validate_dedicated_mailbox,
    enforcement_level=EnforcementLevel.MANDATORY,
)

UNIQUE_NAMES: Final = StackValidationPolicy(
    name="alertsite-unique-names",
    description="AlertSite round-trip monitor names should be unique within a stack.",
    validate=validate_unique_names,
    enforcement_level=EnforcementLevel.ADVISORY,
)

MAX_MONITORS: Final = StackValidationPolicy(
    name="alertsite-max-monitors",
    description="A stack may hold at most maxMonitors AlertSite round-trip monitors.",
    validate=validate_max_monitors,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MAX_MONITORS_CONFIG,
)
