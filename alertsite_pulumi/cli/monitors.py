"""``alertsite-pulumi monitors list``: the account's round-trip monitors as a table or JSON,
with each monitor's last status (``last_status``: code, description, failed step)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import click

from ..export import id_order
from ..fields import SECRET_FIELDS, URL_FIELDS
from ..validators import redact_url_userinfo
from .common import Options, client_for, pass_options

TABLE_COLUMNS: Final = ("id", "name", "enabled", "interval", "timeout", "smtp_hostname",
                        "pop3_hostname", "email", "locations", "status")


@click.group()
def monitors() -> None:
    """Look at the account's round-trip monitors."""


def _escaped(text: str, escape: Callable[[str], str]) -> str:
    """``text`` with every character a terminal would act on escaped: controls (ESC, CR, the C1
    CSI), bidirectional overrides, zero-width marks. AlertSite holds whatever a user typed."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else escape(ch) for ch in text)


def _repr_escape(char: str) -> str:
    return repr(char)[1:-1]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _escaped(",".join(str(v) for v in value), _repr_escape) or "-"
    return _escaped(str(value), _repr_escape)


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
             for line in [list(columns), *cells]]
    return "\n".join(lines)


def _public(monitor: Mapping[str, Any]) -> dict[str, Any]:
    """The monitor without its secrets: no password, and no login inside a server URL."""
    return {k: redact_url_userinfo(v) if k in URL_FIELDS and isinstance(v, str) else v
            for k, v in monitor.items() if k not in SECRET_FIELDS}


def status_cell(last_status: Any) -> str | None:
    """``0 OK``, or ``9104 POP3 login failed at pop3.login``: the code, the cause's title, the
    step (an emulator extension); the whole description is in ``--format json``."""
    if not isinstance(last_status, Mapping) or last_status.get("code") is None:
        return None
    title = str(last_status.get("description") or "").partition(":")[0]
    text = f"{last_status['code']} {title}".strip()
    if last_status.get("failed_step"):
        text += f" at {last_status['failed_step']}"
    return text


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
        # JSON escapes what is below U+0020 itself, but not DEL, C1 or bidi characters.
        text = json.dumps(found, indent=2, ensure_ascii=False)
        click.echo(_escaped(text, lambda ch: ch if ch == "\n" else json.dumps(ch)[1:-1]))
        return
    rows = [{**m, "status": status_cell(m.get("last_status"))} for m in found]
    click.echo(format_table(rows, TABLE_COLUMNS))
    click.echo(f"{len(found)} round-trip monitor{'s' if len(found) != 1 else ''}", err=True)
