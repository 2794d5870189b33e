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


NUMERIC_SETTINGS = {
    # config key: (variable, allowed range as the message says it, values outside it)
    "alertsite:requestTimeout": ("ALERTSITE_REQUEST_TIMEOUT", "above 0 and at most 3600",
                                 ["0", "-1", "nan", "inf", "-inf", "1e999", "3601", "soon", "1" * 5000]),
    "alertsite:retryBudget": ("ALERTSITE_RETRY_BUDGET", "from 0 to 3600",
                              ["-1", "nan", "inf", "1e999", "86400"]),
    "alertsite:maxRetries": ("ALERTSITE_MAX_RETRIES", "from 0 to 100",
                             ["-1", "nan", "inf", "1.5", "101", "99999999999", "1" * 5000]),
    "alertsite:maxRequestsPerSecond": ("ALERTSITE_MAX_REQUESTS_PER_SECOND", "from 0.01 to 1000",
                                       ["-1", "nan", "inf", "1e999", "0.001", "1001"]),
}
BAD_NUMBERS = [(key, raw) for key, (_, _, values) in NUMERIC_SETTINGS.items() for raw in values]


@pytest.mark.parametrize(("key", "raw"), BAD_NUMBERS)
@pytest.mark.parametrize("source", ["stack config", "environment"])
def test_a_number_out_of_range_names_key_variable_and_range(key: str, raw: str, source: str) -> None:
    variable, allowed, _ = NUMERIC_SETTINGS[key]
    where = {"stack_config": {key: raw}, "environ": {}} if source == "stack config" else \
        {"environ": {variable: raw}}
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(**where)
    text = str(info.value)
    assert f"{key} / {variable}" in text and allowed in text
    assert len(text) < 400  # a huge value is not echoed whole


def test_numbers_within_range_are_read_and_zero_rate_means_no_limit() -> None:
    s = resolve_settings(stack_config={"alertsite:requestTimeout": "0.5", "alertsite:maxRetries": "0",
                                       "alertsite:retryBudget": "0"},
                         environ={"ALERTSITE_MAX_REQUESTS_PER_SECOND": "0"})
    assert (s.request_timeout, s.max_retries, s.retry_budget) == (0.5, 0, 0.0)
    assert s.max_requests_per_second is None
    s = resolve_settings(environ={"ALERTSITE_REQUEST_TIMEOUT": " 3600 ", "ALERTSITE_MAX_RETRIES": "100",
                                  "ALERTSITE_MAX_REQUESTS_PER_SECOND": "1000"})
    assert (s.request_timeout, s.max_retries, s.max_requests_per_second) == (3600.0, 100, 1000.0)
    # Values given explicitly (the provider's, a program's) obey the same ranges; a bool is no number.
    with pytest.raises(ConfigurationError, match="a whole number from 0 to 100"):
        resolve_settings(explicit={"max_retries": True}, environ={})
    with pytest.raises(ConfigurationError, match="above 0"):
        resolve_settings(explicit={"request_timeout": float("nan")}, environ={})


@pytest.mark.parametrize("source", ["explicit", "stack config", "environment"])
def test_an_empty_base_url_is_refused_not_taken_for_the_public_api(source: str) -> None:
    where = {"explicit": {"explicit": {"base_url": ""}},
             "stack config": {"stack_config": {"alertsite:baseUrl": " "}},
             "environment": {"environ": {"ALERTSITE_BASE_URL": ""}}}[source]
    with pytest.raises(ConfigurationError, match="alertsite:baseUrl / ALERTSITE_BASE_URL is set but empty"):
        resolve_settings(**{"environ": {}, **where})
    # Other settings left empty count as not set: the next source applies.
    s = resolve_settings(stack_config={"alertsite:username": ""},
                         environ={"ALERTSITE_USERNAME": "ops@example.com"})
    assert s.username == "ops@example.com"


def test_a_malformed_base_url_is_a_configuration_error_that_hides_credentials() -> None:
    for url in ("http://[::1/api/v3", "http://127.0.0.1:99999/api/v3", "ftp://ops:hunter2-secret@example.com/"):
        with pytest.raises(ConfigurationError) as info:
            resolve_settings(environ={"ALERTSITE_BASE_URL": url})
        assert "alertsite:baseUrl / ALERTSITE_BASE_URL" in str(info.value)
        assert "hunter2" not in str(info.value)


def test_the_defaults_are_the_readmes() -> None:
    """The defaults the README's configuration table gives, as numbers, not as the code's names."""
    s = resolve_settings(environ={})
    assert s.base_url == "https://api.alertsite.com/api/v3"
    assert (s.request_timeout, s.max_retries, s.retry_budget) == (30.0, 6, 120.0)
    assert s.max_requests_per_second is None and s.allow_shared_mailbox is False
    assert s.max_concurrency == 32


def test_max_concurrency_is_1_to_256() -> None:
    assert resolve_settings(environ={"ALERTSITE_MAX_CONCURRENCY": "1"}).max_concurrency == 1
    highest = resolve_settings(stack_config={"alertsite:maxConcurrency": "256"}, environ={})
    assert highest.max_concurrency == 256
    for raw in ("0", "257", "2.5", "many"):
        with pytest.raises(ConfigurationError) as info:
            resolve_settings(environ={"ALERTSITE_MAX_CONCURRENCY": raw})
        assert "alertsite:maxConcurrency / ALERTSITE_MAX_CONCURRENCY" in str(info.value)
        assert "1 to 256" in str(info.value)


def test_time_zone_is_an_iana_name_defaulting_to_utc() -> None:
    assert resolve_settings(environ={}).time_zone == "UTC"
    assert resolve_settings(environ={"ALERTSITE_TIME_ZONE": " Europe/Berlin "}).time_zone == "Europe/Berlin"
    chosen = resolve_settings(stack_config={"alertsite:timeZone": "America/New_York"},
                              environ={"ALERTSITE_TIME_ZONE": "Asia/Tokyo"})
    assert chosen.time_zone == "America/New_York"
    bad = ("Mars/Olympus", "CEST+2", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/Ber\nlin", 2)
    for raw in bad:
        with pytest.raises(ConfigurationError) as info:
            resolve_settings(explicit={"time_zone": raw}, environ={})
        assert "alertsite:timeZone / ALERTSITE_TIME_ZONE" in str(info.value)
