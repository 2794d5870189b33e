"""The alert routing rules, called in-process: monitors in groups, recipients that receive, webhooks."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, PolicyResource
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE

from alertsite_pulumi.policy_pack.policies.config import PolicyConfigError
from alertsite_pulumi.tokens import (
    ALERT_RECIPIENT_TYPE,
    NATIVE_ALERT_RECIPIENT_TYPE,
    NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE,
    NATIVE_RECIPIENT_GROUP_TYPE,
    RECIPIENT_GROUP_TYPE,
)

from .policy_testing import (
    OTHER_TYPE,
    UNKNOWN_STRING_VALUE,
    default_config,
    policies,
    resource_args,
    stack_resource,
    validate_resource,
    validate_stack,
)
from .test_policy_stack_rules import monitor

RULE = policies.MONITOR_ALERTS_SOMEONE


def group(resource_name: str, monitors: Any, *, resource_type: str = RECIPIENT_GROUP_TYPE,
          depends_on: list[PolicyResource] | None = None,
          monitors_depend_on: list[PolicyResource] | None = None, **overrides: Any) -> PolicyResource:
    """A recipient group as AnalyzeStack sees it; ``monitors_depend_on`` is the engine's
    property dependency of ``monitors``, ``depends_on`` its dependencies."""
    outputs = {"name": resource_name, "monitors": monitors, "recipients": ["77"], "group_id": "5",
               **overrides}
    resource = stack_resource(resource_name, outputs, resource_type=resource_type, preview=True)
    resource.dependencies = list(depends_on or monitors_depend_on or [])
    if monitors_depend_on is not None:
        resource.property_dependencies = {"monitors": monitors_depend_on}
    return resource


def new_monitor(resource_name: str, **overrides: Any) -> PolicyResource:
    """A monitor at preview, before it is created: its id is unknown."""
    return monitor(resource_name, monitor_id=UNKNOWN_STRING_VALUE, **overrides)


# -- alertsite-monitor-alerts-someone ------------------------------------------------------------


def test_alerts_someone_is_mandatory_and_relies_on_no_default_group_by_default() -> None:
    assert RULE.enforcement_level == EnforcementLevel.MANDATORY
    assert default_config(RULE) == {"reliesOnDefaultGroup": False}


def test_alerts_someone_accepts_monitors_each_in_a_group_by_id() -> None:
    a, b = monitor("a", monitor_id="101"), monitor("b", monitor_id="102")
    # Ids as the group's outputs hold them, or as numbers, or as AlertSite's sub-objects.
    resources = [a, b, group("g1", ["101"]), group("g2", [102.0, {"id": "101"}])]
    assert validate_stack(RULE, resources, default_config(RULE)) == []


def test_alerts_someone_reports_the_monitors_in_no_group_naming_them_and_the_fixes() -> None:
    a, b, c = monitor("a", monitor_id="101"), monitor("b", monitor_id="102"), monitor("c", monitor_id="103")
    violations = validate_stack(RULE, [c, a, b, group("g", ["102"])], default_config(RULE))
    assert len(violations) == 1
    message, urn = violations[0]
    assert urn is None
    assert message.startswith("monitors 'a', 'c' are in no RecipientGroup of this stack")
    assert "or, when it has none, to every recipient of the account" in message
    assert "Add them to a RecipientGroup's monitors (monitors=[monitor.id])" in message
    assert "is_default=True or set reliesOnDefaultGroup: true" in message


def test_alerts_someone_reports_a_stack_with_no_group_at_all() -> None:
    violations = validate_stack(RULE, [monitor("only", monitor_id="9")], {})
    assert len(violations) == 1
    assert violations[0][0].startswith("monitor 'only' is in no RecipientGroup of this stack, so its alerts")


def test_alerts_someone_names_ten_monitors_and_counts_the_rest() -> None:
    many = [monitor(f"m{i:02}", monitor_id=str(100 + i)) for i in range(13)]
    ((message, _),) = validate_stack(RULE, many, {})
    assert "'m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09' and 3 more are" in message


def test_alerts_someone_at_preview_counts_a_group_whose_monitors_depend_on_the_monitor() -> None:
    a, b = new_monitor("a"), new_monitor("b")
    # `monitors=[a.id]`: unknown at preview, computed from a.
    holds_a = group("g", [UNKNOWN_STRING_VALUE], monitors_depend_on=[a])
    violations = validate_stack(RULE, [a, b, holds_a], {})
    assert len(violations) == 1 and violations[0][0].startswith("monitor 'b' is in no RecipientGroup")
    holds_both = group("g", UNKNOWN_ARRAY_VALUE, monitors_depend_on=[a, b])
    assert validate_stack(RULE, [a, b, holds_both], {}) == []


def test_alerts_someone_falls_back_to_dependencies_without_property_dependencies() -> None:
    a, b = new_monitor("a"), new_monitor("b")
    holds_a = group("g", [UNKNOWN_STRING_VALUE], depends_on=[a])
    violations = validate_stack(RULE, [a, b, holds_a], {})
    assert len(violations) == 1 and violations[0][0].startswith("monitor 'b' is in no RecipientGroup")


def test_alerts_someone_ignores_dependencies_on_other_resources_and_other_properties() -> None:
    a = new_monitor("a")
    recipient = stack_resource("ops", {"name": "ops"}, resource_type=ALERT_RECIPIENT_TYPE)
    # The group depends on the monitor, but only through another input (`name`, say), and its
    # monitors come from a recipient (nonsense, but nothing that is the monitor).
    g = group("g", [UNKNOWN_STRING_VALUE], monitors_depend_on=[recipient])
    g.dependencies.append(a)
    g.property_dependencies["name"] = [a]
    violations = validate_stack(RULE, [a, recipient, g], {})
    assert len(violations) == 1 and "monitor 'a' is in no RecipientGroup" in violations[0][0]


def test_alerts_someone_says_nothing_when_a_group_is_unknown_and_its_sources_are_not_said() -> None:
    # Unknown members and no dependency info: any monitor may be in the group.
    resources = [new_monitor("a"), monitor("b", monitor_id="2"), group("g", [UNKNOWN_STRING_VALUE])]
    assert validate_stack(RULE, resources, {}) == []
    # Unknown is_default: the group may be the default one.
    resources = [monitor("b", monitor_id="2"), group("g", ["3"], is_default=UNKNOWN_BOOLEAN_VALUE)]
    assert validate_stack(RULE, resources, {}) == []


def test_alerts_someone_a_new_monitor_is_in_no_group_whose_members_are_all_known() -> None:
    violations = validate_stack(RULE, [new_monitor("a"), group("g", ["1", "2"])], {})
    assert len(violations) == 1 and "monitor 'a' is in no RecipientGroup" in violations[0][0]


@pytest.mark.parametrize("is_default", [True, "true"])
def test_alerts_someone_accepts_a_default_group_of_the_stack(is_default: Any) -> None:
    resources = [monitor("a", monitor_id="1"), monitor("b", monitor_id="2"),
                 group("everyone", ["1"], is_default=is_default)]
    assert validate_stack(RULE, resources, {}) == []
    # Not the default group: b is in none.
    resources[-1] = group("everyone", ["1"], is_default=False)
    assert len(validate_stack(RULE, resources, {})) == 1


def test_alerts_someone_accepts_a_stack_that_relies_on_the_default_group_on_purpose() -> None:
    resources = [monitor("a", monitor_id="1")]
    assert validate_stack(RULE, resources, {"reliesOnDefaultGroup": True}) == []
    assert len(validate_stack(RULE, resources, {"reliesOnDefaultGroup": False})) == 1


def test_alerts_someone_refuses_a_setting_that_is_no_boolean_or_not_its_own() -> None:
    with pytest.raises(PolicyConfigError, match="reliesOnDefaultGroup: expected true or false, got 'maybe'"):
        validate_stack(RULE, [monitor("a")], {"reliesOnDefaultGroup": "maybe"})
    with pytest.raises(PolicyConfigError, match="unknown setting 'reliesOnDefaultGroups'"):
        validate_stack(RULE, [monitor("a")], {"reliesOnDefaultGroups": True})


def test_alerts_someone_sees_native_types_and_ignores_other_resources() -> None:
    native = monitor("n", monitor_id="5")
    native.resource_type = NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE
    native_group = group("g", ["5"], resource_type=NATIVE_RECIPIENT_GROUP_TYPE)
    assert validate_stack(RULE, [native, native_group], {}) == []
    assert len(validate_stack(RULE, [native], {})) == 1
    # Not a group (its `monitors` counts for nothing) and no monitor (nothing to route).
    bucket = stack_resource("bucket", {"monitors": ["5"], "is_default": True}, resource_type=OTHER_TYPE)
    assert len(validate_stack(RULE, [native, bucket], {})) == 1
    assert validate_stack(RULE, [bucket, group("g", ["5"])], {}) == []


# -- alertsite-recipient-receives-something ------------------------------------------------------


def recipient_props(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"name": "Ops", "method_id": 12, "recipient": "ops@example.com",
                             "availability_alert": True, "performance_alert": False}
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def check_recipient(policy: Any, *, resource_type: str = ALERT_RECIPIENT_TYPE, preview: bool = False,
                    **overrides: Any) -> list[str]:
    args = resource_args(recipient_props(**overrides), config={}, resource_type=resource_type,
                         name="ops", preview=preview)
    return validate_resource(policy, args)


def test_receives_something_is_advisory() -> None:
    assert policies.RECIPIENT_RECEIVES_SOMETHING.enforcement_level == EnforcementLevel.ADVISORY


@pytest.mark.parametrize(("availability", "performance"), [
    (True, False), (False, True), (None, None), (None, False), ("false", "true"), (True, None)])
def test_receives_something_accepts_a_recipient_taking_some_alerts(availability: Any,
                                                                   performance: Any) -> None:
    assert check_recipient(policies.RECIPIENT_RECEIVES_SOMETHING, availability_alert=availability,
                           performance_alert=performance) == []


def test_receives_something_reports_a_recipient_taking_no_alert() -> None:
    messages = check_recipient(policies.RECIPIENT_RECEIVES_SOMETHING, availability_alert=False,
                               performance_alert=False)
    assert messages == [
        "recipient 'ops' (AlertSite name 'Ops'): availability_alert is false and performance_alert is "
        "false, so AlertSite sends this recipient no alert at all, whatever group holds it; set "
        "availability_alert=True (errors and clears) or performance_alert=True, or delete the recipient."]
    # Left out, performance alerts are off (AlertSite's default); "false" is false too.
    (left_out,) = check_recipient(policies.RECIPIENT_RECEIVES_SOMETHING,
                                  resource_type=NATIVE_ALERT_RECIPIENT_TYPE,
                                  availability_alert="false", performance_alert=None)
    assert "performance_alert is left out (AlertSite's default: false)" in left_out


def test_receives_something_skips_unknowns_and_other_types() -> None:
    assert check_recipient(policies.RECIPIENT_RECEIVES_SOMETHING, preview=True,
                           availability_alert=False, performance_alert=UNKNOWN_BOOLEAN_VALUE) == []
    assert check_recipient(policies.RECIPIENT_RECEIVES_SOMETHING, resource_type=OTHER_TYPE,
                           availability_alert=False, performance_alert=False) == []


# -- alertsite-webhook-https ---------------------------------------------------------------------

SECRET_PATH = "http://hooks.example.com/services/T000/B000/s3cr3t-token"


def test_webhook_https_is_advisory() -> None:
    assert policies.WEBHOOK_HTTPS.enforcement_level == EnforcementLevel.ADVISORY


@pytest.mark.parametrize("method", [{"method_id": 16}, {"method_id": 10.0}, {"method_id": "16"},
                                    {"method_id": None, "method": "webhook"},
                                    {"method_id": None, "method": "http_post"}])
def test_webhook_https_reports_a_plain_http_webhook_without_repeating_its_url(method: dict[str, Any]) -> None:
    messages = check_recipient(policies.WEBHOOK_HTTPS, recipient=" HTTP://hooks.example.com/x", **method)
    assert len(messages) == 1
    assert messages[0].startswith("recipient 'ops' (AlertSite name 'Ops'): method 1")
    assert "posts alerts to a plain http:// URL" in messages[0]
    assert "use the receiver's https:// URL" in messages[0]
    (secret,) = check_recipient(policies.WEBHOOK_HTTPS, recipient=SECRET_PATH, **method)
    assert "s3cr3t" not in secret and "hooks.example.com" not in secret


def test_webhook_https_names_the_method() -> None:
    (message,) = check_recipient(policies.WEBHOOK_HTTPS, method_id=16, recipient=SECRET_PATH)
    assert "method 16 (webhook) posts alerts" in message
    (message,) = check_recipient(policies.WEBHOOK_HTTPS, method_id=None, method="http_post",
                                 recipient=SECRET_PATH)
    assert "method 10 (http_post) posts alerts" in message


@pytest.mark.parametrize("overrides", [
    {"method_id": 16, "recipient": "https://hooks.example.com/x"},
    {"method_id": 12, "recipient": "http://not-a-webhook.example.com"},  # e-mail method: not judged here
    {"method_id": None, "method": "email_html", "recipient": "http://x.example.com"},
    {"method_id": 16, "recipient": UNKNOWN_STRING_VALUE},
    {"method_id": UNKNOWN_NUMBER_VALUE, "recipient": "http://x.example.com"},
])
def test_webhook_https_accepts_tls_other_methods_and_unknowns(overrides: dict[str, Any]) -> None:
    assert check_recipient(policies.WEBHOOK_HTTPS, preview=True, **overrides) == []


def test_webhook_https_ignores_other_types() -> None:
    assert check_recipient(policies.WEBHOOK_HTTPS, resource_type=OTHER_TYPE, method_id=16,
                           recipient="http://x.example.com") == []
