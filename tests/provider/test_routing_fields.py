"""The recipient and recipient-group tables: validation messages, normalisation, coercion of
GET answers, request bodies, comparisons and identities (plain values, no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alertsite_pulumi import routing_fields as rf
from alertsite_pulumi.rules import GROUP_LIST_MAX, JSON_MAX

from .preview import unknown

EMAIL: dict[str, Any] = {"name": "DevOps", "method_id": 12, "recipient": "devops@example.com"}
WEBHOOK: dict[str, Any] = {"name": "Webhook", "method_id": 16,
                           "recipient": "https://hooks.example.com/services/T0/B0/s3cr3tpath"}
GROUP: dict[str, Any] = {"name": "Mail alerts", "monitors": ["147298"], "recipients": ["12345"]}
PASSWORD = "hunter2-Sup3rSecret"

# The documented GET answers (alertsite-api-more.md §1.3 and §2.2), ids as integers.
LIVE_RECIPIENT: dict[str, Any] = {
    "attach_screen_capture": True, "attach_server_response": True, "availability_alert": True,
    "blackout_ids": ["1234"], "id": 90626, "method_description": "E-mail (HTML format)",
    "method_id": 12, "name": "DevOps mailing list", "notifier_groups": ["9916"],
    "notify_on_clear": True, "password": None, "performance_alert": True,
    "performance_alert_type": "20", "recipient": "DevOps@Example.com",
    "repeat_performance_alerts": True, "start_threshold": 1, "stop_threshold": 10, "username": None,
}
LIVE_GROUP: dict[str, Any] = {
    "errortypes": [{"description": "TCP connection failed", "id": 1},
                   {"description": "Test timed out", "id": 2}],
    "id": 2736, "is_default": False,
    "monitors": [{"id": 147298, "name": "LuciernaBank login/logout", "step_name": None, "step_number": 0}],
    "name": "LuciernaBank alerts",
    "recipients": [{"id": 21453, "name": "Slack #devops", "recipient": "https://hooks.slack.com/services/x"},
                   {"id": 12345, "name": "DevOps mailing list", "recipient": "devops@example.com"}],
    "templates": [{"alert_description_short": "Site Error JSON", "id": 1021, "name": "Slack error"},
                  {"alert_description_short": "Site Clear JSON", "id": 1022, "name": "Slack clear"}],
}


def recipient_problems(base: dict[str, Any] | None = None, **overrides: Any) -> dict[str, str]:
    found = rf.validate_recipient_inputs({**(EMAIL if base is None else base), **overrides})
    return dict(found)


def group_problems(**overrides: Any) -> dict[str, str]:
    return dict(rf.validate_group_inputs({**GROUP, **overrides}))


def render(body: dict[str, Any]) -> Any:
    """A body as it travels: through JSON, as AlertSite would read and echo it."""
    return json.loads(json.dumps(body))


# -- Methods ----------------------------------------------------------------------------------


def test_the_documented_methods_each_have_a_readable_name() -> None:
    assert sorted(rf.METHODS) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17]
    expected = {"email_text": 1, "alpha_pager": 2, "numeric_pager": 3, "email_wireless": 4,
                "numeric_pager_quiet": 5, "sms": 6, "snmp_v1": 8, "snmp_v2c": 9, "http_post": 10,
                "voip": 11, "email_html": 12, "pagerduty": 14, "splunk": 15, "webhook": 16,
                "servicenow": 17}
    assert rf.METHOD_IDS_BY_NAME == expected
    assert rf.METHODS[12].description == "E-mail (HTML format)"
    assert rf.METHODS[16].description == "POST JSON request to web server"
    method = rf.method_named("webhook")
    assert method is not None and method.label == "16 (webhook)"
    assert rf.method_named("slack") is None


def test_field_docs_describe_every_field() -> None:
    for table in (rf.RECIPIENT_FIELDS, rf.GROUP_FIELDS):
        for field in table.values():
            assert field.doc, field.name
            assert field.kind in {"str", "int", "bool", *rf.SCHEMA_TYPES}, field.name
    assert "16 POST JSON request to web server (webhook)" in rf.RECIPIENT_FIELDS["method_id"].doc
    assert rf.RECIPIENT_SECRET_FIELDS == ("password",)
    assert rf.RECIPIENT_REQUIRED_FIELDS == ("name", "method_id", "recipient")
    assert rf.GROUP_REQUIRED_FIELDS == ("name", "monitors", "recipients")
    assert rf.RECIPIENT_CONTROL_INPUTS == ("method",)


# -- Recipient validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        EMAIL,
        {**EMAIL, "method_id": 1}, {**EMAIL, "method_id": 4},
        {"name": "By name", "method": "email_text", "recipient": "ops@example.com"},
        {**EMAIL, "method": "email_html"},
        WEBHOOK,
        {**WEBHOOK, "method_id": 10, "recipient": "http://10.0.0.1:8080/alert?x=a@b"},
        {**WEBHOOK, "recipient": "https://[2001:db8::1]/hook", "username": "u", "password": PASSWORD},
        {**WEBHOOK, "username": "", "password": ""},
        {"name": "Phone", "method": "sms", "recipient": "+15551234567"},
        {"name": "Phone", "method": "voip", "recipient": "4930123456"},
        {"name": "Pager", "method": "alpha_pager", "recipient": "5551234 PIN 99"},
        {"name": "Trap", "method": "snmp_v2c", "recipient": "traps.example.com"},
        {"name": "Splunk", "method": "splunk", "recipient": "https://splunk.example.com:8088",
         "username": "alertsite", "password": PASSWORD},
        {"name": "SN", "method_id": 17, "recipient": "https://acme.service-now.com",
         "username": "alertsite", "password": PASSWORD},
        {**EMAIL, "availability_alert": False, "performance_alert": True, "notify_on_clear": True,
         "attach_screen_capture": True, "attach_server_response": False,
         "repeat_performance_alerts": True, "performance_alert_type": "20",
         "start_threshold": 1, "stop_threshold": 100},
        {**EMAIL, "method_id": 12.0, "start_threshold": 3.0, "performance_alert_type": 20},
        {**EMAIL, "method_id": "12", "stop_threshold": "10"},
    ],
)
def test_good_recipients_have_no_problems(inputs: dict[str, Any]) -> None:
    assert rf.validate_recipient_inputs(inputs) == []


@pytest.mark.parametrize("missing", ["name", "recipient", "method_id"])
def test_each_required_recipient_field_is_named_when_missing(missing: str) -> None:
    found = dict(rf.validate_recipient_inputs({k: v for k, v in EMAIL.items() if k != missing}))
    assert list(found) == [missing]
    assert found[missing].startswith("is required")
    if missing == "method_id":
        assert "or give method" in found[missing]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "", "must not be empty"),
        ("name", "   ", "must not be empty"),
        ("name", 12, "must be text, not a number"),
        ("name", "n" * 129, "is 129 characters long; at most 128"),
        ("recipient", "", "must not be empty"),
        ("recipient", "no-address", "is not an email address"),
        ("recipient", ["a@example.com"], "must be text, not a list"),
        ("method_id", 7, "is not an AlertSite delivery method"),
        ("method_id", 13, "1 (email_text), 2 (alpha_pager)"),
        ("method_id", 0, "16 (webhook), 17 (servicenow)"),
        ("method_id", True, "is not an AlertSite delivery method"),
        ("method_id", "email_html", "is not an AlertSite delivery method"),
        ("method_id", 14, "cannot be created through the AlertSite API"),
        ("method_id", 12.5, "is not an AlertSite delivery method"),
        ("availability_alert", "yes", "true or false"),
        ("performance_alert", 1, "true or false"),
        ("notify_on_clear", "true", "true or false"),
        ("attach_screen_capture", 0, "true or false"),
        ("attach_server_response", [], "true or false"),
        ("repeat_performance_alerts", "False", "true or false"),
        ("performance_alert_type", "errors", 'such as "20"'),
        ("performance_alert_type", "20000", "at most 4 digits"),
        ("performance_alert_type", -1, "is not a performance alert type"),
        ("start_threshold", 0, "from 1 to 100"),
        ("start_threshold", 101, "from 1 to 100"),
        ("stop_threshold", 0, "from 1 to 100"),
        ("stop_threshold", "ten", "from 1 to 100"),
        ("stop_threshold", 2.5, "from 1 to 100"),
        ("username", 5, "must be text"),
        ("username", "u" * 256, "at most 255"),
        ("password", 12345678, "must be text, not a number"),
    ],
)
def test_each_bad_recipient_value_is_refused_naming_the_field(field: str, value: Any, fragment: str) -> None:
    base = WEBHOOK if field in ("username", "password") else EMAIL
    found = recipient_problems(base, **{field: value})
    assert field in found, found
    assert fragment in found[field], found[field]


def test_an_unknown_method_id_lists_the_valid_ones_with_their_names() -> None:
    message = recipient_problems(method_id=7)["method_id"]
    for method in rf.METHODS.values():
        if method.id != 14:
            assert method.label in message, method
    assert "14 (pagerduty)" not in message


def test_pagerduty_is_refused_by_id_and_by_name_saying_why() -> None:
    by_id = recipient_problems(method_id=14)
    assert "cannot be created through the AlertSite API" in by_id["method_id"]
    assert "AlertSite UI" in by_id["method_id"]
    by_name = dict(rf.validate_recipient_inputs({"name": "PD", "method": "pagerduty", "recipient": "key"}))
    # Said once, on the input the user wrote.
    assert list(by_name) == ["method"] and "cannot be created through the AlertSite API" in by_name["method"]


def test_the_method_name_is_an_alternative_to_method_id() -> None:
    assert rf.validate_recipient_inputs({"name": "x", "method": "sms", "recipient": "+4930123"}) == []
    unknown_name = dict(rf.validate_recipient_inputs({"name": "x", "method": "slack", "recipient": "a"}))
    assert list(unknown_name) == ["method"]
    assert "'slack' is not a delivery method name" in unknown_name["method"]
    assert "16 (webhook)" in unknown_name["method"]
    assert "method" in recipient_problems(method=16)


def test_method_and_method_id_that_disagree_are_refused() -> None:
    assert recipient_problems(method="email_html") == {}
    found = recipient_problems(method="webhook")
    assert found == {"method": "says 16 (webhook) but method_id says 12 (email_html); give only one of them"}


@pytest.mark.parametrize(
    ("method_id", "good", "bad", "fragment"),
    [
        (1, "Ops@Example.com", "ops.example.com", "is not an email address"),
        (4, "5551234567@txt.example.net", "+15551234567", "is not an email address"),
        (12, "first.last+alerts@example.co.uk", "a..b@example.com", "hold '..'"),
        (10, "http://alerts.example.com/in", "alerts.example.com/in", "does not start with http:// or https://"),
        (16, "https://hooks.example.com:8443/x", "ftp://hooks.example.com", "does not start with http://"),
        (16, "https://hooks.example.com/x", "HTTPS://hooks.example.com/x", "upper case; write https://"),
        (16, "https://hooks.example.com/x", "https:///path-only", "no valid host name"),
        (16, "https://hooks.example.com/x", "https://hooks.example.com:99999/x", "port that is not a number"),
        (16, "https://hooks.example.com/x", "https://[not-v6]/x", "no valid host name"),
        (10, "https://hooks.example.com/x", "https://hooks.example.com/a b", "a space"),
        (6, "+15551234567", "+1 555 123 4567", "digits with an optional leading +"),
        (6, "15551234567", "555-1234", "no spaces, dashes or brackets"),
        (11, "+4930123456", "+12", "3 to 15 digits"),
        (11, "+4930123456", "+1234567890123456", "3 to 15 digits"),
        (11, "+4930123456", "+\u0661\u0662\u0663\u0664", "is not a phone number"),
        (2, "5551234", "", "must not be empty"),
        (8, "traps.example.com", " ", "must not be empty"),
        (17, "https://acme.service-now.com", "", "must not be empty"),
    ],
)
def test_the_recipient_has_the_format_of_its_method(
    method_id: int, good: str, bad: str, fragment: str
) -> None:
    base = {"name": "r", "method_id": method_id, "recipient": good}
    if method_id in rf.LOGIN_REQUIRED_METHODS:
        base.update(username="alertsite", password=PASSWORD)
    assert rf.validate_recipient_inputs(base) == []
    found = recipient_problems(base, recipient=bad)
    assert list(found) == ["recipient"], found
    assert fragment in found["recipient"], found["recipient"]
    if method_id not in (2, 8, 17):
        assert f"for method {rf.METHODS[method_id].label}" in found["recipient"]


def test_a_webhook_url_with_credentials_points_to_username_and_password() -> None:
    found = recipient_problems(WEBHOOK, recipient=f"https://alerts:{PASSWORD}@hooks.example.com/in")
    message = found["recipient"]
    assert "must not carry credentials" in message and "username and password" in message
    assert PASSWORD not in message and "hooks.example.com" not in message


def test_a_webhook_url_is_never_repeated_in_a_message() -> None:
    message = recipient_problems(WEBHOOK, recipient="https://hooks.example.com:0/services/T0/s3cr3tpath")["recipient"]
    assert "s3cr3tpath" not in message and "port" in message


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_login_is_only_for_the_methods_that_send_one(field: str) -> None:
    for method_id in sorted(rf.LOGIN_METHODS - rf.LOGIN_REQUIRED_METHODS):
        assert recipient_problems(WEBHOOK, method_id=method_id, **{field: "x"}) == {}
    found = recipient_problems(EMAIL, **{field: PASSWORD})
    assert list(found) == [field]
    methods = "10 (http_post), 15 (splunk), 16 (webhook), 17 (servicenow)"
    assert f"is only used by methods {methods}" in found[field]
    assert "method 12 (email_html) takes no" in found[field]
    assert PASSWORD not in found[field]
    # An empty login is no login: the documented webhook example sends "".
    assert recipient_problems(EMAIL, **{field: ""}) == {}


@pytest.mark.parametrize("method", ["splunk", "servicenow"])
def test_splunk_and_servicenow_need_a_login(method: str) -> None:
    base = {"name": "r", "method": method, "recipient": "https://x.example.com"}
    found = dict(rf.validate_recipient_inputs(base))
    assert set(found) == {"username", "password"}
    assert "is required for method" in found["password"]
    assert rf.validate_recipient_inputs({**base, "username": "u", "password": PASSWORD}) == []


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "Dev\x00Ops", "control character U+0000 at character 4"),
        ("name", "Dev\nOps", "U+000A (a tab or line break) at character 4"),
        ("name", "Dev\tOps", "U+0009"),
        ("name", "Dev\u2028Ops", "U+2028"),
        ("recipient", "devops@example.com\n", "U+000A"),
        ("recipient", "devops\x1b@example.com", "U+001B"),
        ("performance_alert_type", "2\x000", "is not a performance alert type"),
        ("method", "email\x00html", "is not a delivery method name"),
        ("name", "bad\ud800name", "lone surrogate"),
        ("name", float("nan"), "not a finite number"),
        ("start_threshold", 10**30, "too large a number"),
        ("method_id", 2**60, "too large a number"),
        ("name", b"bytes", "a value of type bytes cannot be sent"),
    ],
)
def test_control_characters_and_unsendable_values_are_refused(field: str, value: Any, fragment: str) -> None:
    found = recipient_problems(**{field: value})
    assert field in found, found
    assert fragment in found[field], found[field]
    assert "\x00" not in found[field] and "\n" not in found[field]


def test_password_problems_never_show_the_password() -> None:
    for value in (f"{PASSWORD}\x00", f"{PASSWORD}\n", PASSWORD * 20, f"{PASSWORD}\u2029"):
        found = recipient_problems(WEBHOOK, username="u", password=value)
        assert list(found) == ["password"], found
        assert PASSWORD[:8] not in found["password"], found["password"]
    found = recipient_problems(EMAIL, password=PASSWORD)
    assert PASSWORD not in json.dumps(found)


def test_odd_unicode_is_fine_where_it_is_text() -> None:
    for name in ("Astronauts \U0001f680", "\u05e6\u05d5\u05d5\u05ea \u05ea\u05e4\u05e2\u05d5\u05dc",
                 "Cafe\u0301 ops", "\u200bzero width", "\ufeffBOM"):
        assert recipient_problems(name=name) == {}, name
    # Lengths are in characters (code points), not bytes: 128 emoji pass.
    assert recipient_problems(name="\U0001f680" * 128) == {}
    assert "at most 128" in recipient_problems(name="\U0001f680" * 129)["name"]
    # A non-ASCII e-mail address is not one AlertSite's mail check accepts.
    assert "recipient" in recipient_problems(recipient="d\u00e9vops@example.com")


def test_huge_values_are_refused_with_short_messages() -> None:
    found = recipient_problems(name="n" * 1_000_000, recipient="r" * 1_000_000, method="m" * 1_000_000,
                               start_threshold="9" * 5000, performance_alert_type="2" * 1_000_000)
    assert set(found) == {"name", "recipient", "method", "start_threshold", "performance_alert_type"}
    for message in found.values():
        assert len(message) < 400, message
    assert found["name"] == "is 1000000 characters long; at most 128 are allowed"
    webhook = recipient_problems(WEBHOOK, recipient="https://h.example.com/" + "p" * 3000)
    assert "at most 2048" in webhook["recipient"]


def test_unknown_recipient_values_pass_unvalidated() -> None:
    everything = {"name": unknown(), "method_id": unknown(), "recipient": unknown()}
    assert rf.validate_recipient_inputs(everything) == []
    assert rf.validate_recipient_inputs({**EMAIL, "recipient": unknown(), "start_threshold": unknown()}) == []
    # An unknown method leaves the recipient's format unjudged.
    assert rf.validate_recipient_inputs({**EMAIL, "method_id": unknown(), "recipient": "not-mail"}) == []
    assert rf.validate_recipient_inputs({**EMAIL, "method": unknown()}) == []
    assert rf.validate_recipient_inputs({**EMAIL, "username": unknown()}) == []
    # A known bad value beside an unknown one is still refused.
    assert list(dict(rf.validate_recipient_inputs({**EMAIL, "name": unknown(), "stop_threshold": 0}))) == [
        "stop_threshold"]


# -- Recipient values -------------------------------------------------------------------------


def test_normalize_recipient_inputs_sets_method_id_and_ints() -> None:
    normal = rf.normalize_recipient_inputs({"name": "x", "method": "webhook", "recipient": "r",
                                            "start_threshold": 2.0, "stop_threshold": "5",
                                            "performance_alert_type": 20.0})
    assert normal == {"name": "x", "method": "webhook", "method_id": 16, "recipient": "r",
                      "start_threshold": 2, "stop_threshold": 5, "performance_alert_type": "20"}
    assert rf.normalize_recipient_inputs({"method_id": "12"})["method_id"] == 12
    # What cannot be read is left for the check to name; an unknown value is left alone.
    assert rf.normalize_recipient_inputs({"start_threshold": "many"})["start_threshold"] == "many"
    assert rf.normalize_recipient_inputs({"start_threshold": True})["start_threshold"] is True
    assert rf.normalize_recipient_inputs({"method": "slack"}) == {"method": "slack"}
    marker = unknown()
    assert rf.normalize_recipient_inputs({"method_id": marker})["method_id"] is marker
    # A given method_id is never overwritten by the name (the check then names the conflict).
    assert rf.normalize_recipient_inputs({"method": "sms", "method_id": 12})["method_id"] == 12


def test_recipient_to_api_sends_fields_never_the_method_name() -> None:
    body = rf.recipient_to_api({"name": "x", "method": "webhook", "recipient": "https://h.example.com/x",
                                "availability_alert": True, "start_threshold": 1.0})
    assert body == {"name": "x", "method_id": 16, "recipient": "https://h.example.com/x",
                    "availability_alert": True, "start_threshold": 1}
    assert "password" not in body and "method" not in body


def test_the_password_is_sent_only_when_given() -> None:
    assert "password" not in rf.recipient_to_api({**WEBHOOK, "password": None})
    assert rf.recipient_to_api({**WEBHOOK, "username": "u", "password": PASSWORD})["password"] == PASSWORD
    # The documented webhook example sends empty strings: sent as given.
    assert rf.recipient_to_api({**WEBHOOK, "username": "", "password": ""})["password"] == ""


def test_coerce_recipient_reads_the_documented_answer_into_input_shape() -> None:
    live = rf.coerce_recipient(LIVE_RECIPIENT)
    assert live["id"] == "90626" and live["method_id"] == 12 and live["method"] == "email_html"
    assert live["notifier_groups"] == ["9916"] and live["blackout_ids"] == ["1234"]
    assert live["performance_alert_type"] == "20" and live["start_threshold"] == 1
    assert "password" not in live
    assert live["method_description"] == "E-mail (HTML format)"


def test_coerce_recipient_tolerates_other_spellings_and_keeps_what_it_cannot_read() -> None:
    live = rf.coerce_recipient({"id": "5", "method_id": "16", "availability_alert": "false",
                                "start_threshold": "3", "performance_alert_type": 20,
                                "notifier_groups": None, "blackout_ids": [12, "3", 12],
                                "password": "********", "remote_commands": False, "stop_threshold": "odd"})
    assert live == {"id": "5", "method_id": 16, "method": "webhook", "availability_alert": False,
                    "start_threshold": 3, "performance_alert_type": "20", "notifier_groups": [],
                    "blackout_ids": ["3", "12"], "remote_commands": False, "stop_threshold": "odd"}
    # A method this version does not know is kept, and given no name.
    assert "method" not in rf.coerce_recipient({"method_id": 99})


@pytest.mark.parametrize(
    "inputs",
    [
        EMAIL,
        {"name": "By name", "method": "webhook", "recipient": "https://h.example.com/x",
         "username": "u", "password": PASSWORD, "availability_alert": True, "notify_on_clear": True},
        {**EMAIL, "method_id": 12.0, "performance_alert": True, "performance_alert_type": 20,
         "repeat_performance_alerts": False, "start_threshold": "2", "stop_threshold": 10.0},
        {"name": "\U0001f680 \u05e6\u05d5\u05d5\u05ea", "method": "sms", "recipient": "+15551234567"},
    ],
)
def test_a_recipient_round_trips_to_equal_inputs(inputs: dict[str, Any]) -> None:
    # AlertSite echoes the body with integer ids and no password (as its GET example shows).
    echoed = {**render(rf.recipient_to_api(inputs)), "id": 1, "password": None}
    live = rf.coerce_recipient(echoed)
    method_id = live["method_id"]
    for name, wanted in inputs.items():
        if name == "password":
            assert "password" not in live
            continue
        assert rf.recipient_equal(name, live.get(name), wanted, method_id=method_id), (name, live.get(name))
    assert rf.recipient_identity(live) == rf.recipient_identity(inputs)


def test_recipient_equal_is_tolerant_where_alertsite_is() -> None:
    assert rf.recipient_equal("recipient", "DevOps@Example.com", "devops@example.com", method_id=12)
    assert rf.recipient_equal("recipient", "DevOps@Example.com", "devops@example.com")
    assert not rf.recipient_equal("recipient", "devops@example.com", "ops@example.com", method_id=12)
    # A URL or phone number is compared exactly: a webhook path is case-sensitive.
    assert not rf.recipient_equal("recipient", "https://h.example.com/AbC", "https://h.example.com/abc",
                                  method_id=16)
    assert not rf.recipient_equal("recipient", "https://h.example.com/AbC", "https://h.example.com/abc")
    assert not rf.recipient_equal("recipient", "A@b.example", "a@b.example", method_id=2)
    assert rf.recipient_equal("method_id", 12, "12") and rf.recipient_equal("start_threshold", 3.0, 3)
    assert not rf.recipient_equal("method_id", 12, 16)
    assert rf.recipient_equal("performance_alert_type", "20", 20)
    assert not rf.recipient_equal("performance_alert_type", "20", "10")
    assert rf.recipient_equal("availability_alert", True, "true")
    assert not rf.recipient_equal("availability_alert", True, False)
    assert not rf.recipient_equal("availability_alert", None, False)
    assert rf.recipient_equal("username", None, "") and not rf.recipient_equal("username", None, "u")
    assert rf.recipient_equal("notifier_groups", ["2", "1"], [1, 2, 2])
    assert not rf.recipient_equal("notifier_groups", ["1"], ["1", "2"])
    assert rf.recipient_equal("name", "x", "x") and not rf.recipient_equal("name", "x", "X")


def test_recipient_identity_finds_a_lost_create_again() -> None:
    assert rf.recipient_identity({**EMAIL, "recipient": "DevOps@Example.COM"}) == (
        "DevOps", 12, "devops@example.com")
    by_name = rf.recipient_identity({"name": "DevOps", "method": "email_html",
                                     "recipient": "devops@example.com"})
    assert by_name == rf.recipient_identity(rf.coerce_recipient({**EMAIL, "id": 7}))
    # Another method, or a URL differing in case, is another recipient.
    assert rf.recipient_identity({**EMAIL, "method_id": 1}) != rf.recipient_identity(EMAIL)
    assert rf.recipient_identity({**WEBHOOK, "recipient": WEBHOOK["recipient"].upper()}) != (
        rf.recipient_identity(WEBHOOK))


# -- Group validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"monitors": [147298, "304276"], "recipients": [12345.0, "21453"]},
        {"monitors": ["1", "1"], "recipients": ["2", 2]},
        {"errortypes": [1, 2, 999], "templates": [1021, "1022"], "is_default": True},
        {"errortypes": [], "templates": [], "is_default": False},
        {"name": "\U0001f680 alerts \u2014 \u05e6\u05d5\u05d5\u05ea"},
        {"name": "g" * 128},
        {"monitors": ["1"] * GROUP_LIST_MAX},
    ],
)
def test_good_groups_have_no_problems(overrides: dict[str, Any]) -> None:
    assert group_problems(**overrides) == {}


@pytest.mark.parametrize("missing", ["name", "monitors", "recipients"])
def test_each_required_group_field_is_named_when_missing(missing: str) -> None:
    inputs = {k: v for k, v in GROUP.items() if k != missing}
    assert dict(rf.validate_group_inputs(inputs)) == {missing: "is required"}


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "", "must not be empty"),
        ("name", "g" * 129, "at most 128"),
        ("name", "line\nbreak", "U+000A"),
        ("name", "nul\x00", "U+0000"),
        ("monitors", [], "AlertSite refuses a recipient group without monitors"),
        ("recipients", [], "AlertSite refuses a recipient group without recipients"),
        ("monitors", "147298", "must be a list of monitor ids"),
        ("monitors", ["abc"], "[0] 'abc' is not a monitor id"),
        ("monitors", ["1", 0], "[1] 0 is not a monitor id"),
        ("monitors", [-5], "is not a monitor id"),
        ("monitors", [True], "is not a monitor id"),
        ("monitors", [1.5], "is not a monitor id"),
        ("monitors", [" 12"], "is not a monitor id"),
        ("monitors", ["\u0661\u0662"], "is not a monitor id"),
        ("monitors", [{"id": 1}], "is not a monitor id"),
        ("recipients", ["12", None], "[1] None is not a recipient id"),
        ("recipients", [10**30], "too large a number"),
        ("errortypes", [0], "is not an error type code from 1 to 999"),
        ("errortypes", [1000], "3-digit codes"),
        ("errortypes", ["x"], "is not an error type code"),
        ("errortypes", 1, "must be a list"),
        ("templates", [0], "is not a template id"),
        ("templates", ["t"], "is not a template id"),
        ("is_default", "true", "true or false"),
        ("monitors", ["1"] * (GROUP_LIST_MAX + 1), f"at most {GROUP_LIST_MAX} are allowed"),
        ("monitors", ["1" * JSON_MAX], f"at most {JSON_MAX} are allowed"),
        ("monitors", ["9" * 5000], "is not a monitor id"),
    ],
)
def test_each_bad_group_value_is_refused_naming_the_field(field: str, value: Any, fragment: str) -> None:
    found = group_problems(**{field: value})
    assert list(found) == [field], found
    assert fragment in found[field], found[field]
    assert len(found[field]) < 400


def test_unknown_group_values_pass_unvalidated() -> None:
    assert rf.validate_group_inputs({"name": unknown(), "monitors": unknown(), "recipients": unknown()}) == []
    assert group_problems(monitors=[unknown(), "12"], recipients=[unknown()], errortypes=[unknown()]) == {}
    # The known items beside an unknown one are still checked.
    assert "[1] 'x' is not a monitor id" in group_problems(monitors=[unknown(), "x"])["monitors"]


# -- Group values -----------------------------------------------------------------------------


def test_normalize_group_inputs_makes_every_list_a_canonical_set() -> None:
    normal = rf.normalize_group_inputs({**GROUP, "monitors": ["12", 3, 3.0, "0012", "100"],
                                        "recipients": [5, "5"], "errortypes": [2, 1, "2", 2.0],
                                        "templates": [1022, 1021]})
    assert normal == {"name": "Mail alerts", "monitors": ["3", "12", "100"], "recipients": ["5"],
                      "errortypes": [1, 2], "templates": [1021, 1022]}
    # Order and repeats never matter.
    assert (rf.normalize_group_inputs({**GROUP, "monitors": ["2", "1", "2"]})
            == rf.normalize_group_inputs({**GROUP, "monitors": ["1", "2"]}))
    # What is no id stays for the check; a list with an unknown item keeps its order.
    assert rf.normalize_group_inputs({"monitors": ["x", 1]})["monitors"] == ["1", "x"]
    marker = unknown()
    assert rf.normalize_group_inputs({"monitors": ["9", marker, 1]})["monitors"] == ["9", marker, "1"]


def test_group_to_api_sends_every_list_whole_as_id_objects() -> None:
    body = rf.group_to_api({**GROUP, "monitors": ["304276", 147298], "errortypes": [2, 1],
                            "templates": ["14"], "is_default": True})
    assert body == {"name": "Mail alerts", "monitors": [{"id": 147298}, {"id": 304276}],
                    "recipients": [{"id": 12345}], "errortypes": [{"id": 1}, {"id": 2}],
                    "templates": [{"id": 14}], "is_default": True}
    # An empty list (all errors, no templates) is sent to replace the previous one.
    assert rf.group_to_api({**GROUP, "errortypes": []})["errortypes"] == []
    assert "templates" not in rf.group_to_api(GROUP)


def test_coerce_group_reads_the_documented_answer_into_input_shape() -> None:
    live = rf.coerce_group(LIVE_GROUP)
    assert live == {"errortypes": [1, 2], "id": "2736", "is_default": False, "monitors": ["147298"],
                    "name": "LuciernaBank alerts", "recipients": ["12345", "21453"],
                    "templates": [1021, 1022]}


def test_coerce_group_tolerates_nulls_and_keeps_what_it_cannot_read() -> None:
    live = rf.coerce_group({"id": "9", "errortypes": None, "templates": None, "is_default": "true",
                            "monitors": [{"id": "5"}, {"id": 5, "step_number": 2}, {"name": "no id"}],
                            "recipients": [7], "extra": {"kept": True}})
    assert live == {"id": "9", "errortypes": [], "templates": [], "is_default": True,
                    "monitors": ["5", {"name": "no id"}], "recipients": ["7"], "extra": {"kept": True}}


@pytest.mark.parametrize(
    "inputs",
    [
        GROUP,
        {**GROUP, "monitors": ["304276", 147298, "147298"], "recipients": [21453.0, "12345"],
         "errortypes": [2, 1], "templates": [1022, "1021"], "is_default": True},
        {**GROUP, "name": "\U0001f680 \u05e6\u05d5\u05d5\u05ea", "errortypes": [], "templates": []},
    ],
)
def test_a_group_round_trips_to_equal_inputs(inputs: dict[str, Any]) -> None:
    # AlertSite echoes the lists as sub-objects, in its own order, with names added.
    body = render(rf.group_to_api(inputs))
    for name in ("monitors", "recipients", "errortypes", "templates"):
        if name in body:
            body[name] = [{**item, "name": f"n{item['id']}"} for item in reversed(body[name])]
    live = rf.coerce_group({**body, "id": 1})
    for name, wanted in inputs.items():
        assert rf.group_equal(name, live.get(name), wanted), (name, live.get(name), wanted)
    assert rf.normalize_group_inputs(inputs) == {k: live[k] for k in inputs}
    assert rf.group_identity(live) == rf.group_identity(inputs)


def test_group_equal_uses_set_semantics() -> None:
    assert rf.group_equal("monitors", ["1", "2"], [2, "1", 1])
    assert rf.group_equal("monitors", [{"id": 2}, {"id": 1}], ["1", "2"])
    assert not rf.group_equal("monitors", ["1", "2"], ["1"])
    assert not rf.group_equal("recipients", ["1"], ["10"])
    assert rf.group_equal("errortypes", [2, 1], [1, 2, 2]) and not rf.group_equal("errortypes", [1], [2])
    assert rf.group_equal("errortypes", None, []) and not rf.group_equal("errortypes", None, [1])
    assert rf.group_equal("templates", [{"id": 14}], ["14"])
    assert rf.group_equal("is_default", None, False) and not rf.group_equal("is_default", None, True)
    assert rf.group_equal("name", "g", "g") and not rf.group_equal("name", "g", "G")


def test_group_identity_is_the_name() -> None:
    assert rf.group_identity(GROUP) == ("Mail alerts",)
    assert rf.group_identity(rf.coerce_group(LIVE_GROUP)) == ("LuciernaBank alerts",)


def test_schema_types_cover_the_list_kinds() -> None:
    assert rf.SCHEMA_TYPES["id_set"]["items"] == {"type": "string"}
    assert rf.SCHEMA_TYPES["int_set"]["items"] == {"type": "integer"}
    assert rf.GROUP_FIELDS["monitors"].kind == "id_set" and rf.GROUP_FIELDS["errortypes"].kind == "int_set"
