"""Which resources the rules look at, and how a message names one.

Every resource rule applies to AlertSite round-trip monitors only: :func:`monitors_only` is
the one place that says so, so a rule body starts with the monitor's props.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs

from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPES

from .values import read_prop

__all__ = ["monitors_only", "stack_monitors", "where"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def monitors_only(
    rule: Callable[Concatenate[ResourceValidationArgs, _P], _R],
) -> Callable[Concatenate[ResourceValidationArgs, _P], _R | None]:
    """Run ``rule`` (a validation or a remediation) on round-trip monitors (the dynamic
    resource's type token and the native plugin's); on any other
    resource type do nothing and return None (no violation, no remediation)."""

    @functools.wraps(rule)
    def guarded(args: ResourceValidationArgs, /, *rest: _P.args, **kwargs: _P.kwargs) -> _R | None:
        if args.resource_type not in EMAIL_ROUND_TRIP_MONITOR_TYPES:
            return None
        return rule(args, *rest, **kwargs)

    return guarded


def where(args: ResourceValidationArgs) -> str:
    """How a message names the monitor: its resource name, and its AlertSite name if different."""
    name = read_prop(args.props, "name")
    if isinstance(name, str) and name != args.name:
        return f"monitor {args.name!r} (AlertSite name {name!r})"
    return f"monitor {args.name!r}"


def stack_monitors(args: StackValidationArgs) -> list[PolicyResource]:
    """The stack's round-trip monitors, ordered by URN."""
    # The engine lists resources in the order they completed; sort so that a violation
    # always names the same monitor first, run after run.
    return sorted(
        (r for r in args.resources if r.resource_type in EMAIL_ROUND_TRIP_MONITOR_TYPES),
        key=lambda r: r.urn,
    )
