"""A `pulumi up` of alert recipients and recipient groups killed half way (SIGKILL), then the
pipeline's recipe: a plain `pulumi up` fails closed (one object per identity), `alertsite-pulumi
recover` adopts what the killed creates made, and `pulumi up` converges: AlertSite holds exactly
the state's recipients and groups, each once (measured from the emulator, not from a preview)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import ALERT_RECIPIENT_TYPES, RECIPIENT_GROUP_TYPES

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, monitor_args
from .test_interrupted_run import interrupted_up, pending_creates, recover

RECIPIENTS = 24

#: Recipients, and groups routing the seeded monitor to two recipients each.
PROGRAM = f'''
import pulumi
from alertsite_pulumi import AlertRecipient, RecipientGroup

monitor_id = pulumi.Config().require("monitorId")
recipients = [AlertRecipient(f"rcp-{{i}}", name=f"Recipient {{i}}", method="email_html",
                             recipient=f"Ops-{{i}}@Example.com", notify_on_clear=True)
              for i in range({RECIPIENTS})]
for g in range({RECIPIENTS // 2}):
    RecipientGroup(f"grp-{{g}}", name=f"Group {{g}}", monitors=[monitor_id],
                   recipients=[recipients[2 * g].id, recipients[2 * g + 1].id])
'''


def state_ids(project: PulumiProject, types: tuple[str, ...]) -> list[str]:
    return [str(r["id"]) for kind in types for r in project.resources(kind)]


def live_ids(emulator: EmulatorControl) -> tuple[set[str], set[str]]:
    return ({str(r["id"]) for r in emulator.recipients()},
            {str(g["id"]) for g in emulator.recipient_groups()})


def assert_converged(project: PulumiProject, emulator: EmulatorControl) -> None:
    recipients, groups = live_ids(emulator)
    assert sorted(state_ids(project, ALERT_RECIPIENT_TYPES)) == sorted(recipients)
    assert sorted(state_ids(project, RECIPIENT_GROUP_TYPES)) == sorted(groups)
    assert len(recipients) == RECIPIENTS and len(groups) == RECIPIENTS // 2
    assert pending_creates(project) == []
    names = Counter(str(r["name"]) for r in emulator.recipients())
    assert set(names) == {f"Recipient {i}" for i in range(RECIPIENTS)} and max(names.values()) == 1


def test_killed_up_of_recipients_and_groups_converges_after_recover(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    monitor_id = emulator.seed_monitor({k: v for k, v in monitor_args(1).items() if k != "resource_name"})
    project = PulumiProject(root=tmp_path / "routing", bin_dir=engine_bin, name="routing-kill")
    project.write(PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER,
                         "monitorId": monitor_id},
                 secrets={"alertsite:password": ADMIN_PASSWORD})

    interrupted_up(project, emulator, made=lambda: len(emulator.recipients()), what="recipient")
    recipients, groups = live_ids(emulator)
    orphans = (recipients - set(state_ids(project, ALERT_RECIPIENT_TYPES))) | (
        groups - set(state_ids(project, RECIPIENT_GROUP_TYPES)))
    assert pending_creates(project), "the kill left no pending create"
    assert orphans, "the kill left no orphan"
    locked = project.up(check=False)
    assert locked.returncode != 0 and "locked" in locked.output
    project.run("cancel", "--yes")

    # A plain `up` refuses to make a second object of an identity the killed run made.
    plain = project.up(check=False)
    assert plain.returncode != 0, plain.output[-3000:]
    assert "Refusing to create recipient" in plain.output, plain.output[-3000:]
    assert "alertsite-pulumi recover --stack <stack>" in plain.output
    names = Counter(str(r["name"]) for r in emulator.recipients())
    assert max(names.values()) == 1, "a recipient was duplicated"

    done = recover(project)
    # Every orphan adopted ("adopted recipient 7", "adopted recipient group 9"), nothing else.
    assert done.stdout.count("adopted recipient ") == len(orphans), done.stdout
    project.up()

    assert_converged(project, emulator)
    final_recipients, final_groups = live_ids(emulator)
    assert orphans <= final_recipients | final_groups, "an adopted object was replaced"
    project.preview("--expect-no-changes")
    assert "nothing to do" in recover(project).stdout
