"""``alertsite-pulumi export``: where the code goes, progress on stderr; ``..export`` writes it."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import click

from ..client import AlertSiteClient
from ..config import Settings
from ..export import DEFAULT_PROJECT, FORMATS, check_project_name, fetch_monitors, prepare, render
from ..export_routing import Routing, fetch_objects, prepare_routing
from ..resource_types import ALERT_RECIPIENT, RECIPIENT_GROUP
from .common import Options, client_for, pass_options

#: A progress line every this many monitors when stderr is not a terminal.
PROGRESS_EVERY: Final = 50


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
    if output.is_symlink():
        # Written through the link: replacing the link itself would cut it from its file.
        output = output.resolve()
    if output.exists():
        if not output.is_file():
            raise click.ClickException(
                f"{output} exists and is not a regular file; name a file, or leave out --output "
                "to write to stdout")
        if not force:
            raise click.ClickException(f"{output} exists; pass --force to overwrite it")
    if not output.parent.is_dir():
        raise click.ClickException(f"{output.parent} is not a directory")
    return output


class _PendingFile:
    """A temporary file next to ``path``, renamed over it once complete, removed otherwise.

    It is created before AlertSite is read, so that a place that cannot be written fails at
    once, and the target is never left half written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as error:
            raise _cannot_write(path, error) from None
        os.close(fd)
        self.temp = Path(temp)

    def commit(self, text: str) -> None:
        try:
            with self.temp.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(self.temp, self.path)
        except OSError as error:
            raise _cannot_write(self.path, error) from None
        finally:
            self.discard()

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)


def _cannot_write(path: Path, error: OSError) -> click.ClickException:
    reason = error.strerror or type(error).__name__
    return click.ClickException(f"cannot write {path}: {reason}; nothing was written")


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


@click.command()
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
@click.option("--monitors-only", is_flag=True,
              help="Leave out the alert recipients and recipient groups.")
@pass_options
def export(options: Options, fmt: str, output: Path | None, force: bool, project: str,
           stack: str | None, parallel: int, monitors_only: bool) -> None:
    """Write every round-trip monitor, alert recipient and recipient group of the account as
    Pulumi code that adopts it.

    The values written are those AlertSite reports, so `pulumi up` of the result writes
    nothing. A value the resource would refuse is left out (AlertSite keeps it) or, for a name
    or a server URL with a login, replaced; each is named in a warning on stderr. Mailbox and
    recipient passwords are write-only in AlertSite and are never exported.
    """
    try:
        check_project_name(project)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--project") from None
    target = _output_path(output, fmt, stack, force)
    if stack is None and target is not None and fmt == "stack-config":
        named = re.fullmatch(r"Pulumi\.(.+)\.yaml", target.name)
        stack = named.group(1) if named else None
    settings = options.settings()
    pending = _PendingFile(target) if target is not None else None
    try:
        text = _export_text(settings, fmt, project, stack, parallel, not monitors_only)
        if pending is None:
            click.echo(text, nl=False)
            return
        pending.commit(text)
    finally:
        if pending is not None:
            pending.discard()
    click.echo(f"wrote {target}", err=True)


def _export_text(settings: Settings, fmt: str, project: str, stack: str | None, parallel: int,
                 with_routing: bool) -> str:
    """Every round-trip monitor of the account (and its routing), rendered; progress and
    warnings on stderr."""
    client = client_for(settings)
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
    routing = _routing(client, parallel) if with_routing else None
    for monitor in exported:
        for line in monitor.warnings():
            click.echo(f"warning: {line}", err=True)
    for line in routing.warnings() if routing is not None else []:
        click.echo(f"warning: {line}", err=True)
    return render(exported, fmt, project=project, stack=stack, routing=routing)


def _routing(client: AlertSiteClient, parallel: int) -> Routing:
    """The account's recipients and groups, read as the provider adopts them."""
    def gone(noun: str) -> Callable[[str], None]:
        return lambda i: click.echo(f"{noun} {i} was deleted during the export; skipped", err=True)

    recipients = fetch_objects(client, ALERT_RECIPIENT, parallel=parallel, on_gone=gone("recipient"))
    groups = fetch_objects(client, RECIPIENT_GROUP, parallel=parallel, on_gone=gone("recipient group"))
    routing = prepare_routing(recipients, groups)
    if recipients or groups:
        click.echo(f"exported {len(routing.recipients)}/{len(recipients)} alert recipients, "
                   f"{len(routing.groups)}/{len(groups)} recipient groups", err=True)
    return routing
