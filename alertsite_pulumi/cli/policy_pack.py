"""``alertsite-pulumi policy-pack path``: where the installed ``alertsite-round-trip`` pack is.

The one documented way to point ``pulumi preview --policy-pack`` at the pack without a checkout:
the directory for a standard Pulumi install, ``--launcher`` for engines whose Python language
host cannot start a pack directory (this repository's). The path is printed alone on stdout so
that ``--policy-pack "$(alertsite-pulumi policy-pack path)"`` works; a missing pulumi-policy is
only warned about on stderr, since the pack then fails to start and the pulumi command with it.
"""

from __future__ import annotations

import importlib.util
import sys

import click

from ..policy_pack import LAUNCHER, PACK_DIR


@click.group("policy-pack")
def policy_pack() -> None:
    """The alertsite-round-trip policy pack installed with this package."""


@policy_pack.command("path")
@click.option("--launcher", is_flag=True,
              help="The pack's launcher (an executable) instead of its directory: for engines whose "
                   "Python language host cannot start a pack directory.")
def path(launcher: bool) -> None:
    """Print the pack's directory: pulumi preview --policy-pack "$(alertsite-pulumi policy-pack path)"."""
    if importlib.util.find_spec("pulumi_policy") is None:
        click.echo(f"warning: pulumi-policy is not installed for {sys.executable}, so the pack cannot "
                   "start: pip install 'alertsite-pulumi[policy]'", err=True)
    click.echo(str(LAUNCHER if launcher else PACK_DIR))
