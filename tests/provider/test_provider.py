"""Provider behaviour that needs no server: pickling, check and diff."""

from __future__ import annotations

import base64
import logging
from typing import Any

from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from alertsite_pulumi.monitor_kind import changed_fields, outputs
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider, log_to_stderr

from .preview import unknown

INPUTS: dict[str, Any] = {
    "billing_plancode": "UBM - A/A",
    "name": "Mail",
    "smtp_hostname": "smtps://smtp.example.com",
    "pop3_hostname": "pop3s://pop.example.com",
    "email": "rt@example.com",
    "email_password": "mailbox-secret-1",
    "interval": 15,
}

LIVE: dict[str, Any] = {
    "id": "42", "type": "email-round-trip", "access_type": "Edit", "created": "2026-01-01T00:00:00Z",
    "billing_plancode": "UBM - A/A", "name": "Mail", "smtp_hostname": "smtps://smtp.example.com",
    "pop3_hostname": "pop3s://pop.example.com", "email": "rt@example.com", "email_username": "",
    "interval": "15", "timeout": "300", "enabled": True, "locations": [{"id": "10"}, {"id": "20"}],
    "home_location": "10", "mode": "Primary", "note": "", "alert_note": "",
    "allow_internal_testing": True, "custom_properties": [], "last_status": {"code": "0"},
}


def pickled(provider: EmailRoundTripMonitorProvider) -> bytes:
    return base64.b64decode(serialize_provider(provider))


def test_pickled_provider_is_small_by_reference_and_holds_no_secret(monkeypatch: Any) -> None:
    provider = EmailRoundTripMonitorProvider()
    raw = pickled(provider)
    assert b"alertsite_pulumi.provider" in raw
    assert len(raw) < 300, len(raw)
    # Even after configure() has seen credentials, a pickle carries none of them.
    monkeypatch.delenv("ALERTSITE_PASSWORD", raising=False)
    provider.configure(ConfigureRequest(Config(
        {"alertsite:username": "ops@example.com", "alertsite:password": "account-secret-9",
         "alertsite:accessToken": "0123456789abcdef0123456789abcdef"}, "proj")))
    raw = pickled(provider)
    for secret in (b"account-secret-9", b"0123456789abcdef", b"ops@example.com"):
        assert secret not in raw
    assert b"requests" not in raw and b"Session" not in raw


def configured(config: dict[str, str]) -> EmailRoundTripMonitorProvider:
    provider = EmailRoundTripMonitorProvider()
    provider.configure(ConfigureRequest(Config(config, "proj")))
    return provider


STORED = {"alertsite:baseUrl": "https://alertsite.example.com/api/v3",
          "alertsite:username": "ops@example.com", "alertsite:password": "password-at-last-up",
          "alertsite:accessToken": "0123456789abcdef0123456789abcdef"}


def test_once_the_program_runs_the_stack_config_wins_over_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("ALERTSITE_BASE_URL", "http://127.0.0.1:1/api/v3")
    monkeypatch.setenv("ALERTSITE_REQUEST_TIMEOUT", "7")
    monkeypatch.setenv("ALERTSITE_PASSWORD", "password-in-env")
    provider = configured(STORED)
    provider.check({}, INPUTS)
    settings, stale = provider._current_settings()
    assert settings.base_url == "https://alertsite.example.com/api/v3"
    assert settings.request_timeout == 7.0
    # The current config names a token: it is used as given, and nothing is stale.
    assert settings.access_token == STORED["alertsite:accessToken"]
    assert settings.password == "password-at-last-up" and not stale


def test_refresh_and_destroy_let_the_environment_win_over_the_stored_config(monkeypatch: Any) -> None:
    """No check or diff: the config received is the one stored at the last up."""
    monkeypatch.setenv("ALERTSITE_PASSWORD", "rotated-password")
    monkeypatch.delenv("ALERTSITE_USERNAME", raising=False)
    monkeypatch.delenv("ALERTSITE_ACCESS_TOKEN", raising=False)
    settings, stale = configured(STORED)._current_settings()
    assert settings.password == "rotated-password" and settings.username == "ops@example.com"
    # A stored token lives an hour and cannot be renewed: the login goes first.
    assert settings.access_token is None
    assert not stale


def test_stored_credentials_alone_are_marked_as_possibly_stale(monkeypatch: Any) -> None:
    for name in ("ALERTSITE_PASSWORD", "ALERTSITE_USERNAME", "ALERTSITE_ACCESS_TOKEN", "ALERTSITE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    provider = configured(STORED)
    settings, stale = provider._current_settings()
    assert settings.password == "password-at-last-up" and settings.access_token is None and stale
    provider.diff("42", outputs(LIVE, INPUTS), INPUTS)
    assert provider._current_settings()[1] is False


def test_check_names_each_bad_field_in_the_reason_only() -> None:
    result = EmailRoundTripMonitorProvider().check({}, {**INPUTS, "interval": 7, "email": "nope"})
    # The engine prints a named property's value beside the failure (a secret's in clear),
    # so no failure names one: the reason starts with the field instead.
    assert {f.property for f in result.failures} == {""}
    reasons = {f.reason.split(":", 1)[0]: f.reason for f in result.failures}
    assert set(reasons) == {"interval", "email"}
    assert reasons["interval"].startswith("interval: 7 is not one of 5, 10")


def test_check_passes_unknowns_and_drops_nones() -> None:
    result = EmailRoundTripMonitorProvider().check({}, {**INPUTS, "interval": unknown(), "note": None})
    assert result.failures == []
    assert "note" not in result.inputs
    assert isinstance(result.inputs["interval"], Unknown)


def test_diff_compares_only_user_fields_after_coercion() -> None:
    state = outputs(LIVE, INPUTS)
    news = {**INPUTS, "__provider": "different-pickle"}
    assert changed_fields(state, news) == []
    assert EmailRoundTripMonitorProvider().diff("42", state, news).changes is False
    # Account defaults the user did not set never show as a change.
    assert state["timeout"] == 300 and state["locations"] == [10, 20]
    assert changed_fields({**state, "timeout": 120}, news) == []


def test_diff_reports_real_changes_and_unknowns() -> None:
    state = outputs(LIVE, INPUTS)
    assert changed_fields(state, {**INPUTS, "interval": 30}) == ["interval"]
    assert changed_fields(state, {**INPUTS, "email_password": "rotated"}) == ["email_password"]
    assert changed_fields(state, {**INPUTS, "note": unknown()}) == ["note"]
    assert changed_fields(state, {**INPUTS, "extra_fields": {"x_flag": "1"}}) == ["extra_fields"]
    result = EmailRoundTripMonitorProvider().diff("42", state, {**INPUTS, "interval": 30})
    assert result.changes is True and result.replaces == []


def test_outputs_keep_the_secret_and_coerce_live_values() -> None:
    out = outputs(LIVE, INPUTS)
    assert out["email_password"] == "mailbox-secret-1"
    assert out["interval"] == 15 and out["home_location"] == 10
    assert out["monitor_id"] == "42" and out["access_type"] == "Edit"
    assert "last_status" not in out and "created" not in out
    # A GET that does not return the password never blanks it (refresh keeps the stored one).
    refreshed = outputs(LIVE, {k: v for k, v in out.items() if k != "email_password"}, previous=out)
    assert refreshed["email_password"] == "mailbox-secret-1"
    assert refreshed == out


def test_alertsite_log_level_sends_the_packages_lines_to_stderr_once(capsys: Any) -> None:
    package = logging.getLogger("alertsite_pulumi")
    before = list(package.handlers)
    try:
        log_to_stderr(None)
        assert package.handlers == before
        log_to_stderr("info")
        log_to_stderr("INFO")
        assert len(package.handlers) == len(before) + 1
        logging.getLogger("alertsite_pulumi.client").info("GET /monitors/42 -> 200")
        logging.getLogger("alertsite_pulumi.client").debug("not at info")
        assert capsys.readouterr().err == "alertsite INFO alertsite_pulumi.client: GET /monitors/42 -> 200\n"
    finally:
        package.handlers[:] = before
        package.setLevel(logging.NOTSET)
