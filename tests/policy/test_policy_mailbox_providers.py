"""The mailbox-provider rules: Microsoft 365 POP3 refused, Gmail POP3 an advisory; both host
lists configurable."""

from __future__ import annotations

from typing import Any

import pytest

from .policy_testing import (
    OTHER_TYPE,
    UNKNOWN_STRING_VALUE,
    default_config,
    monitor_props,
    policies,
    resource_args,
    validate_resource,
)

MICROSOFT = policies.POP3_MICROSOFT365
GOOGLE = policies.POP3_GOOGLE


def violations(policy: Any, pop3: Any, config: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
    props = monitor_props(pop3_hostname=pop3)
    config = default_config(policy) if config is None else config
    return validate_resource(policy, resource_args(props, config=config, **kwargs))


@pytest.mark.parametrize(
    "pop3",
    ["pop3s://outlook.office365.com:995", "pop3s://OUTLOOK.office365.com.", "pop3://pop-mail.outlook.com",
     "pop3s://eur.outlook.office365.com"],
)
def test_microsoft_365_pop3_is_refused(pop3: str) -> None:
    found = violations(MICROSOFT, pop3)
    assert len(found) == 1
    assert "Microsoft 365" in found[0] and "October 2022" in found[0] and repr(pop3) in found[0]
    assert violations(GOOGLE, pop3) == []


@pytest.mark.parametrize("pop3", ["pop3s://pop.gmail.com:995", "pop3s://pop.googlemail.com"])
def test_gmail_pop3_needs_an_app_password(pop3: str) -> None:
    found = violations(GOOGLE, pop3)
    assert len(found) == 1 and "app password" in found[0]
    assert violations(MICROSOFT, pop3) == []


@pytest.mark.parametrize(
    "pop3",
    ["pop3s://pop.example.com", "pop3s://outlook.com.example.net", "pop3s://notoutlook.com",
     "pop3s://gmail.com", "not a url", UNKNOWN_STRING_VALUE],
)
def test_other_hosts_and_unknown_values_pass(pop3: str) -> None:
    for preview in (False, True):
        assert violations(MICROSOFT, pop3, preview=preview) == []
        assert violations(GOOGLE, pop3, preview=preview) == []


def test_the_host_lists_are_configurable() -> None:
    assert default_config(MICROSOFT)["hosts"][0] == "outlook.office365.com"
    assert default_config(GOOGLE) == {"hosts": ["pop.gmail.com", "pop.googlemail.com"]}
    # An on-premises Exchange that answers as outlook.office365.com's twin: taken off the list.
    assert violations(MICROSOFT, "pop3s://outlook.office365.com", {"hosts": ["*.outlook.com"]}) == []
    assert len(violations(MICROSOFT, "pop3s://mail.corp.example", {"hosts": ["*.corp.example"]})) == 1
    assert len(violations(GOOGLE, "pop3s://pop.example.org", {"hosts": "pop.example.org"})) == 1


def test_other_resource_types_are_ignored() -> None:
    for policy in (MICROSOFT, GOOGLE):
        props = monitor_props(pop3_hostname="pop3s://outlook.office365.com")
        assert validate_resource(policy, resource_args(props, config={}, resource_type=OTHER_TYPE)) == []


@pytest.mark.parametrize("login", ["rt1:TopSecret99", "rt1:Top/Secret99"])
def test_a_login_in_the_url_is_never_repeated(login: str) -> None:
    for policy, host in ((MICROSOFT, "outlook.office365.com"), (GOOGLE, "pop.gmail.com")):
        [message] = violations(policy, f"pop3s://{login}@{host}:995")
        assert "Secret99" not in message and "rt1" not in message, message
        assert f"'pop3s://***@{host}:995'" in message
