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

from alertsite_pulumi.validators import shown

from .bounded_search import SEARCH_SECONDS, bounded_search
from .config import PolicyConfigError, setting
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
def _compile(pattern: str) -> re.Pattern[str] | str:
    """The compiled pattern, or why it does not compile."""
    try:
        return re.compile(pattern)
    except re.error as error:
        return str(error)
    except (RecursionError, OverflowError, MemoryError):
        # Thousands of nested groups exhaust the parser rather than raise re.error.
        return "too deeply nested or too large"


@monitors_only
def validate_name_pattern(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The monitor's AlertSite name must match ``namePattern``."""
    pattern = str(setting(args.get_config(), NAME_PATTERN_CONFIG, "namePattern"))
    compiled = _compile(pattern)
    if isinstance(compiled, str):
        raise PolicyConfigError(
            f"configuration error in --policy-pack-config: alertsite-name-pattern: namePattern "
            f"{shown(pattern)} is not a valid Python regular expression ({compiled}); fix it in "
            "the file. No monitor name was checked.")
    name = read_prop(args.props, "name")
    if name is UNKNOWN:
        return
    if name is None:
        name = args.name  # the resource class defaults the name to the resource name
    found = bounded_search(pattern, name) if isinstance(name, str) else False
    if found is None:
        raise PolicyConfigError(
            f"configuration error in --policy-pack-config: alertsite-name-pattern: namePattern "
            f"{shown(pattern)} took over {SEARCH_SECONDS:g} seconds against the name {shown(name)}: "
            "it backtracks catastrophically (a repeat inside a repeat, such as (a+)+); write it "
            "without nested repeats.")
    if not found:
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
