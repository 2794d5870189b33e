"""A local stand-in for the AlertSite Management API v3 (round-trip email monitors, alert
recipients and recipient groups).

Start it in-process with :class:`EmulatorServer` or from a shell with
``alertsite-emulator --port 0``; drive its control surface with :class:`EmulatorControl`.

The emulator restates AlertSite's rules (required fields, intervals, modes, locations, how
values are read back) in :mod:`.model` and :mod:`.monitor` instead of importing
``alertsite_pulumi.fields``, and that is on purpose: it stands in for a separate service,
so a mistake in the provider's field table must show up as a failing test against the
emulator rather than be copied into it. Nothing in this package imports the client, the
provider or ``fields``.

Modules: ``model`` (users, settings, the API error), ``monitor`` (validating, building and
rendering a monitor), ``routing`` (the same for recipients and recipient groups),
``persistence`` (the SQLite file), ``store`` (the thread-safe state),
``routes`` (request, response, route matching), ``api_handlers`` and ``control_handlers``
(stateless handlers and their route tables), ``app`` (dispatch, counting, faults),
``framing`` (reading a request strictly: body framing, deadline, what may be logged),
``server`` (HTTP and :class:`EmulatorServer`), ``faults``, ``control`` (the control
surface's client), ``runner`` (``--run-monitors``: real round trips with
:mod:`alertsite_pulumi.mail`, the one other part of this package it imports), ``alerts``
(the alerts those runs send: e-mail through a relay, webhooks), ``__main__`` (the
``alertsite-emulator`` command).
"""

from __future__ import annotations

from .control import EmulatorControl
from .model import DEFAULT_USERS, EmulatorSettings, User
from .runner import MonitorRunner
from .server import EmulatorServer

__all__ = ["DEFAULT_USERS", "EmulatorControl", "EmulatorServer", "EmulatorSettings", "MonitorRunner", "User"]
