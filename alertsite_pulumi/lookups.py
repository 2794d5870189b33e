"""Finding one shared object by name or id: the plugin's functions, declared once, and the
matching that the program look-ups share.

A stack often routes its monitors to a recipient (or through a group) that another stack or
the AlertSite UI owns, so it looks the object up instead of managing it. ``one_named`` is
the one rule for a name: exactly one object must carry it; none or several is an error that
names the candidates (and says to look up by id when the name is not unique). The dynamic
front-end's ``routing_resources.get_recipient``... use it with their own error class; the
native plugin's functions (Pulumi invokes ``alertsite:index:getRecipient``...) are declared
in ``LOOK_UPS``, which both its schema (``native.schema``) and its Invoke
(``native.servicer``) read. An answer holds the object's fields named as its resource names
them, its computed outputs and ``id``, and never a secret. It imports nothing of Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .client import AlertSiteClient
from .errors import AlertSiteError, NotFound
from .resource_types import ALERT_RECIPIENT, EMAIL_ROUND_TRIP_MONITOR, RECIPIENT_GROUP, ResourceType
from .routing_fields import METHOD_INPUT
from .tokens import (
    NATIVE_GET_MONITOR_FUNCTION,
    NATIVE_GET_RECIPIENT_FUNCTION,
    NATIVE_GET_RECIPIENT_GROUP_FUNCTION,
)
from .validators import is_unknown

#: How many candidates a failed look-up names before it says how many more there are.
SHOWN_CANDIDATES: Final = 10


class NoSingleMatch(AlertSiteError):
    """A look-up found no object, or several, under what it was given; the message names the
    candidates and says what to do."""

    hint = ""


class InvalidLookUp(AlertSiteError):
    """A function called with neither a name nor an id, with both, or with something else."""

    hint = "Give the function exactly one of `name` and `id`, as text."


def one_named(what: str, call: str, candidates: list[dict[str, Any]], name: str, *,
              error: Callable[[str], Exception] = NoSingleMatch) -> dict[str, Any]:
    """The one candidate named ``name``; else ``error`` naming the ids of several matches, or
    the names differing only in case (else every name) when none matches.

    ``what`` is the noun ("recipient"), ``call`` the look-up as the user wrote it (for the
    message).
    """
    matches = [c for c in candidates if c.get("name") == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(str(m.get("id")) for m in matches)
        raise error(f"{call} failed: {len(matches)} {what}s are named {name!r} (ids {ids}); "
                    "look it up by id instead")
    folded = [c for c in candidates if str(c.get("name") or "").casefold() == name.casefold()]
    others = folded or candidates
    shown = ", ".join(repr(str(c.get("name"))) for c in others[:SHOWN_CANDIDATES])
    more = f" and {len(others) - SHOWN_CANDIDATES} more" if len(others) > SHOWN_CANDIDATES else ""
    near = "names differing only in case: " if folded else "existing names: "
    raise error(f"{call} failed: no {what} is named {name!r}"
                + (f" ({near}{shown}{more})" if others else f" (the account has no {what}s)"))


#: The inputs of every look-up function: exactly one of them is given.
NAME_INPUT: Final = "name"
ID_INPUT: Final = "id"
LOOK_UP_INPUTS: Final = (NAME_INPUT, ID_INPUT)


@dataclass(frozen=True)
class LookUp:
    """One function of the plugin: which type's objects it finds, and how they are listed."""

    native_token: str
    """The function's token (``alertsite:index:getRecipient``)."""
    resource_type: ResourceType
    """The type whose objects it finds; its answer is named as that resource's outputs."""
    doc: str
    list_all: Callable[[AlertSiteClient], list[dict[str, Any]]]
    """Every object of the account, coerced (as the resource type's ``behaviour.coerce``)."""
    read_inputs: tuple[str, ...] = ()
    """Control inputs of the type that AlertSite also reports (the recipient's ``method``)."""

    @property
    def function_name(self) -> str:
        """The token's last part, as a message names the call (``getRecipient``)."""
        return self.native_token.rsplit(":", 1)[-1]

    @property
    def noun(self) -> str:
        return self.resource_type.behaviour.noun

    def output_names(self) -> tuple[str, ...]:
        """What an answer may hold: every field but the secrets, the reported control inputs,
        the computed outputs, and ``id``."""
        kind = self.resource_type
        fields = tuple(name for name, field in kind.fields.items() if not field.secret)
        return (*fields, *self.read_inputs, *kind.computed, ID_INPUT)

    def arguments(self, args: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(name, id) from a call's arguments; refused unless exactly one is given and known."""
        unknown = sorted(set(args) - set(LOOK_UP_INPUTS))
        if unknown:
            raise InvalidLookUp(f"{self.function_name} takes name or id, not {', '.join(unknown)}")
        given = {k: v for k, v in args.items() if v is not None and v != ""}
        if len(given) != 1:
            raise InvalidLookUp(f"{self.function_name}: give exactly one of name and id")
        (key, value), = given.items()
        if is_unknown(value):
            raise InvalidLookUp(f"{self.function_name}: {key} is not known yet (another resource's "
                                "output during preview); look up by a known value")
        if key == ID_INPUT and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidLookUp(f"{self.function_name}: {key} must be text, not {type(value).__name__}")
        if key == NAME_INPUT:
            return value, None
        if not (value.isascii() and value.isdigit()):
            # The generated SDK takes `id` first (its arguments are in alphabetical order):
            # get_recipient("Ops") means id="Ops".
            raise InvalidLookUp(f"{self.function_name}: id {value[:60]!r} is not a {self.noun} id "
                                "(digits); to look up by name, pass it as name=")
        return None, value

    def find(self, client: AlertSiteClient, *, name: str | None, object_id: str | None) -> dict[str, Any]:
        """The one object with this name (or this id), as the function answers it."""
        if object_id is not None:
            call = f"{self.function_name}(id={object_id!r:.60})"
            try:
                live = self.resource_type.behaviour.get(client, object_id)
            except NotFound:
                raise NoSingleMatch(f"{call} failed: AlertSite has no {self.noun} {object_id}; "
                                    "look it up by name, or check the id") from None
            return self.answer(live)
        assert name is not None
        call = f"{self.function_name}(name={name!r:.60})"
        return self.answer(one_named(self.noun, call, self.list_all(client), name))

    def answer(self, live: Mapping[str, Any]) -> dict[str, Any]:
        """The object as the resource's outputs name it (secrets never: none is given, and
        AlertSite reports none), only the declared outputs, and ``id``."""
        outputs = self.resource_type.behaviour.outputs(live, {}, {})
        wanted = set(self.output_names())
        out = {k: v for k, v in outputs.items() if k in wanted and v is not None}
        out[ID_INPUT] = str(live.get("id") or outputs.get(self.resource_type.id_output) or "")
        return out


def _listed(kind: ResourceType) -> Callable[[AlertSiteClient], list[dict[str, Any]]]:
    """Every object at the type's endpoint, coerced."""
    behaviour = kind.behaviour
    endpoint = behaviour.endpoint
    assert endpoint is not None, f"{kind.name} declares no endpoint"

    def list_all(client: AlertSiteClient) -> list[dict[str, Any]]:
        return [behaviour.coerce(raw) for raw in client.list_objects(endpoint)]

    return list_all


def _list_monitors(client: AlertSiteClient) -> list[dict[str, Any]]:
    return client.list_monitors()


GET_RECIPIENT: Final = LookUp(
    native_token=NATIVE_GET_RECIPIENT_FUNCTION,
    resource_type=ALERT_RECIPIENT,
    doc="The alert recipient with this name (or id), as AlertSite reports it (never its "
        "password): for routing monitors to a recipient another stack or the AlertSite UI owns. "
        "No match, or several recipients with the name, is an error that names the candidates.",
    list_all=_listed(ALERT_RECIPIENT),
    read_inputs=(METHOD_INPUT,),
)
GET_RECIPIENT_GROUP: Final = LookUp(
    native_token=NATIVE_GET_RECIPIENT_GROUP_FUNCTION,
    resource_type=RECIPIENT_GROUP,
    doc="The recipient group with this name (or id), as AlertSite reports it. No match, or "
        "several groups with the name, is an error that names the candidates.",
    list_all=_listed(RECIPIENT_GROUP),
)
GET_MONITOR: Final = LookUp(
    native_token=NATIVE_GET_MONITOR_FUNCTION,
    resource_type=EMAIL_ROUND_TRIP_MONITOR,
    doc="The round-trip email monitor with this name (or id), as AlertSite reports it (never its "
        "mailbox password): for a recipient group that routes a monitor another stack owns. No "
        "match, or several monitors with the name, is an error that names the candidates.",
    list_all=_list_monitors,
)

#: Every function of the plugin, in the order the schema lists them.
LOOK_UPS: Final = (GET_RECIPIENT, GET_RECIPIENT_GROUP, GET_MONITOR)

__all__ = [
    "GET_MONITOR",
    "GET_RECIPIENT",
    "GET_RECIPIENT_GROUP",
    "ID_INPUT",
    "LOOK_UPS",
    "LOOK_UP_INPUTS",
    "NAME_INPUT",
    "InvalidLookUp",
    "LookUp",
    "NoSingleMatch",
    "one_named",
]
