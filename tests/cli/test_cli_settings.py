"""Settings the CLI refuses before any request: numbers out of range, an empty base URL."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .cli_helpers import Run

OUT_OF_RANGE = [
    ("ALERTSITE_REQUEST_TIMEOUT", "alertsite:requestTimeout", value, "above 0 and at most 3600")
    for value in ("0", "nan", "inf", "-5", "1e999")
] + [
    ("ALERTSITE_RETRY_BUDGET", "alertsite:retryBudget", "inf", "from 0 to 3600"),
    ("ALERTSITE_MAX_RETRIES", "alertsite:maxRetries", "1e9", "a whole number from 0 to 100"),
    ("ALERTSITE_MAX_REQUESTS_PER_SECOND", "alertsite:maxRequestsPerSecond", "nan", "from 0.01 to 1000"),
]


class BadSetting(NamedTuple):
    variable: str
    key: str
    value: str
    allowed: str


@pytest.fixture(params=OUT_OF_RANGE, ids=lambda case: f"{case[0]}={case[2]}")
def bad_setting(admin_env: EmulatorControl, monkeypatch: pytest.MonkeyPatch,
                request: pytest.FixtureRequest) -> BadSetting:
    """One ALERTSITE_* number out of its range, set in the environment; the counters reset."""
    setting = BadSetting(*request.param)
    monkeypatch.setenv(setting.variable, setting.value)
    admin_env.reset_requests()
    return setting


def test_a_number_out_of_range_stops_monitors_list_with_one_line(
    admin_env: EmulatorControl, run: Run, bad_setting: BadSetting
) -> None:
    result = run("monitors", "list")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{bad_setting.key} / {bad_setting.variable} must be" in result.stderr
    assert bad_setting.allowed in result.stderr and repr(bad_setting.value) in result.stderr
    assert result.stdout == ""
    assert admin_env.requests()["total"] == 0


def test_doctor_fails_the_settings_check_and_skips_the_rest(
    admin_env: EmulatorControl, run: Run, bad_setting: BadSetting
) -> None:
    result = run("doctor")

    assert result.exit_code == 1
    settings = result.stdout.splitlines()[0]
    assert settings.startswith("FAIL settings:")
    assert f"{bad_setting.key} / {bad_setting.variable}" in settings and bad_setting.allowed in settings
    assert "skip login" in result.stdout
    assert admin_env.requests()["total"] == 0


@pytest.mark.parametrize("value", ["0", "nan", "inf", "-1", "3601"])
def test_the_timeout_option_has_the_range_of_its_variable(admin_env: EmulatorControl, run: Run,
                                                          value: str) -> None:
    admin_env.reset_requests()

    result = run("--timeout", value, "monitors", "list")

    assert result.exit_code == 2
    assert "Invalid value for '--timeout'" in result.stderr
    assert "above 0 and at most 3600" in result.stderr
    assert admin_env.requests()["total"] == 0


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_base_url_option_is_a_usage_error(admin_env: EmulatorControl, run: Run,
                                                   value: str) -> None:
    """It would otherwise mean the public API, with credentials meant for somewhere else."""
    result = run("--base-url", value, "doctor")

    assert result.exit_code == 2
    assert "Invalid value for '--base-url'" in result.stderr and "must not be empty" in result.stderr
    assert result.stdout == ""


def test_an_empty_base_url_variable_is_refused(admin_env: EmulatorControl, run: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTSITE_BASE_URL", "")

    listed = run("monitors", "list")
    doctor = run("doctor")

    assert listed.exit_code == 1
    assert "alertsite:baseUrl / ALERTSITE_BASE_URL is set but empty" in listed.stderr
    assert doctor.exit_code == 1
    assert doctor.stdout.startswith("FAIL settings: alertsite:baseUrl / ALERTSITE_BASE_URL is set but empty")
