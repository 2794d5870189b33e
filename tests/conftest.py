"""Fixtures shared by every test directory: one AlertSite emulator per test session, and the
real Pulumi engine for the tests that drive it (tests/engine, tests/packaging)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine.harness import EngineMissing, engine_bin_dir

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


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    """The directory of the real ``pulumi`` CLI and its language host (engine tests fail, never skip)."""
    try:
        return engine_bin_dir()
    except EngineMissing as exc:
        pytest.fail(f"The Pulumi engine is required for engine tests: {exc}")
