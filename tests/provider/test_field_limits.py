"""The sizes the README's input table promises, at their edges: the longest value allowed passes
and one more character (or byte of JSON) is refused, naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alertsite_pulumi import fields

VALID: dict[str, Any] = {
    "billing_plancode": "UBM - A/A",
    "name": "Mail round trip",
    "smtp_hostname": "smtps://smtp.example.com:465",
    "pop3_hostname": "pop3s://mail.example.com",
    "email": "roundtrip@example.com",
}
JSON_MAX = 64 * 1024
# 254 characters, what SMTP carries; one more, in a label of the domain, is too long as a whole.
LONGEST_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63] * 2) + "." + "c" * 57 + ".com"
EMAIL_255 = "a" * 64 + "@" + ".".join(["b" * 63] * 2) + "." + "c" * 58 + ".com"


def problems(**overrides: Any) -> dict[str, str]:
    return dict(fields.validate_inputs({**VALID, **overrides}))


def _extra(size: int) -> dict[str, str]:
    """An ``extra_fields`` value exactly ``size`` bytes long as JSON."""
    shell = len(json.dumps({"x_big": ""}))
    value = {"x_big": "v" * (size - shell)}
    assert len(json.dumps(value)) == size
    return value


def _properties(size: int) -> list[dict[str, Any]]:
    """A ``custom_properties`` value exactly ``size`` bytes long as JSON."""
    shell = len(json.dumps([{"id": 1, "name": "n", "value": ""}]))
    value = [{"id": 1, "name": "n", "value": "v" * (size - shell)}]
    assert len(json.dumps(value)) == size
    return value


@pytest.mark.parametrize(
    ("field", "longest", "too_long"),
    [
        ("billing_plancode", "p" * 255, "p" * 256),
        ("name", "n" * 255, "n" * 256),
        ("email", LONGEST_EMAIL, EMAIL_255),
        ("note", "n" * 255, "n" * 256),
        ("alert_note", "a" * 1000, "a" * 1001),
        ("extra_fields", _extra(JSON_MAX), _extra(JSON_MAX + 1)),
        ("custom_properties", _properties(JSON_MAX), _properties(JSON_MAX + 1)),
    ],
)
def test_the_longest_value_passes_and_one_more_is_refused(field: str, longest: Any, too_long: Any) -> None:
    assert len(LONGEST_EMAIL) == 254 and len(EMAIL_255) == 255
    assert problems(**{field: longest}) == {}
    refused = problems(**{field: too_long})
    assert list(refused) == [field]
    assert len(refused[field]) < 300  # the value itself is never repeated whole

