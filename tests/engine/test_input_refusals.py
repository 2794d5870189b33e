"""Odd inputs through `pulumi preview`: refused naming the field, with 0 API calls, no traceback,
and no secret (or megabyte) ever printed or stored."""

from __future__ import annotations

import json
from collections.abc import Callable

from alertsite_pulumi.emulator import EmulatorControl

from .harness import PulumiProject, Result
from .support import SpecProject, monitor_args

PLAIN_PASSWORD = "plain-mailbox-pw-5e1d"
URL_PASSWORD = "url-pw-93ac"
INT_PASSWORD = 987654321


def refused_at_preview(project: SpecProject, emulator: EmulatorControl) -> Result:
    """A preview that fails with no API call at all and no traceback."""
    emulator.reset_requests()
    result = project.preview(check=False)
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output, result.output[-4000:]
    assert emulator.requests()["total"] == 0
    return result


def assert_nowhere(project: PulumiProject, result: Result, *texts: str) -> None:
    stored = project.state_text() + json.dumps(project.export())
    for text in texts:
        assert text not in result.output, text
        assert text not in stored, text


def test_passwords_and_huge_values_are_never_printed_or_stored(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    # Each fails its check, so the engine reports it: the value must not come with it.
    cases = [
        (monitor_args(0, with_password=False, email_password=PLAIN_PASSWORD + "x" * 300),
         "email_password: is 321 characters long; at most 255 are allowed"),
        (monitor_args(0, with_password=False, email_password=INT_PASSWORD),
         "email_password: must be text, not a number"),
        (monitor_args(0, smtp_hostname=f"smtp://ops:{URL_PASSWORD}@smtp.example.com:25/"),
         "smtp_hostname: must not carry credentials in the URL"),
        (monitor_args(0, name="N" * 1_000_000), "name: is 1000000 characters long"),
    ]
    project = spec_project([])
    for monitor, expected in cases:
        project.set_monitors([monitor])
        result = refused_at_preview(project, emulator)
        assert expected in result.output, result.output
        assert len(result.output) < 5_000
        up = project.up(check=False)
        assert up.returncode != 0 and emulator.monitors() == []
        for output in (result, up):
            assert_nowhere(project, output, PLAIN_PASSWORD, URL_PASSWORD, str(INT_PASSWORD),
                           "9.87654321e+08", "N" * 1000)


def assert_kept_secret(project: PulumiProject, emulator: EmulatorControl, password: str) -> None:
    """preview and up of one monitor whose program gave its mailbox password as plain text."""
    preview = project.preview()
    up = project.up()
    (monitor,) = emulator.monitors()
    assert emulator.password_matches(monitor["id"], password)
    assert_nowhere(project, preview, password)
    assert_nowhere(project, up, password)
    project.preview("--expect-no-changes")


def test_a_plain_string_password_is_kept_secret(spec_project: Callable[..., SpecProject],
                                                emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0, with_password=False, email_password=PLAIN_PASSWORD)])
    assert_kept_secret(project, emulator, PLAIN_PASSWORD)


def test_what_alertsite_refuses_is_refused_at_preview_naming_the_field(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    # The engine stops a preview at the first check failure: one monitor per run.
    cases = [
        (monitor_args(0, smtp_hostname="smtps://smtp.exa\nmple.com:465"),
         "smtp_hostname: the URL holds a space, tab, line break or other control character"),
        (monitor_args(0, pop3_hostname="pop3s://pop.example.com\t"),
         "pop3_hostname: the URL holds a space, tab, line break or other control character"),
        (monitor_args(0, smtp_hostname="SMTPS://smtp.example.com"),
         "smtp_hostname: 'SMTPS://smtp.example.com' has the scheme in upper case; write smtps://"),
        (monitor_args(0, pop3_hostname="pop3s://pop.example.com/"),
         "pop3_hostname: 'pop3s://pop.example.com/' must name only a host and an optional port"),
        (monitor_args(0, smtp_hostname="smtps://smtp.example.com:"),
         "smtp_hostname: 'smtps://smtp.example.com:' has ':' with no port after it"),
        (monitor_args(0, email="roundtrip-0@example.com\n"),
         "email: 'roundtrip-0@example.com\\n' is not an email address"),
        (monitor_args(0, extra_fields={"created": "2026-01-01T00:00:00Z"}),
         "extra_fields: names read-only fields ['created']"),
    ]
    project = spec_project([])
    for monitor, expected in cases:
        project.set_monitors([monitor])
        output = refused_at_preview(project, emulator).output
        assert expected in output, output


def test_values_the_sdk_cannot_carry_and_unknown_arguments_are_clean_errors(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0, name="bad\ud800name")])
    output = refused_at_preview(project, emulator).output
    assert "EmailRoundTripMonitor 'mon-0': name: holds a lone surrogate" in output
    project.set_monitors([monitor_args(0, intervall=15)])
    output = refused_at_preview(project, emulator).output
    expected = "EmailRoundTripMonitor 'mon-0' got unknown arguments ['intervall']; allowed: billing_plancode"
    assert expected in output


def test_a_malformed_setting_is_refused_at_preview_naming_key_and_variable(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0)])
    project.run("config", "set", "alertsite:requestTimeout", "nan")
    result = refused_at_preview(project, emulator)
    assert "alertsite:requestTimeout / ALERTSITE_REQUEST_TIMEOUT" in result.output, result.output


def test_an_alertsite_error_during_up_is_its_message_without_a_traceback(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    # Passes preview (adoption is judged against the live account), fails at up.
    project = spec_project([monitor_args(0, adopt_monitor_id="424242")])
    up = project.up(check=False)
    assert up.returncode != 0
    assert "adopt_monitor_id: AlertSite has no monitor 424242" in up.output, up.output
    assert "Traceback" not in up.output, up.output[-4000:]
    assert emulator.monitors() == []


def test_a_control_character_or_a_dotted_mailbox_is_refused_naming_the_field(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0, name="Mail\x00round trip", email="a..b@example.com",
                                         note="bell\x07", with_password=False,
                                         email_password=PLAIN_PASSWORD + "\x00")])
    result = refused_at_preview(project, emulator)
    assert "name: holds the control character U+0000 at character 5" in result.output, result.output
    assert "note: holds the control character U+0007 at character 5" in result.output
    assert "email_password: holds the control character U+0000" in result.output
    assert "email: 'a..b@example.com' is not an email address" in result.output
    assert "\x00" not in result.output and "\x07" not in result.output
    assert_nowhere(project, result, PLAIN_PASSWORD)


#: A control character where only a deep look finds it: in a key of custom_properties or of
#: extra_fields, in a nested list, and at the end of a megabyte of text.
NESTED_CONTROLS = {
    "custom_properties": [{"id": "1", "value": "v"}, {"id": "2", "value\x00": "x"}],
    "extra_fields": {"x_flag": ["on", {"deep\x1b": 1}]},
    "alert_note": "a" * (1 << 20) + "\x00",
    # Not a control character a note may not hold, but the end of a POP3 command line.
    "email_username": "rt\r\nDELE 1",
}


def test_a_control_character_deep_inside_a_value_is_refused_in_a_short_message(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0, **NESTED_CONTROLS)])
    result = refused_at_preview(project, emulator)
    assert ("custom_properties: a key of [1] holds the control character U+0000 at character 6"
            in result.output), result.output[-4000:]
    assert "extra_fields: a key of ['x_flag'][1] holds the control character U+001B at character 5" \
        in result.output
    assert "alert_note: holds the control character U+0000 at character 1048577" in result.output
    assert "email_username: holds a line break at character 3" in result.output
    assert "DELE" not in result.output
    assert "\x00" not in result.output and "\x1b" not in result.output
    assert "a" * 100 not in result.output and len(result.output) < 20_000, len(result.output)
