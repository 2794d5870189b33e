"""One declaration per resource type: what the front-ends, the schema and the docs read.

A declaration names a type's token, its field table (``fields.Field``: type, required,
secret, filled from account defaults, validator), its inputs that are not AlertSite fields
and the outputs AlertSite computes. The plugin's schema is built from every declared type
(``RESOURCE_TYPES``). It imports nothing of Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .fields import ADOPT_BY_NAME, ADOPT_MONITOR_ID, EXTRA_FIELDS, FIELDS, Field
from .tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE


@dataclass(frozen=True)
class Extra:
    """An input or output of a type that is not an AlertSite field: its schema kind and meaning."""

    kind: str
    """A ``fields.Field`` kind (``str``, ``bool``, ``mapping``...)."""
    doc: str


@dataclass(frozen=True)
class ResourceType:
    """One resource type, declared once."""

    name: str
    native_token: str
    doc: str
    fields: Mapping[str, Field]
    control_inputs: Mapping[str, Extra]
    """Inputs that steer the provider (adoption, unmodelled fields), not sent as such."""
    computed: Mapping[str, Extra]
    """Outputs AlertSite computes; ``id_output`` among them holds the resource's id."""
    id_output: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.required)


EMAIL_ROUND_TRIP_MONITOR: Final = ResourceType(
    name="EmailRoundTripMonitor",
    native_token=NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE,
    doc="An AlertSite round-trip email monitor. Every input is also an output; fields left out "
        "take the account's defaults and never show as a diff.",
    fields=FIELDS,
    control_inputs={
        EXTRA_FIELDS: Extra("mapping", "Sent as-is, for AlertSite fields this version does not model."),
        ADOPT_MONITOR_ID: Extra("str", "Take over this existing monitor instead of creating one "
                                       "(`pulumi import` is the usual way with this resource)."),
        ADOPT_BY_NAME: Extra("bool", "Take over the one monitor named `name` instead of creating one."),
    },
    computed={
        "monitor_id": Extra("str", "The AlertSite monitor id (also the resource id)."),
        "monitor_type": Extra("str", "AlertSite's monitor type."),
        "access_type": Extra("str", "AlertSite's access type of the monitor."),
    },
    id_output="monitor_id",
)

#: Every declared type, in the order the schema lists them.
RESOURCE_TYPES: Final = (EMAIL_ROUND_TRIP_MONITOR,)

__all__ = ["EMAIL_ROUND_TRIP_MONITOR", "RESOURCE_TYPES", "Extra", "ResourceType"]
