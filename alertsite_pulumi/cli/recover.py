"""``alertsite-pulumi recover``: settle what a killed `pulumi up` left; ``..recover`` decides how."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .. import recover as rec
from ..config import resolve_settings
from .common import Options, client_for, pass_options

_SAID = {
    "adopted": "adopted {noun} {id} into the state",
    "deleted": "deleted orphan {noun} {id}; `pulumi up` creates it again",
    "dropped": "its interrupted create had made nothing; `pulumi up` creates it",
    "settled": "already in the state (a later `up` made it); dropped its interrupted create",
    "duplicate": "already in the state; deleted {noun} {id}, a duplicate its interrupted create had made",
}
_WOULD = {
    "adopted": "would adopt {noun} {id} into the state",
    "deleted": "would delete orphan {noun} {id}",
    "dropped": "interrupted create had made nothing; would drop it",
    "settled": "already in the state; would drop its interrupted create",
    "duplicate": "already in the state; would delete {noun} {id}, a duplicate",
}


def _by_account(creates: list[rec.PendingCreate]) -> tuple[list[rec.PendingCreate], list[rec.PendingCreate]]:
    """The creates of the stack config's account (default providers), and the others."""
    ours = [c for c in creates if rec.explicit_provider(c.resource) is None]
    return ours, [c for c in creates if rec.explicit_provider(c.resource) is not None]


@click.command()
@click.option("--stack", "-s", required=True, metavar="NAME",
              help="The stack whose `pulumi up` was interrupted.")
@click.option("--cwd", "-C", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The Pulumi project directory.")
@click.option("--adopt", "mode", flag_value="adopt", default=True,
              help="Take the monitors, recipients and groups the interrupted creates made into the "
                   "state (default).")
@click.option("--delete", "mode", flag_value="delete",
              help="Delete them instead; the next `pulumi up` creates them again.")
@click.option("--dry-run", is_flag=True, help="Show what would be done; change nothing.")
@pass_options
def recover(options: Options, stack: str, cwd: Path, mode: str, dry_run: bool) -> None:
    """Settle what a killed `pulumi up` left behind, so that no monitor, alert recipient or
    recipient group is orphaned or duplicated.

    Works in every state a killed run and the commands after it leave (a plain `pulumi up`,
    `pulumi refresh --clear-pending-creates`); with nothing to settle it changes nothing, so
    a pipeline may run it before every `pulumi up`. A killed run leaves the stack locked:
    run `pulumi cancel --yes` first. See the README's recovery section.
    """
    exported = rec.export_stack(cwd, stack)
    deployment = exported.setdefault("deployment", {})
    settings = resolve_settings(explicit=options.explicit(), stack_config=rec.stack_config(cwd, stack),
                                environ=os.environ)
    client = client_for(settings)
    in_state = rec.resource_urns(deployment)
    creates, elsewhere = _by_account(rec.pending_creates(deployment))
    # Each kind's objects are matched against its own creates (ids of kinds may coincide).
    unmatched = {kind: rec.match_orphans([c for c in creates if c.kind is kind], kind.list(client),
                                         rec.referenced_ids(deployment, kind))
                 for kind in rec.RECOVERABLE}
    if any(unmatched.values()):
        # Objects no pending create explains: their pending operations may have been cleared.
        # The program's planned creates say which resources the state lacks.
        known = in_state | {c.urn for c in creates} | {c.urn for c in elsewhere}
        planned, _ = _by_account(rec.planned_creates(rec.preview_stack(cwd, stack), known))
        for kind in rec.RECOVERABLE:
            unmatched[kind] = rec.match_orphans([p for p in planned if p.kind is kind], unmatched[kind],
                                                rec.referenced_ids(deployment, kind))
        creates = rec.in_settling_order([*creates, *planned])
    rec.check_unambiguous(creates, in_state)
    conflicts = [] if settings.allow_shared_mailbox else rec.mailbox_conflicts(
        creates, unmatched[rec.MONITORS], in_state)
    # Deletes (--delete, duplicates) happen before the state is written: if the import then
    # fails, running recover again finds nothing left to delete and settles the rest.
    outcomes = rec.apply(deployment, creates, mode, None if dry_run else client)
    if outcomes and not dry_run:
        rec.import_stack(cwd, stack, exported)
    said = _WOULD if dry_run else _SAID
    for outcome in outcomes:
        click.echo(f"{outcome.name}: {said[outcome.action].format(id=outcome.monitor_id, noun=outcome.noun)}")
    for create in elsewhere:
        click.echo(f"{create.name}: not settled: its interrupted create went through the explicit "
                   f"provider '{rec.explicit_provider(create.resource)}', whose account recover "
                   "does not list (it lists the stack config's)")
    if elsewhere:
        raise rec.RecoveryError(
            "Interrupted creates through explicit providers are left as they were. `pulumi up` "
            "refuses each one whose object exists, naming it: set adopt_monitor_id (or "
            "adopt_recipient_id, adopt_group_id) to that id on the resource, or delete that object.")
    if conflicts:
        raise rec.RecoveryError(
            "The next `pulumi up` would refuse to create these monitors (one mailbox per "
            "round-trip monitor):\n  " + "\n  ".join(conflicts))
    if not outcomes:
        click.echo(f"stack {stack}: no interrupted create and no orphan monitor, recipient or group; "
                   "nothing to do")
    elif not dry_run:
        click.echo(f"next: pulumi up --stack {stack}")
