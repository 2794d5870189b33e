"""``alertsite-pulumi monitors list``: the account's round-trip monitors as a table or JSON;
the table shows each monitor's last status (code, description, failed step) from
``GET /report-sitestatus`` in either spelling, else from the monitor's ``last_status``:
``no status yet`` for a monitor that has not been run, ``-`` when neither says anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import click

from ..client import AlertSiteClient
from ..errors import AlertSiteError
from ..export import id_order
from ..fields import SECRET_FIELDS, URL_FIELDS
from ..site_status import SiteStatus, by_monitor, from_last_status
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
    """The value as one line of plain text: what the account holds (a name, a status text
    from the site-status report) may carry line breaks or terminal escapes, shown as
    ``\\n``, ``\\x1b``, ``\\u202e`` so that they can neither break a row nor drive the terminal."""
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


def json_listing(found: Sequence[Mapping[str, Any]]) -> str:
    """A listing as JSON: JSON escapes what is below U+0020 itself, but not DEL, C1 or bidi
    characters, escaped here so that they cannot drive the terminal."""
    text = json.dumps(list(found), indent=2, ensure_ascii=False)
    return _escaped(text, lambda ch: ch if ch == "\n" else json.dumps(ch)[1:-1])


def _public(monitor: Mapping[str, Any]) -> dict[str, Any]:
    """The monitor without its secrets: no password, and no login inside a server URL."""
    return {k: redact_url_userinfo(v) if k in URL_FIELDS and isinstance(v, str) else v
            for k, v in monitor.items() if k not in SECRET_FIELDS}


def status_cell(monitor: Mapping[str, Any], report: Mapping[str, SiteStatus]) -> str | None:
    """The monitor's row of the site-status report, else its ``last_status`` (null: never
    run); None when neither is there (nothing is known)."""
    monitor_id = str(monitor.get("id"))
    if monitor_id in report:
        return report[monitor_id].cell()
    if "last_status" in monitor:
        return from_last_status(monitor_id, monitor["last_status"]).cell()
    return None


def _report(client: AlertSiteClient) -> dict[str, SiteStatus]:
    """Every monitor's row of the site-status report; nothing (and a note) when it cannot be read."""
    try:
        return by_monitor(client.get_site_status())
    except AlertSiteError as exc:
        click.echo(f"status: the site-status report could not be read ({exc}); "
                   "showing each monitor's last_status instead", err=True)
        return {}


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
        click.echo(json_listing(found))
        return
    report = _report(client)
    rows = [{**m, "status": status_cell(m, report)} for m in found]
    click.echo(format_table(rows, TABLE_COLUMNS))
    click.echo(f"{len(found)} round-trip monitor{'s' if len(found) != 1 else ''}", err=True)
