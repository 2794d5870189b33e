"""The monitor lifecycle is one kernel that knows nothing of Pulumi, served by two front-ends
that do not inherit from each other."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import alertsite_pulumi.native
from alertsite_pulumi.lifecycle import Lifecycle
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider


def test_the_lifecycle_imports_nothing_of_pulumi() -> None:
    # A process of its own: this one has loaded Pulumi already.
    probe = ("import sys, alertsite_pulumi.lifecycle; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'grpc', 'google')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_the_native_plugin_holds_no_subclass_of_the_dynamic_provider() -> None:
    from pulumi.dynamic import ResourceProvider

    found = []
    for info in pkgutil.walk_packages(alertsite_pulumi.native.__path__, "alertsite_pulumi.native."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and issubclass(cls, ResourceProvider | Lifecycle):
                found.append(f"{info.name}.{name}")
    assert found == []


def test_the_dynamic_provider_keeps_its_pickled_name() -> None:
    # Every existing stack's state names the class by this path (it is pickled by reference).
    assert EmailRoundTripMonitorProvider.__module__ == "alertsite_pulumi.provider"
    assert EmailRoundTripMonitorProvider.__qualname__ == "EmailRoundTripMonitorProvider"
    assert not issubclass(EmailRoundTripMonitorProvider, Lifecycle)


def test_one_identity_for_a_lost_create_and_for_recover() -> None:
    from alertsite_pulumi import recover, safe_create
    from alertsite_pulumi.identity import identity

    made = {"name": "Relay", "email": "RT-1@Example.com", "smtp_hostname": "smtp://mx",
            "pop3_hostname": "pop3://mx", "interval": 15}
    assert identity({**made, "email": " rt-1@example.COM "}) == identity(made)
    assert identity({**made, "name": "Relay 2"}) != identity(made)
    assert identity({**made, "pop3_hostname": "pop3://other"}) != identity(made)
    # Both the safe create (of monitors: its default identity) and recover read it from
    # there, none keeps a copy.
    monitors_identity = inspect.signature(safe_create.SafeCreate).parameters["identity"].default
    assert recover.identity is identity and monitors_identity is identity


def test_the_schema_is_built_from_every_declared_type() -> None:
    from alertsite_pulumi.lifecycle import COMPUTED_OUTPUTS
    from alertsite_pulumi.native import build_schema
    from alertsite_pulumi.resource_types import EMAIL_ROUND_TRIP_MONITOR, RESOURCE_TYPES

    resources = build_schema()["resources"]
    assert sorted(resources) == sorted(kind.native_token for kind in RESOURCE_TYPES)
    for kind in RESOURCE_TYPES:
        entry = resources[kind.native_token]
        assert set(entry["inputProperties"]) == {*kind.fields, *kind.control_inputs}
        assert set(entry["properties"]) == {*kind.fields, *kind.control_inputs, *kind.computed}
        assert kind.id_output in entry["required"]
    # The lifecycle keeps the computed outputs the declaration names, in its order.
    assert tuple(EMAIL_ROUND_TRIP_MONITOR.computed) == COMPUTED_OUTPUTS
