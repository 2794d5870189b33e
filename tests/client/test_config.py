"""Settings: precedence, validation, and secrets that never print."""

from __future__ import annotations

import pytest

from alertsite_pulumi.config import DEFAULT_BASE_URL, resolve_settings
from alertsite_pulumi.errors import ConfigurationError


def test_precedence_explicit_then_stack_config_then_environment_then_default() -> None:
    env = {"ALERTSITE_USERNAME": "env@example.com", "ALERTSITE_REQUEST_TIMEOUT": "9"}
    s = resolve_settings(explicit={"username": "explicit@example.com"},
                         stack_config={"alertsite:username": "stack@example.com"}, environ=env)
    assert s.username == "explicit@example.com"
    s = resolve_settings(stack_config={"alertsite:username": "stack@example.com"}, environ=env)
    assert s.username == "stack@example.com" and s.request_timeout == 9.0
    s = resolve_settings(environ={})
    assert s.base_url == DEFAULT_BASE_URL and s.username is None and s.max_requests_per_second is None


def test_plain_http_only_for_loopback() -> None:
    assert resolve_settings(environ={"ALERTSITE_BASE_URL": "http://127.0.0.1:8080/api/v3/"}).base_url == (
        "http://127.0.0.1:8080/api/v3")
    assert resolve_settings(environ={"ALERTSITE_BASE_URL": "http://localhost:1/api/v3"}).base_url
    with pytest.raises(ConfigurationError, match="only https:// is allowed"):
        resolve_settings(environ={"ALERTSITE_BASE_URL": "http://api.alertsite.com/api/v3"})
    with pytest.raises(ConfigurationError, match="must not carry credentials"):
        resolve_settings(environ={"ALERTSITE_BASE_URL": "https://u:p@api.alertsite.com/api/v3"})


def test_bad_numbers_name_key_and_variable() -> None:
    with pytest.raises(ConfigurationError, match="alertsite:requestTimeout / ALERTSITE_REQUEST_TIMEOUT"):
        resolve_settings(environ={"ALERTSITE_REQUEST_TIMEOUT": "soon"})


def test_missing_credentials_name_config_keys_and_variables() -> None:
    s = resolve_settings(environ={"ALERTSITE_USERNAME": "ops@example.com"})
    with pytest.raises(ConfigurationError) as info:
        s.require_credentials()
    text = str(info.value)
    assert "alertsite:password (or ALERTSITE_PASSWORD)" in text
    assert "ALERTSITE_ACCESS_TOKEN" in text


def test_secrets_never_print() -> None:
    s = resolve_settings(environ={"ALERTSITE_USERNAME": "ops@example.com",
                                  "ALERTSITE_PASSWORD": "account-secret-9",
                                  "ALERTSITE_ACCESS_TOKEN": "feedfacefeedfacefeedfacefeedface"})
    for text in (repr(s), str(s), f"{s}"):
        assert "account-secret-9" not in text and "feedface" not in text
        assert "[secret]" in text
