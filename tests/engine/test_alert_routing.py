"""AlertRecipient and RecipientGroup (dynamic) through the real pulumi CLI against the
emulator, beside the monitors they route: up, no-change preview and refresh, an update of each
field, sets whose order is no change, out-of-band edits and deletes, a rotated webhook password,
and the order of operations that keeps every group one AlertSite would accept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import ALERT_RECIPIENT_TYPE, RECIPIENT_GROUP_TYPE

from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, SpecProject, monitor_args

HOOK_PASSWORD = "hook-secret-5d21"

ROUTING_PROGRAM = '''
import json
import pulumi
from alertsite_pulumi import AlertRecipient, EmailRoundTripMonitor, RecipientGroup

with open("spec.json") as f:
    spec = json.load(f)
config = pulumi.Config()
made = {}
for entry in spec["monitors"]:
    args = dict(entry)
    name = args.pop("resource_name")
    made[name] = EmailRoundTripMonitor(name, email_password=config.get_secret("mailboxPassword"), **args)
for entry in spec.get("recipients", []):
    args = dict(entry)
    name = args.pop("resource_name")
    if args.pop("with_password", False):
        args["password"] = config.get_secret("hookPassword")
    made[name] = AlertRecipient(name, **args)
for entry in spec.get("groups", []):
    args = dict(entry)
    name = args.pop("resource_name")
    args["monitors"] = [made[m].id for m in args["monitors"]]
    args["recipients"] = [made[r].id for r in args["recipients"]]
    made[name] = RecipientGroup(name, **args)
pulumi.export("ids", {name: resource.id for name, resource in made.items()})
'''


class RoutingProject(SpecProject):
    def set_spec(self, monitors: list[dict[str, Any]], recipients: list[dict[str, Any]],
                 groups: list[dict[str, Any]]) -> None:
        (self.root / "spec.json").write_text(json.dumps(
            {"monitors": monitors, "recipients": recipients, "groups": groups}))


def devops(**overrides: Any) -> dict[str, Any]:
    return {"resource_name": "devops", "name": "DevOps", "method": "email_html",
            "recipient": "devops@example.com", "notify_on_clear": True, **overrides}


def hook(**overrides: Any) -> dict[str, Any]:
    return {"resource_name": "hook", "name": "Chat hook", "method_id": 16,
            "recipient": "https://hooks.example.com/alertsite", "username": "alertsite",
            "with_password": True, **overrides}


def group(**overrides: Any) -> dict[str, Any]:
    return {"resource_name": "oncall", "name": "On call", "monitors": ["mon-0"],
            "recipients": ["devops", "hook"], **overrides}


@pytest.fixture
def routing(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> Iterator[RoutingProject]:
    project = RoutingProject(root=tmp_path / "routing", bin_dir=engine_bin, name="routing-test")
    project.write(ROUTING_PROGRAM)
    project.set_spec([monitor_args()], [devops(), hook()], [group()])
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD,
                          "hookPassword": HOOK_PASSWORD})
    yield project


def writes(emulator: EmulatorControl) -> dict[str, int]:
    counts: dict[str, int] = emulator.requests()["by_endpoint"]
    return {k: v for k, v in counts.items()
            if v and k.split("_")[-1] in ("create", "update", "delete")}


def ids(project: RoutingProject) -> dict[str, str]:
    found: dict[str, str] = project.stack_outputs()["ids"]
    return found


def test_a_routed_stack_goes_up_stays_still_and_comes_down(routing: RoutingProject,
                                                           emulator: EmulatorControl) -> None:
    routing.up()
    made = ids(routing)
    (grouped,) = emulator.recipient_groups()
    assert grouped["monitors"] == [int(made["mon-0"])]
    assert sorted(grouped["recipients"]) == sorted([int(made["devops"]), int(made["hook"])])
    assert emulator.recipient_password_matches(made["hook"], HOOK_PASSWORD)
    # The webhook password is a secret in the state, as the mailbox password is.
    assert HOOK_PASSWORD not in routing.state_text()
    (hook_state,) = [r for r in routing.resources(ALERT_RECIPIENT_TYPE) if r["id"] == made["hook"]]
    assert "ciphertext" in hook_state["outputs"]["password"]
    assert len(routing.resources(RECIPIENT_GROUP_TYPE)) == 1
    routing.preview("--expect-no-changes")
    routing.refresh("--expect-no-changes")
    routing.preview("--expect-no-changes")
    # A group's lists are sets: another order is no change.
    routing.set_spec([monitor_args()], [devops(), hook()], [group(recipients=["hook", "devops"])])
    routing.preview("--expect-no-changes")
    routing.destroy()
    assert emulator.recipient_groups() == [] and emulator.recipients() == [] and emulator.monitors() == []
    assert routing.resources() == []


def test_each_field_updates_in_place(routing: RoutingProject, emulator: EmulatorControl) -> None:
    routing.up()
    before = ids(routing)
    routing.set_spec([monitor_args()],
                     [devops(recipient="ops@example.com", stop_threshold=3, notify_on_clear=False,
                             performance_alert=True),
                      hook(recipient="https://hooks.example.com/v2", availability_alert=True)],
                     [group(name="On call (day)", recipients=["devops"], errortypes=[1, 2])])
    emulator.reset_requests()
    routing.up()
    assert ids(routing) == before
    assert writes(emulator) == {"recipient_update": 2, "group_update": 1}
    recipient = emulator.recipient(before["devops"])
    assert recipient["recipient"] == "ops@example.com" and recipient["stop_threshold"] == 3
    assert recipient["notify_on_clear"] is False and recipient["performance_alert"] is True
    assert emulator.recipient(before["hook"])["recipient"] == "https://hooks.example.com/v2"
    (grouped,) = emulator.recipient_groups()
    assert grouped["name"] == "On call (day)" and grouped["recipients"] == [int(before["devops"])]
    assert sorted(grouped["errortypes"]) == [1, 2]
    routing.preview("--expect-no-changes")


def test_a_rotated_webhook_password_is_applied(routing: RoutingProject, emulator: EmulatorControl) -> None:
    routing.up()
    routing.run("config", "set", "--secret", "hookPassword", "rotated-hook-9")
    emulator.reset_requests()
    routing.up()
    made = ids(routing)
    assert writes(emulator) == {"recipient_update": 1}
    assert emulator.recipient_password_matches(made["hook"], "rotated-hook-9")
    assert "rotated-hook-9" not in routing.state_text()
    routing.preview("--expect-no-changes")


def test_out_of_band_edits_and_deletes_are_mended(routing: RoutingProject, emulator: EmulatorControl) -> None:
    routing.up()
    made = ids(routing)
    emulator.edit_recipient(made["devops"], recipient="intruder@example.com")
    emulator.delete_recipient_group(made["oncall"])
    refreshed = routing.refresh()
    assert "oncall" in refreshed.output
    emulator.reset_requests()
    routing.up()
    assert writes(emulator) == {"recipient_update": 1, "group_create": 1}
    assert emulator.recipient(made["devops"])["recipient"] == "devops@example.com"
    (again,) = emulator.recipient_groups()
    assert sorted(again["recipients"]) == sorted([int(made["devops"]), int(made["hook"])])
    routing.preview("--expect-no-changes")


def test_a_group_moves_to_another_monitor_before_the_old_one_goes(routing: RoutingProject,
                                                                  emulator: EmulatorControl) -> None:
    routing.up()
    routing.set_spec([monitor_args(), monitor_args(1)], [devops(), hook()], [group()])
    routing.up()
    # With AlertSite deleting a group its last monitor leaves, a monitor deleted before its
    # group was updated would take the group with it, and the group's update would fail.
    emulator.update_settings(emptied_group="delete")
    routing.set_spec([monitor_args(1)], [devops(), hook()], [group(monitors=["mon-1"])])
    routing.up()
    made = ids(routing)
    (grouped,) = emulator.recipient_groups()
    assert grouped["monitors"] == [int(made["mon-1"])]
    assert [str(m["id"]) for m in emulator.monitors()] == [made["mon-1"]]
    routing.preview("--expect-no-changes")


def test_a_group_left_without_monitors_is_refused_at_preview(routing: RoutingProject,
                                                             emulator: EmulatorControl) -> None:
    routing.up()
    routing.set_spec([], [devops(), hook()], [group(monitors=[])])
    emulator.reset_requests()
    refused = routing.preview(check=False)
    assert refused.returncode != 0
    assert "monitors: must hold at least one monitor id" in refused.output
    assert "delete the group instead" in refused.output
    assert writes(emulator) == {}
    assert "Traceback" not in refused.output


def test_a_replaced_monitor_is_put_back_in_its_group(routing: RoutingProject,
                                                     emulator: EmulatorControl) -> None:
    routing.up()
    old = ids(routing)["mon-0"]
    (monitor,) = [r for r in routing.resources() if r["urn"].endswith("::mon-0")]
    routing.up("--replace", monitor["urn"])
    new = ids(routing)["mon-0"]
    assert new != old
    (grouped,) = emulator.recipient_groups()
    assert grouped["monitors"] == [int(new)]
    routing.preview("--expect-no-changes")


SHARED_PROGRAM = '''
import pulumi
from alertsite_pulumi import EmailRoundTripMonitor, RecipientGroup, get_recipient

shared = get_recipient("Shared on-call")
monitor = EmailRoundTripMonitor("mon", billing_plancode="UBM - A/A", smtp_hostname="smtps://smtp.example.com",
                                pop3_hostname="pop3s://pop.example.com", email="shared-rt@example.com")
RecipientGroup("routed", monitors=[monitor.id], recipients=[shared["id"]])
pulumi.export("shared", shared["id"])
'''


def test_a_recipient_another_stack_owns_is_looked_up_at_preview(tmp_path: Path, engine_bin: Path,
                                                                emulator: EmulatorControl) -> None:
    shared = emulator.seed_recipient({"name": "Shared on-call", "method_id": 12,
                                      "recipient": "oncall@example.com"})
    project = SpecProject(root=tmp_path / "shared", bin_dir=engine_bin, name="shared-lookup")
    project.write(SHARED_PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD})
    preview = project.preview()
    # The look-up answered at preview: its id is an output, and the stack, the monitor and
    # the group are to be created.
    assert f'shared: "{shared}"' in preview.output and "+ 3 to create" in preview.output
    project.up()
    (grouped,) = emulator.recipient_groups()
    assert grouped["recipients"] == [int(shared)]
    project.destroy()
    # The shared recipient is another stack's: it stays.
    assert [str(r["id"]) for r in emulator.recipients()] == [str(shared)]
    emulator.delete_recipient(shared)
    missing = project.preview(check=False)
    assert missing.returncode != 0
    assert "alertsite_pulumi.get_recipient('Shared on-call') failed: no recipient is named" in missing.output
    assert "Traceback" not in missing.output
