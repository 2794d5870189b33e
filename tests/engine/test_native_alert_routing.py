"""AlertRecipient and RecipientGroup through the native plugin (a Pulumi YAML program) against
the emulator: up, no-change preview and refresh, an update, and `pulumi import` of a recipient
and a group made out of band, whose generated YAML, pasted in, previews with no changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import NATIVE_ALERT_RECIPIENT_TYPE, NATIVE_RECIPIENT_GROUP_TYPE

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD

HOOK_PASSWORD = "native-hook-3e9a"

PROGRAM: dict[str, Any] = {
    "name": "alertsite-routing-yaml",
    "runtime": "yaml",
    "config": {"mailboxPassword": {"type": "string", "secret": True},
               "hookPassword": {"type": "string", "secret": True}},
    "resources": {
        "inbound": {"type": "alertsite:index:EmailRoundTripMonitor", "properties": {
            "billing_plancode": "UBM - A/A", "smtp_hostname": "smtps://smtp.example.com:465",
            "pop3_hostname": "pop3s://pop.example.com:995", "email": "rt-routing@example.com",
            "email_password": "${mailboxPassword}", "interval": 15}},
        "devops": {"type": "alertsite:index:AlertRecipient", "properties": {
            "name": "DevOps", "method": "email_html", "recipient": "devops@example.com",
            "notify_on_clear": True}},
        "hook": {"type": "alertsite:index:AlertRecipient", "properties": {
            "method_id": 16, "recipient": "https://hooks.example.com/alertsite",
            "username": "alertsite", "password": "${hookPassword}"}},
        "oncall": {"type": "alertsite:index:RecipientGroup", "properties": {
            "monitors": ["${inbound.id}"], "recipients": ["${hook.id}", "${devops.recipient_id}"]}},
    },
    "outputs": {"groupId": "${oncall.group_id}", "hookId": "${hook.id}"},
}


def write(project: PulumiProject, program: dict[str, Any]) -> None:
    (project.root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))


def test_routing_from_yaml_and_import(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = PulumiProject(root=tmp_path / "routing-yaml", bin_dir=engine_bin,
                            name="alertsite-routing-yaml", stack="dev")
    project.root.mkdir(parents=True)
    write(project, PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD,
                          "hookPassword": HOOK_PASSWORD})
    project.up()
    outputs = project.stack_outputs()
    (grouped,) = emulator.recipient_groups()
    assert str(grouped["id"]) == outputs["groupId"]
    assert len(grouped["recipients"]) == 2 and len(grouped["monitors"]) == 1
    # The name defaults to the resource name, as the monitor's does.
    assert grouped["name"] == "oncall"
    assert {r["name"] for r in emulator.recipients()} == {"DevOps", "hook"}
    assert emulator.recipient_password_matches(outputs["hookId"], HOOK_PASSWORD)
    assert HOOK_PASSWORD not in project.state_text()
    project.preview("--expect-no-changes")
    project.refresh("--expect-no-changes")

    changed = yaml.safe_load(yaml.safe_dump(PROGRAM))
    changed["resources"]["devops"]["properties"]["stop_threshold"] = 4
    changed["resources"]["oncall"]["properties"]["recipients"].reverse()
    write(project, changed)
    emulator.reset_requests()
    project.up()
    counts = emulator.requests()["by_endpoint"]
    assert counts["recipient_update"] == 1 and counts.get("group_update", 0) == 0
    project.preview("--expect-no-changes")

    # A recipient and a group made out of band: `pulumi import --out` writes their YAML.
    shared = emulator.seed_recipient({"name": "Shared desk", "method_id": 1,
                                      "recipient": "desk@example.com", "stop_threshold": 2})
    monitor_id = str(emulator.monitors()[0]["id"])
    other = emulator.seed_recipient_group({"name": "Desk", "monitors": [{"id": int(monitor_id)}],
                                           "recipients": [{"id": int(shared)}]})
    for token, name, object_id in ((NATIVE_ALERT_RECIPIENT_TYPE, "desk", shared),
                                   (NATIVE_RECIPIENT_GROUP_TYPE, "deskgroup", other)):
        generated = project.root / f"{name}.yaml"
        project.run("import", token, name, str(object_id), "--yes", "--protect=false",
                    "--out", str(generated))
        entry = yaml.safe_load(generated.read_text())["resources"][name]
        changed["resources"][name] = entry
    desk = changed["resources"]["desk"]["properties"]
    assert desk["recipient"] == "desk@example.com" and desk["stop_threshold"] == 2
    assert "password" not in desk
    assert changed["resources"]["deskgroup"]["properties"]["monitors"] == [monitor_id]
    write(project, changed)
    project.preview("--expect-no-changes")
    project.destroy()
    assert emulator.recipients() == [] and emulator.recipient_groups() == [] and emulator.monitors() == []
