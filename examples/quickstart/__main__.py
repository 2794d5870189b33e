"""Quickstart: one AlertSite round-trip email monitor.

AlertSite sends a test mail through ``smtp_hostname`` to ``email`` every ``interval``
minutes and reads it back from ``pop3_hostname``. The mailbox password is a Pulumi secret
(``pulumi config set --secret mailboxPassword ...``): it is encrypted in the stack's config
and state and never printed.

The provider's own AlertSite login is not part of the program: it comes from the stack
config (``alertsite:baseUrl``, ``alertsite:username``, secret ``alertsite:password``) or the
``ALERTSITE_*`` environment variables.
"""

import pulumi

from alertsite_pulumi import EmailRoundTripMonitor

config = pulumi.Config()

monitor = EmailRoundTripMonitor(
    "inbound-mail",
    name=config.get("monitorName") or "Inbound mail round trip",
    billing_plancode=config.get("billingPlanCode") or "UBM - A/A",
    smtp_hostname=config.get("smtpHostname") or "smtps://smtp.example.com:465",
    pop3_hostname=config.get("pop3Hostname") or "pop3s://pop.example.com:995",
    email=config.get("mailbox") or "roundtrip@example.com",
    email_username=config.get("mailboxUsername") or "roundtrip",
    email_password=config.require_secret("mailboxPassword"),
    interval=15,
    timeout=120,
)

pulumi.export("monitor_id", monitor.id)
pulumi.export("monitor_name", monitor.name)
