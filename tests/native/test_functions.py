"""The plugin's functions (getRecipient, getRecipientGroup, getMonitor) through real gRPC
Invoke calls against the emulator: found by name or id, refused naming the candidates when a
name matches none or several, read-only, and never answering a secret."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import grpc
import pytest
from factories import VIEWER
from pulumi.runtime.proto import provider_pb2

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.fields import FIELDS
from alertsite_pulumi.lookups import LOOK_UPS
from alertsite_pulumi.native import build_schema
from alertsite_pulumi.native.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL, to_struct
from alertsite_pulumi.routing_fields import RECIPIENT_FIELDS
from alertsite_pulumi.tokens import (
    NATIVE_GET_MONITOR_FUNCTION,
    NATIVE_GET_RECIPIENT_FUNCTION,
    NATIVE_GET_RECIPIENT_GROUP_FUNCTION,
)

from .conftest import MAILBOX_PASSWORD, Plugin, props

HOOK_PASSWORD = "hook-pw-invoke-7"
SECRETS = (HOOK_PASSWORD, MAILBOX_PASSWORD)


def invoke(plugin: Plugin, token: str, args: Mapping[str, Any], *, preview: bool = False,
           secrets: tuple[str, ...] = ()) -> Any:
    """The raw answer's ``return`` Struct."""
    answer = plugin.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=to_struct(args, secrets),
                                                           preview=preview))
    assert not answer.failures, answer.failures
    return getattr(answer, "return")


def refused(plugin: Plugin, token: str, args: Mapping[str, Any]) -> str:
    """The text of the gRPC error an Invoke ends in."""
    with pytest.raises(grpc.RpcError) as caught:
        plugin.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=to_struct(args)))
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    return str(caught.value.details())


def seed_recipient(emulator: EmulatorControl, name: str, index: int = 0) -> str:
    return emulator.seed_recipient({"name": name, "method_id": 10, "username": f"hook-{index}",
                                    "recipient": f"https://hooks.example.com/{index}",
                                    "password": HOOK_PASSWORD})


def seed_monitor(emulator: EmulatorControl, name: str, index: int = 0) -> str:
    return emulator.seed_monitor({"name": name, "billing_plancode": "UBM - A/A",
                                  "smtp_hostname": "smtps://smtp.example.com:465",
                                  "pop3_hostname": "pop3s://pop.example.com:995",
                                  "email": f"invoke-{index}@example.com", "interval": "30",
                                  "email_password": MAILBOX_PASSWORD})


def assert_no_secret(answer: Any) -> None:
    """Nothing secret in the answer: no password field, no wrapped value, no password's text."""
    wire = answer.SerializeToString()
    for secret in SECRETS:
        assert secret.encode() not in wire
    values = props(answer).values
    assert not props(answer).secrets
    assert "password" not in values and "email_password" not in values
    assert all(not (v.HasField("struct_value") and v.struct_value.fields[SIG_KEY].string_value == SECRET_SIG)
               for v in answer.fields.values())


def test_the_schema_declares_each_function_with_name_or_id_and_no_secret_output() -> None:
    functions = build_schema()["functions"]
    assert set(functions) == {NATIVE_GET_RECIPIENT_FUNCTION, NATIVE_GET_RECIPIENT_GROUP_FUNCTION,
                              NATIVE_GET_MONITOR_FUNCTION} == {f.native_token for f in LOOK_UPS}
    for token, function in functions.items():
        assert set(function["inputs"]["properties"]) == {"name", "id"}, token
        outputs = function["outputs"]["properties"]
        assert "id" in outputs and "name" in outputs, token
        assert not any(prop.get("secret") for prop in outputs.values()), token
        assert "password" not in outputs and "email_password" not in outputs, token
        assert function["description"] and all(p["description"] for p in outputs.values()), token
    recipient = functions[NATIVE_GET_RECIPIENT_FUNCTION]["outputs"]["properties"]
    assert set(RECIPIENT_FIELDS) - {"password"} <= set(recipient) and "recipient_id" in recipient
    monitor = functions[NATIVE_GET_MONITOR_FUNCTION]["outputs"]["properties"]
    assert set(FIELDS) - {"email_password"} <= set(monitor) and "monitor_id" in monitor


def test_get_recipient_by_name_and_by_id_answers_its_fields_without_the_password(
        plugin: Plugin, emulator: EmulatorControl) -> None:
    seed_recipient(emulator, "Other", 1)
    recipient_id = seed_recipient(emulator, "Ops hook", 2)
    by_name = invoke(plugin, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Ops hook"})
    found = props(by_name).values
    assert found["id"] == found["recipient_id"] == recipient_id
    assert found["recipient"] == "https://hooks.example.com/2" and found["username"] == "hook-2"
    assert found["method_id"] == 10 and found["method"] == "http_post"
    assert found["availability_alert"] is True  # an account default, read back
    assert_no_secret(by_name)
    by_id = invoke(plugin, NATIVE_GET_RECIPIENT_FUNCTION, {"id": recipient_id})
    assert props(by_id).values == found
    assert_no_secret(by_id)


def test_get_recipient_group_by_name_and_by_id(plugin: Plugin, emulator: EmulatorControl) -> None:
    recipient_id = seed_recipient(emulator, "Ops hook")
    monitor_id = seed_monitor(emulator, "Mail")
    group_id = emulator.seed_recipient_group({"name": "On call", "monitors": [int(monitor_id)],
                                              "recipients": [int(recipient_id)], "errortypes": [1, 2]})
    found = props(invoke(plugin, NATIVE_GET_RECIPIENT_GROUP_FUNCTION, {"name": "On call"})).values
    assert found["id"] == found["group_id"] == group_id
    assert found["monitors"] == [monitor_id] and found["recipients"] == [recipient_id]
    assert found["errortypes"] == [1, 2] and found["is_default"] is False
    assert props(invoke(plugin, NATIVE_GET_RECIPIENT_GROUP_FUNCTION, {"id": int(group_id)})).values == found


def test_get_monitor_by_name_and_by_id_never_answers_the_mailbox_password(
        plugin: Plugin, emulator: EmulatorControl) -> None:
    monitor_id = seed_monitor(emulator, "Support mail", 3)
    seed_monitor(emulator, "Sales mail", 4)
    by_name = invoke(plugin, NATIVE_GET_MONITOR_FUNCTION, {"name": "Support mail"})
    found = props(by_name).values
    assert found["id"] == found["monitor_id"] == monitor_id
    assert found["email"] == "invoke-3@example.com" and found["interval"] == 30
    assert found["timeout"] == 300  # the account default
    assert_no_secret(by_name)
    by_id = invoke(plugin, NATIVE_GET_MONITOR_FUNCTION, {"id": monitor_id})
    assert props(by_id).values == found
    assert_no_secret(by_id)


def test_no_match_names_the_candidates(plugin: Plugin, emulator: EmulatorControl) -> None:
    seed_recipient(emulator, "Ops hook", 1)
    seed_recipient(emulator, "Dev hook", 2)
    text = refused(plugin, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Missing"})
    assert "getRecipient(name='Missing') failed: no recipient is named 'Missing'" in text
    assert "'Ops hook'" in text and "'Dev hook'" in text
    # Only case differs: those names alone are offered.
    near = refused(plugin, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "ops HOOK"})
    assert "names differing only in case: 'Ops hook'" in near and "Dev hook" not in near
    assert "the account has no recipient groups" in refused(
        plugin, NATIVE_GET_RECIPIENT_GROUP_FUNCTION, {"name": "On call"})
    gone = refused(plugin, NATIVE_GET_MONITOR_FUNCTION, {"id": "999999"})
    assert "getMonitor(id='999999') failed: AlertSite has no monitor 999999" in gone
    assert "pulumi refresh" not in gone  # NotFound's hint is for a monitor of the stack


def test_several_matches_name_their_ids_and_point_to_the_id(plugin: Plugin,
                                                            emulator: EmulatorControl) -> None:
    first, second = seed_monitor(emulator, "Twin", 1), seed_monitor(emulator, "Twin", 2)
    text = refused(plugin, NATIVE_GET_MONITOR_FUNCTION, {"name": "Twin"})
    assert f"2 monitors are named 'Twin' (ids {first}, {second}); look it up by id instead" in text
    assert MAILBOX_PASSWORD not in text
    assert props(invoke(plugin, NATIVE_GET_MONITOR_FUNCTION, {"id": second})).values["email"] == \
        "invoke-2@example.com"


def test_a_viewer_login_looks_up_and_nothing_is_written(
        plugin_factory: Callable[..., Plugin], emulator: EmulatorControl) -> None:
    recipient_id = seed_recipient(emulator, "Ops hook")
    viewer = plugin_factory()
    viewer.configure({"baseUrl": emulator.api_url, "username": VIEWER[0], "password": VIEWER[1]})
    emulator.reset_requests()
    found = props(invoke(viewer, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Ops hook"})).values
    assert found["id"] == recipient_id
    calls = emulator.requests()["by_method_path"]
    assert calls.get("GET /api/v3/recipients") == 1, calls
    assert all(call.startswith("GET ") or call == "POST /api/v3/access-tokens" for call in calls), calls


def test_invoke_at_preview_reads_as_at_update(plugin: Plugin, emulator: EmulatorControl) -> None:
    monitor_id, recipient_id = seed_monitor(emulator, "M"), seed_recipient(emulator, "R")
    group_id = emulator.seed_recipient_group({"name": "Planned", "monitors": [int(monitor_id)],
                                              "recipients": [int(recipient_id)]})
    answer = invoke(plugin, NATIVE_GET_RECIPIENT_GROUP_FUNCTION, {"name": "Planned"}, preview=True)
    assert props(answer).values["id"] == group_id
    assert UNKNOWN_SENTINEL not in json.dumps(props(answer).values)


def test_a_secret_argument_makes_the_answer_secret(plugin: Plugin, emulator: EmulatorControl) -> None:
    recipient_id = seed_recipient(emulator, "Ops hook")
    answer = invoke(plugin, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Ops hook"}, secrets=("name",))
    assert props(answer).values["id"] == recipient_id
    assert props(answer).secrets == set(props(answer).values)


@pytest.mark.parametrize(("args", "expected"), [
    ({}, "getRecipient: give exactly one of name and id"),
    ({"name": "Ops", "id": "1"}, "getRecipient: give exactly one of name and id"),
    ({"email": "x"}, "getRecipient takes name or id, not email"),
    ({"name": UNKNOWN_SENTINEL}, "getRecipient: name is not known yet"),
    ({"name": 5}, "getRecipient: name must be text, not int"),
    ({"id": "Ops"}, "getRecipient: id 'Ops' is not a recipient id (digits); to look up by name"),
])
def test_arguments_other_than_one_name_or_id_are_refused_before_any_call(
        plugin: Plugin, emulator: EmulatorControl, args: dict[str, Any], expected: str) -> None:
    emulator.reset_requests()
    assert expected in refused(plugin, NATIVE_GET_RECIPIENT_FUNCTION, args)
    assert emulator.requests()["total"] == 0


def test_an_unknown_function_is_named_with_the_served_ones(plugin: Plugin) -> None:
    text = refused(plugin, "alertsite:index:getAlert", {"name": "x"})
    assert "unknown function 'alertsite:index:getAlert'" in text and NATIVE_GET_MONITOR_FUNCTION in text


def test_a_wrong_login_is_the_error_text_without_the_password(
        plugin: Plugin, emulator: EmulatorControl) -> None:
    plugin.configure({"baseUrl": emulator.api_url, "username": VIEWER[0], "password": "wrong-pw-invoke"})
    text = refused(plugin, NATIVE_GET_MONITOR_FUNCTION, {"name": "x"})
    assert "POST /access-tokens" in text and "alertsite:password" in text
    assert "wrong-pw-invoke" not in text


def test_each_provider_answers_through_its_own_configuration(
        plugin_factory: Callable[..., Plugin], emulator: EmulatorControl) -> None:
    recipient_id = seed_recipient(emulator, "Ops hook")
    # The default provider: the current stack config the engine passes (PULUMI_CONFIG), no args.
    stack_config = {"baseUrl": emulator.api_url, "username": VIEWER[0], "password": VIEWER[1]}
    default = plugin_factory({"PULUMI_CONFIG": json.dumps(stack_config)})
    default.configure({})
    assert props(invoke(default, NATIVE_GET_RECIPIENT_FUNCTION, {"id": recipient_id})).values["name"] == \
        "Ops hook"
    # An explicit provider: its own arguments, over a wrong login in the environment.
    wrong = {"ALERTSITE_USERNAME": VIEWER[0], "ALERTSITE_PASSWORD": "wrong-env-pw-2",
             "PULUMI_CONFIG": json.dumps({**stack_config, "password": "wrong-config-pw-3"})}
    explicit = plugin_factory(wrong)
    explicit.configure({"baseUrl": emulator.api_url, "username": VIEWER[0], "password": VIEWER[1]},
                       urn="urn:pulumi:dev::proj::pulumi:providers:alertsite::partner")
    assert props(invoke(explicit, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Ops hook"})).values["id"] == \
        recipient_id
    # The same environment under the default provider: its wrong password wins over the args.
    misled = plugin_factory(wrong)
    misled.configure({"baseUrl": emulator.api_url, "username": VIEWER[0], "password": VIEWER[1]})
    text = refused(misled, NATIVE_GET_RECIPIENT_FUNCTION, {"name": "Ops hook"})
    assert "POST /access-tokens" in text and "wrong-" not in text
