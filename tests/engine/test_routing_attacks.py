# ruff: noqa: F811 (the fixtures are imported from the tests they extend)
"""Attacks on alert recipients and recipient groups (dynamic) through the real pulumi CLI
against the emulator: a password written as a plain string, a forced replacement, a `pulumi
up` killed during a recipient's create and the recovery the refusal points to."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.store import FIRST_MONITOR_ID
from alertsite_pulumi.tokens import ALERT_RECIPIENT_TYPE, NATIVE_ALERT_RECIPIENT_TYPE, RECIPIENT_GROUP_TYPE

from .harness import VENV, PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, monitor_args
from .test_alert_routing import RoutingProject, devops, group, hook, ids, routing  # noqa: F401
from .test_interrupted_run import kill_session

PLAIN_PASSWORD = "plain-text-pass-93ab"


def test_a_password_written_as_a_plain_string_is_still_a_secret(
        routing: RoutingProject, emulator: EmulatorControl) -> None:
    plain = hook(with_password=False, password=PLAIN_PASSWORD)
    routing.set_spec([monitor_args()], [devops(), plain], [group()])
    routing.env["ALERTSITE_LOG_LEVEL"] = "DEBUG"
    up = routing.up("--diff")
    assert PLAIN_PASSWORD not in up.output
    assert PLAIN_PASSWORD not in routing.state_text()
    made = ids(routing)
    assert emulator.recipient_password_matches(made["hook"], PLAIN_PASSWORD)
    exported = routing.run("stack", "export")
    assert PLAIN_PASSWORD not in exported.output
    preview = routing.preview("--diff", "--expect-no-changes")
    assert PLAIN_PASSWORD not in preview.output
    refreshed = routing.refresh("--expect-no-changes")
    assert PLAIN_PASSWORD not in refreshed.output


def _urn(project: RoutingProject, type_token: str) -> str:
    (resource,) = project.resources(type_token)
    return str(resource["urn"])


@pytest.mark.parametrize("type_token", [ALERT_RECIPIENT_TYPE, RECIPIENT_GROUP_TYPE])
def test_a_forced_replacement_goes_through(routing: RoutingProject, emulator: EmulatorControl,
                                           type_token: str) -> None:
    routing.set_spec([monitor_args()], [devops()], [group(recipients=["devops"])])
    routing.up()
    before = {str(r["id"]) for r in (emulator.recipients() if type_token == ALERT_RECIPIENT_TYPE
                                     else emulator.recipient_groups())}
    replaced = routing.up("--replace", _urn(routing, type_token), check=False)
    assert replaced.returncode == 0, replaced.output[-3000:]
    after = {str(r["id"]) for r in (emulator.recipients() if type_token == ALERT_RECIPIENT_TYPE
                                    else emulator.recipient_groups())}
    assert len(after) == 1 and after != before


def _recover(project: RoutingProject) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV / "bin" / "alertsite-pulumi"), "recover", "--stack", project.stack,
                           "--cwd", str(project.root)],
                          env=project.base_env(), capture_output=True, text=True, check=False, timeout=300)


def test_a_killed_recipient_create_converges_after_the_advised_recover(
        routing: RoutingProject, emulator: EmulatorControl, tmp_path: Path) -> None:
    routing.set_spec([], [devops()], [])
    emulator.set_faults([{"endpoint": "recipient_create", "kind": "latency", "latency_ms": 3000}])
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"],
                            cwd=routing.root, env=routing.base_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while emulator.requests()["by_endpoint"].get("recipient_create", 0) < 1:
            assert proc.poll() is None, "pulumi up ended before its create was sent"
            assert time.monotonic() < deadline, "no recipient create was sent in time"
            time.sleep(0.02)
    finally:
        kill_session(proc.pid)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while not emulator.recipients():
        assert time.monotonic() < deadline, "the killed create made no recipient"
        time.sleep(0.1)
    emulator.clear_faults()
    assert routing.resources(ALERT_RECIPIENT_TYPE) == []
    routing.run("cancel", "--yes")
    refused = routing.up(check=False)
    assert refused.returncode != 0 and "alertsite-pulumi recover" in refused.output
    done = _recover(routing)
    assert done.returncode == 0, done.stdout + done.stderr
    converged = routing.up(check=False)
    assert converged.returncode == 0, f"{done.stdout}\n{converged.output[-3000:]}"
    assert len(emulator.recipients()) == 1


SECRET_HOOK_PROGRAM = '''
import pulumi
from alertsite_pulumi import AlertRecipient

config = pulumi.Config()
hook = AlertRecipient("hook", name="Secret hook", method="webhook",
                      recipient=config.require_secret("hookUrl"))
pulumi.export("recipient_id", hook.id)
'''
HOOK_TOKEN = "XOXB-path-token-77aa"


def test_a_webhook_url_given_as_a_secret_stays_one(tmp_path: Path, engine_bin: Path,
                                                   emulator: EmulatorControl) -> None:
    project = RoutingProject(root=tmp_path / "secret-hook", bin_dir=engine_bin, name="secret-hook")
    project.write(SECRET_HOOK_PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD,
                          "hookUrl": f"https://hooks.example.com/services/{HOOK_TOKEN}"})
    project.env["ALERTSITE_LOG_LEVEL"] = "DEBUG"
    up = project.up("--diff")
    assert HOOK_TOKEN not in up.output
    (made,) = emulator.recipients()
    assert HOOK_TOKEN in made["recipient"]
    assert HOOK_TOKEN not in project.state_text(), "the secret webhook URL is in the state in clear"
    preview = project.preview("--diff", "--expect-no-changes")
    assert HOOK_TOKEN not in preview.output


def test_a_first_preview_makes_no_call_and_a_recipient_leaves_with_its_group_entry(
        routing: RoutingProject, emulator: EmulatorControl) -> None:
    # A new stack: every group's monitors and recipients are unknown at preview.
    emulator.reset_requests()
    routing.preview()
    assert emulator.requests()["total"] == 0
    routing.up()
    made = ids(routing)
    # The hook goes, and the group with it in the same `up`: the group is updated first.
    routing.set_spec([monitor_args()], [devops()], [group(recipients=["devops"])])
    routing.up()
    assert [str(r["id"]) for r in emulator.recipients()] == [made["devops"]]
    (grouped,) = emulator.recipient_groups()
    assert grouped["recipients"] == [int(made["devops"])]
    routing.preview("--expect-no-changes")


NATIVE_PROGRAM: dict[str, Any] = {"name": "routing-import-odd", "runtime": "yaml", "resources": {}}


@pytest.mark.parametrize(("seeded", "why"), [
    ({"name": "Pager duty", "method_id": 14, "recipient": "0123456789abcdef0123456789abcdef"},
     "cannot be created through the AlertSite API"),
    ({"name": "L" * 140, "method_id": 12, "recipient": "long@example.com"},
     "name: is 140 characters long; at most 128 are allowed")],
    ids=["pagerduty", "long-name"])
def test_an_odd_recipient_imports_into_a_program_whose_preview_says_why_it_cannot_be_managed(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, seeded: dict[str, Any],
        why: str) -> None:
    project = PulumiProject(root=tmp_path / "import-odd", bin_dir=engine_bin, name="routing-import-odd",
                            stack="dev")
    project.root.mkdir(parents=True)
    (project.root / "Pulumi.yaml").write_text(yaml.safe_dump(NATIVE_PROGRAM, sort_keys=False))
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD})
    object_id = emulator.seed_recipient(seeded)
    generated = project.root / "odd.yaml"
    imported = project.run("import", NATIVE_ALERT_RECIPIENT_TYPE, "odd", object_id, "--yes",
                           "--protect=false", "--out", str(generated), check=False)
    assert imported.returncode == 0, imported.output[-3000:]
    program = {**NATIVE_PROGRAM, "resources": yaml.safe_load(generated.read_text())["resources"]}
    (project.root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    # The written program keeps the value AlertSite holds (never a quiet rename, never another
    # reason): its preview refuses it, saying why, and AlertSite's recipient stays as it is.
    refused = project.preview(check=False)
    assert refused.returncode != 0 and why in refused.output, refused.output[-3000:]
    assert "Traceback" not in refused.output
    assert emulator.recipient(object_id)["name"] == seeded["name"]


def _next_id_is(account: EmulatorControl, wanted: int) -> None:
    """Seed (and delete again) recipients in ``account`` (a new emulator) until the next id it
    gives is ``wanted``."""
    if wanted == FIRST_MONITOR_ID:
        return
    for index in range(5000):
        seeded = int(account.seed_recipient({"name": f"filler {index}", "method_id": 12,
                                             "recipient": f"filler{index}@example.com"}))
        account.delete_recipient(seeded)
        if seeded >= wanted - 1:
            assert seeded == wanted - 1, f"account B is past id {wanted}"
            return
    raise AssertionError(f"account B never reached id {wanted}")


def test_a_recipient_pointed_at_another_account_is_replaced_there_and_kept(
        routing: RoutingProject, emulator: EmulatorControl) -> None:
    routing.set_spec([], [devops()], [])
    routing.up()
    (old,) = emulator.recipients()
    with EmulatorServer(host="127.0.0.1", port=0) as other:
        account_b = other.control
        routing.run("config", "set", "alertsite:baseUrl", account_b.api_url)
        _next_id_is(account_b, int(old["id"]))
        up = routing.up(check=False)
        assert up.returncode == 0, up.output[-4000:]
        # Replaced in B; A's is not deleted (this provider cannot reach it), and says so.
        assert emulator.recipients() == [old]
        assert f"recipient {old['id']} was NOT deleted there" in up.output, up.output[-4000:]
        (state,) = routing.resources(ALERT_RECIPIENT_TYPE)
        assert [str(r["id"]) for r in account_b.recipients()] == [str(state["id"])], \
            "the replacement made in B was deleted again"
