"""``alertsite-monitor-alerts-someone`` through the real pulumi CLI against the emulator.

At preview a new monitor's id is unknown, so the group's ``monitors`` cannot be matched against
it: the rule relies on the engine's dependency info (the group's ``monitors`` is computed from
the monitor). These tests check that the engine gives it: a stack whose monitor is in no group
is refused, and the same stack with a RecipientGroup holding ``monitor.id`` passes, at preview
(ids unknown), at ``up`` (ids known) and at the preview after it (from state).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.policy_pack import LAUNCHER

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, monitor_args
from .test_policy_engine import pack_config, violations_block

PACK = ("--policy-pack", str(LAUNCHER))
RULE = "alertsite-monitor-alerts-someone"

#: The monitors of spec.json, and (when it names any) a recipient and a group routing those
#: monitors to it.
ROUTED_PROGRAM = '''
import json
import pulumi
from alertsite_pulumi import AlertRecipient, EmailRoundTripMonitor, RecipientGroup

with open("spec.json") as f:
    spec = json.load(f)
password = pulumi.Config().require_secret("mailboxPassword")
monitors = {}
for entry in spec["monitors"]:
    args = dict(entry)
    resource_name = args.pop("resource_name")
    monitors[resource_name] = EmailRoundTripMonitor(resource_name, email_password=password, **args)
if spec["grouped"]:
    recipient = AlertRecipient("ops", name="Ops on call", method="email_html",
                               recipient="ops@example.com")
    RecipientGroup("ops-alerts", name="Ops alerts",
                   monitors=[monitors[name].id for name in spec["grouped"]],
                   recipients=[recipient.id])
'''


def routed_project(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> PulumiProject:
    project = PulumiProject(root=tmp_path / "routing", bin_dir=engine_bin, name="policy-routing")
    project.write(ROUTED_PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    return project


def set_spec(project: PulumiProject, monitors: int, grouped: list[str]) -> None:
    """Monitors mon-0.. and a group holding the monitors named in ``grouped`` (none: no group)."""
    spec = {"monitors": [monitor_args(i) for i in range(monitors)], "grouped": grouped}
    (project.root / "spec.json").write_text(json.dumps(spec))


def nothing_in_alertsite(emulator: EmulatorControl) -> bool:
    return not (emulator.monitors() or emulator.recipients() or emulator.recipient_groups())


def test_a_monitor_in_no_group_is_refused_and_passes_once_a_group_holds_it(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = routed_project(tmp_path, engine_bin, emulator)
    set_spec(project, 1, [])
    refused = project.preview(*PACK, check=False)
    violations_block(refused, RULE)
    assert "monitor 'mon-0' is in no RecipientGroup of this stack" in refused.output, refused.output[-4000:]
    assert "reliesOnDefaultGroup: true" in refused.output
    up = project.run("up", "--yes", *PACK, check=False)
    violations_block(up, RULE)
    assert nothing_in_alertsite(emulator)

    # Said on purpose: the account's default group takes the alerts.
    relies = pack_config(tmp_path, {RULE: {"reliesOnDefaultGroup": True}})
    passing = project.preview(*PACK, *relies)
    assert RULE not in passing.output, passing.output[-4000:]

    # A group that holds another monitor: at preview neither id is known, and the group's
    # dependency on mon-1 alone tells them apart.
    set_spec(project, 2, ["mon-1"])
    other = project.preview(*PACK, check=False)
    violations_block(other, RULE)
    unrouted = re.findall(r"\bmonitors? (.+?) (?:is|are) in no RecipientGroup", other.output)
    assert unrouted and set(unrouted) == {"'mon-0'"}, other.output[-4000:]

    # A group holding monitor.id: at preview the id is unknown, the dependency says it all.
    set_spec(project, 1, ["mon-0"])
    preview = project.preview(*PACK)
    assert RULE not in preview.output and "[mandatory]" not in preview.output, preview.output[-4000:]
    assert nothing_in_alertsite(emulator)
    up = project.run("up", "--yes", *PACK)
    assert RULE not in up.output, up.output[-4000:]
    (monitor,) = emulator.monitors()
    (group,) = emulator.recipient_groups()
    assert [str(m) for m in group["monitors"]] == [str(monitor["id"])]
    # From state, every id known: the group's monitors match the monitor's id.
    again = project.preview(*PACK, "--expect-no-changes")
    assert RULE not in again.output, again.output[-4000:]
    project.destroy()
    assert nothing_in_alertsite(emulator)
