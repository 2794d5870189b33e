"""``alertsite-pulumi``: list an account's monitors, recipients and recipient groups, export them
as Pulumi code, check a setup, recover, make a round trip through a monitor's mail servers, and
find the policy pack, and have AlertSite test a stack's monitors and alert recipients.

One module per command group; ``common`` holds the global options and the error handling.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import doctor, export, monitors, policy_pack, recover, round_trip, routing, verify
from .common import cli

# The modules, not their commands, are imported: a command of the same name would hide its module.
for _command in (monitors.monitors, routing.recipients, routing.recipient_groups, export.export,
                 doctor.doctor, recover.recover, round_trip.round_trip, policy_pack.policy_pack,
                 verify.verify):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``alertsite-pulumi`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="alertsite-pulumi")


__all__ = ["cli", "main"]
