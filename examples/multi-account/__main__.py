"""Two AlertSite accounts in one program: the default provider and an explicit one.

The monitors of the operations account use the default provider, configured from the stack
config `alertsite:*` (or ALERTSITE_*). The partner's account is an explicit
`pulumi_alertsite.Provider` whose login comes from this project's own config; its monitors
name it in `opts`. Both are the native resource `alertsite:index:EmailRoundTripMonitor`.
"""

import pulumi

import pulumi_alertsite as alertsite

config = pulumi.Config()
mailbox_password = config.require_secret("mailboxPassword")

partner = alertsite.Provider(
    "partner-account",
    base_url=config.require("partnerBaseUrl"),
    username=config.require("partnerUsername"),
    password=config.require_secret("partnerPassword"),
)


def monitor(resource_name: str, mailbox: str,
            opts: pulumi.ResourceOptions | None = None) -> alertsite.EmailRoundTripMonitor:
    return alertsite.EmailRoundTripMonitor(
        resource_name,
        billing_plancode=config.get("billingPlanCode") or "UBM - A/A",
        smtp_hostname=config.get("smtpHostname") or "smtps://smtp.example.com:465",
        pop3_hostname=config.get("pop3Hostname") or "pop3s://pop.example.com:995",
        email=mailbox,
        email_username=mailbox.split("@")[0],
        email_password=mailbox_password,
        interval=15,
        opts=opts,
    )


operations = monitor("operations-inbound", "rt-operations@example.com")
partner_inbound = monitor("partner-inbound", "rt-partner@example.com",
                          opts=pulumi.ResourceOptions(provider=partner))

pulumi.export("operations_monitor_id", operations.id)
pulumi.export("partner_monitor_id", partner_inbound.id)
