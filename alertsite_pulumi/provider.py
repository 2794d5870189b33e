"""The dynamic front-end of the lifecycle: one ResourceProvider per declared resource type.

The lifecycle itself (``lifecycle.Lifecycle``) knows nothing of Pulumi; ``KernelProvider``
gives it the settings and clients of a dynamic provider process and turns its answers into the
``pulumi.dynamic`` results, for whichever type its subclass declares (``resource_type``). A
provider object is pickled (by reference, under its class's name) into every resource's state,
and refresh and destroy run that stored copy: so ``__init__`` stores nothing, and everything
that holds a connection, a lock or a credential is built at run time (see ``_lifecycle``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, Final

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import dynamic_host
from .client import AlertSiteClient, shared_client
from .config import SETTINGS, Settings, resolve_settings
from .lifecycle import Lifecycle
from .resource_types import ALERT_RECIPIENT, EMAIL_ROUND_TRIP_MONITOR, RECIPIENT_GROUP, ResourceType

#: Turns on the provider's own log lines (see log_to_stderr).
LOG_LEVEL_ENV: Final = "ALERTSITE_LOG_LEVEL"
_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")


class KernelProvider(ResourceProvider):
    """Creates, reads, updates and deletes the objects of ``resource_type`` through the lifecycle."""

    #: The declared type this provider serves (set by each subclass).
    resource_type: ResourceType

    # Nothing secret is captured by pickling (credentials arrive through configure or the
    # environment), so the pickled provider need not be encrypted in state.
    serialize_as_secret_always = False

    # Set in the provider process only, after unpickling; never part of the pickle.
    _configured: Mapping[str, Any] | None = None
    _resolved: dict[bool, Settings]
    #: Set by the first check or diff: the engine calls them only while the program runs,
    #: and then configure() got the current stack config.
    _program_running = False
    _settings_lock: Final = threading.Lock()
    _rule_state: Any = None
    _rule_state_lock: Final = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # Whatever configure() learned (credentials included) stays out of every pickle.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the ``alertsite:*`` stack config the engine hands over; see :meth:`_current_settings`."""
        log_to_stderr(os.environ.get(LOG_LEVEL_ENV))
        dynamic_host.install()
        self._configured = {
            setting.config_key: value for setting in SETTINGS
            if (value := req.config.get(setting.config_key)) is not None
        }
        with self._settings_lock:
            self._resolved = {}

    def _current_settings(self) -> tuple[Settings, bool]:
        """The settings for a call, and whether they may be the stale ones stored in the state.

        The engine configures the provider with the current stack config only when the
        program runs (``up``, ``preview``, ``--run-program``); ``refresh`` and ``destroy``
        get the config stored at the last ``up``, and the provider process gets no other
        sight of the current ``alertsite:*`` keys (``PULUMI_CONFIG`` holds only the
        ``pulumi-python:*`` namespace). A check or diff call is the sign that the program
        runs: until one arrives, the environment wins over the config received.
        """
        current = self._program_running
        with self._settings_lock:
            # Not set when configure() was never called (the environment alone then applies).
            resolved: dict[bool, Settings] = self.__dict__.setdefault("_resolved", {})
            settings = resolved.get(current)
            if settings is None:
                configured = self._configured or {}
                settings = (resolve_settings(stack_config=configured) if current
                            else resolve_settings(stored_config=configured))
                resolved[current] = settings
        return settings, not current and _uses_stored_credentials(settings, self._configured)

    def _rules_state(self) -> Any:
        """What this process keeps for the type's rules (for monitors, which mailboxes are
        watched: one listing per process)."""
        with self._rule_state_lock:
            if self._rule_state is None:
                self._rule_state = self.resource_type.behaviour.new_state()
            return self._rule_state

    def _lifecycle(self) -> Lifecycle:
        return Lifecycle(self._current_settings, shared_client, self._rules_state,
                         resource_type=self.resource_type)

    def _client(self) -> AlertSiteClient:
        return self._lifecycle().client()

    # -- the lifecycle, in pulumi.dynamic's types -----------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._program_running = True
        checked = self._lifecycle().check(news)
        return CheckResult(checked.inputs, [CheckFailure("", reason) for reason in checked.reasons()])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._program_running = True
        diffed = self._lifecycle().diff(_id, olds, news)
        return DiffResult(changes=diffed.changes, replaces=diffed.replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        made = self._lifecycle().create(props)
        return CreateResult(made.id, made.outputs)

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._lifecycle().update(id, olds, news))

    def delete(self, id: str, _props: dict[str, Any]) -> None:
        self._lifecycle().delete(id, _props)

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        found, outs = self._lifecycle().read(id, props)
        return ReadResult(found, outs)


class EmailRoundTripMonitorProvider(KernelProvider):
    """Creates, reads, updates and deletes AlertSite round-trip email monitors."""

    resource_type = EMAIL_ROUND_TRIP_MONITOR


class AlertRecipientProvider(KernelProvider):
    """Creates, reads, updates and deletes AlertSite alert recipients."""

    resource_type = ALERT_RECIPIENT


class RecipientGroupProvider(KernelProvider):
    """Creates, reads, updates and deletes AlertSite recipient groups."""

    resource_type = RECIPIENT_GROUP


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler log_to_stderr adds (told apart so that it is added once)."""


def log_to_stderr(level: str | None) -> None:
    """Send this package's log lines at ``level`` (``DEBUG``, ``INFO``...) to stderr, once.

    The engine prints a provider's stderr with the command's output. The lines name calls,
    statuses, timings and the login user, never a secret, a body or a query string.
    """
    if not level:
        return
    package = logging.getLogger("alertsite_pulumi")
    if not any(isinstance(h, _StderrHandler) for h in package.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("alertsite %(levelname)s %(name)s: %(message)s"))
        package.addHandler(handler)
    name = level.strip().upper()
    package.setLevel(name if name in _LEVELS else "DEBUG")


def _uses_stored_credentials(settings: Settings, stored: Mapping[str, Any] | None) -> bool:
    """Whether the credentials in ``settings`` are the ones of the stored config."""
    stored = stored or {}
    return any(
        getattr(settings, setting.attr) is not None
        and getattr(settings, setting.attr) == stored.get(setting.config_key)
        for setting in SETTINGS if setting.secret
    )
