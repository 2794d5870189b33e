"""Fixtures for the CLI tests: the real emulator over HTTP, settings through the environment."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner, Result
from factories import ADMIN

from alertsite_pulumi.cli import cli
from alertsite_pulumi.emulator import EmulatorControl

from .cli_helpers import ALERTSITE_VARIABLES, Run, assert_no_secrets


@pytest.fixture
def admin_env(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmulatorControl:
    """A reset emulator, with ALERTSITE_* naming its API and the admin's login."""
    for variable in ALERTSITE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ALERTSITE_BASE_URL", emulator.api_url)
    monkeypatch.setenv("ALERTSITE_USERNAME", ADMIN[0])
    monkeypatch.setenv("ALERTSITE_PASSWORD", ADMIN[1])
    return emulator


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; every output is checked for passwords and tokens."""

    def invoke(*args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
        assert_no_secrets(result.output)
        assert_no_secrets(result.stderr)
        return result

    return invoke


@pytest.fixture
def closed_port_url() -> str:
    """An API URL on a loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v3"

