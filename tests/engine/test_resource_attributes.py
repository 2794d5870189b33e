"""Every argument of the dynamic resource is a Pulumi Input and also an Output attribute, given or
not, as the README's resource reference says: a program passes Outputs in, and reads every attribute
back, a field it left out holding the account's default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alertsite_pulumi.emulator import EmulatorControl

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD

#: The README's input table, then the outputs it adds.
INPUTS = ("billing_plancode", "name", "smtp_hostname", "pop3_hostname", "email", "email_username",
          "email_password", "interval", "timeout", "enabled", "locations", "home_location", "mode", "note",
          "alert_note", "allow_internal_testing", "custom_properties", "extra_fields", "adopt_monitor_id",
          "adopt_by_name")
ADDED = ("monitor_id", "monitor_type", "access_type")
#: The fields the program leaves out (the adoption inputs too, which have no default).
LEFT_OUT = ("email_username", "timeout", "enabled", "locations", "home_location", "mode", "note",
            "alert_note", "allow_internal_testing", "custom_properties")

PROGRAM = f'''
import pulumi
from alertsite_pulumi import EmailRoundTripMonitor

password = pulumi.Config().require_secret("mailboxPassword")
monitor = EmailRoundTripMonitor(
    "attributes",
    billing_plancode="UBM - A/A",
    name=pulumi.Output.concat("Attri", "buted"),
    smtp_hostname=pulumi.Output.from_input("smtps://smtp.example.com:465"),
    pop3_hostname="pop3s://pop.example.com:995",
    email=pulumi.Output.from_input("attributes").apply(lambda local: local + "@example.com"),
    email_password=password,
    interval=pulumi.Output.from_input(10).apply(lambda minutes: minutes + 5),
    extra_fields={{"x_team": pulumi.Output.from_input("mail")}},
)
for name in {INPUTS + ADDED!r}:
    pulumi.export(name, getattr(monitor, name))  # an AttributeError fails the up
'''


def test_inputs_take_outputs_and_every_argument_given_or_not_is_an_output_attribute(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = PulumiProject(root=tmp_path / "attributes", bin_dir=engine_bin, name="attributes")
    project.write(PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    project.up()
    (monitor,) = emulator.monitors()
    shown: dict[str, Any] = project.run("stack", "output", "--json").json()
    # Every argument given (some as Outputs) is an attribute holding what AlertSite holds.
    assert shown["name"] == monitor["name"] == "Attributed"
    assert shown["email"] == monitor["email"] == "attributes@example.com"
    assert shown["interval"] == int(monitor["interval"]) == 15
    assert shown["smtp_hostname"] == monitor["smtp_hostname"]
    assert shown["pop3_hostname"] == monitor["pop3_hostname"]
    assert shown["billing_plancode"] == monitor["billing_plancode"]
    assert shown["extra_fields"] == {"x_team": "mail"} == {"x_team": monitor["x_team"]}
    # The password attribute is a secret, and the secret is the one given.
    assert shown["email_password"] == "[secret]"
    assert emulator.password_matches(str(monitor["id"]), MAILBOX_PASSWORD)
    assert project.stack_outputs()["email_password"] == MAILBOX_PASSWORD
    # Every field left out is an attribute too, holding the account's default that AlertSite reports.
    assert {name: shown[name] for name in LEFT_OUT} == {
        "email_username": "", "timeout": 300, "enabled": True, "locations": [10, 20], "home_location": 10,
        "mode": "Primary", "note": "", "alert_note": "", "allow_internal_testing": True,
        "custom_properties": []}
    assert int(monitor["timeout"]) == 300 and monitor["mode"] == "Primary"
    # An input left out is no input: nothing to change, so the next preview is empty.
    project.preview("--expect-no-changes")
    # And the outputs the resource adds.
    assert shown["monitor_id"] == str(monitor["id"])
    assert shown["monitor_type"] == "email-round-trip" and shown["access_type"] == "Edit"
    project.destroy()
    assert emulator.monitors() == []
