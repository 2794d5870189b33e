"""``alertsite-pulumi``: list an account's monitors, export them as Pulumi code, check a setup.

Settings come from the options, then the ``ALERTSITE_*`` environment, then defaults (see
``config.resolve_settings``); the password only from ``ALERTSITE_PASSWORD`` or
``--password-stdin``, never from an option that shows in ``ps``. An AlertSiteError ends
the command with its message (which says what to do) and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

import click

from .client import AlertSiteClient, RetryPolicy
from .config import SETTINGS, Settings, resolve_settings
from .errors import (
    AlertSiteError,
    AuthenticationError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    TransportError,
)
from .export import DEFAULT_PROJECT, FORMATS, check_project_name, fetch_monitors, id_order, prepare, render
from .fields import SECRET_FIELDS

TABLE_COLUMNS: Final = ("id", "name", "enabled", "interval", "timeout", "smtp_hostname",
                        "pop3_hostname", "email", "locations")
#: A progress line every this many monitors when stderr is not a terminal.
PROGRESS_EVERY: Final = 50
_SETTING: Final = {s.attr: s for s in SETTINGS}


# --- shared options ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The global options; settings are resolved when a command needs them."""

    base_url: str | None = None
    username: str | None = None
    password: str | None = None
    timeout: float | None = None

    def __repr__(self) -> str:
        return f"Options(base_url={self.base_url!r}, username={self.username!r})"

    def explicit(self) -> dict[str, Any]:
        values = {"base_url": self.base_url, "username": self.username,
                  "password": self.password, "request_timeout": self.timeout}
        return {k: v for k, v in values.items() if v is not None}

    def settings(self) -> Settings:
        return resolve_settings(explicit=self.explicit(), environ=os.environ)

    def source(self, attr: str) -> str:
        """Where a setting's value came from, in words."""
        if attr in self.explicit():
            return "--password-stdin" if attr == "password" else f"--{attr.replace('_', '-')}"
        if os.environ.get(_SETTING[attr].env):
            return _SETTING[attr].env
        return "default"


def client_for(settings: Settings) -> AlertSiteClient:
    """A client of its own (one command, one login), after checking credentials are set."""
    settings.require_credentials()
    return AlertSiteClient(settings, share_login=False)


class _Group(click.Group):
    """Turns an AlertSiteError anywhere below into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlertSiteError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--base-url", metavar="URL",
              help="AlertSite API root (else ALERTSITE_BASE_URL, else https://api.alertsite.com/api/v3).")
@click.option("--username", metavar="EMAIL", help="AlertSite login (else ALERTSITE_USERNAME).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin (else ALERTSITE_PASSWORD).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Seconds per request (else ALERTSITE_REQUEST_TIMEOUT, else 30).")
@click.version_option(package_name="alertsite-pulumi")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, username: str | None, password_stdin: bool,
        timeout: float | None) -> None:
    """Work with the round-trip email monitors of an AlertSite account.

    ALERTSITE_ACCESS_TOKEN may stand in for username and password.
    """
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: stdin held no password")
    ctx.obj = Options(base_url=base_url, username=username, password=password, timeout=timeout)


pass_options = click.make_pass_decorator(Options)


# --- monitors list ---------------------------------------------------------------------------


@cli.group()
def monitors() -> None:
    """Look at the account's round-trip monitors."""


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
             for line in [list(columns), *cells]]
    return "\n".join(lines)


def _public(monitor: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in monitor.items() if k not in SECRET_FIELDS}


@monitors.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_options
def list_command(options: Options, fmt: str) -> None:
    """Every round-trip monitor (a table, or JSON with every field AlertSite reports)."""
    client = client_for(options.settings())
    found = sorted((_public(m) for m in client.iter_monitors()),
                   key=lambda m: id_order(str(m.get("id"))))
    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo(format_table(found, TABLE_COLUMNS))
    click.echo(f"{len(found)} round-trip monitor{'s' if len(found) != 1 else ''}", err=True)


# --- export ----------------------------------------------------------------------------------


def _output_path(output: Path | None, fmt: str, stack: str | None, force: bool) -> Path | None:
    """The file to write (None: stdout); checked before anything is read from AlertSite."""
    if output is None:
        return None
    if output.is_dir():
        if fmt == "stack-config" and not stack:
            raise click.UsageError(
                f"--output {output} is a directory: name the stack with --stack "
                "(the file is Pulumi.<stack>.yaml)")
        output = output / (f"Pulumi.{stack}.yaml" if fmt == "stack-config" else "__main__.py")
    if output.exists() and not force:
        raise click.ClickException(f"{output} exists; pass --force to overwrite it")
    if not output.parent.is_dir():
        raise click.ClickException(f"{output.parent} is not a directory")
    return output


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Progress:
    """"exported 50/300" lines on stderr, or a progress bar when stderr is a terminal."""

    def __init__(self, total: int, verb: str = "exported") -> None:
        self.total = total
        self.done = 0
        self.verb = verb
        self.stream = sys.stderr
        self._bar: Any = None
        if self.stream.isatty() and total:
            self._bar = click.progressbar(length=total, label=verb.replace("ed", "ing"),
                                          file=self.stream)
            self._bar.__enter__()

    def step(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self.done % PROGRESS_EVERY == 0 and self.done < self.total:
            click.echo(f"{self.verb} {self.done}/{self.total}", err=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        click.echo(f"{self.verb} {self.done}/{self.total} round-trip monitors", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="stack-config", show_default=True,
              help="stack-config: Pulumi.<stack>.yaml of the root project; python: a __main__.py.")
@click.option("--output", "-o", type=click.Path(path_type=Path), metavar="PATH",
              help="File (or directory) to write; default: stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--project", default=DEFAULT_PROJECT, show_default=True,
              help="Pulumi project name (the stack config's key prefix).")
@click.option("--stack", metavar="NAME", help="Stack name (names the file Pulumi.<NAME>.yaml).")
@click.option("--parallel", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Monitors read at a time.")
@pass_options
def export(options: Options, fmt: str, output: Path | None, force: bool, project: str,
           stack: str | None, parallel: int) -> None:
    """Write every round-trip monitor of the account as Pulumi code that adopts it.

    The values written are those AlertSite reports, so `pulumi up` of the result writes
    nothing. Mailbox passwords are write-only in AlertSite and are never exported.
    """
    try:
        check_project_name(project)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--project") from None
    target = _output_path(output, fmt, stack, force)
    if stack is None and target is not None and fmt == "stack-config":
        named = re.fullmatch(r"Pulumi\.(.+)\.yaml", target.name)
        stack = named.group(1) if named else None
    client = client_for(options.settings())
    progress: list[Progress] = []
    try:
        found = fetch_monitors(
            client, parallel=parallel,
            on_total=lambda n: progress.append(Progress(n)),
            on_done=lambda: progress[0].step(),
            on_gone=lambda i: click.echo(f"monitor {i} was deleted during the export; skipped", err=True))
    finally:
        if progress:
            progress[0].close()
    exported = prepare(found)
    for monitor in exported:
        for name, why in monitor.left_out:
            click.echo(f"warning: {monitor.resource_name} (monitor {monitor.monitor_id}): left out "
                       f"{name} {why}; AlertSite keeps it", err=True)
    text = render(exported, fmt, project=project, stack=stack)
    if target is None:
        click.echo(text, nl=False)
        return
    _write_atomically(target, text)
    click.echo(f"wrote {target}", err=True)


# --- doctor ----------------------------------------------------------------------------------


@dataclass
class Report:
    """The doctor's checks, printed as they finish."""

    failures: int = 0
    warnings: int = 0

    def line(self, status: str, check: str, message: str) -> None:
        if status == "FAIL":
            self.failures += 1
        elif status == "warn":
            self.warnings += 1
        click.echo(f"{status:<4} {check}: {message}")

    def skip(self, checks: Sequence[str], why: str) -> None:
        for check in checks:
            self.line("skip", check, why)


def _names(attr: str) -> str:
    setting = _SETTING[attr]
    return f"{setting.config_key} / {setting.env}"


def _check_settings(options: Options, report: Report) -> Settings | None:
    try:
        settings = options.settings()
    except AlertSiteError as error:
        report.line("FAIL", "settings", str(error))
        return None
    scheme = "plain http, allowed for a loopback host such as the emulator" if \
        settings.base_url.startswith("http://") else "https"
    report.line("ok", "settings", f"base URL {settings.base_url} (from {options.source('base_url')}; "
                f"{scheme}), {settings.request_timeout:g} s per request")
    return settings


def _check_credentials(options: Options, settings: Settings, report: Report) -> bool:
    if settings.access_token:
        report.line("ok", "credentials", f"an access token from {options.source('access_token')}")
        return True
    missing = [attr for attr in ("username", "password") if not getattr(settings, attr)]
    if missing:
        wanted = " and ".join(f"{attr} ({_names(attr)})" for attr in missing)
        report.line("FAIL", "credentials",
                    f"no {wanted}: set {'them' if len(missing) > 1 else 'it'} in the environment "
                    "(a Pulumi stack reads the alertsite:* config keys; keep the password a "
                    "secret with `pulumi config set --secret`), or pass the password with "
                    f"--password-stdin, or use an access token ({_names('access_token')})")
        return False
    report.line("ok", "credentials", f"username {settings.username} (from {options.source('username')}) "
                f"and a password (from {options.source('password')})")
    return True


def _check_login(client: AlertSiteClient, options: Options, report: Report) -> bool:
    settings = client.settings
    try:
        client.login()
    except AuthenticationError as error:
        report.line("FAIL", "login",
                    f"AlertSite refused the username/password of {settings.username}. {error.hint}")
        return False
    except TransportError as error:
        report.line("FAIL", "login", f"the URL {settings.base_url} is unreachable "
                    f"(from {options.source('base_url')}): {error}")
        return False
    except AlertSiteError as error:
        report.line("FAIL", "login", f"AlertSite did not answer the login as expected: {error}")
        return False
    how = "accepted the login of " + str(settings.username) if not settings.access_token else \
        "will be asked with the access token (checked by the next step)"
    report.line("ok", "login", f"AlertSite at {settings.base_url} {how}")
    return True


def _check_read(client: AlertSiteClient, report: Report) -> bool:
    try:
        count = sum(1 for _ in client.iter_monitors())
    except AlertSiteError as error:
        report.line("FAIL", "read", f"could not list the round-trip monitors: {error}")
        return False
    report.line("ok", "read", f"the user may read monitors ({count} round-trip monitor"
                f"{'s' if count != 1 else ''} in the account)")
    return True


def _check_write(client: AlertSiteClient, report: Report) -> None:
    # A role check that changes nothing: AlertSite checks the role before it looks the
    # monitor up, so an empty partial update of monitor 0 (ids start far above 0, and an
    # empty PATCH would change nothing anyway) answers 404 for a user who may write and
    # 403 for a read-only one.
    try:
        client.update_round_trip_monitor("0", {})
    except NotFound:
        report.line("ok", "write", "the user may change monitors (a harmless empty update of "
                    "monitor 0 was answered 'not found', not 'forbidden')")
    except PermissionDenied:
        report.line("FAIL", "write", "the user may only read: AlertSite forbids it to change "
                    "monitors (403), so `pulumi up` will fail, while `pulumi preview`, `refresh` "
                    f"and `alertsite-pulumi export` work. {PermissionDenied.hint}")
    except InvalidRequest as error:
        report.line("warn", "write", f"could not tell whether the user may write: {error}")
    except AlertSiteError as error:
        report.line("FAIL", "write", f"the write check failed: {error}")
    else:
        report.line("ok", "write", "the user may change monitors (an empty update of monitor 0 "
                    "was accepted and changed nothing)")


def _check_pulumi(report: Report) -> None:
    try:
        sdk = version("pulumi")
    except PackageNotFoundError:
        sdk = "not installed"
    path = shutil.which("pulumi")
    if path is None:
        report.line("warn", "pulumi", "the pulumi CLI is not on PATH (needed for `pulumi up`, not by "
                    f"this command; scripts/install-pulumi installs it); Python SDK {sdk}")
        return
    try:
        done = subprocess.run([path, "version"], capture_output=True, text=True, timeout=60,  # noqa: S603
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        report.line("warn", "pulumi", f"{path} did not run: {error}")
        return
    cli_version = done.stdout.strip() or done.stderr.strip() or f"exit code {done.returncode}"
    status = "ok" if done.returncode == 0 else "warn"
    report.line(status, "pulumi", f"CLI {cli_version} at {path}; Python SDK {sdk}")


@cli.command()
@pass_options
def doctor(options: Options) -> None:
    """Check settings, credentials, the API, permissions and the pulumi CLI, in that order."""
    report = Report()
    network = ("login", "read", "write")
    settings = _check_settings(options, report)
    if settings is None:
        report.skip(("credentials", *network), "needs valid settings")
    elif not _check_credentials(options, settings, report):
        report.skip(network, "needs credentials")
    else:
        # One quick retry at most: the doctor should answer in seconds, not minutes.
        retry = RetryPolicy(max_retries=min(1, settings.max_retries),
                            budget=min(10.0, settings.retry_budget))
        client = AlertSiteClient(settings, retry=retry, share_login=False)
        if not _check_login(client, options, report):
            report.skip(network[1:], "needs a working login")
        elif not _check_read(client, report):
            report.skip(network[2:], "needs a working read")
        else:
            _check_write(client, report)
    _check_pulumi(report)
    verdict = "problems found" if report.failures else "all good"
    click.echo(f"{verdict}: {report.failures} failed, {report.warnings} warning"
               f"{'s' if report.warnings != 1 else ''}")
    if report.failures:
        sys.exit(1)


@cli.command()
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
    from . import recover as rec

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


def main(argv: Sequence[str] | None = None) -> None:
    """The ``alertsite-pulumi`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="alertsite-pulumi")


__all__ = ["cli", "main"]
