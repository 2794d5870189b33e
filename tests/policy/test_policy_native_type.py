"""The pack judges the native plugin's monitors (alertsite:index:EmailRoundTripMonitor) alike."""

from __future__ import annotations

from alertsite_pulumi.tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE

from .policy_testing import (
    default_config,
    monitor_props,
    policies,
    resource_args,
    stack_resource,
    validate_resource,
    validate_stack,
)


def test_a_resource_rule_applies_to_a_native_monitor() -> None:
    args = resource_args(monitor_props(smtp_hostname="smtp://mail.example.com"),
                         config=default_config(policies.MAIL_TLS),
                         resource_type=NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE)
    violations = validate_resource(policies.MAIL_TLS, args)
    assert len(violations) == 1 and "smtps://mail.example.com" in violations[0]


def test_a_stack_rule_counts_dynamic_and_native_monitors_together() -> None:
    dynamic = stack_resource("dyn", monitor_props(name="dyn", email="shared@example.com"))
    native = stack_resource("nat", monitor_props(name="nat", email="shared@example.com"),
                            resource_type=NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE)
    violations = validate_stack(policies.DEDICATED_MAILBOX, [dynamic, native])
    assert len(violations) == 1 and "'nat' and 'dyn' both use" in violations[0][0]
