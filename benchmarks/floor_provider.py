"""The engine's floor: a dynamic resource whose provider calls nothing.

``benchmarks/run.py`` declares N of these next to N monitors and times the same commands,
so every figure of ours can be read as a ratio to what the Pulumi engine itself costs. The
module must be importable by the program and by the provider process (``PYTHONPATH``), and
its provider class is pickled by reference, exactly like ``alertsite_pulumi.provider``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

_PROVIDER_KEY = "__provider"


class FloorProvider(ResourceProvider):
    """Stores its inputs as outputs; no I/O at all."""

    serialize_as_secret_always = False

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k, v in news.items() if k != _PROVIDER_KEY and olds.get(k) != v]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(uuid.uuid4().hex, dict(props))

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id, dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(dict(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


#: What AlertSite fills in and computes, as the emulator reports it: the same-payload floors
#: store these so that their outputs have the same keys as a monitor's.
SAME_PAYLOAD_DEFAULTS: dict[str, Any] = {
    "email_username": "", "timeout": 300, "enabled": True, "locations": [10, 20], "home_location": 10,
    "mode": "Primary", "note": "", "alert_note": "", "allow_internal_testing": True,
    "custom_properties": [], "monitor_type": "email-round-trip", "access_type": "Edit",
}


def same_payload_outputs(props: dict[str, Any], resource_id: str) -> dict[str, Any]:
    """A monitor's output keys with no API behind them: defaults, the inputs, and an id."""
    given = {k: v for k, v in props.items() if v is not None}
    return {**SAME_PAYLOAD_DEFAULTS, **given, "monitor_id": resource_id}


class SamePayloadFloorProvider(FloorProvider):
    """The floor with a monitor's payload: a secret input, and a monitor's output keys."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        resource_id = uuid.uuid4().hex
        return CreateResult(resource_id, same_payload_outputs(props, resource_id))

    def update(self, id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(same_payload_outputs(news, id))


class SamePayloadFloorResource(dynamic.Resource, module="bench", name="SamePayloadFloor"):
    """Monitor-shaped inputs (the mailbox password a secret) managed by SamePayloadFloorProvider."""

    def __init__(self, name: str, props: dict[str, Any]) -> None:
        opts = pulumi.ResourceOptions(additional_secret_outputs=["email_password"])
        super().__init__(SamePayloadFloorProvider(), name, props, opts)


class FloorResource(dynamic.Resource, module="bench", name="Floor"):
    """A resource with the given inputs, managed by :class:`FloorProvider`."""

    def __init__(self, name: str, props: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(FloorProvider(), name, props, opts)
