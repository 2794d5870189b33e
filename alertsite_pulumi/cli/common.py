"""What every ``alertsite-pulumi`` command shares: the global options and how errors end a command.

Settings come from the options, then the ``ALERTSITE_*`` environment, then defaults (see
``config.resolve_settings``); the password only from ``ALERTSITE_PASSWORD`` or
``--password-stdin``, never from an option that shows in ``ps``. An AlertSiteError (a
ConfigurationError among them) ends the command with its message (which says what to do)
and exit code 1, never a traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Final

import click

from ..client import AlertSiteClient
from ..config import SETTINGS, Settings, resolve_settings
from ..errors import AlertSiteError, ConfigurationError
from ..version import __version__

_SETTING: Final = {s.attr: s for s in SETTINGS}


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


def _timeout(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    # The setting's own parser, so that the option accepts exactly what the variable does.
    if value is None:
        return None
    setting = _SETTING["request_timeout"]
    try:
        seconds: float = setting.parse(setting, value)
    except ConfigurationError as error:
        raise click.BadParameter(str(error.args[0])) from None
    return seconds


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # An empty --base-url would otherwise mean the default: the public API, not what was meant.
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (leave the option out for "
                                 "ALERTSITE_BASE_URL or the public API)")
    return value


class _Group(click.Group):
    """Turns an AlertSiteError anywhere below into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlertSiteError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--base-url", metavar="URL", callback=_not_empty,
              help="AlertSite API root (else ALERTSITE_BASE_URL, else https://api.alertsite.com/api/v3).")
@click.option("--username", metavar="EMAIL", help="AlertSite login (else ALERTSITE_USERNAME).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin (else ALERTSITE_PASSWORD).")
@click.option("--timeout", callback=_timeout, metavar="SECONDS",
              help="Seconds per request, up to 3600 (else ALERTSITE_REQUEST_TIMEOUT, else 30).")
@click.version_option(__version__, prog_name="alertsite-pulumi")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, username: str | None, password_stdin: bool,
        timeout: float | None) -> None:
    """Work with the round-trip email monitors of an AlertSite account, and where their alerts go.

    ALERTSITE_ACCESS_TOKEN may stand in for username and password.
    """
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: stdin held no password")
    ctx.obj = Options(base_url=base_url, username=username, password=password, timeout=timeout)


pass_options = click.make_pass_decorator(Options)
