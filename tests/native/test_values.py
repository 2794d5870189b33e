"""Structs on the wire and plain values: secrets and unknowns survive the round trip."""

from __future__ import annotations

from alertsite_pulumi.native.values import UNKNOWN_SENTINEL, from_struct, secret, to_struct, unknown
from alertsite_pulumi.validators import is_unknown


def test_secrets_are_unwrapped_remembered_and_wrapped_again() -> None:
    struct = to_struct({"email_password": "pw", "interval": 15, "extra_fields": {"a": secret("x")}},
                       ["email_password"])
    props = from_struct(struct)
    assert props.values == {"email_password": "pw", "interval": 15, "extra_fields": {"a": "x"}}
    assert props.secrets == {"email_password", "extra_fields"}
    again = from_struct(to_struct(props.values, props.secrets))
    assert again.secrets == {"email_password", "extra_fields"}


def test_unknowns_become_unknown_values_and_back() -> None:
    props = from_struct(to_struct({"email": unknown(), "locations": [10, unknown()]}))
    assert is_unknown(props.values["email"]) and is_unknown(props.values["locations"][1])
    assert to_struct(props.values).fields["email"].string_value == UNKNOWN_SENTINEL
    assert from_struct(to_struct({"email": unknown()}), keep_unknowns=False).values == {"email": None}


def test_numbers_come_back_as_ints_when_integral_and_nones_are_left_out() -> None:
    props = from_struct(to_struct({"interval": 15, "ratio": 0.5, "note": None}))
    assert props.values == {"interval": 15, "ratio": 0.5}
    assert isinstance(props.values["interval"], int)
