"""The pack's stack rules, called in-process on hand-built stack resources (outputs)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource

from .policy_testing import (
    OTHER_TYPE,
    UNKNOWN_STRING_VALUE,
    default_config,
    monitor_props,
    policies,
    stack_resource,
    validate_stack,
)


def monitor(resource_name: str, **overrides: Any) -> PolicyResource:
    """A monitor as AnalyzeStack sees it: outputs, numbers as strings, a monitor id."""
    outputs = monitor_props(
        name=resource_name,
        email=f"{resource_name}@example.com",
        interval="15",
        timeout="300",
        monitor_id="1234",
    )
    outputs.update(overrides)
    return stack_resource(resource_name, outputs, preview=True)


# -- alertsite-dedicated-mailbox ------------------------------------------------------------------


def test_dedicated_mailbox_accepts_distinct_mailboxes() -> None:
    resources = [monitor("a"), monitor("b"), monitor("c")]
    assert validate_stack(policies.DEDICATED_MAILBOX, resources) == []


def test_dedicated_mailbox_reports_a_shared_mailbox_naming_both() -> None:
    first = monitor("inbound", email="rt@example.com")
    second = monitor("outbound", email=" RT@Example.COM ")
    violations = validate_stack(policies.DEDICATED_MAILBOX, [first, monitor("x"), second])
    assert len(violations) == 1
    message, urn = violations[0]
    assert urn == second.urn
    assert "monitors 'inbound' and 'outbound' both use the mailbox ' RT@Example.COM '" in message
    assert "needs a dedicated mailbox" in message
    assert "give 'outbound' its own email" in message


def test_dedicated_mailbox_reports_every_extra_user_of_a_mailbox() -> None:
    shared = "rt@example.com"
    resources = [monitor("a", email=shared), monitor("b", email=shared), monitor("c", email=shared)]
    violations = validate_stack(policies.DEDICATED_MAILBOX, resources)
    assert [urn for _, urn in violations] == [resources[1].urn, resources[2].urn]
    assert all("'a' and" in message for message, _ in violations)


def test_dedicated_mailbox_ignores_other_types_and_unknown_or_missing_mailboxes() -> None:
    shared = "rt@example.com"
    other = stack_resource("bucket", {"email": shared}, resource_type=OTHER_TYPE)
    unknown = monitor("later", email=UNKNOWN_STRING_VALUE)
    unknown_too = monitor("later-too", email=UNKNOWN_STRING_VALUE)
    missing = monitor("none", email="")
    missing_too = monitor("none-too", email="")
    resources = [monitor("a", email=shared), other, unknown, unknown_too, missing, missing_too]
    assert validate_stack(policies.DEDICATED_MAILBOX, resources) == []


# -- alertsite-unique-names ---------------------------------------------------------------------


def test_unique_names_accepts_distinct_names() -> None:
    # AlertSite names are case-sensitive: these differ.
    resources = [monitor("a", name="Inbound"), monitor("b", name="inbound")]
    assert validate_stack(policies.UNIQUE_NAMES, resources) == []


def test_unique_names_reports_a_repeated_name() -> None:
    first = monitor("res-a", name="Inbound mail")
    second = monitor("res-b", name="Inbound mail")
    violations = validate_stack(policies.UNIQUE_NAMES, [first, second])
    assert violations == [
        (
            "monitors 'res-a' and 'res-b' are both named 'Inbound mail' in AlertSite, so "
            "dashboards and alerts cannot tell them apart; give 'res-b' a unique name.",
            second.urn,
        )
    ]


def test_unique_names_ignores_unknown_names_and_other_types() -> None:
    resources = [
        monitor("a", name=UNKNOWN_STRING_VALUE),
        monitor("b", name=UNKNOWN_STRING_VALUE),
        monitor("c", name="Same"),
        stack_resource("bucket", {"name": "Same"}, resource_type=OTHER_TYPE),
    ]
    assert validate_stack(policies.UNIQUE_NAMES, resources) == []


# -- alertsite-max-monitors -----------------------------------------------------------------------


def test_max_monitors_default_is_500() -> None:
    config = default_config(policies.MAX_MONITORS)
    five_hundred = [monitor(f"m{i}") for i in range(500)]
    assert validate_stack(policies.MAX_MONITORS, five_hundred, config) == []
    violations = validate_stack(policies.MAX_MONITORS, [*five_hundred, monitor("m500")], config)
    assert len(violations) == 1
    assert "501 AlertSite round-trip monitors, more than the 500 allowed" in violations[0][0]
    # Without config the rule uses the same default.
    assert validate_stack(policies.MAX_MONITORS, [*five_hundred, monitor("m500")], {}) == (violations)


def test_max_monitors_follows_config_and_counts_only_monitors() -> None:
    config = {"maxMonitors": 2.0}  # numbers arrive as floats through the engine's Struct
    others = [stack_resource(f"b{i}", {}, resource_type=OTHER_TYPE) for i in range(5)]
    two = [monitor("a"), monitor("b")]
    assert validate_stack(policies.MAX_MONITORS, [*two, *others], config) == []
    violations = validate_stack(policies.MAX_MONITORS, [*two, monitor("c"), *others], config)
    assert violations == [
        (
            "the stack holds 3 AlertSite round-trip monitors, more than the 2 allowed "
            "(maxMonitors); remove 1 or split the stack.",
            None,
        )
    ]
