"""Monitors declared in stack config: defaults, resource names, and refusals."""

from __future__ import annotations

import pytest

from alertsite_pulumi.program import monitor_specs


def test_defaults_merge_under_each_monitor_and_names_default_to_a_slug() -> None:
    specs = monitor_specs({"interval": 15, "billing_plancode": "UBM - A/A"},
                          [{"name": "Support mailbox", "interval": 5}, {"name": "Ünïcode Box!"}])
    assert specs[0] == {"interval": 5, "billing_plancode": "UBM - A/A", "name": "Support mailbox",
                        "resource_name": "support-mailbox"}
    assert specs[1]["resource_name"] == "unicode-box" and specs[1]["interval"] == 15


def test_unknown_keys_clashes_and_passwords_in_plain_config_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown keys \['intervall'\]"):
        monitor_specs({}, [{"name": "a", "intervall": 5}])
    with pytest.raises(ValueError, match="mailbox passwords go in the secret mailboxPasswords map"):
        monitor_specs({}, [{"name": "a", "email_password": "plain"}])
    with pytest.raises(ValueError, match="'a' is used twice"):
        monitor_specs({}, [{"name": "a"}, {"name": "A"}])
    with pytest.raises(ValueError, match="defaults: unknown keys"):
        monitor_specs({"bogus": 1}, [])


def test_a_resource_name_that_is_not_text_is_refused_naming_it() -> None:
    # `resource_name: 1e5` unquoted in a stack file reaches the program as a number.
    with pytest.raises(ValueError, match=r"monitors\[1\]: resource_name 100000.0 must be text"):
        monitor_specs({}, [{"name": "a"}, {"name": "b", "resource_name": 1e5}])
