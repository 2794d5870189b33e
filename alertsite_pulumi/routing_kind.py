"""The ``Behaviour`` of alert recipients and recipient groups: what the lifecycle needs of them
beyond their field tables (``routing_fields``).

Both live at an ``endpoints.Endpoint`` (``/recipients``, ``/notifier-groups``) and have no
rule of their own around a create: a lost create answer is found again by the endpoint's
identity (a recipient's name, method and address; a group's name), in the safe create. Their
values are read back, compared and sent by ``routing_fields``: a recipient's password is
write-only (kept from the inputs, never read back), a group's lists are sets, sent whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .endpoints import Endpoint
from .fields import Field
from .kind import Behaviour
from .routing_fields import (
    METHOD_INPUT,
    coerce_group,
    coerce_recipient,
    group_equal,
    group_identity,
    group_to_api,
    normalize_group_inputs,
    normalize_recipient_inputs,
    recipient_equal,
    recipient_identity,
    recipient_to_api,
    validate_group_inputs,
    validate_recipient_inputs,
)
from .validators import is_unknown

RECIPIENTS: Final = Endpoint("recipient", "/recipients", recipient_identity)
RECIPIENT_GROUPS: Final = Endpoint("recipient group", "/notifier-groups", group_identity)


class TableBehaviour(Behaviour):
    """A type described by its field table and value functions, with computed outputs read
    from the live object (``computed``: output name -> the live key, "id" for the id)."""

    def __init__(self, *, noun: str, endpoint: Endpoint, fields: Mapping[str, Field],
                 control_inputs: tuple[str, ...], computed: Mapping[str, str],
                 normalize: Callable[[Mapping[str, Any]], dict[str, Any]],
                 validate: Callable[[Mapping[str, Any]], list[tuple[str, str]]],
                 coerce: Callable[[Mapping[str, Any]], dict[str, Any]],
                 to_api: Callable[[Mapping[str, Any]], dict[str, Any]],
                 equal: Callable[[str, Any, Any], bool]) -> None:
        self.noun = noun
        self.endpoint = endpoint
        self._fields = fields
        self._control_inputs = control_inputs
        self._computed = computed
        self._normalize, self._validate = normalize, validate
        self._coerce, self._to_api, self._equal = coerce, to_api, equal

    def normalize(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self._normalize(inputs)

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        return self._validate(inputs)

    def equal(self, name: str, stored: Any, wanted: Any) -> bool:
        return self._equal(name, stored, wanted)

    def to_api(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self._to_api(inputs)

    def coerce(self, live: Mapping[str, Any]) -> dict[str, Any]:
        return self._coerce(live)

    def outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                previous: Mapping[str, Any]) -> dict[str, Any]:
        """Every field as AlertSite reports it; secrets (write-only) from the inputs or the
        previous state; the control inputs given; the computed outputs."""
        live = self._coerce(live)
        out: dict[str, Any] = {}
        for name, field in self._fields.items():
            if field.secret:
                value = inputs.get(name, previous.get(name))
            else:
                value = live.get(name, inputs.get(name, previous.get(name)))
            if value is not None:
                out[name] = value
        for name in self._control_inputs:
            value = inputs.get(name, live.get(name))
            if value is not None:
                out[name] = value
        for name, key in self._computed.items():
            value = live.get(key, previous.get(name))
            if value is not None:
                out[name] = str(value) if key == "id" else value
        return out

    def import_inputs(self, outputs: Mapping[str, Any], resource_name: str) -> dict[str, Any]:
        """The fields read, but secrets (never reported) and values the check refuses (which
        AlertSite keeps), so that the imported program passes its own preview."""
        values = {name: outputs[name] for name, field in self._fields.items()
                  if not field.secret and outputs.get(name) is not None}
        for _ in range(len(self._fields) + 1):
            refused = {name for name, _why in self._validate(values) if name in values}
            if not refused:
                break
            for name in refused:
                values.pop(name)
        return values


class RecipientBehaviour(TableBehaviour):
    def changed(self, fields: Mapping[str, Any], olds: Mapping[str, Any],
                news: Mapping[str, Any]) -> list[str]:
        # An e-mail address compares without regard to case: the method says which it is.
        method_id = news.get("method_id", olds.get("method_id"))
        return [name for name, wanted in news.items()
                if name in fields and wanted is not None
                and (is_unknown(wanted)
                     or not recipient_equal(name, olds.get(name), wanted, method_id=method_id))]

    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        # The same method and address (the name may have been edited in the UI).
        return recipient_identity(live)[1:] == recipient_identity(stored)[1:]


class GroupBehaviour(TableBehaviour):
    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        # The same name, or (renamed in the UI) the same monitors and recipients.
        return (str(live.get("name")) == str(stored.get("name"))
                or all(group_equal(k, live.get(k), stored.get(k)) for k in ("monitors", "recipients")))


def recipient_behaviour(fields: Mapping[str, Field], computed: Mapping[str, str]) -> RecipientBehaviour:
    return RecipientBehaviour(
        noun="recipient", endpoint=RECIPIENTS, fields=fields, control_inputs=(METHOD_INPUT,),
        computed=computed, normalize=normalize_recipient_inputs, validate=validate_recipient_inputs,
        coerce=coerce_recipient, to_api=recipient_to_api,
        equal=lambda name, a, b: recipient_equal(name, a, b))


def group_behaviour(fields: Mapping[str, Field], computed: Mapping[str, str]) -> GroupBehaviour:
    return GroupBehaviour(
        noun="recipient group", endpoint=RECIPIENT_GROUPS, fields=fields, control_inputs=(),
        computed=computed, normalize=normalize_group_inputs, validate=validate_group_inputs,
        coerce=coerce_group, to_api=group_to_api, equal=group_equal)


__all__ = [
    "RECIPIENTS",
    "RECIPIENT_GROUPS",
    "GroupBehaviour",
    "RecipientBehaviour",
    "TableBehaviour",
    "group_behaviour",
    "recipient_behaviour",
]
