"""``alertsite-pulumi round-trip``: make the trip AlertSite's monitor makes, from this machine.

Targets: one mailbox given by options; one monitor read from the API (``--monitor``); or,
by default, every round-trip monitor of a Pulumi stack (``pulumi stack export
--show-secrets``, which also gives the mailbox passwords). The mailbox password otherwise
comes from ``ALERTSITE_MAILBOX_PASSWORD`` or ``--password-stdin``, never from an option.

Exit codes: 0 every trip worked, 1 a trip failed (or a monitor could not be tried), 2 usage
errors and anything that stops the command before a trip (the API, the pulumi CLI), 130
Ctrl-C and 143 SIGTERM (after the probe cleaned up). The probe itself is :mod:`alertsite_pulumi.mail`.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Final, NoReturn, cast

import click

from .. import recover as stack_cli
from ..coercion import as_int
from ..errors import AlertSiteError
from ..mail import CODES, Mailbox, ProbeOptions, Step, TripInterrupted, TripResult, run_trip, tls_context
from ..mail.send import StartTls
from ..rules import MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS
from ..tokens import EMAIL_ROUND_TRIP_MONITOR_TYPES
from .common import Options, client_for, pass_options

PASSWORD_ENV: Final = "ALERTSITE_MAILBOX_PASSWORD"  # noqa: S105 - a variable's name
DEFAULT_TIMEOUT_S: Final = 300
VIEW_NOTE: Final = (
    "this is this machine's view, not AlertSite's: AlertSite connects from its own locations, "
    "so a port blocked here (often 25) may be open there or the reverse, and a firewall that "
    "admits only AlertSite's addresses refuses this machine"
)


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, ``docker stop``, a cancelled CI job), raised where Ctrl-C is, so that
    a trip cleans up as it does after Ctrl-C; the command then exits 143."""

    def __init__(self) -> None:
        super().__init__("SIGTERM")


def _on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated


def _interrupted_exit(interrupt: BaseException) -> SystemExit:
    return SystemExit(143 if isinstance(interrupt, Terminated) else 130)


class CannotTry(click.ClickException):
    """Something stops the command before any trip (exit code 2, like a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class Target:
    """One trip to make, or why it cannot be made (``problem``)."""

    label: str
    mailbox: Mailbox | None
    timeout: float
    monitor_id: str | None = None
    name: str | None = None
    problem: str | None = None


def _plain(value: Any) -> Any:
    """A value of ``pulumi stack export --show-secrets``: secrets come as {"plaintext": json}."""
    if isinstance(value, dict) and "plaintext" in value:
        return json.loads(value["plaintext"])
    if isinstance(value, dict) and "ciphertext" in value:
        return None
    return value


def _target(fields: dict[str, Any], password: str | None, timeout: float | None, label: str,
            monitor_id: str | None, name: str | None) -> Target:
    given = as_int(fields.get("timeout"))
    seconds = float(timeout or (DEFAULT_TIMEOUT_S if given is None else given))
    missing = [k for k in ("smtp_hostname", "pop3_hostname", "email", "email_username") if not fields.get(k)]
    if not timeout and not MIN_TIMEOUT_SECONDS <= seconds <= MAX_TIMEOUT_SECONDS:
        # From the API or a stack's state: a trip of a negative length, or of a day, is no trip.
        problem = (f"timeout {fields.get('timeout')} is out of AlertSite's range, {MIN_TIMEOUT_SECONDS} to "
                   f"{MAX_TIMEOUT_SECONDS} s (give --trip-timeout)")
    elif missing:
        problem = f"no {', '.join(missing)}"
    elif not password:
        problem = f"no mailbox password (set {PASSWORD_ENV} or use --password-stdin)"
    else:
        try:
            mailbox = Mailbox.from_urls(str(fields["smtp_hostname"]), str(fields["pop3_hostname"]),
                                        str(fields["email"]), str(fields["email_username"]), password)
        except ValueError as exc:
            problem = str(exc)
        else:
            return Target(label, mailbox, seconds, monitor_id, name)
    return Target(label, None, seconds, monitor_id, name, problem)


def _stack_targets(cwd: Path, stack: str | None, password: str | None, timeout: float | None) -> list[Target]:
    try:
        exported = stack_cli.export_stack(cwd, stack, show_secrets=True)
    except AlertSiteError as exc:
        raise CannotTry(f"cannot read the stack: {exc}") from None
    targets = []
    for resource in (exported.get("deployment") or {}).get("resources") or []:
        # Both resources: the dynamic one and the native plugin's (the same output names).
        if resource.get("type") not in EMAIL_ROUND_TRIP_MONITOR_TYPES:
            continue
        outputs = {k: _plain(v) for k, v in (resource.get("outputs") or {}).items()}
        name = str(resource.get("urn", "")).rpartition("::")[2]
        monitor_id = str(outputs.get("monitor_id") or resource.get("id") or "") or None
        label = f"{name} (monitor {monitor_id})" if monitor_id else name
        secret = outputs.get("email_password") or password
        targets.append(_target(outputs, secret, timeout, label, monitor_id, name))
    if not targets:
        where = f"stack {stack}" if stack else "the selected stack"
        raise CannotTry(f"{where} in {cwd} holds no round-trip monitor")
    return targets


def _read_typed() -> str:
    """A line typed at the terminal that stdin is, with its echo off (it showed the password, and
    kept it in the scroll-back and any recording of the session)."""
    import termios

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    click.echo("mailbox password: ", err=True, nl=False)
    termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    try:
        return sys.stdin.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, before)
        click.echo("", err=True)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise click.UsageError("--password-stdin: stdin is closed")
        password = (_read_typed() if sys.stdin.isatty() else sys.stdin.readline()).rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: stdin held no password")
        return password
    return os.environ.get(PASSWORD_ENV) or None


# --- output ------------------------------------------------------------------------------------


def _step_line(step: Step) -> str:
    return f"  {'ok' if step.ok else 'FAIL':<5} {step.name:<14} {step.ms:9.1f} ms  {step.detail}"


def _summary(result: TripResult) -> list[str]:
    if result.ok:
        lines = [f"result: OK in {result.elapsed_ms / 1000:.2f} s (code 0); {result.cleanup_detail}"]
    else:
        origin = ("AlertSite's" if result.code_origin == "alertsite"
                  else f"this tool's own; AlertSite documents only {CODES['ok']}, {CODES['connect']}, "
                       f"{CODES['timeout']}")
        lines = [f"result: FAILED at {result.failed_step or '-'} (code {result.code}, {origin})",
                 f"  cause: {result.cause}",
                 f"  cleanup: {result.cleanup_detail}"]
    return lines + [f"warning: {w}" for w in result.warnings]


def _record(target: Target, result: TripResult | None) -> dict[str, Any]:
    base = {"monitor_id": target.monitor_id, "name": target.name, "label": target.label}
    if result is None:
        return {**base, "ok": False, "not_tried": target.problem}
    return {**base, **result.to_json()}


# --- the command --------------------------------------------------------------------------------


@click.command("round-trip")
@click.option("--smtp", metavar="URL", help="smtp://host[:port] or smtps://host[:port].")
@click.option("--pop3", metavar="URL", help="pop3://host[:port] or pop3s://host[:port].")
@click.option("--email", metavar="ADDR", help="The monitor's (dedicated) address: mail goes to it, from it.")
@click.option("--username", metavar="USER", help="The POP3 login.")
@click.option("--monitor", "monitor_id", metavar="ID", help="Take the mailbox from this AlertSite monitor.")
@click.option("--stack", "-s", metavar="NAME", help="With neither of the above: this stack's monitors "
              "(default: the selected stack).")
@click.option("--cwd", "-C", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The Pulumi project directory (stack mode).")
@click.option("--password-stdin", is_flag=True,
              help=f"Read the mailbox password from stdin (else {PASSWORD_ENV}).")
@click.option("--trip-timeout", type=click.IntRange(1, 300), metavar="SECONDS",
              help="The whole trip's deadline (default: the monitor's timeout, else 300).")
@click.option("--starttls", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="For smtp://: use STARTTLS when offered, require it, or stay plain.")
@click.option("--cafile", type=click.Path(dir_okay=False, exists=True), metavar="PEM",
              help="Trust only this CA for the mail servers (default: the system's CAs).")
@click.option("--cert-warning-days", type=click.IntRange(0), default=14, show_default=True,
              help="Warn when a certificate expires within this many days.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout (for pipelines).")
@pass_options
def round_trip(options: Options, smtp: str | None, pop3: str | None, email: str | None, username: str | None,
               monitor_id: str | None, stack: str | None, cwd: Path, password_stdin: bool,
               trip_timeout: int | None, starttls: str, cafile: str | None, cert_warning_days: int,
               as_json: bool) -> None:
    """Send a test mail through the SMTP server without a login, find it in the POP3 mailbox
    and delete it, as AlertSite's round-trip monitor does; report every step's time and cause.

    \b
    alertsite-pulumi round-trip --smtp smtps://smtp.example.com --pop3 pop3s://pop.example.com \\
        --email rt@example.com --username rt          # password in ALERTSITE_MAILBOX_PASSWORD
    alertsite-pulumi round-trip --monitor 123456     # the rest from the AlertSite API
    alertsite-pulumi round-trip --stack prod         # every monitor of the stack
    """
    try:
        previous: Any = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding caller's): SIGTERM stays as it was
        previous = None
    try:
        _round_trip(options, smtp, pop3, email, username, monitor_id, stack, cwd, password_stdin,
                    trip_timeout, starttls, cafile, cert_warning_days, as_json)
    except KeyboardInterrupt as interrupt:
        # Before or between trips (a trip itself reports what it cleaned up): 130 (143 for
        # SIGTERM), as documented, not click's "Aborted!" and exit code 1.
        _echo_safely(f"interrupted ({str(interrupt) or 'Ctrl-C'})")
        raise _interrupted_exit(interrupt) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _echo_out(line: str) -> None:
    """To stdout; once its reader is gone (``| head``) the rest is dropped, so that a trip still
    ends and cleans up (a BrokenPipeError in a step's line stopped it with its message sent)."""
    try:
        click.echo(line)
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


def _echo_safely(line: str) -> None:
    """To stderr; a further Ctrl-C while writing changes nothing of the exit code."""
    try:
        click.echo(line, err=True)
    except KeyboardInterrupt:
        pass


def _round_trip(options: Options, smtp: str | None, pop3: str | None, email: str | None, username: str | None,
                monitor_id: str | None, stack: str | None, cwd: Path, password_stdin: bool,
                trip_timeout: int | None, starttls: str, cafile: str | None, cert_warning_days: int,
                as_json: bool) -> None:
    explicit = {"--smtp": smtp, "--pop3": pop3, "--email": email, "--username": username}
    given = [k for k, v in explicit.items() if v]
    if given and monitor_id:
        raise click.UsageError("give either --monitor or --smtp/--pop3/--email/--username, not both")
    if given and len(given) < len(explicit):
        missing = ", ".join(k for k, v in explicit.items() if not v)
        raise click.UsageError(f"a mailbox given by options also needs {missing}")
    if (given or monitor_id) and stack:
        raise click.UsageError("--stack reads the monitors from a stack: leave out --monitor and --smtp/...")
    password = _read_password(password_stdin)
    if given:
        fields = {"smtp_hostname": smtp, "pop3_hostname": pop3, "email": email, "email_username": username}
        targets = [_target(fields, password, trip_timeout, str(email), None, None)]
        if targets[0].problem:
            raise click.UsageError(targets[0].problem)
    elif monitor_id:
        try:
            monitor = client_for(options.settings()).get_monitor(monitor_id)
        except AlertSiteError as exc:
            raise CannotTry(str(exc)) from None
        name = str(monitor.get("name") or "")
        label = f"monitor {monitor_id} {name!r}"
        targets = [_target(monitor, password, trip_timeout, label, monitor_id, name)]
        if targets[0].problem:
            raise click.UsageError(f"monitor {monitor_id}: {targets[0].problem}")
    else:
        targets = _stack_targets(cwd, stack, password, trip_timeout)
    try:
        context = tls_context(cafile)
    except (ssl.SSLError, OSError) as exc:
        # An empty file, or not PEM: ssl's error was a traceback.
        raise click.BadParameter(f"{cafile} holds no CA certificate (PEM) that can be read "
                                 f"({getattr(exc, 'reason', None) or exc.strerror or type(exc).__name__})",
                                 param_hint="--cafile") from None
    records = []
    for target in targets:
        result = _run(target, context, starttls, cert_warning_days, as_json)
        records.append(_record(target, result))
    all_ok = all(r["ok"] for r in records)
    if as_json:
        _echo_out(json.dumps({"ok": all_ok, "note": VIEW_NOTE, "trips": records}, indent=2))
    click.echo(f"note: {VIEW_NOTE}.", err=True)
    sys.exit(0 if all_ok else 1)


def _run(target: Target, context: ssl.SSLContext, starttls: str, warn_days: int,
         quiet: bool) -> TripResult | None:
    echo = (lambda _: None) if quiet else _echo_out
    if target.mailbox is None:
        echo(f"{target.label}: not tried: {target.problem}")
        return None
    box = target.mailbox
    echo(f"round trip of {target.label}: {box.email} via {box.smtp.url} -> {box.pop3.url}, "
         f"timeout {target.timeout:g} s")
    options = ProbeOptions(timeout=target.timeout, context=context, starttls=cast("StartTls", starttls),
                           cert_warning_days=float(warn_days))
    try:
        result = run_trip(box, options, on_step=None if quiet else (lambda s: echo(_step_line(s))))
    except TripInterrupted as stop:
        for line in _summary(stop.result):
            _echo_safely(line)
        raise _interrupted_exit(stop.interrupt) from None
    for line in _summary(result):
        echo(line)
    return result
