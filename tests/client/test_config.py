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


def test_stored_config_comes_after_the_environment() -> None:
    stored = {"alertsite:baseUrl": "https://stored.example.com/api/v3",
              "alertsite:username": "ops@example.com", "alertsite:password": "password-at-last-up"}
    s = resolve_settings(stored_config=stored, environ={"ALERTSITE_PASSWORD": "rotated"})
    assert s.password == "rotated" and s.username == "ops@example.com"
    assert s.base_url == "https://stored.example.com/api/v3"
    s = resolve_settings(stack_config={"alertsite:password": "current"}, stored_config=stored,
                         environ={"ALERTSITE_PASSWORD": "rotated"})
    assert s.password == "current"


@pytest.mark.parametrize(
    ("stack_config", "environ", "stored", "token_used"),
    [
        # The current config names both: the token is used as given (the README's promise).
        ({"alertsite:accessToken": "t", "alertsite:username": "u", "alertsite:password": "p"}, {}, {}, True),
        # A login in the stack config wins over a token from the environment, and the reverse.
        ({"alertsite:username": "u", "alertsite:password": "p"}, {"ALERTSITE_ACCESS_TOKEN": "t"}, {}, False),
        ({"alertsite:accessToken": "t"}, {"ALERTSITE_USERNAME": "u", "ALERTSITE_PASSWORD": "p"}, {}, True),
        # Stored at the last up: a login beats a token that has likely expired since.
        ({}, {}, {"alertsite:accessToken": "t", "alertsite:username": "u", "alertsite:password": "p"}, False),
        ({}, {"ALERTSITE_USERNAME": "u", "ALERTSITE_PASSWORD": "p"}, {"alertsite:accessToken": "t"}, False),
        # A stored token with nothing else is still tried.
        ({}, {"ALERTSITE_USERNAME": "u"}, {"alertsite:accessToken": "t"}, True),
    ],
)
def test_a_token_never_shadows_a_login_from_a_source_that_ranks_higher(
        stack_config: dict[str, str], environ: dict[str, str], stored: dict[str, str],
        token_used: bool) -> None:
    s = resolve_settings(stack_config=stack_config, environ=environ, stored_config=stored)
    assert (s.access_token == "t") is token_used
