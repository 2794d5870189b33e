"""One declaration per resource type: what the front-ends, the schema and the docs read.

A declaration names a type's token, its field table (``fields.Field``: type, required,
secret, filled from account defaults, validator), its inputs that are not AlertSite fields,
the outputs AlertSite computes, and its ``kind.Behaviour`` (how its values are read and sent,
where it lives in the API, its identity and its own rules). The one lifecycle
(``lifecycle.Lifecycle``) serves every declared type. The plugin's schema is built from every declared type
(``RESOURCE_TYPES``). It imports nothing of Pulumi.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .blackout_fields import BLACKOUT_COMPUTED, BLACKOUT_FIELDS, ONE_TIME_FIELDS
from .blackout_kind import ADOPT_BLACKOUT_ID, blackout_behaviour
from .fields import ADOPT_BY_NAME, ADOPT_MONITOR_ID, EXTRA_FIELDS, FIELDS, Field
from .kind import Behaviour
from .monitor_kind import MonitorBehaviour
from .routing_fields import (
    GROUP_COMPUTED,
    GROUP_FIELDS,
    METHOD_FIELD,
    METHOD_INPUT,
    RECIPIENT_COMPUTED,
    RECIPIENT_FIELDS,
)
from .routing_kind import ADOPT_GROUP_ID, ADOPT_RECIPIENT_ID, group_behaviour, recipient_behaviour
from .tokens import (
    ALERT_RECIPIENT_TYPE,
    BLACKOUT_TYPE,
    EMAIL_ROUND_TRIP_MONITOR_TYPE,
    NATIVE_ALERT_RECIPIENT_TYPE,
    NATIVE_BLACKOUT_TYPE,
    NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE,
    NATIVE_RECIPIENT_GROUP_TYPE,
    RECIPIENT_GROUP_TYPE,
)


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
    behaviour: Behaviour
    """How its values are read, compared and sent, where it lives, its own rules (``kind``)."""
    identity_text: str
    """What makes an object under a stored id the same one, in words (for the account check)."""
    dynamic_type: str = ""
    """The dynamic resource's type token (``alertsite:index:...``); "" for none."""
    replace_on_change: tuple[str, ...] = ()
    """Fields AlertSite cannot change in place: a change is a replacement."""
    stand_ins: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Required fields another input may stand in for (``method_id`` <- ``method``): required
    by the check, but not by the schema."""

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
    behaviour=MonitorBehaviour(),
    identity_text="another mailbox or servers",
    dynamic_type=EMAIL_ROUND_TRIP_MONITOR_TYPE,
)

#: Where each computed output of the routing types is read from in the live object. A
#: recipient's back-references (``notifier_groups``, ``blackout_ids``) are left out: they
#: change whenever another resource does, and a refresh right after an `up` must find nothing.
_RECIPIENT_COMPUTED_KEYS: Final = {"recipient_id": "id", "method_description": "method_description"}
_GROUP_COMPUTED_KEYS: Final = {"group_id": "id"}

ALERT_RECIPIENT: Final = ResourceType(
    name="AlertRecipient",
    native_token=NATIVE_ALERT_RECIPIENT_TYPE,
    doc="An AlertSite alert recipient: where alerts go (an e-mail address, a webhook, a phone "
        "number...) and which alerts it gets. By default a recipient gets alerts from every "
        "monitor; recipient groups narrow that.",
    fields=RECIPIENT_FIELDS,
    control_inputs={
        METHOD_INPUT: Extra(METHOD_FIELD.kind, METHOD_FIELD.doc),
        ADOPT_RECIPIENT_ID: Extra("str", "Take over this existing recipient instead of creating one."),
    },
    computed={name: Extra(kind, doc) for name, (kind, doc) in RECIPIENT_COMPUTED.items()
              if name in _RECIPIENT_COMPUTED_KEYS},
    id_output="recipient_id",
    behaviour=recipient_behaviour(RECIPIENT_FIELDS, _RECIPIENT_COMPUTED_KEYS),
    identity_text="another method or address",
    dynamic_type=ALERT_RECIPIENT_TYPE,
    stand_ins={"method_id": METHOD_INPUT},
)

RECIPIENT_GROUP: Final = ResourceType(
    name="RecipientGroup",
    native_token=NATIVE_RECIPIENT_GROUP_TYPE,
    doc="An AlertSite recipient group: which monitors alert which recipients, for which error "
        "types. Its lists are sets (order is no change) and are sent whole.",
    fields=GROUP_FIELDS,
    control_inputs={ADOPT_GROUP_ID: Extra("str", "Take over this existing group instead of creating one.")},
    computed={name: Extra(kind, doc) for name, (kind, doc) in GROUP_COMPUTED.items()},
    id_output="group_id",
    behaviour=group_behaviour(GROUP_FIELDS, _GROUP_COMPUTED_KEYS),
    identity_text="another name, monitors and recipients",
    dynamic_type=RECIPIENT_GROUP_TYPE,
)

_BLACKOUT_COMPUTED_KEYS: Final = {"blackout_id": "id", "persistent": "persistent"}

#: Declared, but not yet in ``RESOURCE_TYPES``: the front-ends (the dynamic resource, the
#: native schema) are wired separately.
BLACKOUT: Final = ResourceType(
    name="Blackout",
    native_token=NATIVE_BLACKOUT_TYPE,
    doc="An AlertSite blackout: a quiet window of one monitor (no monitoring, or no availability "
        "alerts) or one recipient, once (`from_date` .. `thru_date`) or every week (`start_day` "
        "`start_time` .. `end_day` `end_time`). AlertSite changes only recurring blackouts in "
        "place: any change of a one-time one is a replacement. A one-time blackout that has "
        "ended cannot be deleted: its destroy succeeds and says so.",
    fields=BLACKOUT_FIELDS,
    control_inputs={ADOPT_BLACKOUT_ID: Extra("str", "Take over this existing blackout instead of "
                                                    "creating one.")},
    computed={name: Extra(kind, doc) for name, (kind, doc) in BLACKOUT_COMPUTED.items()},
    id_output="blackout_id",
    behaviour=blackout_behaviour(BLACKOUT_FIELDS, _BLACKOUT_COMPUTED_KEYS),
    identity_text="another monitor or recipient, type or window",
    dynamic_type=BLACKOUT_TYPE,
    # A one-time window cannot be PATCHed; a new start or end day/time of a recurring window
    # can. A change of kind sets or drops from_date and thru_date, so it is listed too.
    replace_on_change=ONE_TIME_FIELDS,
)

#: Every declared type, in the order the schema lists them.
RESOURCE_TYPES: Final = (EMAIL_ROUND_TRIP_MONITOR, ALERT_RECIPIENT, RECIPIENT_GROUP)

__all__ = ["ALERT_RECIPIENT", "BLACKOUT", "EMAIL_ROUND_TRIP_MONITOR", "RECIPIENT_GROUP", "RESOURCE_TYPES",
           "Extra", "ResourceType"]
