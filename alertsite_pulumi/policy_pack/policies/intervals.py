"""``alertsite-interval-bounds`` (mandatory): how often a monitor runs, and for how long.

The defaults of the bounds are AlertSite's own (the field table's allowed intervals and
maximum timeout); a team may narrow them with ``--policy-pack-config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from alertsite_pulumi.coercion import as_int
from alertsite_pulumi.rules import (
    ACCOUNT_DEFAULT_INTERVAL,
    ACCOUNT_DEFAULT_TIMEOUT,
    ALLOWED_INTERVALS,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
)

from .config import int_setting
from .monitors import monitors_only, where
from .values import UNKNOWN, read_prop

__all__ = ["INTERVAL_BOUNDS", "INTERVAL_BOUNDS_CONFIG", "validate_interval_bounds"]

INTERVAL_BOUNDS_CONFIG: Final = PolicyConfigSchema(
    properties={
        # The schema's "minimum" only keeps a configured bound positive; AlertSite's own
        # limits are the defaults.
        "minIntervalMinutes": {
            "type": "integer",
            "minimum": 1,
            "default": min(ALLOWED_INTERVALS),
            "description": "Shortest allowed check interval, in minutes.",
        },
        "maxIntervalMinutes": {
            "type": "integer",
            "minimum": 1,
            "default": max(ALLOWED_INTERVALS),
            "description": "Longest allowed check interval, in minutes.",
        },
        "maxTimeoutSeconds": {
            "type": "integer",
            "minimum": MIN_TIMEOUT_SECONDS,
            "default": MAX_TIMEOUT_SECONDS,
            "description": "Longest allowed round-trip timeout, in seconds.",
        },
    },
)


@dataclass(frozen=True)
class _Number:
    field: str
    value: int
    unit: str
    defaulted: bool
    """True when the program left the field out and the account default applies."""

    def __str__(self) -> str:
        if self.defaulted:
            return f"{self.field} (not set: account default {self.value} {self.unit})"
        return f"{self.field} {self.value} {self.unit}"


_UNITS: Final = {"interval": ("min", "minutes"), "timeout": ("s", "seconds")}


def _whole_number(
    args: ResourceValidationArgs,
    field: str,
    default: int,
    allowed: str,
    report_violation: ReportViolation,
) -> _Number | None:
    """The field as a whole number (its account default when absent); None if not checkable."""
    unit, unit_name = _UNITS[field]
    raw = read_prop(args.props, field)
    if raw is UNKNOWN:
        return None
    if raw is None:
        return _Number(field, default, unit, defaulted=True)
    value = as_int(raw)
    if value is None:
        report_violation(
            f"{where(args)}: {field} {raw!r} is not a whole number of {unit_name}; use {allowed} {unit}.",
            None,
        )
        return None
    return _Number(field, value, unit, defaulted=False)


@monitors_only
def validate_interval_bounds(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Interval within bounds; timeout within its maximum and shorter than the interval."""
    config = args.get_config()
    min_interval = int_setting(config, INTERVAL_BOUNDS_CONFIG, "minIntervalMinutes")
    max_interval = int_setting(config, INTERVAL_BOUNDS_CONFIG, "maxIntervalMinutes")
    max_timeout = int_setting(config, INTERVAL_BOUNDS_CONFIG, "maxTimeoutSeconds")

    interval = _whole_number(
        args,
        "interval",
        ACCOUNT_DEFAULT_INTERVAL,
        f"{min_interval}..{max_interval}",
        report_violation,
    )
    timeout = _whole_number(
        args,
        "timeout",
        ACCOUNT_DEFAULT_TIMEOUT,
        f"{MIN_TIMEOUT_SECONDS}..{max_timeout}",
        report_violation,
    )

    if interval is not None and not min_interval <= interval.value <= max_interval:
        report_violation(
            f"{where(args)}: {interval} is outside the allowed {min_interval}..{max_interval} "
            f"min (minIntervalMinutes..maxIntervalMinutes).",
            None,
        )
    if timeout is not None and timeout.value > max_timeout:
        report_violation(
            f"{where(args)}: {timeout} exceeds the allowed maximum of {max_timeout} s (maxTimeoutSeconds).",
            None,
        )
    if interval is not None and timeout is not None and timeout.value >= interval.value * 60:
        limit = interval.value * 60
        report_violation(
            f"{where(args)}: {timeout} is not shorter than the {interval} (= {limit} s); a "
            f"round trip must end before the next one starts: lower the timeout below "
            f"{limit} s or lengthen the interval.",
            None,
        )


INTERVAL_BOUNDS: Final = ResourceValidationPolicy(
    name="alertsite-interval-bounds",
    description=(
        "AlertSite round-trip monitors must run at an allowed interval, with a timeout that is "
        "within its maximum and shorter than the interval."
    ),
    validate=validate_interval_bounds,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=INTERVAL_BOUNDS_CONFIG,
)
