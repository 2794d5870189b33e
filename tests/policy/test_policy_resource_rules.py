"""Each resource rule of the pack, called in-process: passing, violating, config, unknowns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_NUMBER_VALUE

from alertsite_pulumi.policy_pack.policies.config import PolicyConfigError

from .policy_testing import (
    DROP,
    OTHER_TYPE,
    UNKNOWN_STRING_VALUE,
    default_config,
    monitor_props,
    policies,
    resource_args,
    validate_resource,
)

RESOURCE_POLICIES = [p for p in policies.ALL_POLICIES if isinstance(p, ResourceValidationPolicy)]
PLAN_CONFIG = {"allowedPlanCodes": ["UBM - A/A", "UBM - B/B"]}


def check(
    policy: ResourceValidationPolicy,
    config: dict[str, Any] | None = None,
    *,
    preview: bool = False,
    resource_name: str = "monitor-1",
    **overrides: Any,
) -> list[str]:
    """Violations of one rule for the reference monitor changed by ``overrides``."""
    if config is None:
        config = default_config(policy)
    args = resource_args(monitor_props(**overrides), config=config, preview=preview, name=resource_name)
    return validate_resource(policy, args)


# -- the pack as a whole ---------------------------------------------------------------------


def test_the_reference_monitor_passes_every_resource_rule() -> None:
    for policy in RESOURCE_POLICIES:
        config = PLAN_CONFIG if policy is policies.ALLOWED_PLANS else default_config(policy)
        assert check(policy, config) == [], policy.name


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_other_resource_types_are_ignored(policy: ResourceValidationPolicy) -> None:
    bad = monitor_props(
        smtp_hostname="smtp://x",
        interval=1,
        billing_plancode="nope",
        name="!bad",
        enabled=False,
        email_password="",
        mode="Round Robin",
        locations=[1],
    )
    config = PLAN_CONFIG if policy is policies.ALLOWED_PLANS else default_config(policy)
    args = resource_args(bad, config=config, resource_type=OTHER_TYPE)
    assert validate_resource(policy, args) == []
    if policy.has_remediation():
        assert policy.remediate(args) is None


def test_rule_names_and_enforcement_levels() -> None:
    levels = {p.name: p.enforcement_level for p in policies.ALL_POLICIES}
    assert levels == {
        "alertsite-mail-tls": EnforcementLevel.MANDATORY,
        "alertsite-interval-bounds": EnforcementLevel.MANDATORY,
        "alertsite-allowed-plans": EnforcementLevel.MANDATORY,
        "alertsite-name-pattern": EnforcementLevel.ADVISORY,
        "alertsite-monitoring-enabled": EnforcementLevel.ADVISORY,
        "alertsite-mailbox-credentials": EnforcementLevel.ADVISORY,
        "alertsite-pop3-microsoft365": EnforcementLevel.MANDATORY,
        "alertsite-pop3-google": EnforcementLevel.ADVISORY,
        "alertsite-multi-location-modes": EnforcementLevel.MANDATORY,
        "alertsite-dedicated-mailbox": EnforcementLevel.MANDATORY,
        "alertsite-unique-names": EnforcementLevel.ADVISORY,
        "alertsite-max-monitors": EnforcementLevel.MANDATORY,
        "alertsite-monitor-alerts-someone": EnforcementLevel.MANDATORY,
        "alertsite-recipient-receives-something": EnforcementLevel.ADVISORY,
        "alertsite-webhook-https": EnforcementLevel.ADVISORY,
    }


def test_config_schema_defaults() -> None:
    assert default_config(policies.MAIL_TLS) == {"allowedPlaintextHosts": []}
    assert default_config(policies.INTERVAL_BOUNDS) == {
        "minIntervalMinutes": 5,
        "maxIntervalMinutes": 1440,
        "maxTimeoutSeconds": 300,
    }
    assert default_config(policies.ALLOWED_PLANS) == {"allowedPlanCodes": []}
    assert default_config(policies.NAME_PATTERN) == {"namePattern": r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"}
    assert default_config(policies.MAX_MONITORS) == {"maxMonitors": 500}
    assert default_config(policies.MONITORING_ENABLED) == {}


@pytest.mark.parametrize(
    ("policy", "overrides"),
    [
        (policies.MAIL_TLS, {"smtp_hostname": "smtp://mail.example.com"}),
        (policies.INTERVAL_BOUNDS, {"interval": 2}),
        (policies.NAME_PATTERN, {"name": "-starts-with-dash"}),
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_without_config_a_rule_uses_its_schema_defaults(
    policy: ResourceValidationPolicy, overrides: dict[str, Any]
) -> None:
    with_defaults = check(policy, default_config(policy), **overrides)
    assert with_defaults != []
    assert check(policy, {}, **overrides) == with_defaults


# -- 1. alertsite-mail-tls ---------------------------------------------------------------------


def test_mail_tls_reports_each_plain_field_with_its_tls_form() -> None:
    messages = check(
        policies.MAIL_TLS,
        smtp_hostname="smtp://mail.example.com:25",
        pop3_hostname="pop3://pop.example.com",
    )
    assert len(messages) == 2
    smtp, pop3 = messages
    assert "monitor 'monitor-1'" in smtp
    assert "smtp_hostname 'smtp://mail.example.com:25'" in smtp
    assert "smtps://mail.example.com:465" in smtp
    assert "allowedPlaintextHosts (now: none)" in smtp
    assert "pop3_hostname 'pop3://pop.example.com'" in pop3
    assert "pop3s://pop.example.com:995" in pop3


def test_mail_tls_accepts_tls_with_any_port() -> None:
    assert (
        check(
            policies.MAIL_TLS,
            smtp_hostname="SMTPS://mail.example.com:2465",
            pop3_hostname="pop3s://pop.example.com",
        )
        == []
    )


def test_mail_tls_allows_listed_plaintext_hosts_only() -> None:
    config = {"allowedPlaintextHosts": ["Legacy.Example.com"]}
    assert (
        check(
            policies.MAIL_TLS,
            config,
            smtp_hostname="smtp://legacy.example.com:25",
            pop3_hostname="pop3://LEGACY.example.com",
        )
        == []
    )
    messages = check(policies.MAIL_TLS, config, smtp_hostname="smtp://other.example.com")
    assert len(messages) == 1
    assert "allowedPlaintextHosts (now: 'Legacy.Example.com')" in messages[0]


def test_mail_tls_reports_values_that_are_not_urls() -> None:
    messages = check(policies.MAIL_TLS, smtp_hostname="mail.example.com")
    assert messages == [
        "monitor 'monitor-1': smtp_hostname 'mail.example.com' is not a smtps:// URL; "
        "write it as smtps://host[:port] (TLS, port 465 by default)."
    ]


def test_mail_tls_names_the_alertsite_name_when_it_differs() -> None:
    messages = check(policies.MAIL_TLS, resource_name="res", smtp_hostname="smtp://m")
    assert messages[0].startswith("monitor 'res' (AlertSite name 'monitor-1'):")


def test_mail_tls_skips_unknown_values_during_preview() -> None:
    messages = check(
        policies.MAIL_TLS,
        preview=True,
        smtp_hostname=UNKNOWN_STRING_VALUE,
        pop3_hostname="pop3://pop.example.com",
    )
    assert len(messages) == 1
    assert "pop3_hostname" in messages[0]


@pytest.mark.parametrize(
    ("field", "before", "after"),
    [
        ("smtp_hostname", "smtp://mail.example.com:25", "smtps://mail.example.com:465"),
        ("smtp_hostname", "smtp://mail.example.com", "smtps://mail.example.com:465"),
        ("smtp_hostname", "SMTP://mail.example.com:2525", "smtps://mail.example.com:465"),
        ("smtp_hostname", "smtp://[2001:db8::1]:25", "smtps://[2001:db8::1]:465"),
        ("pop3_hostname", "pop3://x", "pop3s://x:995"),
        ("pop3_hostname", "pop3://pop.example.com:110", "pop3s://pop.example.com:995"),
    ],
)
def test_mail_tls_remediation_rewrites_to_tls_default_ports(field: str, before: str, after: str) -> None:
    props = monitor_props(**{field: before})
    result = policies.MAIL_TLS.remediate(resource_args(props, config=default_config(policies.MAIL_TLS)))
    assert isinstance(result, dict)
    assert result[field] == after
    untouched = {k: v for k, v in result.items() if k != field}
    assert untouched == {k: v for k, v in monitor_props().items() if k != field}
    # The remediated monitor passes the rule.
    assert validate_resource(policies.MAIL_TLS, resource_args(result)) == []


def test_mail_tls_remediation_leaves_allowed_hosts_tls_and_non_urls_alone() -> None:
    config = {"allowedPlaintextHosts": ["legacy.example.com"]}
    tls_and_allowed = monitor_props(smtp_hostname="smtp://legacy.example.com:25")
    assert policies.MAIL_TLS.remediate(resource_args(tls_and_allowed, config=config)) is None
    assert policies.MAIL_TLS.remediate(resource_args(monitor_props(), config=config)) is None
    not_a_url = monitor_props(smtp_hostname="mail.example.com")
    assert policies.MAIL_TLS.remediate(resource_args(not_a_url, config=config)) is None

    mixed = monitor_props(smtp_hostname="smtp://legacy.example.com", pop3_hostname="pop3://pop.example.com")
    result = policies.MAIL_TLS.remediate(resource_args(mixed, config=config))
    assert isinstance(result, dict)
    assert result["smtp_hostname"] == "smtp://legacy.example.com"
    assert result["pop3_hostname"] == "pop3s://pop.example.com:995"


def test_mail_tls_remediation_leaves_unknown_values_unknown() -> None:
    # In Remediate the SDK passes unknowns through as their raw sentinel strings.
    props = monitor_props(smtp_hostname=UNKNOWN_STRING_VALUE, pop3_hostname="pop3://p")
    result = policies.MAIL_TLS.remediate(resource_args(props))
    assert isinstance(result, dict)
    assert result["smtp_hostname"] == UNKNOWN_STRING_VALUE
    assert result["pop3_hostname"] == "pop3s://p:995"


# -- 2. alertsite-interval-bounds ----------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"interval": 5, "timeout": 299},
        {"interval": 1440},
        {"interval": "15", "timeout": "300"},
        {"interval": 15.0},
        {"interval": DROP, "timeout": DROP},
        {"interval": 10, "timeout": DROP},
    ],
)
def test_interval_bounds_accepts(overrides: dict[str, Any]) -> None:
    assert check(policies.INTERVAL_BOUNDS, **overrides) == []


def test_interval_below_minimum() -> None:
    assert check(policies.INTERVAL_BOUNDS, interval=1, timeout=30) == [
        "monitor 'monitor-1': interval 1 min is outside the allowed 5..1440 min "
        "(minIntervalMinutes..maxIntervalMinutes)."
    ]


def test_absent_interval_is_the_account_default_and_checked() -> None:
    config = {"minIntervalMinutes": 30, "maxIntervalMinutes": 60, "maxTimeoutSeconds": 120}
    messages = check(policies.INTERVAL_BOUNDS, config, interval=DROP, timeout=DROP)
    assert messages == [
        "monitor 'monitor-1': interval (not set: account default 15 min) is outside the "
        "allowed 30..60 min (minIntervalMinutes..maxIntervalMinutes).",
        "monitor 'monitor-1': timeout (not set: account default 300 s) exceeds the allowed "
        "maximum of 120 s (maxTimeoutSeconds).",
    ]


def test_interval_above_maximum_given_as_string() -> None:
    messages = check(policies.INTERVAL_BOUNDS, interval="2880")
    assert len(messages) == 1
    assert "interval 2880 min is outside the allowed 5..1440 min" in messages[0]


def test_interval_that_is_not_a_number() -> None:
    messages = check(policies.INTERVAL_BOUNDS, interval="often")
    assert len(messages) == 1
    assert "interval 'often' is not a whole number of minutes; use 5..1440 min." in messages[0]


def test_timeout_above_maximum() -> None:
    messages = check(policies.INTERVAL_BOUNDS, interval=60, timeout=600)
    assert messages == [
        "monitor 'monitor-1': timeout 600 s exceeds the allowed maximum of 300 s (maxTimeoutSeconds)."
    ]


def test_timeout_must_be_shorter_than_interval() -> None:
    messages = check(policies.INTERVAL_BOUNDS, interval=5, timeout=300)
    assert len(messages) == 1
    assert "timeout 300 s is not shorter than the interval 5 min (= 300 s)" in messages[0]
    assert "below 300 s" in messages[0]


def test_absent_timeout_uses_account_default_against_interval() -> None:
    messages = check(policies.INTERVAL_BOUNDS, interval=5, timeout=DROP)
    assert len(messages) == 1
    assert "timeout (not set: account default 300 s) is not shorter than the interval 5 min" in (messages[0])


def test_interval_bounds_follow_config() -> None:
    config = {"minIntervalMinutes": 30.0, "maxIntervalMinutes": 60, "maxTimeoutSeconds": 120}
    messages = check(policies.INTERVAL_BOUNDS, config, interval=15, timeout=200)
    assert len(messages) == 2
    assert "outside the allowed 30..60 min" in messages[0]
    assert "maximum of 120 s" in messages[1]
    assert check(policies.INTERVAL_BOUNDS, config, interval=30, timeout=120) == []
    # An absent interval is the account default (15 min), which this config refuses.
    assert len(check(policies.INTERVAL_BOUNDS, config, interval=DROP, timeout=60)) == 1


def test_interval_bounds_skip_unknowns_but_check_the_rest() -> None:
    assert check(policies.INTERVAL_BOUNDS, preview=True, interval=UNKNOWN_NUMBER_VALUE) == []
    messages = check(policies.INTERVAL_BOUNDS, preview=True, interval=UNKNOWN_NUMBER_VALUE, timeout=900)
    assert len(messages) == 1
    assert "timeout 900 s exceeds" in messages[0]
    messages = check(policies.INTERVAL_BOUNDS, preview=True, interval=1, timeout=UNKNOWN_NUMBER_VALUE)
    assert len(messages) == 1
    assert "interval 1 min is outside" in messages[0]


# -- 3. alertsite-allowed-plans -----------------------------------------------------------------


def test_allowed_plans_is_not_applicable_without_a_list() -> None:
    with pytest.raises(_NotApplicableError) as raised:
        check(policies.ALLOWED_PLANS, billing_plancode="anything")
    assert "allowedPlanCodes is empty" in (raised.value.reason or "")
    with pytest.raises(_NotApplicableError):
        check(policies.ALLOWED_PLANS, {})


def test_allowed_plans_accepts_a_listed_plan() -> None:
    assert check(policies.ALLOWED_PLANS, PLAN_CONFIG, billing_plancode="UBM - B/B") == []


def test_allowed_plans_refuses_other_plans_exactly() -> None:
    messages = check(policies.ALLOWED_PLANS, PLAN_CONFIG, billing_plancode="UBM-A/A")
    assert messages == [
        "monitor 'monitor-1': billing_plancode 'UBM-A/A' is not allowed; allowed "
        "(allowedPlanCodes): 'UBM - A/A', 'UBM - B/B'."
    ]


def test_allowed_plans_refuses_a_missing_plan() -> None:
    messages = check(policies.ALLOWED_PLANS, PLAN_CONFIG, billing_plancode=DROP)
    assert len(messages) == 1
    assert "billing_plancode is not set" in messages[0]


def test_allowed_plans_skips_an_unknown_plan() -> None:
    assert (
        check(policies.ALLOWED_PLANS, PLAN_CONFIG, preview=True, billing_plancode=UNKNOWN_STRING_VALUE) == []
    )


# -- 4. alertsite-name-pattern ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Mail round trip", "a", "prod.mail-rt_01", "X" * 100])
def test_name_pattern_accepts(name: str) -> None:
    assert check(policies.NAME_PATTERN, name=name) == []


@pytest.mark.parametrize("name", ["", " leading space", "-dash", "bad/slash", "X" * 101, 42])
def test_name_pattern_refuses(name: Any) -> None:
    messages = check(policies.NAME_PATTERN, name=name)
    assert len(messages) == 1
    assert f"name {name!r} does not match" in messages[0]
    assert "(namePattern)" in messages[0]


def test_name_pattern_falls_back_to_the_resource_name() -> None:
    assert check(policies.NAME_PATTERN, name=DROP) == []
    messages = check(policies.NAME_PATTERN, name=DROP) + check(
        policies.NAME_PATTERN, {"namePattern": "^prod-"}, name=DROP
    )
    assert len(messages) == 1
    assert "name 'monitor-1' does not match '^prod-'" in messages[0]


def test_name_pattern_follows_config() -> None:
    config = {"namePattern": "^team-[a-z]+: "}
    assert check(policies.NAME_PATTERN, config, name="team-mail: inbound") == []
    assert len(check(policies.NAME_PATTERN, config, name="Mail round trip")) == 1


def test_an_invalid_name_pattern_is_one_configuration_error_not_a_violation_per_monitor() -> None:
    # Raised: the SDK makes it one error that fails the run, where a violation would repeat
    # on every monitor at the rule's advisory level.
    with pytest.raises(PolicyConfigError) as raised:
        check(policies.NAME_PATTERN, {"namePattern": "(["})
    message = str(raised.value)
    assert message.startswith("configuration error in --policy-pack-config: alertsite-name-pattern: ")
    assert "namePattern '([' is not a valid Python regular expression (unterminated character set" in message
    # Whatever the monitor (an unknown name included), and a huge pattern is cut short.
    with pytest.raises(PolicyConfigError) as huge:
        check(policies.NAME_PATTERN, {"namePattern": "(" * 10_000}, preview=True, name=UNKNOWN_STRING_VALUE)
    assert len(str(huge.value)) < 400 and "(10000 characters)" in str(huge.value)


def test_name_pattern_skips_an_unknown_name() -> None:
    assert check(policies.NAME_PATTERN, preview=True, name=UNKNOWN_STRING_VALUE) == []


# -- 5. alertsite-monitoring-enabled --------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, "true", 1, DROP, None])
def test_monitoring_enabled_accepts(enabled: Any) -> None:
    assert check(policies.MONITORING_ENABLED, enabled=enabled) == []


@pytest.mark.parametrize("enabled", [False, "false", "False", 0])
def test_monitoring_enabled_refuses_disabled(enabled: Any) -> None:
    messages = check(policies.MONITORING_ENABLED, enabled=enabled)
    assert len(messages) == 1
    assert f"monitor 'monitor-1': enabled is {enabled!r}" in messages[0]
    assert "set enabled=True" in messages[0]


def test_monitoring_enabled_skips_unknown() -> None:
    from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

    assert check(policies.MONITORING_ENABLED, preview=True, enabled=UNKNOWN_BOOLEAN_VALUE) == []


# -- 6. alertsite-mailbox-credentials -----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"email_username": DROP}, ["email_username is not set"]),
        ({"email_password": ""}, ["email_password is empty"]),
        ({"email_password": "   "}, ["email_password is empty"]),
        (
            {"email_username": "", "email_password": DROP},
            ["email_username is empty", "email_password is not set"],
        ),
    ],
)
def test_mailbox_credentials_refuses(overrides: dict[str, Any], expected: list[str]) -> None:
    messages = check(policies.MAILBOX_CREDENTIALS, **overrides)
    assert len(messages) == len(expected)
    for message, fragment in zip(messages, expected, strict=True):
        assert fragment in message
        assert "monitor 'monitor-1'" in message


def test_mailbox_credentials_never_print_the_password() -> None:
    messages = check(policies.MAILBOX_CREDENTIALS, email_username="")
    assert len(messages) == 1
    assert "s3cret-pop3" not in messages[0]


def test_mailbox_credentials_skip_unknowns() -> None:
    assert (
        check(
            policies.MAILBOX_CREDENTIALS,
            preview=True,
            email_username=UNKNOWN_STRING_VALUE,
            email_password=UNKNOWN_STRING_VALUE,
        )
        == []
    )
    messages = check(
        policies.MAILBOX_CREDENTIALS,
        preview=True,
        email_username=UNKNOWN_STRING_VALUE,
        email_password="",
    )
    assert len(messages) == 1
    assert "email_password is empty" in messages[0]


# -- 7. alertsite-multi-location-modes ----------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"mode": "Round Robin", "locations": [10, 20]},
        {"mode": "SLA (MultiPOP)", "locations": ["10", "20", "30"]},
        {"mode": "Round Robin", "locations": [{"id": "10"}, {"id": 20}]},
        {"mode": "Primary", "locations": [10]},
        {"mode": "Global Verify", "locations": []},
        {"mode": DROP, "locations": [10]},
        # Absent locations are the account's defaults, which the policy cannot see.
        {"mode": "Round Robin", "locations": DROP},
    ],
)
def test_multi_location_modes_accepts(overrides: dict[str, Any]) -> None:
    assert check(policies.MULTI_LOCATION_MODES, **overrides) == []


@pytest.mark.parametrize(
    ("mode", "locations", "count"),
    [
        ("Round Robin", [10], "has 1 (10)"),
        ("SLA (MultiPOP)", [], "has 0 (none)"),
        ("round robin", [10, "10", {"id": 10}], "has 1 (10)"),
    ],
)
def test_multi_location_modes_refuses(mode: str, locations: list[Any], count: str) -> None:
    messages = check(policies.MULTI_LOCATION_MODES, mode=mode, locations=locations)
    assert len(messages) == 1
    assert f"mode {mode!r} needs at least two distinct locations" in messages[0]
    assert count in messages[0]
    assert "'Primary'" in messages[0]


def test_multi_location_modes_with_unknowns() -> None:
    assert (
        check(
            policies.MULTI_LOCATION_MODES,
            preview=True,
            mode="Round Robin",
            locations=UNKNOWN_ARRAY_VALUE,
        )
        == []
    )
    assert check(policies.MULTI_LOCATION_MODES, preview=True, mode=UNKNOWN_STRING_VALUE, locations=[1]) == []
    # One known and one unknown entry may be two locations: nothing certain to report.
    assert (
        check(
            policies.MULTI_LOCATION_MODES,
            preview=True,
            mode="Round Robin",
            locations=[10, UNKNOWN_NUMBER_VALUE],
        )
        == []
    )
    # A single unknown entry is one location at most.
    messages = check(
        policies.MULTI_LOCATION_MODES,
        preview=True,
        mode="Round Robin",
        locations=[UNKNOWN_NUMBER_VALUE],
    )
    assert len(messages) == 1


@pytest.mark.parametrize("login", ["rt1:TopSecret99", "rt1:Top/Secret99", "rt1:Top#Secret99"])
def test_mail_tls_never_repeats_a_login_in_a_url(login: str) -> None:
    messages = check(policies.MAIL_TLS, smtp_hostname=f"smtp://{login}@mail.example.com:25",
                     pop3_hostname=f"pop3://{login}@pop.example.com")
    assert len(messages) == 2
    for message in messages:
        assert "Secret99" not in message and "rt1" not in message, message
    assert "smtp_hostname 'smtp://***@mail.example.com:25'" in messages[0]
    assert "smtps://mail.example.com:465" in messages[0] and "'mail.example.com' to" in messages[0]
    assert "pop3s://pop.example.com:995" in messages[1]


#: The name-pattern rule against a catastrophic pattern, in a child process (a hung search
#: holds the interpreter whole, so only a process can be waited for with a time limit).
CATASTROPHIC = """
from policy.policy_testing import monitor_props, policies, resource_args, validate_resource
from alertsite_pulumi.policy_pack.policies.config import PolicyConfigError
args = resource_args(monitor_props(name="a" * 40 + "!"), config={"namePattern": "^(a+)+$"}, name="m")
try:
    validate_resource(policies.NAME_PATTERN, args)
except PolicyConfigError as error:
    print(error)
good = resource_args(monitor_props(name="Mail round trip"), config={"namePattern": "^Mail"}, name="m")
print(validate_resource(policies.NAME_PATTERN, good))
"""


def test_a_catastrophic_name_pattern_is_a_configuration_error_not_a_hang() -> None:
    tests = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", CATASTROPHIC], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(tests)},
                          cwd=tests.parent)
    assert done.returncode == 0, done.stderr
    error, after = done.stdout.splitlines()
    assert error.startswith("configuration error in --policy-pack-config: alertsite-name-pattern: "
                            "namePattern '^(a+)+$' took over 2 seconds against the name 'aaaa")
    assert "backtracks catastrophically" in error
    assert after == "[]"  # the next search (a new helper) works


def test_mail_tls_remediation_leaves_a_url_with_a_login_for_the_provider_to_refuse() -> None:
    # Rewriting smtp://user:pw@host to smtps://host:465 would drop the login without a word and
    # hide the provider's clear refusal ("must not carry credentials in the URL").
    props = monitor_props(smtp_hostname="smtp://rt1:TopSecret99@mail.example.com:25",
                          pop3_hostname="pop3://pop.example.com")
    result = policies.MAIL_TLS.remediate(resource_args(props, config=default_config(policies.MAIL_TLS)))
    assert isinstance(result, dict)
    assert result["smtp_hostname"] == "smtp://rt1:TopSecret99@mail.example.com:25"
    assert result["pop3_hostname"] == "pop3s://pop.example.com:995"
