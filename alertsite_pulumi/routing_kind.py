"""The ``Behaviour`` of alert recipients and recipient groups: what the lifecycle needs of them
beyond their field tables (``routing_fields``).

Both live at an ``endpoints.Endpoint`` (``/recipients``, ``/notifier-groups``). A lost create
answer is found again by the endpoint's identity (a recipient's name, method and address; a
group's name), in the safe create. And one object per identity is their rule, kept around
every create as the mailbox rule is for monitors (``IdentityRule``): a create is refused
before its POST when an object with its identity exists (an interrupted `pulumi up` made it,
or it is another stack's: recover it, adopt it or delete it), and after its POST the older of
two racing creates stays while the newer is deleted again, so that two pipelines at once, or a
`pulumi up` re-run after a kill, never duplicate one. Their values are read back, compared
and sent by ``routing_fields``: a recipient's password is write-only (kept from the inputs,
never read back), a group's lists are sets, sent whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .client import AlertSiteClient
from .endpoints import Endpoint
from .errors import AdoptionError, AlertSiteError, NotFound
from .fields import Field
from .kind import NO_RULE, Behaviour, Claim, UpdateGuard, field_outputs
from .mailbox_guard import made_before
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
from .validators import is_unknown, shown

RECIPIENTS: Final = Endpoint("recipient", "/recipients", recipient_identity)
RECIPIENT_GROUPS: Final = Endpoint("recipient group", "/notifier-groups", group_identity)


class DuplicateError(AlertSiteError):
    """A create refused (or undone) because an object with its identity exists."""

    hint = ""  # the message itself says what to do


class OnePerIdentity:
    """One object per identity, around one create: checked before the POST (refused when an
    object with the identity exists), and after it the older of two racing creates stays.
    ``wanted`` is the identity, ``_candidates`` lists what may hold it, ``_refusal`` says why."""

    def __init__(self, endpoint: Endpoint, client: AlertSiteClient, wanted: tuple[Any, ...]) -> None:
        self._endpoint, self._wanted = endpoint, wanted
        holders = self._holders(client)
        if holders:
            raise DuplicateError(self._refusal(holders, made=None))

    def _candidates(self, client: AlertSiteClient) -> list[dict[str, Any]]:
        return client.list_objects(self._endpoint)

    def _holders(self, client: AlertSiteClient, but: str | None = None) -> list[str]:
        return sorted((str(found.get("id")) for found in self._candidates(client)
                       if self._endpoint.identity(found) == self._wanted and str(found.get("id")) != but),
                      key=lambda i: (not i.isdigit(), int(i) if i.isdigit() else 0, i))

    def made(self, object_id: str, /) -> None:
        return None

    def confirm(self, client: AlertSiteClient, object_id: str, /) -> None:
        # Another process may have made the same object meanwhile: the older one stays.
        older = [other for other in self._holders(client, but=object_id) if made_before(other, object_id)]
        if older:
            raise DuplicateError(self._refusal(older, made=object_id))

    def _refusal(self, holders: list[str], *, made: str | None) -> str:
        raise NotImplementedError


class IdentityRule(OnePerIdentity):
    """The rule of recipients and groups (see the module docstring)."""

    def __init__(self, behaviour: TableBehaviour, client: AlertSiteClient,
                 inputs: Mapping[str, Any]) -> None:
        self._rules = behaviour
        self._name = inputs.get("name")
        endpoint = behaviour.at()
        super().__init__(endpoint, client, endpoint.identity(inputs))

    def _refusal(self, holders: list[str], *, made: str | None) -> str:
        noun, adopt = self._endpoint.noun, self._rules.adopt_input
        which = f"{noun} {holders[0]}" if len(holders) == 1 else f"{noun}s {', '.join(holders)}"
        what = (f"the {noun} {self._name!r} ({self._rules.identity_words}) already exists as {which}")
        if made is None:
            start = f"Refusing to create {noun} {self._name!r}: {what}. Nothing was created."
        else:
            start = (f"Another create made the same {noun} {self._name!r} first: {what}, so "
                     f"{noun} {made}, made by this create, was deleted again.")
        return (f"{start} If an interrupted `pulumi up` of this stack made it, run "
                "`alertsite-pulumi recover --stack <stack>`, then `pulumi up` again; to take it "
                f'over instead, set {adopt}="{holders[0]}" on this resource (or `pulumi import` it '
                "with the native plugin); or delete it in AlertSite.")


class TableBehaviour(Behaviour):
    """A type described by its field table and value functions, with computed outputs read
    from the live object (``computed``: output name -> the live key, "id" for the id)."""

    def __init__(self, *, noun: str, endpoint: Endpoint, fields: Mapping[str, Field],
                 control_inputs: tuple[str, ...], computed: Mapping[str, str],
                 adopt_input: str, identity_words: str,
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
        self.adopt_input, self.identity_words = adopt_input, identity_words
        self._normalize, self._validate = normalize, validate
        self._coerce, self._to_api, self._equal = coerce, to_api, equal

    def at(self) -> Endpoint:
        return self._at()

    def normalize(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        out = self._normalize(inputs)
        adopt = out.get(self.adopt_input)
        if isinstance(adopt, int) and not isinstance(adopt, bool):
            out[self.adopt_input] = str(adopt)
        return out

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = self._validate({k: v for k, v in inputs.items() if k != self.adopt_input})
        adopt = inputs.get(self.adopt_input)
        if adopt is not None and not is_unknown(adopt):
            if not isinstance(adopt, str) or not adopt.strip().isdigit() or not adopt.isascii():
                problems.append((self.adopt_input, f"{shown(adopt)} is not a {self.noun} id (digits)"))
        return problems

    # -- the rules: one object per identity, adoption ------------------------------------------

    def claim(self, state: Any, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        return IdentityRule(self, client, inputs)

    def adopt(self, client: AlertSiteClient, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        object_id = inputs.get(self.adopt_input)
        if not object_id:
            return None
        try:
            return str(object_id), self.get(client, str(object_id))
        except NotFound:
            raise AdoptionError(f"{self.adopt_input}: AlertSite has no {self.noun} {object_id}") from None

    def adoption_body(self, live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        # Write only what differs (a secret always: it cannot be compared).
        differs = [name for name, value in inputs.items() if name in self._fields
                   and (self._fields[name].secret or not self.equal(name, live.get(name), value))]
        return self.update_body(inputs, differs)

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
        out = field_outputs(self._fields, live, inputs, previous)
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
        """The fields read, but secrets (never reported) and optional values the check refuses
        (which AlertSite keeps), so that the imported program passes its own preview. A
        required value the check refuses (a PagerDuty method, a name over the limit) is kept:
        left out, the program would fail for another reason, or quietly rename the object;
        kept, its preview says what cannot be managed here."""
        values = {name: outputs[name] for name, field in self._fields.items()
                  if not field.secret and outputs.get(name) is not None}
        for _ in range(len(self._fields) + 1):
            refused = {name for name, _why in self._validate(values)
                       if name in values and not self._fields[name].required}
            if not refused:
                break
            for name in refused:
                values.pop(name)
        return values

    def guard_update(self, state: Any, client: AlertSiteClient, object_id: str,
                     olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     changed: list[str]) -> UpdateGuard:
        """One object per identity holds for updates too: a change onto another object's
        identity (a rename onto a taken name) is refused before the PATCH."""
        endpoint = self.at()
        if endpoint.identity(olds) != endpoint.identity(inputs):
            taken = [str(found.get("id")) for found in client.list_objects(endpoint)
                     if endpoint.identity(found) == endpoint.identity(inputs)
                     and str(found.get("id")) != object_id]
            if taken:
                raise DuplicateError(
                    f"Refusing to change {self.noun} {object_id} ({olds.get('name')!r}): "
                    f"{self.noun} {taken[0]} already has the {self.identity_words} it would "
                    f"get ({inputs.get('name')!r}), and one {self.noun} per identity keeps "
                    "creates from ever duplicating one. Nothing was changed.")
        return NO_RULE


#: A recipient's login: taken out of the program, it is cleared in AlertSite (else AlertSite
#: would go on sending the old one).
_LOGIN: Final = ("username", "password")


class RecipientBehaviour(TableBehaviour):
    def changed(self, fields: Mapping[str, Any], olds: Mapping[str, Any],
                news: Mapping[str, Any]) -> list[str]:
        # An e-mail address compares without regard to case: the method says which it is.
        method_id = news.get("method_id", olds.get("method_id"))
        out = [name for name, wanted in news.items()
               if name in fields and wanted is not None
               and (is_unknown(wanted)
                    or not recipient_equal(name, olds.get(name), wanted, method_id=method_id))]
        return out + [name for name in _LOGIN if news.get(name) is None and olds.get(name)]

    def update_body(self, inputs: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        body = super().update_body(inputs, changed)
        # A login taken out is sent empty, as AlertSite's own example writes "no login".
        body.update({name: "" for name in _LOGIN if name in changed and inputs.get(name) is None})
        return body

    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        # The same identity: name, method and address (a recipient renamed in the UI is taken
        # for another one, and replaced, rather than another account's taken for this one).
        return recipient_identity(live) == recipient_identity(stored)


class GroupBehaviour(TableBehaviour):
    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        # The same identity, its name: ids of monitors and recipients may coincide across
        # accounts, so they tell nothing.
        return group_identity(live) == group_identity(stored)

    def claim(self, state: Any, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        if inputs.get("is_default") is True:
            _refuse_a_second_default(client, None, inputs)
        return super().claim(state, client, inputs)

    def guard_update(self, state: Any, client: AlertSiteClient, object_id: str,
                     olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     changed: list[str]) -> UpdateGuard:
        if "is_default" in changed and inputs.get("is_default") is True:
            _refuse_a_second_default(client, object_id, inputs)
        return super().guard_update(state, client, object_id, olds, inputs, changed)


def _refuse_a_second_default(client: AlertSiteClient, object_id: str | None,
                             inputs: Mapping[str, Any]) -> None:
    """AlertSite keeps one default group: making this one the default would take it, silently,
    from the one that is (another stack's, maybe, whose next `up` would take it back)."""
    others = [g for g in client.list_objects(RECIPIENT_GROUPS)
              if g.get("is_default") is True and str(g.get("id")) != object_id]
    if others:
        holder = others[0]
        raise DuplicateError(
            f"is_default: refusing to make recipient group {inputs.get('name')!r} the account's "
            f"default: group {holder.get('id')} ({holder.get('name')!r}) is, and AlertSite keeps one "
            "default, so this one would take it silently. Set is_default to false on that group "
            "first (in its own stack), or leave it out here. Nothing was changed.")


#: The inputs that take over an existing object instead of creating one.
ADOPT_RECIPIENT_ID: Final = "adopt_recipient_id"
ADOPT_GROUP_ID: Final = "adopt_group_id"


def recipient_behaviour(fields: Mapping[str, Field], computed: Mapping[str, str]) -> RecipientBehaviour:
    return RecipientBehaviour(
        noun="recipient", endpoint=RECIPIENTS, fields=fields,
        control_inputs=(METHOD_INPUT, ADOPT_RECIPIENT_ID), computed=computed,
        adopt_input=ADOPT_RECIPIENT_ID, identity_words="same name, method and address",
        normalize=normalize_recipient_inputs, validate=validate_recipient_inputs,
        coerce=coerce_recipient, to_api=recipient_to_api,
        equal=lambda name, a, b: recipient_equal(name, a, b))


def group_behaviour(fields: Mapping[str, Field], computed: Mapping[str, str]) -> GroupBehaviour:
    return GroupBehaviour(
        noun="recipient group", endpoint=RECIPIENT_GROUPS, fields=fields,
        control_inputs=(ADOPT_GROUP_ID,), computed=computed, adopt_input=ADOPT_GROUP_ID,
        identity_words="same name", normalize=normalize_group_inputs, validate=validate_group_inputs,
        coerce=coerce_group, to_api=group_to_api, equal=group_equal)


__all__ = [
    "ADOPT_GROUP_ID",
    "ADOPT_RECIPIENT_ID",
    "RECIPIENTS",
    "RECIPIENT_GROUPS",
    "DuplicateError",
    "GroupBehaviour",
    "IdentityRule",
    "OnePerIdentity",
    "RecipientBehaviour",
    "TableBehaviour",
    "group_behaviour",
    "recipient_behaviour",
]
