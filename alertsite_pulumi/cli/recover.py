"""``alertsite-pulumi recover``: settle what a killed `pulumi up` left; ``..recover`` decides how."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .. import recover as rec
from ..config import resolve_settings
from .common import Options, client_for, pass_options


@click.command()
@click.option("--stack", "-s", required=True, metavar="NAME",
              help="The stack whose `pulumi up` was interrupted.")
@click.option("--cwd", "-C", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The Pulumi project directory.")
@click.option("--adopt", "mode", flag_value="adopt", default=True,
              help="Take the monitors the interrupted creates made into the state (default).")
@click.option("--delete", "mode", flag_value="delete",
              help="Delete them instead; the next `pulumi up` creates them again.")
@click.option("--dry-run", is_flag=True, help="Show what would be done; change nothing.")
@pass_options
def recover(options: Options, stack: str, cwd: Path, mode: str, dry_run: bool) -> None:
    """Settle the creates a killed `pulumi up` left pending, so that no monitor is orphaned.

    Run it after `pulumi cancel --yes` (which removes the stale lock), then run
    `pulumi refresh --yes` and `pulumi up`. See the README's recovery section.
    """
    exported = rec.export_stack(cwd, stack)
    deployment = exported.setdefault("deployment", {})
    pending = rec.pending_creates(deployment)
    if not pending:
        click.echo(f"stack {stack}: no interrupted create of a monitor; nothing to do")
        return
    settings = resolve_settings(explicit=options.explicit(), stack_config=rec.stack_config(cwd, stack),
                                environ=os.environ)
    client = client_for(settings)
    rec.match_orphans(pending, client.list_monitors(), rec.referenced_ids(deployment))
    rec.check_unambiguous(pending)
    if dry_run:
        for create in pending:
            found = ", ".join(str(c["id"]) for c in create.candidates) or "none (never created)"
            click.echo(f"{create.name}: interrupted create; orphan monitor: {found}")
        return
    # Deletes (--delete) happen before the state is written: if the import then fails, running
    # recover again finds nothing left to delete and only drops the pending creates.
    outcomes = rec.apply(deployment, pending, mode, client)
    rec.import_stack(cwd, stack, exported)
    for outcome in outcomes:
        what = {"adopted": f"adopted monitor {outcome.monitor_id} into the state",
                "deleted": f"deleted orphan monitor {outcome.monitor_id}; `pulumi up` creates it again",
                "dropped": "had made nothing; `pulumi up` creates it"}[outcome.action]
        click.echo(f"{outcome.name}: {what}")
    click.echo(f"next: pulumi refresh --yes --stack {stack} && pulumi up --stack {stack}")
