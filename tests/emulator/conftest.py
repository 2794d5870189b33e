from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import VIEWER

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import Api


@pytest.fixture
def api(emulator: EmulatorControl) -> Iterator[Api]:
    """The AlertSite API of a freshly reset emulator, logged in as the admin."""
    client = Api(emulator.api_url)
    yield client
    client.session.close()


@pytest.fixture
def viewer(emulator: EmulatorControl) -> Iterator[Api]:
    """The same API logged in as the read-only user."""
    client = Api(emulator.api_url, VIEWER)
    yield client
    client.session.close()
