"""``alertsite-name-pattern`` (advisory): monitor names follow the team's naming convention."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .config import setting
from .monitors import monitors_only, where
from .values import UNKNOWN, read_prop

__all__ = ["DEFAULT_NAME_PATTERN", "NAME_PATTERN", "NAME_PATTERN_CONFIG", "validate_name_pattern"]

#: A house convention (at most 100 characters, no leading punctuation), stricter than what
#: AlertSite itself accepts (rules.NAME_MAX): a default for teams to replace, not AlertSite's rule.
DEFAULT_NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"

NAME_PATTERN_CONFIG: Final = PolicyConfigSchema(
    properties={
        "namePattern": {
            "type": "string",
            "default": DEFAULT_NAME_PATTERN,
            "description": "Regular expression (Python re.search) every monitor name must match.",
        },
    },
)


@lru_cache(maxsize=16)
def _compile(pattern: str) -> re.Pattern[str] | re.error:
    try:
        return re.compile(pattern)
    except re.error as error:
        return error


@monitors_only
def validate_name_pattern(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The monitor's AlertSite name must match ``namePattern``."""
    pattern = str(setting(args.get_config(), NAME_PATTERN_CONFIG, "namePattern"))
    compiled = _compile(pattern)
    if isinstance(compiled, re.error):
        report_violation(
            f"policy config namePattern {pattern!r} is not a valid regular expression "
            f"({compiled}); fix it in the --policy-pack-config file.",
            None,
        )
        return
    name = read_prop(args.props, "name")
    if name is UNKNOWN:
        return
    if name is None:
        name = args.name  # the resource class defaults the name to the resource name
    if not isinstance(name, str) or compiled.search(name) is None:
        report_violation(
            f"{where(args)}: name {name!r} does not match {pattern!r} (namePattern); "
            f"rename the monitor so that it does.",
            None,
        )


NAME_PATTERN: Final = ResourceValidationPolicy(
    name="alertsite-name-pattern",
    description="AlertSite round-trip monitor names should follow the naming convention.",
    validate=validate_name_pattern,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=NAME_PATTERN_CONFIG,
)
