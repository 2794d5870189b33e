"""``alertsite-pulumi doctor``: prints the checks of ``..diagnostics`` as they finish; exit 1 on a failure."""

from __future__ import annotations

import sys

import click

from ..diagnostics import Check, Status, run_checks
from .common import Options, pass_options


def _line(check: Check) -> str:
    # A failure is written in capitals so that it stands out among the ok lines.
    label = "FAIL" if check.failed else check.status.value
    return f"{label:<4} {check.name}: {check.detail}"


@click.command()
@pass_options
def doctor(options: Options) -> None:
    """Check settings, credentials, the API, permissions and the pulumi CLI, in that order."""
    failures = warnings = 0
    for check in run_checks(options.settings, options.source):
        failures += check.failed
        warnings += check.status is Status.WARN
        click.echo(_line(check))
    verdict = "problems found" if failures else "all good"
    click.echo(f"{verdict}: {failures} failed, {warnings} warning{'s' if warnings != 1 else ''}")
    if failures:
        sys.exit(1)
