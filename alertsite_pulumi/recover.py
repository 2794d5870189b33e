"""Recovery after an interrupted `pulumi up` (killed CLI, lost machine, CI timeout).

What the engine leaves behind (pulumi 3.260, measured): every create that was in flight
stays in the state as a *pending operation* of type ``creating``, with the resource's
inputs but no id. The next `pulumi up` only warns about it and creates the resource again,
so a monitor whose POST had already succeeded is left behind as a duplicate, an *orphan*
that no resource references. `pulumi refresh --import-pending-creates URN ID` does not help
for dynamic resources (the engine's read gets no stored provider, and the imported
resources are dropped), and `pulumi refresh --clear-pending-creates` forgets them.

``recover`` settles each pending create of an EmailRoundTripMonitor, by comparing its
inputs with the monitors AlertSite holds that no resource of the stack references (same
name, email, SMTP and POP3 hostnames):

* no such monitor: the POST never happened; the pending operation is dropped and the next
  `pulumi up` creates the monitor;
* exactly one: adopted (default): the pending operation becomes a resource with that id,
  which `pulumi refresh` then completes; or with ``delete``, the monitor is deleted and the
  next `pulumi up` creates it again;
* several: nothing is changed and the command fails, listing the ids (a person decides).

The edited state is written back with `pulumi stack import`. Pending operations of other
kinds (updating, deleting) are left alone: those calls are idempotent, and `pulumi refresh`
or the next `pulumi up` settles them.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .client import CREATE_MATCH_KEYS as MATCH_KEYS
from .client import AlertSiteClient
from .errors import AlertSiteError
from .tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE as MONITOR_TYPE

ADOPT: Final = "adopt"
DELETE: Final = "delete"


class RecoveryError(AlertSiteError):
    """Recovery cannot proceed safely; the message says why and what to do."""


@dataclass
class PendingCreate:
    """One interrupted create and the orphan monitors that may be its result."""

    urn: str
    resource: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def key(self) -> tuple[Any, ...]:
        inputs = self.resource.get("inputs") or {}
        return tuple(inputs.get(k) for k in MATCH_KEYS)


@dataclass
class Outcome:
    """What recovery did to one pending create."""

    name: str
    urn: str
    action: str
    """``adopted``, ``deleted`` or ``dropped`` (nothing had been created)."""
    monitor_id: str | None = None


def pending_creates(deployment: Mapping[str, Any]) -> list[PendingCreate]:
    """The pending ``creating`` operations of EmailRoundTripMonitor resources."""
    found = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        if op.get("type") == "creating" and resource.get("type") == MONITOR_TYPE:
            found.append(PendingCreate(urn=str(resource.get("urn")), resource=dict(resource)))
    return found


def referenced_ids(deployment: Mapping[str, Any]) -> set[str]:
    """Monitor ids the state's resources hold."""
    return {str(r["id"]) for r in deployment.get("resources") or []
            if r.get("type") == MONITOR_TYPE and r.get("id")}


def match_orphans(pending: Sequence[PendingCreate], monitors: Iterable[Mapping[str, Any]],
                  referenced: set[str]) -> None:
    """Fill each pending create's candidates: unreferenced monitors with the same identity."""
    orphans = [dict(m) for m in monitors if str(m.get("id")) not in referenced]
    for create in pending:
        create.candidates = [m for m in orphans
                             if tuple(m.get(k) for k in MATCH_KEYS) == create.key]


def check_unambiguous(pending: Sequence[PendingCreate]) -> None:
    """Refuse when a pending create matches several monitors, or two creates one monitor."""
    problems = []
    for create in pending:
        if len(create.candidates) > 1:
            ids = ", ".join(str(c.get("id")) for c in create.candidates)
            problems.append(f"{create.urn}: {len(create.candidates)} unreferenced monitors match "
                            f"(ids {ids})")
    claimed: dict[str, str] = {}
    for create in pending:
        for candidate in create.candidates:
            other = claimed.setdefault(str(candidate.get("id")), create.urn)
            if other != create.urn:
                problems.append(f"monitor {candidate.get('id')} matches both {other} and {create.urn}")
    if problems:
        raise RecoveryError(
            "Cannot tell which monitor each interrupted create made; nothing was changed.\n  "
            + "\n  ".join(problems)
            + "\nDelete the extra monitors (alertsite-pulumi monitors list shows them), then run "
              "recover again.")


def adopted_resource(create: PendingCreate, monitor_id: str) -> dict[str, Any]:
    """The pending create as a resource with an id; `pulumi refresh` completes its outputs."""
    resource = dict(create.resource)
    inputs = dict(resource.get("inputs") or {})
    resource["id"] = monitor_id
    # The provider needs its pickled self (__provider) and the user's fields in the outputs:
    # read() and diff() see outputs only.
    resource["outputs"] = {**inputs, "monitor_id": monitor_id}
    return resource


def apply(deployment: dict[str, Any], pending: Sequence[PendingCreate], mode: str,
          client: AlertSiteClient | None) -> list[Outcome]:
    """Settle every pending create in ``deployment`` (edited in place); delete when asked."""
    outcomes = []
    settled = {create.urn for create in pending}
    resources = list(deployment.get("resources") or [])
    for create in pending:
        if not create.candidates:
            outcomes.append(Outcome(create.name, create.urn, "dropped"))
            continue
        monitor_id = str(create.candidates[0]["id"])
        if mode == ADOPT:
            resources.append(adopted_resource(create, monitor_id))
            outcomes.append(Outcome(create.name, create.urn, "adopted", monitor_id))
        else:
            assert client is not None
            client.delete_monitor(monitor_id, missing_ok=True)
            outcomes.append(Outcome(create.name, create.urn, "deleted", monitor_id))
    deployment["resources"] = resources
    deployment["pending_operations"] = [
        op for op in deployment.get("pending_operations") or []
        if not (op.get("type") == "creating" and (op.get("resource") or {}).get("urn") in settled)
    ]
    return outcomes


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


def stack_config(cwd: Path, stack: str) -> dict[str, Any]:
    """The stack's ``alertsite:*`` config values, secrets decrypted."""
    raw = json.loads(pulumi(["config", "--json", "--show-secrets"], cwd=cwd, stack=stack).stdout)
    return {key: entry.get("value") for key, entry in raw.items()
            if key.startswith("alertsite:") and isinstance(entry, Mapping)}


__all__ = [
    "ADOPT",
    "DELETE",
    "MATCH_KEYS",
    "Outcome",
    "PendingCreate",
    "RecoveryError",
    "apply",
    "check_unambiguous",
    "export_stack",
    "import_stack",
    "match_orphans",
    "pending_creates",
    "referenced_ids",
    "stack_config",
]
