"""Fixtures shared by every test directory: one AlertSite emulator per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """The emulator on a free loopback port, started once for the session."""
    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorControl]:
    """The emulator's control client, after a reset (``.base_url``, ``.api_url`` too)."""
    control = emulator_server.control
    control.reset()
    yield control
    control.close()
