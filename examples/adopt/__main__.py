"""Adopt: manage two round-trip monitors that already exist in AlertSite, creating nothing.

- ``inbound-mail`` is taken over by its AlertSite id, from stack config
  (``pulumi config set inboundMonitorId 100001``). Fields the program leaves out keep the
  values AlertSite holds and show up as outputs, never as changes.
- ``outbound-relay`` is taken over by its AlertSite name (``adopt_by_name=True``): exactly one
  round-trip monitor with that name must exist. Since nothing else identifies it, the program
  states every required field.

The first ``pulumi up`` reads each monitor and writes only the fields whose values differ
from the program's (none, when the program matches AlertSite); later runs are ordinary
updates. ``retain_on_delete`` makes ``pulumi destroy`` forget the monitors and leave them in
AlertSite, as they were before this stack existed: remove it once the stack owns them.

To adopt a whole account, generate the program instead of writing it:
``alertsite-pulumi export --format python -o __main__.py --force`` (see README.md).
"""

from __future__ import annotations

from typing import Any

import pulumi

from alertsite_pulumi import EmailRoundTripMonitor

config = pulumi.Config()
# Mailbox passwords are write-only in AlertSite: a monitor without one here keeps its own.
mailbox_passwords: dict[str, Any] = config.get_object("mailboxPasswords") or {}
keep_in_alertsite = pulumi.ResourceOptions(retain_on_delete=True)

inbound = EmailRoundTripMonitor(
    "inbound-mail",
    adopt_monitor_id=config.require("inboundMonitorId"),
    name="Inbound mail round trip",
    interval=15,
    email_password=mailbox_passwords.get("inbound-mail"),
    opts=keep_in_alertsite,
)

outbound = EmailRoundTripMonitor(
    "outbound-relay",
    adopt_by_name=True,
    name="Outbound relay round trip",
    billing_plancode="UBM - A/A",
    smtp_hostname="smtps://relay.example.com:465",
    pop3_hostname="pop3s://pop.example.com:995",
    email="rt-relay@example.com",
    email_username="rt-relay",
    interval=10,
    timeout=180,
    email_password=mailbox_passwords.get("outbound-relay"),
    opts=keep_in_alertsite,
)

pulumi.export("monitor_ids", {"inbound-mail": inbound.id, "outbound-relay": outbound.id})
