"""The pack behind pulumi-policy 1.21's own analyzer servicer, without gRPC or the CLI.

These drive the servicer methods the engine calls (GetAnalyzerInfo, Configure, Analyze,
AnalyzeStack, Remediate) with protobuf requests, so that what the SDK does around the rules
(config from JSON, enforcement levels, unknowns, secrets, not-applicable) is checked too.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.policy import _PolicyAnalyzerServicer

from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE, RECIPIENT_GROUP_TYPE

from .policy_testing import UNKNOWN_STRING_VALUE, monitor_props, policies

PACK = "alertsite-round-trip"

# protobuf ships no type stubs here; the few calls below need none.
json_format: Any = importlib.import_module("google.protobuf.json_format")


def servicer(config: dict[str, tuple[int, dict[str, Any]]] | None = None) -> Any:
    """A servicer for the whole pack, configured as the CLI would: {policy: (level, props)}."""
    analyzer: Any = _PolicyAnalyzerServicer(PACK, "0.1.0", policies.ALL_POLICIES, EnforcementLevel.ADVISORY)
    request = proto.ConfigureAnalyzerRequest()
    for name, (level, props) in (config or {}).items():
        entry: Any = request.policyConfig[name]  # a protobuf message; level is a plain int here
        entry.enforcementLevel = level
        entry.properties.update(props)
    analyzer.Configure(request, None)
    return analyzer


def secret(value: Any) -> dict[str, Any]:
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


def analyze_request(props: dict[str, Any], name: str = "monitor-1") -> Any:
    request = proto.AnalyzeRequest(
        type=EMAIL_ROUND_TRIP_MONITOR_TYPE,
        urn=f"urn:pulumi:dev::proj::{EMAIL_ROUND_TRIP_MONITOR_TYPE}::{name}",
        name=name,
    )
    request.properties.update(props)
    return request


def diagnostics(response: Any) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for diagnostic in response.diagnostics:
        found.setdefault(diagnostic.policyName, []).append((diagnostic.enforcementLevel, diagnostic.message))
    return found


def test_analyzer_info_lists_every_rule_level_and_config_default() -> None:
    info = servicer().GetAnalyzerInfo(None, None)
    assert info.name == PACK
    by_name = {p.name: p for p in info.policies}
    assert list(by_name) == [p.name for p in policies.ALL_POLICIES]
    assert by_name["alertsite-mail-tls"].enforcementLevel == proto.MANDATORY
    assert by_name["alertsite-name-pattern"].enforcementLevel == proto.ADVISORY
    assert by_name["alertsite-dedicated-mailbox"].policy_type == proto.POLICY_TYPE_STACK
    schema = json_format.MessageToDict(by_name["alertsite-interval-bounds"].configSchema)
    assert schema["properties"]["maxIntervalMinutes"]["default"] == 1440


def test_analyze_reports_violations_at_their_levels_with_config_from_json() -> None:
    analyzer = servicer({"alertsite-interval-bounds": (proto.MANDATORY, {"minIntervalMinutes": 30})})
    props = monitor_props(interval=15, enabled=False)
    found = diagnostics(analyzer.Analyze(analyze_request(props), None))
    assert set(found) == {"alertsite-interval-bounds", "alertsite-monitoring-enabled"}
    [(level, message)] = found["alertsite-interval-bounds"]
    assert level == proto.MANDATORY
    assert "interval 15 min is outside the allowed 30..1440 min" in message
    [(level, _)] = found["alertsite-monitoring-enabled"]
    assert level == proto.ADVISORY


def test_analyze_of_a_clean_monitor_reports_nothing_and_plans_not_applicable() -> None:
    response = servicer().Analyze(analyze_request(monitor_props()), None)
    assert list(response.diagnostics) == []
    assert [n.policy_name for n in response.not_applicable] == ["alertsite-allowed-plans"]


def test_analyze_during_preview_skips_unknown_fields_without_notes() -> None:
    props = monitor_props(
        smtp_hostname=UNKNOWN_STRING_VALUE,
        email_password=UNKNOWN_STRING_VALUE,
        pop3_hostname="pop3://pop.example.com",
    )
    found = diagnostics(servicer().Analyze(analyze_request(props), None))
    # Only the known plain pop3 URL is reported; no "can't run policy ... during preview" note.
    assert list(found) == ["alertsite-mail-tls"]
    [(_, message)] = found["alertsite-mail-tls"]
    assert "pop3_hostname 'pop3://pop.example.com'" in message
    assert "can't run policy" not in message


def test_remediate_rewrites_plain_urls_and_keeps_the_password_secret() -> None:
    analyzer = servicer({"alertsite-mail-tls": (proto.REMEDIATE, {"allowedPlaintextHosts": []})})
    props = monitor_props(
        smtp_hostname="smtp://mail.example.com:25",
        pop3_hostname=UNKNOWN_STRING_VALUE,
        email_password=secret("s3cret-pop3"),
    )
    response = analyzer.Remediate(analyze_request(props), None)
    [remediation] = response.remediations
    assert remediation.policyName == "alertsite-mail-tls"
    assert remediation.diagnostic == ""
    new_props = json_format.MessageToDict(remediation.properties)
    assert new_props["smtp_hostname"] == "smtps://mail.example.com:465"
    assert new_props["pop3_hostname"] == UNKNOWN_STRING_VALUE
    assert new_props["email_password"] == secret("s3cret-pop3")
    assert new_props["__provider"] == props["__provider"]


def test_remediate_changes_nothing_for_a_tls_monitor() -> None:
    analyzer = servicer({"alertsite-mail-tls": (proto.REMEDIATE, {"allowedPlaintextHosts": []})})
    response = analyzer.Remediate(analyze_request(monitor_props()), None)
    assert list(response.remediations) == []


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("alertsite-dedicated-mailbox", proto.MANDATORY),
        ("alertsite-unique-names", proto.ADVISORY),
    ],
)
def test_analyze_stack_reports_duplicates_against_the_second_monitor(policy: str, expected: int) -> None:
    shared = monitor_props(email="rt@example.com", name="Same")
    resources = []
    for name in ("a", "b"):
        resource = proto.AnalyzerResource(
            type=EMAIL_ROUND_TRIP_MONITOR_TYPE,
            urn=f"urn:pulumi:dev::proj::{EMAIL_ROUND_TRIP_MONITOR_TYPE}::{name}",
            name=name,
        )
        resource.properties.update(shared)
        resources.append(resource)
    response = servicer().AnalyzeStack(proto.AnalyzeStackRequest(resources=resources), None)
    matching = [d for d in response.diagnostics if d.policyName == policy]
    assert len(matching) == 1
    assert matching[0].enforcementLevel == expected
    assert matching[0].urn == resources[1].urn
    assert "'a' and 'b'" in matching[0].message


def test_analyze_stack_routes_a_new_monitor_by_the_groups_property_dependencies() -> None:
    """At preview a new monitor's id is unknown; the SDK turns the engine's per-property
    dependencies (URNs) into resources, and a group whose ``monitors`` depends on a monitor
    holds it."""
    resources = []
    for name in ("a", "b"):
        resource = proto.AnalyzerResource(
            type=EMAIL_ROUND_TRIP_MONITOR_TYPE,
            urn=f"urn:pulumi:dev::proj::{EMAIL_ROUND_TRIP_MONITOR_TYPE}::{name}",
            name=name,
        )
        props = monitor_props(email=f"{name}@example.com", monitor_id=UNKNOWN_STRING_VALUE)
        resource.properties.update(props)
        resources.append(resource)
    group = proto.AnalyzerResource(type=RECIPIENT_GROUP_TYPE, name="g",
                                   urn=f"urn:pulumi:dev::proj::{RECIPIENT_GROUP_TYPE}::g",
                                   dependencies=[resources[0].urn])
    group.properties.update({"name": "g", "monitors": [UNKNOWN_STRING_VALUE], "recipients": ["7"]})
    group.propertyDependencies["monitors"].urns.append(resources[0].urn)
    request = proto.AnalyzeStackRequest(resources=[*resources, group])
    response = servicer().AnalyzeStack(request, None)
    matching = [d for d in response.diagnostics if d.policyName == "alertsite-monitor-alerts-someone"]
    assert [d.enforcementLevel for d in matching] == [proto.MANDATORY]
    assert "monitor 'b' is in no RecipientGroup of this stack" in matching[0].message
