"""Odd inputs to the native plugin through `pulumi preview`: refused naming the field, with 0 API
calls and no traceback, and no secret (or megabyte) printed or stored; as for the dynamic
resource (test_input_refusals.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .native_support import NativeProject, native_project
from .support import ADMIN_PASSWORD, ADMIN_USER, monitor_args
from .test_input_refusals import NESTED_CONTROLS, assert_kept_secret, assert_nowhere

pytestmark = pytest.mark.engine

PLAIN_PASSWORD = "native-plain-pw-7c2f"
URL_PASSWORD = "native-url-pw-41d0"


@pytest.fixture
def native(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> NativeProject:
    return native_project(tmp_path / "native", engine_bin, emulator.api_url, name="native-refusals",
                          secrets={"otherPassword": ADMIN_PASSWORD})


def test_refused_inputs_name_the_field_and_show_no_value(native: NativeProject,
                                                         emulator: EmulatorControl) -> None:
    cases = [
        ([monitor_args(0, with_password=False, email_password=PLAIN_PASSWORD + "x" * 300)], {},
         "email_password: is 320 characters long"),
        ([monitor_args(0, name="N" * 1_000_000)], {}, "name: is 1000000 characters long"),
        ([monitor_args(0, smtp_hostname=f"smtp://ops:{URL_PASSWORD}@smtp.example.com:25")], {},
         "smtp_hostname: must not carry credentials in the URL"),
        ([{**monitor_args(0), "options": {"provider": "other"}}],
         {"other": {"base_url": f"https://ops:{URL_PASSWORD}@api.example.com/api/v3",
                    "username": ADMIN_USER, "password_key": "otherPassword"}},
         "baseUrl"),
    ]
    for monitors, providers, expected in cases:
        native.set_spec(monitors, providers)
        emulator.reset_requests()
        preview = native.preview(check=False)
        assert preview.returncode != 0, preview.output
        assert expected in preview.output, preview.output[-4000:]
        assert "Traceback" not in preview.output, preview.output[-4000:]
        assert len(preview.output) < 5_000
        assert emulator.requests()["total"] == 0
        up = native.up(check=False)
        assert up.returncode != 0 and emulator.monitors() == []
        for result in (preview, up):
            assert_nowhere(native, result, PLAIN_PASSWORD, URL_PASSWORD, "N" * 1000)


def test_a_plain_string_password_is_kept_secret(native: NativeProject, emulator: EmulatorControl) -> None:
    native.set_spec([monitor_args(0, with_password=False, email_password=PLAIN_PASSWORD)])
    assert_kept_secret(native, emulator, PLAIN_PASSWORD)


def test_a_base_url_with_credentials_in_stack_config_is_not_echoed(native: NativeProject,
                                                                   emulator: EmulatorControl) -> None:
    native.set_spec([monitor_args(0)])
    native.run("config", "set", "alertsite:baseUrl", f"https://ops:{URL_PASSWORD}@api.example.com/api/v3")
    emulator.reset_requests()
    for result in (native.preview(check=False), native.up(check=False)):
        assert result.returncode != 0, result.output
        expected = "baseUrl: alertsite:baseUrl / ALERTSITE_BASE_URL must not carry credentials"
        assert expected in result.output, result.output[-4000:]
        assert "Traceback" not in result.output, result.output[-4000:]
        assert URL_PASSWORD not in result.output
    assert emulator.requests()["total"] == 0 and emulator.monitors() == []


def test_a_bad_setting_in_the_environment_is_an_error_not_a_crash(native: NativeProject,
                                                                  emulator: EmulatorControl) -> None:
    native.set_spec([monitor_args(0)])
    native.env["ALERTSITE_REQUEST_TIMEOUT"] = "nan"
    emulator.reset_requests()
    result = native.preview(check=False)
    assert result.returncode != 0, result.output
    assert "ALERTSITE_REQUEST_TIMEOUT" in result.output, result.output[-4000:]
    assert "Traceback" not in result.output and "exited prematurely" not in result.output, \
        result.output[-4000:]
    assert emulator.requests()["total"] == 0


def test_a_control_character_or_a_dotted_mailbox_is_refused_naming_the_field(
        native: NativeProject, emulator: EmulatorControl) -> None:
    native.set_spec([monitor_args(0, name="Mail\x00round trip", email="a..b@example.com",
                                  note="bell\x07", with_password=False,
                                  email_password=PLAIN_PASSWORD + "\x00")], {})
    emulator.reset_requests()
    preview = native.preview(check=False)
    assert preview.returncode != 0, preview.output
    assert "name: holds the control character U+0000 at character 5" in preview.output, preview.output
    assert "note: holds the control character U+0007 at character 5" in preview.output
    assert "email_password: holds the control character U+0000" in preview.output
    assert "email: 'a..b@example.com' is not an email address" in preview.output
    assert "\x00" not in preview.output and "\x07" not in preview.output
    assert "Traceback" not in preview.output
    assert emulator.requests()["total"] == 0
    assert_nowhere(native, preview, PLAIN_PASSWORD)


def test_an_empty_base_url_or_a_line_break_in_a_setting_is_refused_at_preview(
        native: NativeProject, emulator: EmulatorControl) -> None:
    explicit = {"base_url": emulator.api_url, "username": ADMIN_USER, "password_key": "otherPassword"}
    empty = "alertsite:baseUrl / ALERTSITE_BASE_URL is set but empty"
    cases = [
        # The default provider, from the stack config: empty must not mean the public API.
        ({}, {"alertsite:baseUrl": ""}, empty),
        ({"other": dict(explicit, base_url="")}, {}, empty),
        ({"other": dict(explicit, base_url=emulator.api_url + "\r\nX-Injected: 1")}, {},
         "baseUrl: alertsite:baseUrl / ALERTSITE_BASE_URL holds a line break, NUL or other control"),
        ({"other": dict(explicit, username=ADMIN_USER + "\r\nX-Injected: 1")}, {},
         "username: alertsite:username / ALERTSITE_USERNAME holds a line break, NUL or other control"),
        ({"other": dict(explicit, username="admin\x00@example.com")}, {},
         "username: alertsite:username / ALERTSITE_USERNAME holds a line break, NUL or other control"),
    ]
    for providers, config, expected in cases:
        monitor = monitor_args(0)
        if providers:
            monitor["options"] = {"provider": "other"}
        native.set_spec([monitor], providers)
        for key, value in config.items():
            native.run("config", "set", key, value)
        emulator.reset_requests()
        preview = native.preview(check=False)
        assert preview.returncode != 0, preview.output[-4000:]
        assert expected in preview.output, preview.output[-4000:]
        assert "Traceback" not in preview.output, preview.output[-4000:]
        assert "X-Injected" not in preview.output, preview.output[-4000:]
        assert emulator.requests()["total"] == 0 and emulator.monitors() == []
        for key in config:
            native.run("config", "set", key, emulator.api_url)


def test_a_control_character_deep_inside_a_value_is_refused_in_a_short_message(
        native: NativeProject, emulator: EmulatorControl) -> None:
    native.set_spec([monitor_args(0, with_password=False, **NESTED_CONTROLS)], {})
    emulator.reset_requests()
    preview = native.preview(check=False)
    assert preview.returncode != 0, preview.output[-4000:]
    assert ("custom_properties: a key of [1] holds the control character U+0000 at character 6"
            in preview.output), preview.output[-4000:]
    assert "extra_fields: a key of ['x_flag'][1] holds the control character U+001B at character 5" \
        in preview.output
    assert "alert_note: holds the control character U+0000 at character 1048577" in preview.output
    assert "email_username: holds a line break at character 3" in preview.output
    assert "DELE" not in preview.output
    assert "\x00" not in preview.output and "\x1b" not in preview.output
    assert "a" * 100 not in preview.output and len(preview.output) < 20_000, len(preview.output)
    assert "Traceback" not in preview.output
    assert emulator.requests()["total"] == 0
