"""The field table: validation messages, coercion of what AlertSite sends back, API bodies."""

from __future__ import annotations

from typing import Any

import pytest

from alertsite_pulumi import coercion, fields
from alertsite_pulumi.validators import redact_url_userinfo

from .preview import unknown

VALID: dict[str, Any] = {
    "billing_plancode": "UBM - A/A",
    "name": "Mail round trip",
    "smtp_hostname": "smtps://smtp.example.com:465",
    "pop3_hostname": "pop3s://mail.example.com",
    "email": "roundtrip@example.com",
}


def problems(**overrides: Any) -> dict[str, str]:
    return dict(fields.validate_inputs({**VALID, **overrides}))


def test_valid_inputs_have_no_problems() -> None:
    assert fields.validate_inputs(VALID) == []
    assert problems(interval=5, timeout=60, locations=[10, 20], home_location=20, mode="Round Robin") == {}


@pytest.mark.parametrize("missing", fields.REQUIRED_FIELDS)
def test_each_required_field_is_named_when_missing(missing: str) -> None:
    inputs = {k: v for k, v in VALID.items() if k != missing}
    assert dict(fields.validate_inputs(inputs)) == {missing: "is required"}


def test_adoption_by_id_needs_no_required_fields() -> None:
    assert fields.validate_inputs({"adopt_monitor_id": "123", "name": "x"}) == []


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("smtp_hostname", "http://smtp.example.com", "scheme 'http'"),
        ("smtp_hostname", "pop3://smtp.example.com", "allowed: smtp://host[:port]"),
        ("smtp_hostname", "smtp://smtp.example.com:70000", "ports are 1 to 65535"),
        ("smtp_hostname", "smtp://user:pw@smtp.example.com", "must not carry credentials"),
        ("smtp_hostname", "smtp://smtp.example.com/path", "only a host"),
        ("pop3_hostname", "pop3s://", "no valid host"),
        ("pop3_hostname", "imap://mail.example.com", "pop3s://host[:port] (995)"),
        ("email", "not-an-address", "is not an email address"),
        ("interval", 7, "is not one of 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440"),
        ("interval", "15", "is not one of"),
        ("timeout", 301, "1 to 300 seconds"),
        ("timeout", 0, "1 to 300 seconds"),
        ("note", "n" * 256, "at most 255"),
        ("alert_note", "a" * 1001, "at most 1000"),
        ("enabled", "yes", "true or false"),
        ("locations", [], "at least one location"),
        ("locations", [10, 10], "twice"),
        ("locations", [10, "x"], "not a location id"),
        ("mode", "Sometimes", "is not one of Primary"),
        ("custom_properties", [{"bogus": 1}], "unknown keys"),
        ("extra_fields", {"interval": 5}, "must not repeat modelled fields"),
        ("name", "", "must not be empty"),
        # What AlertSite refuses at `up`, refused at preview instead.
        ("smtp_hostname", "smtp://smtp.exa\nmple.com", "line break"),
        ("smtp_hostname", "smtp://smtp.example.com\t", "tab"),
        ("smtp_hostname", "SMTPS://smtp.example.com", "upper case; write smtps://"),
        ("smtp_hostname", "smtps://smtp.example.com/", "not even '/'"),
        ("pop3_hostname", "pop3s://mail.example.com:", "':' with no port"),
        ("pop3_hostname", "pop3s://mail.example.com:\u0669\u0669\u0665", "not a number"),
        ("email", "roundtrip@example.com\n", "is not an email address"),
        ("extra_fields", {"created": "2026-01-01"}, "read-only fields ['created']"),
        ("extra_fields", {"access_type": "Edit"}, "read-only fields"),
        ("extra_fields", {"x_ratio": float("nan")}, "not a finite number"),
        ("name", "bad\ud800name", "lone surrogate"),
        ("email_password", 12345678.0, "must be text, not a number"),
        ("custom_properties", [{"name": b"bytes"}], "a value of type bytes cannot be sent"),
        ("note", {1: "x"}, "keys must be text"),
        ("email", "a..b@example.com", "must not start or end with '.' or hold '..'"),
        ("email", ".ab@example.com", "must not start or end with '.'"),
        ("email", "ab.@example.com", "must not start or end with '.'"),
        ("name", "Mail\x00round trip", "control character U+0000 at character 5"),
        ("billing_plancode", "UBM - A/A\x1b", "control character U+001B"),
        ("email_username", "rt\x7f", "control character U+007F"),
        ("note", "\x85next line", "control character U+0085"),
        ("alert_note", "bell\x07", "control character U+0007"),
        ("email_password", "\x00secret", "control character U+0000"),
        ("custom_properties", [{"id": "1", "value": "v\x00"}], "control character U+0000"),
        ("extra_fields", {"x_flag": ["on\x00"]}, "control character U+0000"),
        ("smtp_hostname", "smtp://smtp.exa\x00mple.com", "control character"),
    ],
)
def test_each_bad_value_is_refused_naming_what_is_allowed(field: str, value: Any, fragment: str) -> None:
    found = problems(**{field: value})
    assert field in found, found
    assert fragment in found[field]


def test_text_may_hold_tabs_and_line_breaks_and_a_dotted_mailbox() -> None:
    assert problems(note="one\ttwo\r\nthree", alert_note="a\nb", email="first.last+rt@example.com") == {}


def test_a_control_character_is_never_repeated_raw() -> None:
    found = problems(name="n" * 500 + "\x00", email="rt\x00@example.com", email_password="hunter2\x00")
    assert set(found) == {"name", "email", "email_password"}
    for message in found.values():
        assert "\x00" not in message and len(message) < 200, message
    assert "hunter2" not in found["email_password"]


def test_a_url_with_credentials_is_refused_without_repeating_them() -> None:
    message = problems(smtp_hostname="smtp://user:hunter2@smtp.example.com:99999")["smtp_hostname"]
    assert "must not carry credentials" in message and "hunter2" not in message
    # Nor is a URL repeated that holds more than a host URL may hold (a query, say).
    message = problems(pop3_hostname="pop3://mail.example.com/?pass=hunter2")["pop3_hostname"]
    assert "hunter2" not in message and "the URL must name only a host" in message


def test_messages_repeat_at_most_a_short_part_of_a_value() -> None:
    found = problems(email="x" * 1_000_000, mode="m" * 1_000_000, interval=10**30, name="n" * 1_000_000)
    assert found["name"] == "is 1000000 characters long; at most 255 are allowed"
    for message in found.values():
        assert len(message) < 300, message
    assert "(1000000 characters)" in found["email"]


def test_interval_must_exceed_timeout() -> None:
    found = problems(interval=5, timeout=300)
    assert "must be longer than the timeout (300 s)" in found["interval"]
    # The account default timeout (300 s) applies when only the interval is given.
    assert "interval" in problems(interval=5)
    assert problems(interval=10) == {}


def test_home_location_must_be_one_of_the_locations() -> None:
    found = problems(locations=[10], home_location=20)
    assert "is not one of the monitor's locations" in found["home_location"]


def test_multi_location_modes_need_two_locations() -> None:
    assert "needs at least two locations" in problems(mode="SLA (MultiPOP)", locations=[10])["locations"]


def test_unknown_values_pass_unvalidated() -> None:
    assert problems(interval=unknown(), smtp_hostname=unknown(), locations=[unknown()]) == {}


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("interval", "15", 15),
        ("timeout", "300", 300),
        ("enabled", "true", True),
        ("enabled", "false", False),
        ("enabled", False, False),
        ("allow_internal_testing", "1", True),
        ("home_location", "10", 10),
        ("locations", [{"id": "10", "name": "Fort Lauderdale"}, {"id": 20}], [10, 20]),
        ("custom_properties", [{"id": 5, "name": "team", "value": "mail", "value_id": 9}],
         [{"id": "5", "name": "team", "value": "mail", "value_id": "9"}]),
        ("name", "as is", "as is"),
        ("interval", "soon", "soon"),
        ("unknown_field", {"kept": True}, {"kept": True}),
    ],
)
def test_values_read_back_are_coerced(name: str, raw: Any, expected: Any) -> None:
    assert coercion.coerce(name, raw) == expected


def test_coerce_monitor_keeps_unknown_fields_and_stringifies_the_id() -> None:
    monitor = coercion.coerce_monitor({"id": 123, "interval": "5", "brand_new_field": [1, 2]})
    assert monitor == {"id": "123", "interval": 5, "brand_new_field": [1, 2]}


def test_to_api_sends_only_set_fields_with_locations_as_objects() -> None:
    body = coercion.to_api({**VALID, "locations": [10, 20], "note": None, "extra_fields": {"x_flag": 1}})
    assert body["locations"] == [{"id": 10}, {"id": 20}]
    assert "note" not in body
    assert body["x_flag"] == 1


def test_field_equal_compares_after_coercion() -> None:
    assert coercion.field_equal("interval", "15", 15)
    assert not coercion.field_equal("interval", "15", 30)
    assert coercion.field_equal("locations", [{"id": "10"}], [10])
    assert coercion.field_equal("custom_properties", [{"id": 1, "value": "a"}], [{"id": "1", "value": "a"}])


def test_a_null_inside_custom_properties_equals_the_key_left_out() -> None:
    # The engine drops null entries of nested mappings: AlertSite's {"value": null} comes back
    # from an exported program as a property without "value".
    live = [{"id": 3, "name": "n", "value": None}, {"id": 6, "value": [1, {"a": None}]}]
    from_engine = [{"id": "3", "name": "n"}, {"id": "6", "value": [1.0, {}]}]
    assert coercion.field_equal("custom_properties", live, from_engine)
    renamed = [{"id": "3", "name": "m"}, {"id": "6", "value": [1, {}]}]
    assert not coercion.field_equal("custom_properties", live, renamed)
    assert not coercion.field_equal("custom_properties", [{"id": 3, "value": "v"}], [{"id": "3"}])


#: Logins that a parser of URLs would not take for userinfo ('/', '?' or '#' in them, a third
#: slash), which a mask must still hide: AlertSite stores what it was given.
ODD_LOGINS = ["pop3://rt1:Top/Secret99@pop.example.com", "pop3://rt1:Top#Secret99@pop.example.com",
              "pop3://rt1?x:TopSecret99@pop.example.com", "pop3:///rt1:TopSecret99@pop.example.com",
              "POP3://rt1:Top%2FSecret99@[2001:db8::1]:995", "pop3://rt1@x:TopSecret99@pop.example.com"]


@pytest.mark.parametrize("url", ODD_LOGINS)
def test_a_url_login_is_masked_whatever_it_holds(url: str) -> None:
    masked = redact_url_userinfo(url)
    assert "Secret99" not in masked and "rt1" not in masked, masked
    assert masked.lower().startswith("pop3://***@") and masked.endswith(url.rpartition("@")[2])


def test_a_url_without_a_login_is_shown_unchanged() -> None:
    for url in ("pop3s://pop.example.com:995", "smtp://[::1]", "not a url"):
        assert redact_url_userinfo(url) == url


def test_unknown_custom_property_keys_are_named_cut_short() -> None:
    message = problems(custom_properties=[{"id": "1", "k" * 5000: "v", "other": 1}])["custom_properties"]
    assert message.startswith("has unknown keys ['kkkk") and "'other'" in message, message
    assert len(message) < 300, message


@pytest.mark.parametrize(("field", "value", "position"), [
    ("email_username", "rt\r\nDELE 1", 3), ("email_password", "hunter2\nQUIT", 8),
    ("email_username", "rt\n", 3),
])
def test_a_line_break_in_the_pop3_login_is_refused_without_repeating_it(field: str, value: str,
                                                                      position: int) -> None:
    # USER and PASS are one POP3 line each: a line break would end one and send the rest as a
    # command of its own (DELE, QUIT) to the mailbox.
    message = problems(**{field: value})[field]
    assert message == (f"holds a line break at character {position}; the POP3 login is one line "
                       "(no line feed or carriage return)"), message
    assert "hunter2" not in message and "DELE" not in message


def test_a_tab_in_the_pop3_login_and_line_breaks_in_notes_pass() -> None:
    assert problems(email_username="rt\tx", email_password="pass\tword", note="a\r\nb") == {}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("custom_properties", [{"id": "1", "value": "v"}, {"id": "2", "value\x00": "x"}],
     "a key of [1] holds the control character U+0000 at character 6"),
    ("custom_properties", [{"id": "1", "value": ["n", "v\x1b"]}],
     "[0]['value'][1] holds the control character U+001B at character 2"),
    ("extra_fields", {"x_flag": ["on", {"deep\x1b": 1}]},
     "a key of ['x_flag'][1] holds the control character U+001B at character 5"),
    ("extra_fields", {"\x00": 1}, "a key of it holds the control character U+0000 at character 1"),
])
def test_a_control_character_inside_a_value_is_located(field: str, value: Any, message: str) -> None:
    found = problems(**{field: value})[field]
    assert found.startswith(message), found
    assert "\x00" not in found and "\x1b" not in found
