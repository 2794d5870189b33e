"""What the lifecycle needs of one resource type beyond its field table: its ``Behaviour``.

The lifecycle (``lifecycle.Lifecycle``) is written once for every type; a type's declaration
(``resource_types.ResourceType``) carries a ``Behaviour`` that says how its values are read,
compared and sent, where its objects live in the API, and which rules of its own a create, an
update or a delete must keep (a monitor's one-mailbox rule, its adoption inputs). The defaults
suit an object at an ``endpoints.Endpoint`` with no rule of its own. It imports nothing of
Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .client import AlertSiteClient
from .endpoints import Endpoint
from .fields import Field
from .validators import is_unknown


class Claim(Protocol):
    """A rule a create keeps around its POST: told the new id, then asked to confirm it (a
    failed confirmation raises, and the lifecycle deletes what the create made)."""

    def made(self, object_id: str, /) -> None: ...

    def confirm(self, client: AlertSiteClient, object_id: str, /) -> None: ...


class UpdateGuard(Protocol):
    """A rule an update keeps around its PATCH: checked before, confirmed after (which may put
    the old values back and raise)."""

    def before(self) -> None: ...

    def after(self) -> None: ...


class _NoRule:
    """The claim and the guard of a type with no rule of its own."""

    def made(self, object_id: str) -> None:
        return None

    def confirm(self, client: AlertSiteClient, object_id: str) -> None:
        return None

    def before(self) -> None:
        return None

    def after(self) -> None:
        return None


NO_RULE = _NoRule()


def field_outputs(fields: Mapping[str, Field], live: Mapping[str, Any], inputs: Mapping[str, Any],
                  previous: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a type as AlertSite reports it (``live``, read into the inputs' form);
    a secret field, which AlertSite never reports in clear, from the inputs or the previous
    state; a field AlertSite left out, from the inputs or the previous state too."""
    out: dict[str, Any] = {}
    for name, field in fields.items():
        if field.secret:
            value = inputs.get(name, previous.get(name))
        else:
            value = live.get(name, inputs.get(name, previous.get(name)))
        if value is not None:
            out[name] = value
    return out


class Behaviour:
    """How one resource type is read, compared, sent and kept; see the module docstring.

    ``endpoint`` is where its objects live; a type whose calls differ (the monitor) overrides
    the API methods instead.
    """

    noun = "object"
    endpoint: Endpoint | None = None

    # -- values ------------------------------------------------------------------------------

    def normalize(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs in the form they are stored and compared in (readable names resolved)."""
        return dict(inputs)

    def validate(self, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Every (field, problem) of normalized inputs; unknown values pass."""
        raise NotImplementedError

    def equal(self, name: str, stored: Any, wanted: Any) -> bool:
        """Whether a stored value and a wanted one are the same for field ``name``."""
        return bool(stored == wanted)

    def changed(self, fields: Mapping[str, Any], olds: Mapping[str, Any],
                news: Mapping[str, Any]) -> list[str]:
        """The fields the user set whose stored value differs (unknown values count as changed)."""
        return [name for name, wanted in news.items()
                if name in fields and wanted is not None
                and (is_unknown(wanted) or not self.equal(name, olds.get(name), wanted))]

    def to_api(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The request body that sets ``inputs`` (a create's, or a PATCH's of those fields)."""
        raise NotImplementedError

    def update_body(self, inputs: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        """The PATCH body for the ``changed`` fields of ``inputs``."""
        return self.to_api({k: inputs[k] for k in changed if k in inputs})

    def coerce(self, live: Mapping[str, Any]) -> dict[str, Any]:
        """An object as AlertSite sent it, in the inputs' form (ids as text, sets sorted)."""
        raise NotImplementedError

    def outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                previous: Mapping[str, Any]) -> dict[str, Any]:
        """The state to keep: the object as read (``coerce``d), secrets from the inputs."""
        raise NotImplementedError

    def same(self, live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
        """Whether an object read under a stored id is the one the state describes (another
        account may hold another object under that id)."""
        raise NotImplementedError

    def import_inputs(self, outputs: Mapping[str, Any], resource_name: str) -> dict[str, Any]:
        """The inputs a program would write for an object read from AlertSite (`pulumi import`):
        values ``validate`` would refuse are left out."""
        raise NotImplementedError

    # -- the API -----------------------------------------------------------------------------

    def _at(self) -> Endpoint:
        if self.endpoint is None:
            raise NotImplementedError(f"{type(self).__name__} declares no endpoint")
        return self.endpoint

    def get(self, client: AlertSiteClient, object_id: str) -> dict[str, Any]:
        """The object, ``coerce``d; NotFound when it is gone."""
        return self.coerce(client.get_object(self._at(), object_id))

    def create(self, client: AlertSiteClient, body: Mapping[str, Any]) -> str:
        return client.create_object(self._at(), body)

    def update(self, client: AlertSiteClient, object_id: str, body: Mapping[str, Any]) -> None:
        client.update_object(self._at(), object_id, body)

    def delete(self, client: AlertSiteClient, object_id: str) -> None:
        """Delete it; already gone is success."""
        client.delete_object(self._at(), object_id, missing_ok=True)

    def discard(self, client: AlertSiteClient, object_id: str) -> None:
        """Delete what a failed create made, as persistently as the budget allows."""
        client.delete_object(self._at(), object_id, missing_ok=True, persistent=True)

    # -- rules of its own ----------------------------------------------------------------------

    def new_state(self) -> Any:
        """What a process keeps for the type's rules across calls (the monitor's mailboxes)."""
        return None

    def adopt(self, client: AlertSiteClient, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """An existing object to take over instead of creating one (id, live values), or None."""
        return None

    def adoption_body(self, live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What to PATCH when taking ``live`` over for ``inputs``."""
        return {}

    def claim(self, state: Any, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        """The rule a create of ``inputs`` keeps (checked before the POST; may refuse)."""
        return NO_RULE

    def guard_update(self, state: Any, client: AlertSiteClient, object_id: str,
                     olds: Mapping[str, Any], inputs: Mapping[str, Any],
                     changed: list[str]) -> UpdateGuard:
        """The rule an update keeps around its PATCH."""
        return NO_RULE

    def forget(self, state: Any, client: AlertSiteClient, object_id: str) -> None:
        """Tell the type's rules that the object was deleted."""
        return None


__all__ = ["NO_RULE", "Behaviour", "Claim", "UpdateGuard", "field_outputs"]
