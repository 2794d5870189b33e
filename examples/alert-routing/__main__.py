"""Alert routing: two round-trip monitors, and who their failures alert.

* ``devops``: an e-mail recipient (HTML mail), told when an error clears too;
* ``chat``: a JSON webhook with HTTP Basic auth, its password a Pulumi secret
  (``pulumi config set --secret hookPassword ...``), write-only in AlertSite;
* ``mail-team``: a recipient group that routes both monitors to both recipients, for every
  error (AlertSite: a monitor in no group alerts everyone, or the default group);
* optionally (``sharedRecipient``: a name), a recipient another stack owns, looked up by name
  at preview and added to the group.
"""

import pulumi

from alertsite_pulumi import AlertRecipient, EmailRoundTripMonitor, RecipientGroup, get_recipient

config = pulumi.Config()

monitors = [
    EmailRoundTripMonitor(
        f"{direction}-mail",
        name=f"{direction.capitalize()} mail round trip",
        billing_plancode="UBM - A/A",
        smtp_hostname=f"smtps://{relay}:465",
        pop3_hostname="pop3s://pop.example.com:995",
        email=f"rt-{direction}@example.com",
        email_password=config.require_secret("mailboxPassword"),
        interval=15,
    )
    for direction, relay in (("inbound", "smtp.example.com"), ("outbound", "relay.example.com"))
]

devops = AlertRecipient(
    "devops",
    name="DevOps",
    method="email_html",
    recipient=config.get("devopsAddress") or "devops@example.com",
    notify_on_clear=True,
)
chat = AlertRecipient(
    "chat",
    name="Mail team chat",
    method="webhook",
    recipient=config.get("webhookUrl") or "https://hooks.example.com/alertsite",
    username="alertsite",
    password=config.require_secret("hookPassword"),
    notify_on_clear=True,
)

recipients = [devops.id, chat.id]
shared_name = config.get("sharedRecipient")
if shared_name:
    recipients.append(pulumi.Output.from_input(get_recipient(shared_name)["id"]))

group = RecipientGroup(
    "mail-team",
    name="Mail team",
    monitors=[monitor.id for monitor in monitors],
    recipients=recipients,
)

pulumi.export("group_id", group.id)
pulumi.export("recipient_ids", {"devops": devops.id, "chat": chat.id})
