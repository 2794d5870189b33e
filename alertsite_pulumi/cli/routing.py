"""``alertsite-pulumi recipients list`` and ``recipient-groups list``: where the account's alerts
go, as a table or JSON, in the style of ``monitors list``.

Objects are shown as the provider reads them (``routing_fields.coerce_recipient`` and
``coerce_group``: ids as text, a group's monitors and recipients as lists of ids). A
recipient's password is never shown (AlertSite does not return it; whatever stands in its place
is dropped); a login inside a URL is masked in both forms, and the table shows a webhook URL
without its path, which is often the webhook's secret (the JSON form keeps it, as ``export``
writes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import click

from ..export import id_order
from ..routing_fields import URL_METHODS, coerce_group, coerce_recipient
from ..routing_kind import RECIPIENT_GROUPS, RECIPIENTS
from ..validators import redact_url_userinfo
from .common import Options, client_for, pass_options
from .monitors import format_table, json_listing

RECIPIENT_COLUMNS: Final = ("id", "name", "method", "recipient", "availability_alert",
                            "performance_alert", "notifier_groups")
GROUP_COLUMNS: Final = ("id", "name", "is_default", "monitors", "recipients", "errortypes")
_FORMAT: Final = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                              show_default=True)


def public_recipient(live: Mapping[str, Any]) -> dict[str, Any]:
    """The recipient as the provider reads it, with no password and no login in its URL."""
    out = coerce_recipient(live)
    if out.get("method_id") in URL_METHODS and isinstance(out.get("recipient"), str):
        out["recipient"] = redact_url_userinfo(out["recipient"])
    return out


def recipient_cell(recipient: Mapping[str, Any]) -> Any:
    """Where alerts go, for the table: a webhook or POST URL as its scheme and host only."""
    value = recipient.get("recipient")
    if recipient.get("method_id") in URL_METHODS and isinstance(value, str):
        try:
            parts = urlsplit(value)
        except ValueError:
            return "[url]"
        if parts.scheme and parts.hostname:
            return f"{parts.scheme}://{parts.hostname}/..." if parts.path.strip("/") or parts.query \
                else f"{parts.scheme}://{parts.hostname}"
        return "[url]"
    return value


def _listing(fmt: str, found: list[dict[str, Any]], columns: tuple[str, ...], noun: str,
             table_row: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    found.sort(key=lambda o: id_order(str(o.get("id"))))
    if fmt == "json":
        click.echo(json_listing(found))
        return
    click.echo(format_table([table_row(o) for o in found], columns))
    click.echo(f"{len(found)} {noun}{'s' if len(found) != 1 else ''}", err=True)


@click.group()
def recipients() -> None:
    """Look at the account's alert recipients."""


@recipients.command("list")
@_FORMAT
@pass_options
def list_recipients(options: Options, fmt: str) -> None:
    """Every alert recipient (a table, or JSON with every field AlertSite reports but the password)."""
    client = client_for(options.settings())
    found = [public_recipient(raw) for raw in client.list_objects(RECIPIENTS)]
    _listing(fmt, found, RECIPIENT_COLUMNS, "alert recipient",
             lambda r: {**r, "recipient": recipient_cell(r)})


@click.group("recipient-groups")
def recipient_groups() -> None:
    """Look at the account's recipient groups (which monitors alert which recipients)."""


@recipient_groups.command("list")
@_FORMAT
@pass_options
def list_groups(options: Options, fmt: str) -> None:
    """Every recipient group (a table, or JSON with every field AlertSite reports)."""
    client = client_for(options.settings())
    found = [coerce_group(raw) for raw in client.list_objects(RECIPIENT_GROUPS)]
    _listing(fmt, found, GROUP_COLUMNS, "recipient group", dict)
