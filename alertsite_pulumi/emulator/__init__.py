"""A local stand-in for the AlertSite Management API v3 (round-trip email monitors).

Start it in-process with :class:`EmulatorServer` or from a shell with
``alertsite-emulator --port 0``; drive its control surface with :class:`EmulatorControl`.
"""

from __future__ import annotations

from .app import EmulatorServer
from .control import EmulatorControl
from .store import DEFAULT_USERS, EmulatorSettings, User

__all__ = ["DEFAULT_USERS", "EmulatorControl", "EmulatorServer", "EmulatorSettings", "User"]
