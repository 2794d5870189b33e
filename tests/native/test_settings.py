"""Where a provider process gets its settings: current credentials win over stored ones."""

from __future__ import annotations

import json

import pytest

from alertsite_pulumi.config import resolve_settings
from alertsite_pulumi.errors import ConfigurationError
from alertsite_pulumi.native.settings import check_provider_args, is_default_provider, provider_settings

STORED = {"baseUrl": "http://127.0.0.1:1/api/v3", "username": "old@example.com", "password": "old-pw"}


def test_default_provider_names_are_recognised() -> None:
    assert is_default_provider("urn:pulumi:dev::p::pulumi:providers:alertsite::default")
    assert is_default_provider("urn:pulumi:dev::p::pulumi:providers:alertsite::default_0_1_0")
    assert not is_default_provider("urn:pulumi:dev::p::pulumi:providers:alertsite::account-b")


def test_default_provider_current_stack_config_wins_over_stored_inputs() -> None:
    environ = {"PULUMI_CONFIG": json.dumps({"password": "rotated-pw", "unrelated": "x"})}
    settings = provider_settings(STORED, default_provider=True, environ=environ)
    assert settings.password == "rotated-pw"
    assert settings.username == "old@example.com"


def test_default_provider_environment_wins_over_stored_inputs_but_not_over_stack_config() -> None:
    environ = {"ALERTSITE_PASSWORD": "env-pw", "ALERTSITE_USERNAME": "env@example.com",
               "PULUMI_CONFIG": json.dumps({"username": "config@example.com"})}
    settings = provider_settings(STORED, default_provider=True, environ=environ)
    assert (settings.username, settings.password) == ("config@example.com", "env-pw")


def test_explicit_provider_inputs_win_and_stack_config_never_leaks_in() -> None:
    environ = {"PULUMI_CONFIG": json.dumps({"username": "default-account@example.com"}),
               "ALERTSITE_REQUEST_TIMEOUT": "7"}
    settings = provider_settings({"username": "b@example.com", "password": "b-pw"},
                                 default_provider=False, environ=environ)
    assert (settings.username, settings.password) == ("b@example.com", "b-pw")
    assert settings.request_timeout == 7.0  # unset inputs fall back to the environment


def test_provider_inputs_as_json_text_are_read() -> None:
    # Generated SDKs send a provider's non-string inputs as JSON text.
    settings = provider_settings({"maxConcurrency": "48", "requestTimeout": "12.5"},
                                 default_provider=False, environ={})
    assert (settings.max_concurrency, settings.request_timeout) == (48, 12.5)


def test_check_names_each_bad_setting() -> None:
    problems = dict(check_provider_args({"maxConcurrency": 0, "requestTimeout": "soon", "username": "u"}))
    assert set(problems) == {"maxConcurrency", "requestTimeout"}
    assert "ALERTSITE_MAX_CONCURRENCY" in problems["maxConcurrency"]


def test_an_empty_base_url_is_refused_not_taken_for_the_public_api() -> None:
    # Empty would mean https://api.alertsite.com: most often an unset variable meant to name
    # the emulator or a test account. The dynamic resource refuses it too.
    problems = dict(check_provider_args({"baseUrl": "", "username": ""}))
    assert set(problems) == {"baseUrl"}
    assert "alertsite:baseUrl / ALERTSITE_BASE_URL is set but empty" in problems["baseUrl"]
    for default in (True, False):
        with pytest.raises(ConfigurationError, match="is set but empty"):
            provider_settings({"baseUrl": ""}, default_provider=default, environ={})
    with pytest.raises(ConfigurationError, match="is set but empty"):
        provider_settings({}, default_provider=True, environ={"PULUMI_CONFIG": json.dumps({"baseUrl": ""})})


def test_line_breaks_and_nul_in_the_base_url_or_username_are_refused_unshown() -> None:
    cases = {
        "baseUrl": ["http://127.0.0.1:1/api/v3\r\nX-Injected: 1", "http://127.0.0.1:1/api\x00/v3",
                    "http://127.0.0.1:1/\napi/v3"],
        "username": ["admin@example.com\r\nX-Injected: 1", "admin\x00@example.com", "admin\n@example.com"],
    }
    for prop, values in cases.items():
        for value in values:
            problems = dict(check_provider_args({prop: value}))
            assert set(problems) == {prop}, (prop, value)
            assert "holds a line break, NUL or other control character" in problems[prop]
            assert "Injected" not in problems[prop]
            with pytest.raises(ConfigurationError, match="control character"):
                provider_settings({prop: value}, default_provider=False, environ={})
    # The dynamic resource's settings (stack config and environment) are read the same way.
    with pytest.raises(ConfigurationError, match="alertsite:username / ALERTSITE_USERNAME holds a line"):
        resolve_settings(environ={"ALERTSITE_USERNAME": "a\r\nb@example.com"})


def test_unicode_line_breaks_and_c1_controls_in_the_username_or_base_url_are_refused() -> None:
    # U+0085 (NEL) is a C1 control, U+2028 and U+2029 are line and paragraph separators: each
    # breaks a line wherever the login is printed (str.splitlines, logs, terminals).
    for prop, good in {"username": "admin@example.com", "baseUrl": "http://127.0.0.1:1/api/v3"}.items():
        for mark in ("\u0085", "\u2028", "\u2029", "\u009b"):
            value = good[:5] + mark + good[5:]
            problems = dict(check_provider_args({prop: value}))
            assert set(problems) == {prop}, (prop, ascii(value))
            assert "holds a line break, NUL or other control character" in problems[prop]
    with pytest.raises(ConfigurationError, match="alertsite:username / ALERTSITE_USERNAME holds a line"):
        resolve_settings(environ={"ALERTSITE_USERNAME": "admin\u2028@example.com"})
    # Other non-ASCII text stays allowed.
    assert check_provider_args({"username": "jörg@example.com"}) == []


def test_the_time_zone_is_a_provider_input_checked_at_preview() -> None:
    settings = provider_settings({"timeZone": "Europe/Berlin"}, default_provider=False, environ={})
    assert settings.time_zone == "Europe/Berlin"
    problems = dict(check_provider_args({"timeZone": "Europe/Nowhere"}))
    assert set(problems) == {"timeZone"} and "ALERTSITE_TIME_ZONE" in problems["timeZone"]
