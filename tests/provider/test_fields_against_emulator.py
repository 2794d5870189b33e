"""Preview refuses whatever AlertSite would refuse: odd inputs checked against the emulator.

Hypothesis builds inputs with odd values in every field (any code point, control
characters, lone surrogates, huge text, wrong types, mutated good values). Each goes
through what the engine does to it (numbers become doubles) and the provider's check;
then its create body is POSTed to the emulator over real HTTP. Every field the emulator
refuses must be refused by ``validate_inputs`` too, and a body it accepts must read back
with no difference left (a difference that never clears is a refusal in disguise).
Refusals that depend on the account (its plan codes and locations) cannot be known at
preview without an API call and are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import factories
import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alertsite_pulumi.coercion import normalize_inputs, to_api
from alertsite_pulumi.emulator import EmulatorServer
from alertsite_pulumi.emulator.monitor import FIELD_NAMES
from alertsite_pulumi.fields import validate_inputs
from alertsite_pulumi.monitor_kind import changed_fields, outputs
from alertsite_pulumi.rules import ALLOWED_INTERVALS, ALLOWED_MODES

from .test_fields import VALID

ADMIN = {"username": factories.ADMIN[0], "password": factories.ADMIN[1]}
#: What AlertSite computes (and ignores in a create), as the emulator lists it.
READ_ONLY = ("id", "type", "access_type", "created", "last_status")
#: Emulator messages about what the account holds, not about the value's form.
ACCOUNT_SPECIFIC = re.compile(r"^billing_plancode: .* is not one of |is not a known location id")
#: Fields that one cross-field rule may name either way (the emulator and the provider
#: pick different ones of the pair).
LINKED = {"interval": {"timeout"}, "timeout": {"interval"}, "mode": {"locations"},
          "locations": {"mode", "home_location"}, "home_location": {"locations"}}

TRICKY_CHARS = ["\n", "\t", "\r", " ", "\x00", "\x7f", "\u2028", "\u00a0", "\ufeff", "\ud800",
                "/", ":", "@", "?", "#", "%", "\\", "\u0669", "\u00e9", "\U0001f600", "."]
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
HUGE_TEXT = st.sampled_from(["x" * 256, "y" * 1001, "z" * 70_000, "é" * 40_000])
NUMBER = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                   st.sampled_from([float("nan"), float("inf"), 1e300, -0.0, 15.0000001]))
WRONG_TYPE = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), NUMBER,
    st.lists(st.integers(-1, 60), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn, good: str) -> str:
    """A good value with a tricky character put in, or its case or ending changed."""
    how = draw(st.sampled_from(["insert", "upper", "append", "prefix"]))
    char = draw(st.sampled_from(TRICKY_CHARS))
    if how == "upper":
        return good.upper()
    if how == "append":
        return good + char
    if how == "prefix":
        return char + good
    at = draw(st.integers(0, len(good)))
    return good[:at] + char + good[at:]


def text_field(good: str) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(good), mutated(good), ANY_TEXT, HUGE_TEXT, WRONG_TYPE)


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(2**60), 2**60), NUMBER, ANY_TEXT)
LOCATION = st.sampled_from([10, 20, 30, 40, 50, 0, -10, 60, 10.5, "10", True])
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "billing_plancode": st.one_of(st.sampled_from(["UBM - A/A", "UBM-A/A", "UBM - A/B"]),
                                  text_field("UBM - A/A")),
    "name": text_field("Mail round trip"),
    "smtp_hostname": st.one_of(text_field("smtps://smtp.example.com:465"),
                               text_field("smtp://[::1]:25"), text_field("smtp://mail.example.com")),
    "pop3_hostname": st.one_of(text_field("pop3s://mail.example.com"), text_field("pop3://10.0.0.1:110")),
    "email": text_field("roundtrip@example.com"),
    "email_username": text_field("roundtrip"),
    "email_password": text_field("mailbox-secret"),
    "interval": st.one_of(st.sampled_from(ALLOWED_INTERVALS), st.integers(-5, 2000), WRONG_TYPE,
                          st.just("15")),
    "timeout": st.one_of(st.integers(-5, 400), WRONG_TYPE, st.just("300")),
    "enabled": st.one_of(st.booleans(), WRONG_TYPE, st.sampled_from(["true", "false", "yes"])),
    "locations": st.one_of(st.lists(LOCATION, max_size=4), WRONG_TYPE),
    "home_location": st.one_of(LOCATION, WRONG_TYPE),
    "mode": st.one_of(st.sampled_from(ALLOWED_MODES), text_field("Primary"), WRONG_TYPE),
    "note": text_field("a note"),
    "alert_note": text_field("an alert note"),
    "allow_internal_testing": st.one_of(st.booleans(), WRONG_TYPE),
    "custom_properties": st.one_of(
        st.lists(st.dictionaries(st.sampled_from(["id", "name", "value", "value_id", "other"]),
                                 JSON_LEAF, max_size=4), max_size=3),
        WRONG_TYPE, st.lists(WRONG_TYPE, max_size=2)),
    "extra_fields": st.one_of(
        st.dictionaries(st.one_of(st.sampled_from([*READ_ONLY, "interval", "x_flag"]), ANY_TEXT),
                        st.one_of(JSON_LEAF, st.lists(JSON_LEAF, max_size=3)), max_size=3),
        WRONG_TYPE),
}
GOOD_OPTIONAL: dict[str, Any] = {
    "email_username": "roundtrip", "email_password": "mailbox-secret", "interval": 30, "timeout": 120,
    "enabled": False, "locations": [10, 20], "home_location": 20, "mode": "Round Robin", "note": "n",
    "alert_note": "a", "allow_internal_testing": False, "custom_properties": [{"id": "1", "value": "x"}],
    "extra_fields": {"x_flag": "on"},
}


@st.composite
def odd_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """Good inputs (the required fields, some optional ones) with one to three fields made odd."""
    inputs = dict(VALID)
    for name in draw(st.lists(st.sampled_from(sorted(GOOD_OPTIONAL)), unique=True, max_size=5)):
        inputs[name] = GOOD_OPTIONAL[name]
    for name in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), unique=True, min_size=1, max_size=3)):
        inputs[name] = draw(FIELD_VALUES[name])
    return inputs


def as_the_engine_sends(value: Any) -> Any:
    """What check receives for a program's value: every number a double, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: as_the_engine_sends(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_the_engine_sends(v) for v in value]
    return value


def create_body(inputs: dict[str, Any]) -> dict[str, Any]:
    """The body the provider would send; for refused inputs, the nearest body there is."""
    try:
        return to_api(inputs)
    except TypeError:
        body = {k: v for k, v in inputs.items() if k != "extra_fields"}
        extra = inputs.get("extra_fields")
        return {**body, **extra} if isinstance(extra, dict) else body


class Emulator:
    """The AlertSite API of the test session's emulator, logged in once."""

    def __init__(self, api_url: str) -> None:
        self.url = api_url
        self.session = requests.Session()
        token = self.session.post(f"{api_url}/access-tokens", json=ADMIN, timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def create(self, payload: bytes) -> requests.Response:
        return self.session.post(f"{self.url}/monitors/email-round-trip", data=payload, timeout=30,
                                 headers={"Content-Type": "application/json"})

    def get(self, monitor_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.session.get(f"{self.url}/monitors/{monitor_id}", timeout=10).json()
        return answer

    def delete(self, monitor_id: str) -> None:
        self.session.delete(f"{self.url}/monitors/{monitor_id}", timeout=10)


@pytest.fixture
def api(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    emulator_server.control.reset()
    client = Emulator(emulator_server.control.api_url)
    yield client
    client.session.close()


def refused_fields(answer: requests.Response) -> set[str]:
    """The fields the emulator's 400 names, minus refusals that depend on the account."""
    messages = [e["message"] for e in answer.json()["errors"]]
    return {m.split(":", 1)[0] for m in messages if not ACCOUNT_SPECIFIC.search(m)}


@given(raw=odd_inputs())
@settings(max_examples=500, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
def test_whatever_the_emulator_refuses_preview_refuses_too(api: Emulator, raw: dict[str, Any]) -> None:
    inputs = normalize_inputs({k: v for k, v in as_the_engine_sends(raw).items() if v is not None})
    ours = {name for name, _ in validate_inputs(inputs)}
    try:
        payload = json.dumps(create_body(inputs), allow_nan=False).encode()
    except ValueError:
        # Not JSON at all (NaN, infinity): no request could carry it.
        assert ours, inputs
        return
    answer = api.create(payload)
    event(f"emulator {answer.status_code}, preview {'refuses' if ours else 'accepts'}")
    if answer.status_code == 200:
        monitor_id = answer.json()["id"]
        if not ours:
            state = outputs(api.get(monitor_id), inputs)
            assert changed_fields(state, inputs) == [], (inputs, state)
        api.delete(monitor_id)
        return
    assert answer.status_code in (400, 413), answer.text
    named = refused_fields(answer) if answer.status_code == 400 else {"(body)"}
    if named:
        assert ours, (inputs, answer.text)
    extra = inputs.get("extra_fields")
    for field in named - {"(body)"}:
        # A body key that came in through extra_fields is that input's to answer for.
        blamed = {field, *LINKED.get(field, ())} | ({"extra_fields"} if isinstance(extra, dict)
                                                      and field in {*extra, FIELD_NAMES} else set())
        assert blamed & ours, (field, ours, inputs, answer.text)


#: Values on the edge of the control-character and mailbox checks: (field, value, refused).
#: Tabs and line breaks lay out text; U+2028 and zero-width spaces are text (not Cc); a quoted
#: local part ("a..b"@) is refused by both, as AlertSite's mailbox@domain.tld form has no quotes.
EDGE_CASES: list[tuple[str, Any, bool]] = [
    ("note", "one\ttwo\r\nthree", False),
    ("alert_note", "line\u2028separator\u2029paragraph", False),
    ("name", "\u200b\u200b\u200b", False),
    ("name", "\u200f\u05e9\u05dc\u05d5\u05dd e\u0301 \U0001f4ec", False),
    ("email", "first.last+rt@example.com", False),
    ("email", '"a..b"@example.com', True),
    ("email", "a..b@example.com", True),
    ("email", ".ab@example.com", True),
    ("email_password", "secret\x00", True),
    ("email_password", "secret\r\nDELE 1", True),
    ("email_username", "roundtrip\n", True),
    ("email_username", "round\ttrip", False),
    ("note", "\x0bvertical tab", True),
    ("custom_properties", [{"id": "1", "value\x00": "x"}], True),
    ("custom_properties", [{"id": "1", "value": ["nested", {"deep": "v\x1b"}]}], True),
    ("extra_fields", {"x\x00flag": "on"}, True),
    ("extra_fields", {"x_flag": "a" * 60_000 + "\x00"}, True),
]


@pytest.mark.parametrize(("field", "value", "refused"), EDGE_CASES)
def test_preview_and_the_emulator_agree_on_each_edge_case(api: Emulator, field: str, value: Any,
                                                          refused: bool) -> None:
    inputs = normalize_inputs({**VALID, field: value})
    ours = [message for name, message in validate_inputs(inputs) if name == field]
    answer = api.create(json.dumps(create_body(inputs)).encode())
    assert bool(ours) == refused, ours
    assert (answer.status_code == 400) == refused, answer.text
    if refused:
        # An extra field is named by its own name, or (when the name is at fault) as a field name.
        extra = set(value) | {FIELD_NAMES} if field == "extra_fields" else set()
        assert refused_fields(answer) & {field, *extra}, answer.text
        for message in [*ours, answer.text]:
            assert "\x00" not in message and "secret" not in message and len(message) < 400, message
    else:
        api.delete(answer.json()["id"])
