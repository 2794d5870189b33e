"""`pulumi_alertsite.get_recipient()`, `get_recipient_group_output()` and `get_monitor()`, the
plugin's functions, through the real CLI: a program routes a monitor another stack owns to a
recipient it does not manage, at preview as at update, and never sees a password; a YAML
program calls them with `fn::invoke`."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import NATIVE_RECIPIENT_GROUP_TYPE

from .harness import PulumiProject
from .native_support import native_project
from .support import ADMIN_PASSWORD, ADMIN_USER

pytestmark = pytest.mark.engine

HOOK_PASSWORD = "hook-pw-engine-3"
SEEDED_MAILBOX_PASSWORD = "seeded-mailbox-pw-8"

FUNCTIONS_PROGRAM = '''
import pulumi
import pulumi_alertsite as alertsite

config = pulumi.Config()
ops = alertsite.get_recipient(name=config.require("recipientName"))
support = alertsite.get_monitor(name="Support mail")
on_call = alertsite.get_recipient_group_output(id=config.require("groupId"))
alertsite.RecipientGroup("routing", name="Support routing", monitors=[support.id],
                         recipients=[ops.recipient_id])
pulumi.export("recipient_id", ops.recipient_id)
pulumi.export("method", ops.method)
pulumi.export("monitor_email", support.email)
pulumi.export("on_call_monitors", on_call.monitors)
'''


def test_a_program_looks_up_what_another_stack_owns_and_routes_it(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    recipient_id = emulator.seed_recipient({"name": "Ops hook", "method_id": 16, "username": "ops",
                                            "recipient": "https://hooks.example.com/ops",
                                            "password": HOOK_PASSWORD})
    monitor_id = emulator.seed_monitor({"name": "Support mail", "billing_plancode": "UBM - A/A",
                                        "smtp_hostname": "smtps://smtp.example.com:465",
                                        "pop3_hostname": "pop3s://pop.example.com:995",
                                        "email": "support@example.com",
                                        "email_password": SEEDED_MAILBOX_PASSWORD})
    group_id = emulator.seed_recipient_group({"name": "On call", "monitors": [int(monitor_id)],
                                              "recipients": [int(recipient_id)]})
    project = native_project(tmp_path / "functions", engine_bin, emulator.api_url, name="native-functions")
    project.write(FUNCTIONS_PROGRAM)
    project.run("config", "set", "recipientName", "Ops hook")
    project.run("config", "set", "groupId", group_id)

    preview = project.preview()  # the functions answer at preview: the outputs are known
    assert f'recipient_id    : "{recipient_id}"' in preview.output, preview.output[-3000:]
    assert 'monitor_email   : "support@example.com"' in preview.output
    up = project.up()
    for secret in (HOOK_PASSWORD, SEEDED_MAILBOX_PASSWORD):
        assert secret not in up.output
    shown = project.stack_outputs()
    assert shown["recipient_id"] == recipient_id and shown["method"] == "webhook"
    assert shown["monitor_email"] == "support@example.com"
    assert shown["on_call_monitors"] == [monitor_id]
    [group] = project.resources(NATIVE_RECIPIENT_GROUP_TYPE)
    made = emulator.recipient_group(group["id"])
    assert made["monitors"] == [int(monitor_id)] and made["recipients"] == [int(recipient_id)]
    project.preview("--expect-no-changes")

    # A name no recipient has: the run stops with the names there are, and changes nothing.
    project.run("config", "set", "recipientName", "Ops  hook")
    failed = project.preview(check=False)
    assert failed.returncode != 0
    assert "getRecipient(name='Ops  hook') failed: no recipient is named 'Ops  hook' " \
           "(existing names: 'Ops hook')" in failed.output, failed.output[-3000:]
    assert HOOK_PASSWORD not in failed.output
    # What was only looked up is not the stack's: a destroy removes the group it made alone.
    project.destroy()
    assert [str(g["id"]) for g in emulator.recipient_groups()] == [group_id]
    assert emulator.recipient(recipient_id)["name"] == "Ops hook"


YAML_PROGRAM = '''
name: native-functions-yaml
runtime: yaml
variables:
  ops:
    fn::invoke:
      function: alertsite:index:getRecipient
      arguments:
        name: Ops hook
  support:
    fn::invoke:
      function: alertsite:index:getMonitor
      arguments:
        id: "{monitor_id}"
      return: email
outputs:
  recipientMethod: ${{ops.method}}
  recipientId: ${{ops.recipient_id}}
  monitorEmail: ${{support}}
'''


def test_a_yaml_program_calls_the_functions(tmp_path: Path, engine_bin: Path,
                                            emulator: EmulatorControl) -> None:
    recipient_id = emulator.seed_recipient({"name": "Ops hook", "method_id": 1,
                                            "recipient": "ops@example.com"})
    monitor_id = emulator.seed_monitor({"name": "Support mail", "billing_plancode": "UBM - A/A",
                                        "smtp_hostname": "smtps://smtp.example.com:465",
                                        "pop3_hostname": "pop3s://pop.example.com:995",
                                        "email": "support@example.com",
                                        "email_password": SEEDED_MAILBOX_PASSWORD})
    root = tmp_path / "yaml-functions"
    root.mkdir()
    (root / "Pulumi.yaml").write_text(YAML_PROGRAM.format(monitor_id=monitor_id))
    project = PulumiProject(root=root, bin_dir=engine_bin, name="native-functions-yaml")
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD})
    up = project.up()
    assert SEEDED_MAILBOX_PASSWORD not in up.output
    assert project.stack_outputs() == {"recipientMethod": "email_text", "recipientId": recipient_id,
                                       "monitorEmail": "support@example.com"}
    project.preview("--expect-no-changes")
