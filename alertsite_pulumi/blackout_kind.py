"""The ``Behaviour`` of blackouts: what the lifecycle needs of them beyond their field table
(``blackout_fields``).

AlertSite's own rules, turned into a plan: only recurring blackouts can be PATCHed, so a
change of a one-time window, or from one kind of window to the other, is a replacement (the
declaration's ``replace_on_change``, and :meth:`BlackoutBehaviour.replaces` for the rest); a
one-time window that has ended cannot be deleted, so its destroy succeeds and says why.

Dates need the account's zone (``alertsite:timeZone``), which the value hooks are not given:
they keep dates aware, and the calls that reach AlertSite (create, update, get, the rules) write
and read them in the zone of their client's settings.

One blackout per identity (the object it silences, its type and window), as for recipients and
groups: a duplicate silences nothing more, yet it makes a lost create's answer ambiguous (the
safe create would find two) and lets an interrupted `pulumi up`, run again, leave one behind
outside the stack. So a create is refused before its POST when an identical blackout exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

from .blackout_fields import (
    BLACKOUT_FIELDS,
    ONE_TIME_FIELDS,
    RECURRING_FIELDS,
    ZoneProblem,
    blackout_equal,
    blackout_identity,
    blackout_to_api,
    coerce_blackout,
    dates_in_zone,
    is_recurring,
    normalize_blackout_inputs,
    validate_blackout_inputs,
    window_ended,
    window_started,
    zone,
)
from .client import AlertSiteClient
from .endpoints import Endpoint
from .errors import AdoptionError, InvalidRequest, NotFound, PermissionDenied
from .fields import Field
from .kind import NO_RULE, Claim, UpdateGuard
from .routing_kind import DuplicateError, OnePerIdentity, TableBehaviour

BLACKOUTS: Final = Endpoint("blackout", "/blackouts", blackout_identity)
#: The input that takes over an existing blackout instead of creating one.
ADOPT_BLACKOUT_ID: Final = "adopt_blackout_id"
#: Where "now" comes from (aware); tests inject one.
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def describe(values: Mapping[str, Any]) -> str:
    """A blackout in words, for messages: ``Monitor blackout of 123, monday 22:00 .. tuesday 02:00``."""
    if is_recurring(values):
        window = (f"{values.get('start_day')} {values.get('start_time')} .. "
                  f"{values.get('end_day')} {values.get('end_time')} weekly")
    else:
        window = f"{values.get('from_date')} .. {values.get('thru_date')}"
    return f"{values.get('type')} blackout of {values.get('assoc_id')}, {window}"


class OneBlackoutPerWindow(OnePerIdentity):
    """The identity rule around one create (see the module docstring): checked before the POST,
    and after it the older of two racing creates stays."""

    def __init__(self, client: AlertSiteClient, body: Mapping[str, Any]) -> None:
        self._body = dict(body)
        super().__init__(BLACKOUTS, client, blackout_identity(body))

    def _candidates(self, client: AlertSiteClient) -> list[dict[str, Any]]:
        return client.list_objects(BLACKOUTS, assoc_id=str(self._body.get("assoc_id")))

    def _refusal(self, holders: list[str], *, made: str | None) -> str:
        what = f"the {describe(coerce_blackout(self._body))} already exists as blackout {holders[0]}"
        if made is None:
            start = f"Refusing to create a blackout: {what}. Nothing was created."
        else:
            start = (f"Another create made the same blackout first: {what}, so blackout {made}, "
                     "made by this create, was deleted again.")
        return (f"{start} A second identical blackout would silence nothing more. If an "
                "interrupted `pulumi up` of this stack made it, take it over: set "
                f'{ADOPT_BLACKOUT_ID}="{holders[0]}" on this resource; or delete it in AlertSite.')


class _Refuse:
    """An update guard that refuses before any PATCH."""

    def __init__(self, message: str) -> None:
        self._message = message

    def before(self) -> None:
        raise InvalidRequest(self._message, hint="")

    def after(self) -> None:
        return None


class BlackoutBehaviour(TableBehaviour):
    """Blackouts at ``/blackouts``; ``clock`` gives "now" (aware) for the rules of time."""

    def __init__(self, fields: Mapping[str, Field], computed: Mapping[str, str], *,
                 clock: Clock = _utc_now) -> None:
        super().__init__(
            noun="blackout", endpoint=BLACKOUTS, fields=fields, control_inputs=(ADOPT_BLACKOUT_ID,),
            computed=computed, adopt_input=ADOPT_BLACKOUT_ID,
            identity_words="same monitor or recipient, type and window",
            normalize=normalize_blackout_inputs,
            validate=lambda inputs: validate_blackout_inputs(inputs, self.clock()),
            coerce=coerce_blackout, to_api=lambda inputs: blackout_to_api(inputs, None),
            equal=blackout_equal)
        self.clock = clock

    # -- values ------------------------------------------------------------------------------

    def changed(self, fields: Mapping[str, Any], olds: Mapping[str, Any],
                news: Mapping[str, Any]) -> list[str]:
        out = super().changed(fields, olds, news)
        # A window field dropped is a change too (a one-time window made recurring, or back),
        # and so is a note taken out.
        dropped = [name for name in (*ONE_TIME_FIELDS, *RECURRING_FIELDS, "note")
                   if news.get(name) is None and olds.get(name) is not None]
        return out + [name for name in dropped if name not in out]

    def replaces(self, replace_on_change: tuple[str, ...], olds: Mapping[str, Any],
                 changed: list[str]) -> list[str]:
        """The ``changed`` fields that make a replacement: the declaration's (a one-time window,
        a change of kind), and any change of a one-time blackout (AlertSite PATCHes only
        recurring ones). ``lifecycle.diff`` does not ask this yet (it reads the declaration's list
        only); until it does, ``guard_update`` refuses a one-time blackout's PATCH."""
        if not is_recurring(olds):
            return list(changed)
        return [name for name in changed if name in replace_on_change]

    def update_body(self, inputs: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        body = super().update_body(inputs, changed)
        body.pop("persistent", None)  # a PATCH changes a recurring blackout's fields only
        if "note" in changed and inputs.get("note") is None:
            body["note"] = None  # taken out: back to AlertSite's default
        return body

    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        return all(blackout_equal(name, live.get(name), stored.get(name))
                   for name in ("assoc_id", "type", *ONE_TIME_FIELDS, *RECURRING_FIELDS))

    def import_inputs(self, outputs: Mapping[str, Any], resource_name: str) -> dict[str, Any]:
        # The window is kept whatever the check says of it (an ended one): left out, the
        # program would describe another blackout; kept, its preview says why.
        return {name: outputs[name] for name in BLACKOUT_FIELDS if outputs.get(name) is not None}

    # -- the API: dates in the zone of the client's settings ----------------------------------

    def _api_body(self, client: AlertSiteClient, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return dates_in_zone(body, zone(client.settings.time_zone))
        except ZoneProblem as problem:
            raise InvalidRequest(str(problem), hint="") from None

    def get(self, client: AlertSiteClient, object_id: str) -> dict[str, Any]:
        return coerce_blackout(client.get_object(BLACKOUTS, object_id), zone(client.settings.time_zone))

    def create(self, client: AlertSiteClient, body: Mapping[str, Any]) -> str:
        return client.create_object(BLACKOUTS, self._api_body(client, body))

    def update(self, client: AlertSiteClient, object_id: str, body: Mapping[str, Any]) -> None:
        client.update_object(BLACKOUTS, object_id, self._api_body(client, body))

    def delete(self, client: AlertSiteClient, object_id: str) -> None:
        """Delete it; already gone is success, and so is a one-time window that has ended
        (AlertSite refuses to delete it: it is history, and silences nothing any more)."""
        try:
            live = self.get(client, object_id)
        except NotFound:
            return
        if not is_recurring(live) and window_ended(live, self.clock()):
            _tell_user(past_delete_message(object_id, live))
            return
        try:
            client.delete_object(BLACKOUTS, object_id, missing_ok=True)
        except InvalidRequest as refused:
            # A DELETE carries no body, so AlertSite's 400 for a one-time blackout is its rule:
            # only future ones are deleted, by its clock (which may run ahead of this one).
            if is_recurring(live):
                raise
            _tell_user(past_delete_message(object_id, live, running=True, said=refused.messages))
        except PermissionDenied:
            # A 403 is the user's role, unless this clock too says the window has begun.
            if is_recurring(live) or not window_started(live, self.clock()):
                raise
            _tell_user(past_delete_message(object_id, live, running=True))

    # -- the rules ----------------------------------------------------------------------------

    def claim(self, state: Any, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        if not is_recurring(inputs) and window_started(inputs, self.clock()):
            raise InvalidRequest(
                f"from_date: the window began at {inputs.get('from_date')}, before now; AlertSite "
                "creates one-time blackouts only in the future: start it later. Nothing was "
                "created.", hint="")
        return OneBlackoutPerWindow(client, self._api_body(client, self.to_api(inputs)))

    def adoption_body(self, live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        body = super().adoption_body(live, inputs)
        if body and (not is_recurring(live) or not is_recurring(inputs)):
            raise AdoptionError(
                f"{ADOPT_BLACKOUT_ID}: blackout {live.get('id')} ({describe(live)}) differs from "
                f"this resource's inputs in {', '.join(sorted(body))}, and AlertSite changes only "
                "recurring blackouts in place: give its values, or leave "
                f"{ADOPT_BLACKOUT_ID} out to create a new one")
        return body

    def guard_update(self, state: Any, client: AlertSiteClient, object_id: str,
                     olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     changed: list[str]) -> UpdateGuard:
        if changed and not is_recurring(olds):
            # Reached only while the diff does not ask ``replaces``: never send the PATCH.
            return _Refuse(
                f"Refusing to change blackout {object_id} ({', '.join(changed)}) in place: it is "
                "one-time, and AlertSite changes only recurring blackouts; replace it instead "
                "(`pulumi up --replace <urn>`). Nothing was changed.")
        tz = zone(client.settings.time_zone)
        try:
            before = blackout_identity(blackout_to_api(olds, tz))
            after = blackout_identity(blackout_to_api(inputs, tz))
        except ZoneProblem as problem:
            return _Refuse(str(problem))
        if before != after:
            listed = client.list_objects(BLACKOUTS, assoc_id=str(inputs.get("assoc_id")))
            taken = [str(b.get("id")) for b in listed
                     if blackout_identity(b) == after and str(b.get("id")) != object_id]
            if taken:
                raise DuplicateError(
                    f"Refusing to change blackout {object_id}: blackout {taken[0]} already is the "
                    f"{describe(normalize_blackout_inputs(inputs))}, and one blackout per window "
                    "keeps creates from ever duplicating one. Nothing was changed.")
        return NO_RULE


def past_delete_message(object_id: str, live: Mapping[str, Any], *, running: bool = False,
                        said: Sequence[str] = ()) -> str:
    """Why a one-time blackout's destroy succeeded without deleting it in AlertSite:
    ``running`` when AlertSite refused the DELETE (its window has begun, by AlertSite's clock),
    with what it ``said``."""
    if running:
        answer = f" (AlertSite said: {'; '.join(said)})" if said else ""
        return (f"AlertSite refused to delete blackout {object_id} ({describe(live)}){answer}: it "
                "deletes only future one-time blackouts, and this one has begun. It was NOT "
                f"deleted and stays in force until {live.get('thru_date')}; it is no longer in "
                "the stack.")
    return (f"Blackout {object_id} ({describe(live)}) has ended, and AlertSite cannot delete a "
            "past one-time blackout (it stays in the account's history): it was not deleted, and "
            "is no longer in the stack.")


def _tell_user(message: str) -> None:
    # Imported here: lifecycle imports the declarations, which import this module.
    from .lifecycle import tell_user

    tell_user(message)


def blackout_behaviour(fields: Mapping[str, Field], computed: Mapping[str, str], *,
                       clock: Clock = _utc_now) -> BlackoutBehaviour:
    return BlackoutBehaviour(fields, computed, clock=clock)


__all__ = [
    "ADOPT_BLACKOUT_ID",
    "BLACKOUTS",
    "BlackoutBehaviour",
    "OneBlackoutPerWindow",
    "blackout_behaviour",
    "describe",
    "past_delete_message",
]
