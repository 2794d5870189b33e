"""`alertsite-pulumi doctor`: each check in order, ok / FAIL / warn, exit 1 on any FAIL."""

from __future__ import annotations

import time

import pytest
import requests
from factories import ADMIN, VIEWER

from alertsite_pulumi.emulator import EmulatorControl

from .cli_helpers import WRONG_PASSWORD, Run, monitor_body, seed

CHECKS = ("settings", "credentials", "login", "read", "write", "pulumi")


def statuses(output: str) -> dict[str, str]:
    """check -> status, from lines like 'ok   read: ...'."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        check = rest.strip().split(":", 1)[0]
        if check in CHECKS:
            found[check] = status
    return found


def line_of(output: str, check: str) -> str:
    [line] = [x for x in output.splitlines() if x[4:].lstrip().startswith(f"{check}:")]
    return line


def test_good_credentials_pass_every_check(admin_env: EmulatorControl, run: Run) -> None:
    seed(admin_env, [monitor_body(i) for i in range(3)])
    admin_env.reset_requests()

    result = run("doctor")

    assert result.exit_code == 0, result.output
    found = statuses(result.stdout)
    assert list(found) == list(CHECKS)  # every check, in order
    assert all(found[c] == "ok" for c in CHECKS[:-1])
    assert found["pulumi"] in ("ok", "warn")  # the CLI is optional here
    assert admin_env.api_url in line_of(result.stdout, "settings")
    assert "3 round-trip monitors" in line_of(result.stdout, "read")
    assert "may change monitors" in line_of(result.stdout, "write")
    assert "0 failed" in result.stdout
    assert admin_env.monitors() and len(admin_env.monitors()) == 3  # nothing was changed
    assert admin_env.requests()["by_endpoint"]["create"] == 0


def test_a_wrong_password_fails_the_login_and_names_the_settings(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTSITE_PASSWORD", WRONG_PASSWORD)

    result = run("doctor")

    assert result.exit_code == 1
    login = line_of(result.stdout, "login")
    assert login.startswith("FAIL")
    assert "refused the username/password" in login
    assert "alertsite:password" in login and "ALERTSITE_PASSWORD" in login
    assert statuses(result.stdout)["read"] == "skip"
    assert WRONG_PASSWORD not in result.output


def test_a_read_only_user_fails_the_write_check_in_plain_words(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(admin_env, [monitor_body(1)])
    monkeypatch.setenv("ALERTSITE_USERNAME", VIEWER[0])
    monkeypatch.setenv("ALERTSITE_PASSWORD", VIEWER[1])

    result = run("doctor")

    assert result.exit_code == 1
    found = statuses(result.stdout)
    assert found["login"] == "ok" and found["read"] == "ok"
    write = line_of(result.stdout, "write")
    assert write.startswith("FAIL")
    assert "may only read" in write and "`pulumi up` will fail" in write
    assert "Admin, Co-Admin or Power User" in write
    assert admin_env.requests()["by_endpoint"]["update"] == 1  # the one harmless probe


def test_a_custom_read_only_user_is_told_apart_from_a_writer(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin_env.add_user("power@example.com", "power-user-password-1", "power-user")
    admin_env.add_user("reader@example.com", "read-only-password-1", "read-only")
    monkeypatch.setenv("ALERTSITE_USERNAME", "power@example.com")
    monkeypatch.setenv("ALERTSITE_PASSWORD", "power-user-password-1")
    power = run("doctor")
    monkeypatch.setenv("ALERTSITE_USERNAME", "reader@example.com")
    monkeypatch.setenv("ALERTSITE_PASSWORD", "read-only-password-1")
    reader = run("doctor")

    assert power.exit_code == 0 and statuses(power.stdout)["write"] == "ok"
    assert reader.exit_code == 1 and statuses(reader.stdout)["write"] == "FAIL"
    assert "power-user-password-1" not in power.output
    assert "read-only-password-1" not in reader.output


def test_an_unreachable_url_fails_quickly_and_says_so(
    admin_env: EmulatorControl, run: Run, closed_port_url: str
) -> None:
    started = time.monotonic()

    result = run("--base-url", closed_port_url, "doctor")

    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    login = line_of(result.stdout, "login")
    assert login.startswith("FAIL")
    assert f"the URL {closed_port_url} is unreachable" in login
    assert "connection refused" in login
    assert statuses(result.stdout)["settings"] == "ok"


def test_missing_credentials_name_the_config_key_and_variable(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERTSITE_PASSWORD")
    admin_env.reset_requests()

    result = run("doctor")

    assert result.exit_code == 1
    credentials = line_of(result.stdout, "credentials")
    assert credentials.startswith("FAIL")
    assert "alertsite:password / ALERTSITE_PASSWORD" in credentials
    assert "alertsite:username" not in credentials  # the username is there
    assert statuses(result.stdout)["login"] == "skip"
    assert admin_env.requests()["total"] == 0


def test_a_non_loopback_http_url_fails_the_settings_check(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTSITE_BASE_URL", "http://alertsite.example.com/api/v3")

    result = run("doctor")

    assert result.exit_code == 1
    settings = line_of(result.stdout, "settings")
    assert settings.startswith("FAIL") and "only https:// is allowed" in settings
    assert statuses(result.stdout)["credentials"] == "skip"


def test_an_access_token_works_and_is_never_printed(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = requests.post(f"{admin_env.api_url}/access-tokens", timeout=10,
                           json={"username": ADMIN[0], "password": ADMIN[1]})
    token = answer.json()["access_token"]
    monkeypatch.delenv("ALERTSITE_USERNAME")
    monkeypatch.delenv("ALERTSITE_PASSWORD")
    monkeypatch.setenv("ALERTSITE_ACCESS_TOKEN", token)

    good = run("doctor")
    monkeypatch.setenv("ALERTSITE_ACCESS_TOKEN", "0" * 32)
    bad = run("doctor")

    assert good.exit_code == 0, good.output
    assert "ALERTSITE_ACCESS_TOKEN" in line_of(good.stdout, "credentials")
    assert token not in good.output
    assert bad.exit_code == 1
    assert line_of(bad.stdout, "read").startswith("FAIL")
    assert "access token" in line_of(bad.stdout, "read")


def test_a_login_in_a_monitor_url_or_the_base_url_is_never_printed(
        admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(admin_env, [monitor_body(1, pop3_hostname="pop3://rt1:TopSecret99@pop.example.com:1")])

    result = run("doctor")

    assert "TopSecret99" not in result.output and "rt1" not in result.output
    assert statuses(result.stdout)["read"] == "ok"
    monkeypatch.setenv("ALERTSITE_BASE_URL", admin_env.api_url.replace("://", "://ops:TopSecret99@"))
    refused = run("doctor")
    assert refused.exit_code == 1
    assert "TopSecret99" not in refused.output and "ops:" not in refused.output
    assert "must not carry credentials" in line_of(refused.stdout, "settings")
