"""Recovery after an interrupted `pulumi up` (killed CLI, lost machine, CI timeout).

What the engine leaves behind (pulumi 3.260, measured): every create that was in flight
stays in the state as a *pending operation* of type ``creating``, with the resource's
inputs but no id, and stays there through later `pulumi up` runs until a `pulumi refresh`
clears it. Some of those creates had made their monitor: an *orphan* that no resource of
the stack references. What may follow before ``recover`` runs:

* a plain `pulumi up`: the mailbox guard refuses to create each resource whose orphan
  watches its mailbox (naming it) and creates the others; their pending operations remain;
* `pulumi refresh --clear-pending-creates`, or ``--import-pending-creates URN ID`` (which
  cannot import dynamic resources: the engine's read gets no stored provider, and the
  resources are dropped): the pending operations are gone, the orphans are not.

``recover`` settles every state these leave, by comparing the monitors AlertSite holds that
no resource of the stack references with the monitor resources the state lacks: first the
pending creates, then, only when unreferenced monitors are left unexplained, the creates a
`pulumi preview` of the program plans. A monitor matches a resource when name, email
(case-insensitively), SMTP and POP3 hostnames are equal.

* a pending create whose resource the state already holds (a later `up` made it): the
  pending operation is dropped, and an orphan it matches is a duplicate, deleted;
* a missing resource with no matching orphan: nothing to settle (a pending operation is
  dropped; the next `pulumi up` creates the monitor);
* exactly one: adopted (default): the resource enters the state with that id and outputs
  read from AlertSite; or with ``delete``, the monitor is deleted and the next `pulumi up`
  creates it again;
* several, or one monitor matching two resources: nothing is changed and the command fails,
  listing the ids (a person decides).

A missing resource whose mailbox an unmatched orphan watches is reported as a conflict the
next `pulumi up` would refuse. The edited state is written back with `pulumi stack import`,
and only when something changed: running ``recover`` again, or with nothing to do, changes
nothing. Pending operations of other kinds (updating, deleting) are left alone: those calls
are idempotent, and `pulumi refresh` or the next `pulumi up` settles them.

Both resources are settled: the dynamic one and the native plugin's. Recover lists the account
of the stack config (``alertsite:*``), which the default providers use; a native monitor made
through an explicit provider (another account, perhaps) is reported, never guessed at.

Alert recipients and recipient groups (``AlertRecipient``, ``RecipientGroup``) are settled the
same way (``RECOVERABLE``): a recipient matches by name, method and address (an e-mail address
case-insensitively; ``routing_fields.recipient_identity``), a group by its name
(``group_identity``), each against the objects of its own kind no resource of the stack
references. They are settled in the order monitors, recipients, groups, so that an adopted
group comes after what it refers to in the state.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .client import AlertSiteClient
from .errors import AlertSiteError
from .identity import identity, mailbox_key
from .lifecycle import ACCOUNT_KEY
from .resource_types import ALERT_RECIPIENT, EMAIL_ROUND_TRIP_MONITOR, RECIPIENT_GROUP, ResourceType
from .routing_fields import group_identity, recipient_identity
from .tokens import ALERT_RECIPIENT_TYPES, PROVIDER_KEY, RECIPIENT_GROUP_TYPES, SECRET_MASK, UNKNOWN_SENTINEL
from .tokens import EMAIL_ROUND_TRIP_MONITOR_TYPES as MONITOR_TYPES

ADOPT: Final = "adopt"
#: Where a missing resource was learned from.
PENDING: Final = "pending"
PROGRAM: Final = "program"
#: How `pulumi preview --json` shows a secret, and a value not known before the update.
_HIDDEN: Final = (SECRET_MASK, UNKNOWN_SENTINEL)


class RecoveryError(AlertSiteError):
    """Recovery cannot proceed safely; the message says why and what to do."""


@dataclass(frozen=True, eq=False)
class Recoverable:
    """A type recover settles: its type tokens, and how its objects are listed and matched.
    One instance per type (compared and hashed by identity: the CLI keys its listings by it)."""

    kind: ResourceType
    types: tuple[str, ...]
    """The dynamic resource's type token and the native plugin's."""
    identity: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    """What ties an object to the create that made it, read from inputs or a listed object."""

    @property
    def noun(self) -> str:
        return self.kind.behaviour.noun

    def list(self, client: AlertSiteClient) -> list[dict[str, Any]]:
        """Every object of the type in the account (round-trip monitors: ``GET /monitors``)."""
        endpoint = self.kind.behaviour.endpoint
        return client.list_monitors() if endpoint is None else client.list_objects(endpoint)

    def delete(self, client: AlertSiteClient, object_id: str) -> None:
        """Delete it; already gone is success."""
        self.kind.behaviour.delete(client, object_id)


MONITORS: Final = Recoverable(EMAIL_ROUND_TRIP_MONITOR, MONITOR_TYPES, identity)
RECIPIENTS: Final = Recoverable(ALERT_RECIPIENT, ALERT_RECIPIENT_TYPES, recipient_identity)
GROUPS: Final = Recoverable(RECIPIENT_GROUP, RECIPIENT_GROUP_TYPES, group_identity)
#: Every type recover settles, in the order it settles them (what a group refers to first).
RECOVERABLE: Final = (MONITORS, RECIPIENTS, GROUPS)
_BY_TYPE: Final = {token: kind for kind in RECOVERABLE for token in kind.types}
_DYNAMIC_TYPES: Final = frozenset(kind.kind.dynamic_type for kind in RECOVERABLE)


def recoverable(type_token: Any) -> Recoverable | None:
    """The recoverable type of a resource type token, or None."""
    return _BY_TYPE.get(str(type_token))


@dataclass
class PendingCreate:
    """A resource the state lacks, and the orphan objects that may be its result."""

    urn: str
    resource: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)
    source: str = PENDING
    """``pending``: an interrupted create left in the state; ``program``: declared by the
    program (seen in `pulumi preview`) with no pending operation left to show for it."""

    @property
    def kind(self) -> Recoverable:
        return recoverable(self.resource.get("type")) or MONITORS

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def inputs(self) -> dict[str, Any]:
        return dict(self.resource.get("inputs") or {})

    @property
    def key(self) -> tuple[Any, ...]:
        return self.kind.identity(self.inputs)


@dataclass
class Outcome:
    """What recovery did (or, with ``--dry-run``, would do) to one resource."""

    name: str
    urn: str
    action: str
    """``adopted``, ``deleted`` (the orphan, so that `up` creates it again), ``dropped``
    (nothing had been made), ``settled`` (the state already holds it) or ``duplicate``
    (the state holds it and its orphan was deleted)."""
    monitor_id: str | None = None
    """The id of the object adopted or deleted (a monitor's, or a recipient's or group's)."""
    noun: str = "monitor"


def pending_creates(deployment: Mapping[str, Any]) -> list[PendingCreate]:
    """The pending ``creating`` operations of the recoverable types' resources, one per URN,
    in the order they are settled (monitors, recipients, groups)."""
    found: dict[str, PendingCreate] = {}
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        if op.get("type") == "creating" and recoverable(resource.get("type")) is not None:
            urn = str(resource.get("urn"))
            found.setdefault(urn, PendingCreate(urn=urn, resource=dict(resource)))
    return in_settling_order(found.values())


def in_settling_order(creates: Iterable[PendingCreate]) -> list[PendingCreate]:
    """Monitors, then recipients, then groups (each kind in the order given)."""
    return sorted(creates, key=lambda c: RECOVERABLE.index(c.kind))


def explicit_provider(resource: Mapping[str, Any]) -> str | None:
    """The name of the explicit provider a native monitor resource uses; None for a default
    provider, whose account is the stack config's (the only one recover lists)."""
    reference = str(resource.get("provider") or "")
    # "<provider urn>::<provider id>", the urn ending in "pulumi:providers:<package>::<name>".
    parts = reference.split("::")
    if len(parts) < 3 or resource.get("type") in _DYNAMIC_TYPES:
        return None
    name = parts[-2]
    return None if name == "default" or name.startswith("default_") else name


def monitor_urns(deployment: Mapping[str, Any]) -> set[str]:
    """The monitor resources the state holds."""
    return {str(r.get("urn")) for r in deployment.get("resources") or [] if r.get("type") in MONITOR_TYPES}


def resource_urns(deployment: Mapping[str, Any]) -> set[str]:
    """The resources of every recoverable type the state holds."""
    return {str(r.get("urn")) for r in deployment.get("resources") or [] if recoverable(r.get("type"))}


def referenced_ids(deployment: Mapping[str, Any], kind: Recoverable = MONITORS) -> set[str]:
    """The ids of ``kind``'s objects (monitors by default) the state's resources hold."""
    return {str(r["id"]) for r in deployment.get("resources") or []
            if r.get("type") in kind.types and r.get("id")}


def orphans(monitors: Iterable[Mapping[str, Any]], referenced: set[str]) -> list[dict[str, Any]]:
    """The objects no resource of the stack references (other stacks' among them)."""
    return [dict(m) for m in monitors if str(m.get("id")) not in referenced]


def match_orphans(creates: Sequence[PendingCreate], monitors: Iterable[Mapping[str, Any]],
                  referenced: set[str]) -> list[dict[str, Any]]:
    """Fill each create's candidates: unreferenced objects with its identity. ``monitors``
    (and ``referenced``) are objects of one kind, matched against that kind's creates only.

    Returns the unreferenced objects that matched none of them.
    """
    unreferenced = orphans(monitors, referenced)
    claimed: set[str] = set()
    for create in creates:
        create.candidates = [m for m in unreferenced if create.kind.identity(m) == create.key]
        claimed.update(str(m.get("id")) for m in create.candidates)
    return [m for m in unreferenced if str(m.get("id")) not in claimed]


def check_unambiguous(creates: Sequence[PendingCreate], in_state: set[str] | None = None) -> None:
    """Refuse when a create matches several monitors, or two creates one monitor.

    A create whose resource is in the state (``in_state``) may match several: they are all
    duplicates of the monitor the state holds.
    """
    problems = []
    for create in creates:
        if len(create.candidates) > 1 and create.urn not in (in_state or set()):
            ids = ", ".join(str(c.get("id")) for c in create.candidates)
            problems.append(f"{create.urn}: {len(create.candidates)} unreferenced {create.kind.noun}s "
                            f"match (ids {ids})")
    claimed: dict[tuple[str, str], str] = {}
    for create in creates:
        for candidate in create.candidates:
            other = claimed.setdefault((create.kind.noun, str(candidate.get("id"))), create.urn)
            if other != create.urn:
                problems.append(f"{create.kind.noun} {candidate.get('id')} matches both {other} and "
                                f"{create.urn}")
    if problems:
        raise RecoveryError(
            "Cannot tell which object each interrupted create made; nothing was changed.\n  "
            + "\n  ".join(problems)
            + "\nDelete the extra ones (alertsite-pulumi monitors list, recipients list and "
              "recipient-groups list show them), then run recover again.")


def planned_creates(preview: Mapping[str, Any], known: set[str]) -> list[PendingCreate]:
    """The resources `pulumi preview --json` plans to create that ``known`` does not cover.

    Values the preview hides (secrets, values not known yet) are left out of the inputs: the
    next `pulumi up` sees them as changed and writes them (a mailbox password is written
    again, which is harmless).
    """
    found = []
    for step in preview.get("steps") or []:
        state = step.get("newState") or {}
        urn = str(step.get("urn") or state.get("urn"))
        if step.get("op") != "create" or recoverable(state.get("type")) is None or urn in known:
            continue
        inputs = {k: v for k, v in (state.get("inputs") or {}).items() if not _hides(v)}
        resource = {k: v for k, v in state.items() if k != "stackTrace"}
        resource["inputs"] = inputs
        resource["propertyDependencies"] = {
            k: v for k, v in (state.get("propertyDependencies") or {}).items() if k in inputs}
        found.append(PendingCreate(urn=urn, resource=resource, source=PROGRAM))
    return in_settling_order(found)


def _hides(value: Any) -> bool:
    if isinstance(value, str):
        return value in _HIDDEN
    if isinstance(value, Mapping):
        return any(_hides(v) for v in value.values())
    if isinstance(value, list):
        return any(_hides(v) for v in value)
    return False


def mailbox_conflicts(creates: Sequence[PendingCreate], unmatched: Iterable[Mapping[str, Any]],
                      in_state: set[str]) -> list[str]:
    """Resources still to be created whose mailbox an unmatched orphan watches (the mailbox
    guard would refuse their create), in words."""
    by_mailbox: dict[str, list[Mapping[str, Any]]] = {}
    for monitor in unmatched:
        by_mailbox.setdefault(mailbox_key(str(monitor.get("email") or "")), []).append(monitor)
    problems = []
    for create in creates:
        if create.candidates or create.urn in in_state or create.kind is not MONITORS:
            continue
        email = str(create.inputs.get("email") or "")
        for monitor in by_mailbox.get(mailbox_key(email), []):
            problems.append(
                f"{create.name}: monitor {monitor.get('id')} ({monitor.get('name')!r}) watches its "
                f"mailbox {email} but differs in name or hostnames, so it is not taken for this "
                f"resource's; set adopt_monitor_id=\"{monitor.get('id')}\" on it to take it over, "
                "or delete that monitor")
    return problems


def adopted_resource(create: PendingCreate, monitor: Mapping[str, Any]) -> dict[str, Any]:
    """The missing resource with the object's id, and outputs as a create would store them."""
    resource = dict(create.resource)
    inputs = create.inputs
    kind = create.kind.kind
    user_inputs = kind.behaviour.normalize({k: v for k, v in inputs.items() if k != PROVIDER_KEY})
    resource["id"] = str(monitor["id"])
    resource["outputs"] = kind.behaviour.outputs(monitor, user_inputs, {})
    if ACCOUNT_KEY in inputs:
        # The account the check recorded: the stack config's, the one recover listed.
        resource["outputs"][ACCOUNT_KEY] = inputs[ACCOUNT_KEY]
    if resource.get("type") in _DYNAMIC_TYPES:
        # read() and diff() see outputs only: they need every field, and the provider's pickled
        # self (__provider) as the engine stores it after a create.
        resource["outputs"][PROVIDER_KEY] = inputs.get(PROVIDER_KEY)
    return resource


def apply(deployment: dict[str, Any], creates: Sequence[PendingCreate], mode: str,
          client: AlertSiteClient | None) -> list[Outcome]:
    """Settle every create (``deployment`` is edited in place); delete orphans when asked."""
    outcomes = []
    in_state = resource_urns(deployment)
    settled: set[str] = set()
    resources = list(deployment.get("resources") or [])
    for create in in_settling_order(creates):
        noun = create.kind.noun
        if create.source == PENDING:
            settled.add(create.urn)
        if create.urn in in_state:
            for duplicate in create.candidates:
                _delete(client, create, duplicate)
                outcomes.append(Outcome(create.name, create.urn, "duplicate", str(duplicate["id"]), noun))
            if not create.candidates:
                outcomes.append(Outcome(create.name, create.urn, "settled", noun=noun))
            continue
        if not create.candidates:
            if create.source == PENDING:
                outcomes.append(Outcome(create.name, create.urn, "dropped", noun=noun))
            continue
        monitor = create.candidates[0]
        if mode == ADOPT:
            resources.append(adopted_resource(create, monitor))
            outcomes.append(Outcome(create.name, create.urn, "adopted", str(monitor["id"]), noun))
        else:
            _delete(client, create, monitor)
            outcomes.append(Outcome(create.name, create.urn, "deleted", str(monitor["id"]), noun))
    deployment["resources"] = resources
    deployment["pending_operations"] = [
        op for op in deployment.get("pending_operations") or []
        if not (op.get("type") == "creating" and (op.get("resource") or {}).get("urn") in settled)
    ]
    return outcomes


def _delete(client: AlertSiteClient | None, create: PendingCreate, found: Mapping[str, Any]) -> None:
    if client is not None:
        create.kind.delete(client, str(found["id"]))


# --- the pulumi CLI ---------------------------------------------------------------------------


def pulumi(args: Sequence[str], *, cwd: Path, stack: str | None) -> subprocess.CompletedProcess[str]:
    """Run the pulumi CLI in ``cwd`` on ``stack`` (None: the selected stack)."""
    argv = ["pulumi", *args, *(["--stack", stack] if stack else []), "--non-interactive"]
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,  # noqa: S603
                              env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    except FileNotFoundError:
        raise RecoveryError("the pulumi CLI is not on PATH") from None
    if done.returncode != 0:
        raise RecoveryError(f"`{' '.join(argv)}` failed ({done.returncode}):\n"
                            f"{(done.stderr or done.stdout).strip()[-3000:]}")
    return done


def export_stack(cwd: Path, stack: str | None, *, show_secrets: bool = False) -> dict[str, Any]:
    args = ["stack", "export", *(["--show-secrets"] if show_secrets else [])]
    exported: dict[str, Any] = json.loads(pulumi(args, cwd=cwd, stack=stack).stdout)
    return exported


def import_stack(cwd: Path, stack: str, exported: Mapping[str, Any]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(exported, handle)
        path = handle.name
    try:
        pulumi(["stack", "import", "--file", path], cwd=cwd, stack=stack)
    finally:
        os.unlink(path)


def preview_stack(cwd: Path, stack: str) -> dict[str, Any]:
    """`pulumi preview --json`: what the program would do (runs the program; changes nothing)."""
    planned: dict[str, Any] = json.loads(pulumi(["preview", "--json"], cwd=cwd, stack=stack).stdout)
    return planned


def stack_config(cwd: Path, stack: str) -> dict[str, Any]:
    """The stack's ``alertsite:*`` config values, secrets decrypted."""
    raw = json.loads(pulumi(["config", "--json", "--show-secrets"], cwd=cwd, stack=stack).stdout)
    return {key: entry.get("value") for key, entry in raw.items()
            if key.startswith("alertsite:") and isinstance(entry, Mapping)}


__all__ = [
    "ADOPT",
    "GROUPS",
    "MONITORS",
    "PENDING",
    "PROGRAM",
    "RECIPIENTS",
    "RECOVERABLE",
    "Outcome",
    "PendingCreate",
    "Recoverable",
    "RecoveryError",
    "adopted_resource",
    "apply",
    "check_unambiguous",
    "explicit_provider",
    "export_stack",
    "identity",
    "import_stack",
    "in_settling_order",
    "mailbox_conflicts",
    "match_orphans",
    "monitor_urns",
    "orphans",
    "pending_creates",
    "planned_creates",
    "preview_stack",
    "recoverable",
    "referenced_ids",
    "resource_urns",
    "stack_config",
]
