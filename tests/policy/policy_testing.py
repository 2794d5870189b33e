"""Helpers for calling the pack's rules in-process, as pulumi-policy's own tests do.

The pack lives in the package (``alertsite_pulumi.policy_pack``), so its rules import like any
module; ``POLICY_DIR`` is the pack's directory, as ``alertsite-pulumi policy-pack path`` prints it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from typing import Any

from factories import full_monitor
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from alertsite_pulumi.policy_pack import PACK_DIR as POLICY_DIR
from alertsite_pulumi.policy_pack import policies
from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE

__all__ = [
    "DROP",
    "EMAIL_ROUND_TRIP_MONITOR_TYPE",
    "OTHER_TYPE",
    "POLICY_DIR",
    "UNKNOWN_STRING_VALUE",
    "default_config",
    "monitor_props",
    "policies",
    "resource_args",
    "stack_resource",
    "validate_resource",
    "validate_stack",
]

#: A resource type the pack must ignore.
OTHER_TYPE = "aws:s3/bucket:Bucket"


def monitor_props(**overrides: Any) -> dict[str, Any]:
    """The inputs of a monitor that every rule accepts with its default config."""
    props = full_monitor(1, name="monitor-1")
    props["__provider"] = "gASVKAAAAAAAAACMGWFsZXJ0c2l0ZV9wdWx1bWkucHJvdmlkZXI="
    for key, value in overrides.items():
        if value is _DROP:
            props.pop(key, None)
        else:
            props[key] = value
    return props


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


#: Pass as an override to :func:`monitor_props` to leave the field out.
_DROP = _Drop()
DROP: Any = _DROP


def default_config(policy: Policy) -> dict[str, Any]:
    """The config the CLI would pass for ``policy`` when the user sets nothing."""
    return policies.schema_defaults(policy)


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_args(
    props: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    resource_type: str = EMAIL_ROUND_TRIP_MONITOR_TYPE,
    name: str = "monitor-1",
    preview: bool = False,
) -> ResourceValidationArgs:
    """Validation args as the analyzer builds them; ``preview`` wraps props like the SDK does."""
    wrapped: Mapping[str, Any] = unknown_checking_proxy(dict(props)) if preview else props
    urn = f"urn:pulumi:dev::proj::{resource_type}::{name}"
    return ResourceValidationArgs(resource_type, wrapped, urn, name, _opts(), None, config)


def validate_resource(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str]:
    """Run a resource policy's validate and return the violation messages."""
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        messages.append(message)

    result = policy.validate(args, report)
    if inspect.isawaitable(result):
        asyncio.run(_wait(result))
    return messages


async def _wait(awaitable: Any) -> None:
    await awaitable


def stack_resource(
    name: str,
    props: Mapping[str, Any],
    *,
    resource_type: str = EMAIL_ROUND_TRIP_MONITOR_TYPE,
    preview: bool = False,
) -> PolicyResource:
    wrapped: Mapping[str, Any] = unknown_checking_proxy(dict(props)) if preview else props
    urn = f"urn:pulumi:dev::proj::{resource_type}::{name}"
    return PolicyResource(resource_type, wrapped, urn, name, _opts(), None, None, [], {})


def validate_stack(
    policy: StackValidationPolicy,
    resources: list[PolicyResource],
    config: Mapping[str, Any] | None = None,
) -> list[tuple[str, str | None]]:
    """Run a stack policy and return ``(message, urn)`` for each violation."""
    violations: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        violations.append((message, urn))

    result = policy.validate(StackValidationArgs(resources, config), report)
    if inspect.isawaitable(result):
        asyncio.run(_wait(result))
    return violations
