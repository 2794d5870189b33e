"""The plugin through real gRPC calls, against the emulator: what the engine sees."""

from __future__ import annotations

import json
from collections.abc import Callable

import grpc
import pytest
from factories import ADMIN
from google.protobuf import empty_pb2
from google.protobuf.struct_pb2 import Struct
from pulumi.runtime.proto import plugin_pb2, provider_pb2

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.native import package_version
from alertsite_pulumi.native.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL, to_struct, unknown
from alertsite_pulumi.tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE

from .conftest import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, MONITOR_URN, Plugin, monitor_inputs, props

_DIFF = provider_pb2.DiffResponse


def is_secret(struct: Struct, key: str) -> bool:
    value = struct.fields[key]
    return value.HasField("struct_value") and value.struct_value.fields[SIG_KEY].string_value == SECRET_SIG


def test_plugin_info_and_schema_describe_the_package(plugin: Plugin) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == package_version()
    schema = json.loads(plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)
    assert schema["name"] == "alertsite"
    assert NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE in schema["resources"]


def test_configure_accepts_secrets_and_supports_preview(plugin: Plugin, emulator: EmulatorControl) -> None:
    answer = plugin.configure({"baseUrl": emulator.api_url, "username": ADMIN[0],
                               "password": ADMIN[1]})
    assert answer.acceptSecrets and answer.supportsPreview


def test_check_config_names_a_bad_setting_and_keeps_secrets_wrapped(plugin: Plugin) -> None:
    news = to_struct({"baseUrl": "http://alertsite.example.com/api", "password": "p"}, ["password"])
    answer = plugin.stub.CheckConfig(provider_pb2.CheckRequest(urn="urn:x::default", news=news))
    # Named in the reason, not as the property: the engine would print a property's value.
    assert [(f.property, f.reason.split(":")[0]) for f in answer.failures] == [("", "baseUrl")]
    assert "not loopback" in answer.failures[0].reason
    assert is_secret(answer.inputs, "password")


def test_check_defaults_the_name_wraps_the_password_and_reports_failures(plugin: Plugin) -> None:
    answer = plugin.check("support", monitor_inputs(email_password=MAILBOX_PASSWORD),
                          secrets=("email_password",))
    assert not answer.failures
    assert props(answer.inputs).values["name"] == "support"
    assert is_secret(answer.inputs, "email_password")
    bad = plugin.check("bad", monitor_inputs(interval=7))
    # Named in the reason, not as the property: the engine would print a property's value.
    assert [f.reason.split(":")[0] for f in bad.failures] == ["interval"]
    assert "7 is not one of" in bad.failures[0].reason


def test_check_refuses_a_control_character_and_a_dotted_mailbox_as_the_dynamic_resource_does(
        plugin: Plugin) -> None:
    bad = plugin.check("odd", monitor_inputs(name="Mail\x00" + "n" * 200, email="a..b@example.com",
                                             email_password="hunter2\x00"), secrets=("email_password",))
    reasons = {f.reason.split(":")[0]: f.reason for f in bad.failures}
    assert set(reasons) == {"name", "email", "email_password"}, reasons
    assert "control character U+0000 at character 5" in reasons["name"]
    assert "must not start or end with '.' or hold '..'" in reasons["email"]
    for reason in reasons.values():
        assert "\x00" not in reason and "hunter2" not in reason and len(reason) < 200, reason
    assert all(f.property == "" for f in bad.failures)


def test_check_passes_unknowns_through(plugin: Plugin) -> None:
    answer = plugin.check("later", monitor_inputs(email=unknown()))
    assert not answer.failures
    assert answer.inputs.fields["email"].string_value == UNKNOWN_SENTINEL


def test_create_preview_answers_unknown_computed_fields_and_calls_nothing(
        plugin: Plugin, emulator: EmulatorControl) -> None:
    emulator.reset_requests()
    answer = plugin.create("planned", monitor_inputs(email_password=MAILBOX_PASSWORD), preview=True)
    assert answer.id == ""
    out = answer.properties.fields
    assert out["monitor_id"].string_value == UNKNOWN_SENTINEL
    assert out["timeout"].string_value == UNKNOWN_SENTINEL  # an account default, not set here
    assert out["interval"].number_value == 15
    assert is_secret(answer.properties, "email_password")
    assert emulator.requests()["total"] == 0


def test_lifecycle_create_diff_update_read_delete(plugin: Plugin, emulator: EmulatorControl) -> None:
    created = plugin.create("m", monitor_inputs(email_password=MAILBOX_PASSWORD))
    state = created.properties
    assert created.id and props(state).values["monitor_id"] == created.id
    assert is_secret(state, "email_password")
    assert emulator.monitor(created.id)["interval"] in ("15", 15)

    news = plugin.check("m", monitor_inputs(email_password=MAILBOX_PASSWORD, interval=30),
                        secrets=("email_password",)).inputs
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=MONITOR_URN + "m",
                                                     olds=state, news=news))
    assert diff.changes == _DIFF.DIFF_SOME and list(diff.diffs) == ["interval"]
    same = plugin.stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=MONITOR_URN + "m", olds=state,
                                                     news=plugin.check("m", monitor_inputs()).inputs))
    assert same.changes == _DIFF.DIFF_NONE

    updated = plugin.stub.Update(provider_pb2.UpdateRequest(id=created.id, urn=MONITOR_URN + "m",
                                                            olds=state, news=news))
    assert props(updated.properties).values["interval"] == 30
    assert is_secret(updated.properties, "email_password")

    emulator.edit_monitor(created.id, note="edited in the UI")
    read = plugin.stub.Read(provider_pb2.ReadRequest(id=created.id, urn=MONITOR_URN + "m",
                                                     properties=updated.properties, inputs=news))
    assert props(read.properties).values["note"] == "edited in the UI"
    assert props(read.properties).values["email_password"] == MAILBOX_PASSWORD
    assert is_secret(read.properties, "email_password")

    plugin.stub.Delete(provider_pb2.DeleteRequest(id=created.id, urn=MONITOR_URN + "m",
                                                  properties=read.properties))
    assert not emulator.monitors()
    gone = plugin.stub.Read(provider_pb2.ReadRequest(id=created.id, urn=MONITOR_URN + "m",
                                                     properties=read.properties))
    assert gone.id == ""


def test_read_with_no_state_returns_inputs_from_the_live_monitor(
        plugin: Plugin, emulator: EmulatorControl) -> None:
    monitor_id = emulator.seed_monitor({"name": "Legacy", "billing_plancode": "UBM - A/A",
                                        "smtp_hostname": "smtp://mx.example.com",
                                        "pop3_hostname": "pop3://pop.example.com",
                                        "email": "legacy@example.com", "interval": "30"})
    read = plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "legacy"))
    inputs = props(read.inputs).values
    assert inputs["name"] == "Legacy" and inputs["interval"] == 30
    assert "monitor_id" not in inputs and "email_password" not in inputs
    checked = plugin.check("legacy", inputs).inputs
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(id=monitor_id, urn=MONITOR_URN + "legacy",
                                                     olds=read.properties, news=checked))
    assert diff.changes == _DIFF.DIFF_NONE


def test_errors_reach_the_engine_as_text_without_secrets(plugin: Plugin, emulator: EmulatorControl) -> None:
    plugin.configure({"baseUrl": emulator.api_url, "username": "admin@example.com", "password": "wrong-pw-9"})
    with pytest.raises(grpc.RpcError) as caught:
        plugin.create("m", monitor_inputs())
    details = str(caught.value.details())
    assert "POST /access-tokens" in details and "alertsite:password" in details
    assert "wrong-pw-9" not in details


def test_attach_records_the_engine_address(plugin: Plugin) -> None:
    # PULUMI_DEBUG_PROVIDERS=alertsite:<port>: the engine attaches to a plugin started by hand.
    plugin.stub.Attach(plugin_pb2.PluginAttach(address="127.0.0.1:12345"))
    assert plugin.servicer.engine_address == "127.0.0.1:12345"


def test_diff_config_never_replaces_the_provider(plugin: Plugin, emulator: EmulatorControl) -> None:
    # Another root may reach the same account (another name of the host, the emulator on another
    # port): each monitor's diff reads it through the new settings and decides for itself.
    def replaces(old: str, new: str) -> list[str]:
        answer = plugin.stub.DiffConfig(provider_pb2.DiffRequest(
            olds=to_struct({"baseUrl": old}), news=to_struct({"baseUrl": new})))
        return list(answer.replaces)

    here = emulator.api_url
    assert replaces(here, UNKNOWN_SENTINEL) == []
    assert replaces("https://api.alertsite.com/api/v3", "https://API.alertsite.com:443/api/v3/") == []
    assert replaces(here, "https://api.alertsite.com/api/v3") == []


def test_a_provider_whose_base_url_is_unknown_at_preview_replaces_no_monitor(
        plugin: Plugin, plugin_factory: Callable[..., Plugin], emulator: EmulatorControl) -> None:
    created = plugin.create("m", monitor_inputs())
    # The engine configures an explicit provider at preview with what it knows: its baseUrl may
    # be another resource's output, unknown yet. The monitors are not moved for that.
    later = plugin_factory()
    later.configure({"baseUrl": UNKNOWN_SENTINEL, "username": ADMIN_USER, "password": ADMIN_PASSWORD},
                    urn="urn:pulumi:dev::proj::pulumi:providers:alertsite::explicit")
    emulator.reset_requests()
    news = later.check("m", monitor_inputs()).inputs
    diff = later.stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=MONITOR_URN + "m",
                                                    olds=created.properties, news=news))
    assert list(diff.replaces) == [] and diff.changes == _DIFF.DIFF_NONE
    assert emulator.requests()["total"] == 0


def test_an_alertsite_account_given_as_an_input_is_never_kept(
        plugin: Plugin, plugin_factory: Callable[..., Plugin], emulator: EmulatorControl) -> None:
    # The provider records the account; a program (or a YAML one, unchecked by an SDK) that
    # passes its own would decide where the monitor is taken to be.
    forged = monitor_inputs(alertsite_account={"base_url": "https://elsewhere.example.com/api/v3",
                                               "username": "someone"})
    known = props(plugin.check("m", forged).inputs).values["alertsite_account"]
    assert known == {"base_url": emulator.api_url.rstrip("/"), "username": ADMIN_USER}
    later = plugin_factory()
    later.configure({"baseUrl": UNKNOWN_SENTINEL, "username": ADMIN_USER, "password": ADMIN_PASSWORD},
                    urn="urn:pulumi:dev::proj::pulumi:providers:alertsite::explicit")
    assert "alertsite_account" not in props(later.check("m", forged).inputs).values
