"""``alertsite-pulumi verify``: AlertSite runs a stack's monitors now; ``..verify`` decides what
each answer means. Exit 0 all passed, 1 any did not, 2 a usage error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .. import recover as rec
from .. import verify as ver
from ..config import resolve_settings
from ..errors import ConfigurationError
from .common import Options, client_for, pass_options


def _line(result: ver.TestResult) -> str:
    code = "-" if result.code is None else str(result.code)
    return (f"{result.outcome.upper():<11} {result.name} (monitor {result.monitor_id}) "
            f"code {code}: {result.description or '-'}; location {result.location}; "
            f"started {result.started_at}, {result.seconds}s")


@click.command()
@click.option("--stack", "-s", required=True, metavar="NAME", help="The stack whose monitors to test.")
@click.option("--cwd", "-C", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The Pulumi project directory.")
@click.option("--monitor", "monitor_ids", multiple=True, metavar="ID",
              help="Test only this monitor of the stack (repeatable).")
@click.option("--changed", is_flag=True,
              help="Test only the monitors the stack's last `pulumi up` created or changed.")
@click.option("--location", type=click.IntRange(min=1), metavar="ID",
              help="AlertSite location to test from (default: each monitor's primary location).")
@click.option("--parallel", type=click.IntRange(1, 16), default=4, show_default=True,
              help="Tests running at a time.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 3600), default=600, show_default=True,
              help="Seconds for all the tests together; a test still running then has timed out.")
@click.option("--poll-interval", type=click.FloatRange(0.1, 60), default=5, show_default=True,
              help="Seconds between two polls of a running test.")
@click.option("--alerts", is_flag=True,
              help="Also send a test alert to each alert recipient of the stack (POST /test-notifiers).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (see the README).")
@pass_options
def verify(options: Options, stack: str, cwd: Path, monitor_ids: tuple[str, ...], changed: bool,
           location: int | None, parallel: int, timeout_s: float, poll_interval: float, alerts: bool,
           as_json: bool) -> None:
    """Have AlertSite run each monitor of a stack now (its test on demand), from its own
    locations, and report each outcome: a gate for a pipeline after `pulumi up`.

    Exit 0 when every test passed (and, with --alerts, every test alert was accepted), 1 when
    any failed, timed out or could not be confirmed, 2 on a usage error. What is assumed where
    AlertSite's documentation is silent is printed with the results.
    """
    if monitor_ids and changed:
        raise click.UsageError("--monitor and --changed exclude each other")
    try:
        exported = rec.export_stack(cwd, stack, show_secrets=alerts)
        deployment = exported.get("deployment") or {}
        settings = resolve_settings(explicit=options.explicit(), stack_config=rec.stack_config(cwd, stack),
                                    environ=os.environ)
        settings.require_credentials()
    except (rec.RecoveryError, ConfigurationError) as error:
        raise click.UsageError(str(error)) from None
    targets = ver.monitors_of(deployment)
    if monitor_ids:
        known = {t.monitor_id for t in targets}
        unknown = [i for i in monitor_ids if i not in known]
        if unknown:
            raise click.UsageError(f"--monitor {', '.join(unknown)}: not a monitor of stack {stack} "
                                   f"(its monitors: {', '.join(sorted(known)) or 'none'})")
        targets = [t for t in targets if t.monitor_id in monitor_ids]
    elif changed:
        history = json.loads(rec.pulumi(["stack", "history", "--json"], cwd=cwd, stack=stack).stdout or "[]")
        since = ver.last_update_start(history)
        if since is None:
            raise click.UsageError(f"--changed: stack {stack} has no `pulumi up` in its history")
        targets = ver.changed_since(deployment, since)
        if not targets and not alerts:
            _say(as_json, f"stack {stack}: its last `pulumi up` (begun {since.isoformat()}) created or "
                          "changed no monitor; nothing to test")
            if as_json:
                click.echo(ver.Report().as_json(stack=stack, location=location, alerts=alerts))
            return
    recipients = ver.recipients_of(deployment) if alerts else []
    if not targets and not changed and not recipients:
        raise click.UsageError(f"stack {stack} holds no round-trip monitor"
                               + (" and no alert recipient" if alerts else ""))
    client = client_for(settings)
    report = ver.Report()
    for assumption in ver.ASSUMPTIONS:
        _say(as_json, f"assumed: {assumption}")
    report.tests = ver.run_tests(client, targets, location=location, parallel=parallel,
                                 timeout_s=timeout_s, poll_interval_s=poll_interval,
                                 on_done=None if as_json else lambda r: click.echo(_line(r)))
    if alerts:
        _say(as_json, f"assumed: {ver.ALERT_ASSUMPTION}")
        report.alerts = ver.send_alerts(client, recipients, location=location)
        for alert in report.alerts:
            _say(as_json, f"{'ACCEPTED' if alert.accepted else 'REFUSED':<11} test alert to {alert.name} "
                          f"(recipient {alert.recipient_id}, method {alert.method_id}): {alert.detail}")
    if as_json:
        click.echo(report.as_json(stack=stack, location=location, alerts=alerts))
    else:
        counts = report.counts()
        summary = ", ".join(f"{counts[o.replace(' ', '_')]} {o}" for o in ver.OUTCOMES)
        if alerts:
            summary += (f"; test alerts: {counts['alerts_accepted']} accepted, "
                        f"{counts['alerts_not_accepted']} not accepted")
        click.echo(f"stack {stack}: {len(report.tests)} monitors tested: {summary}")
    if not report.ok:
        sys.exit(1)


def _say(as_json: bool, text: str, *, err: bool = False) -> None:
    """A line for people: stdout, or stderr when stdout carries the JSON document (or ``err``)."""
    click.echo(text, err=as_json or err)
