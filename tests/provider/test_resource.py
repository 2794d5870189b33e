"""The program side of EmailRoundTripMonitor: arguments refused before anything reaches the engine.

Each refusal is a ``pulumi.RunError`` (printed by Pulumi without a traceback) and a
``TypeError``; all happen in the constructor, before the resource is registered.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pytest

from alertsite_pulumi import EmailRoundTripMonitor, EmailRoundTripMonitorArgs, InvalidArgumentError

GOOD: dict[str, Any] = {
    "billing_plancode": "UBM - A/A",
    "smtp_hostname": "smtps://smtp.example.com",
    "pop3_hostname": "pop3s://pop.example.com",
    "email": "rt@example.com",
}


def refusal(*args: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidArgumentError) as info:
        EmailRoundTripMonitor("mon", *args, **kwargs)
    assert isinstance(info.value, pulumi.RunError) and isinstance(info.value, TypeError)
    return str(info.value)


def test_an_unknown_keyword_names_itself_and_the_allowed_ones() -> None:
    message = refusal(**GOOD, intervall=5)
    assert "EmailRoundTripMonitor 'mon' got unknown arguments ['intervall']" in message
    assert "allowed: billing_plancode, name," in message and "adopt_by_name" in message


def test_an_unknown_keyword_of_the_args_class_is_refused_the_same_way() -> None:
    make_args = cast(Any, EmailRoundTripMonitorArgs)
    expected = r"EmailRoundTripMonitorArgs got unknown arguments \['emial'\]"
    with pytest.raises(InvalidArgumentError, match=expected):
        make_args(emial="rt@example.com")


def test_args_of_another_type_are_refused() -> None:
    assert "args must be an EmailRoundTripMonitorArgs, not dict" in refusal(dict(GOOD))


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "bad\ud800name", "name: holds a lone surrogate"),
        ("locations", {10, 20}, "locations: a value of type set cannot be sent"),
        ("extra_fields", {"x_blob": b"\x00"}, "extra_fields: a value of type bytes cannot be sent"),
        ("custom_properties", [{1: "x"}], "custom_properties: has the key 1; keys must be text"),
    ],
)
def test_values_the_sdk_cannot_carry_are_refused_naming_the_field(field: str, value: Any,
                                                                 fragment: str) -> None:
    assert fragment in refusal(**{**GOOD, field: value})
