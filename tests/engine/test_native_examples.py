"""The native plugin's examples through the real CLI: two accounts in one stack, and Pulumi YAML."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer

from .harness import REPO, PulumiProject
from .native_support import NATIVE_TYPE
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, monitor_args
from .test_examples import example_project

pytestmark = pytest.mark.engine

PARTNER_USER = "partner@example.com"
PARTNER_PASSWORD = "partner-account-pw-4e1"


@pytest.fixture
def partner_account() -> Iterator[EmulatorControl]:
    """A second AlertSite account: an emulator of its own, with its own user."""
    users = [(PARTNER_USER, PARTNER_PASSWORD, "admin")]
    with EmulatorServer(host="127.0.0.1", port=0, users=users) as server:
        yield server.control


def test_multi_account_two_providers_in_one_stack(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl,
                                                  partner_account: EmulatorControl) -> None:
    project = example_project(
        "multi-account", tmp_path, engine_bin, emulator,
        config={"partnerBaseUrl": partner_account.api_url, "partnerUsername": PARTNER_USER},
        secrets={"partnerPassword": PARTNER_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    project.up()
    (own,) = emulator.monitors()
    (theirs,) = partner_account.monitors()
    assert own["email"] == "rt-operations@example.com" and theirs["email"] == "rt-partner@example.com"
    outputs = project.stack_outputs()
    assert outputs["operations_monitor_id"] == str(own["id"])
    assert outputs["partner_monitor_id"] == str(theirs["id"])
    project.preview("--expect-no-changes")
    # Refresh reads each monitor through its own account's provider.
    project.refresh("--expect-no-changes")
    text = project.state_text()
    assert PARTNER_PASSWORD not in text and ADMIN_PASSWORD not in text and MAILBOX_PASSWORD not in text
    project.destroy()
    assert emulator.monitors() == [] and partner_account.monitors() == []


def yaml_project(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> PulumiProject:
    root = tmp_path / "yaml"
    shutil.copytree(REPO / "examples" / "yaml", root, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
    project = PulumiProject(root=root, bin_dir=engine_bin, name="alertsite-yaml", stack="dev")
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    return project


def test_yaml_program_and_import_with_code_generation(tmp_path: Path, engine_bin: Path,
                                                      emulator: EmulatorControl) -> None:
    project = yaml_project(tmp_path, engine_bin, emulator)
    project.up()
    live = {m["name"]: m for m in emulator.monitors()}
    assert sorted(live) == ["Outbound relay round trip", "inbound"]
    assert emulator.password_matches(str(live["inbound"]["id"]), MAILBOX_PASSWORD)
    assert str(live["inbound"]["timeout"]) == "120"
    assert project.stack_outputs()["inboundMonitorId"] == str(live["inbound"]["id"])
    project.preview("--expect-no-changes")

    # `pulumi import` writes the YAML of an existing monitor; pasted in, nothing changes.
    legacy_id = emulator.seed_monitor({k: v for k, v in monitor_args(7, interval="30").items()
                                       if k != "resource_name"})
    generated = project.root / "legacy.yaml"
    project.run("import", NATIVE_TYPE, "legacy", legacy_id, "--yes", "--protect=false",
                "--out", str(generated))
    code = yaml.safe_load(generated.read_text())
    entry = code["resources"]["legacy"]
    assert entry["properties"]["email"] == "roundtrip-7@example.com"
    assert entry["properties"]["interval"] == 30
    assert "email_password" not in entry["properties"]
    program = yaml.safe_load((project.root / "Pulumi.yaml").read_text())
    program["resources"]["legacy"] = entry
    (project.root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    project.preview("--expect-no-changes")
    assert MAILBOX_PASSWORD not in project.state_text()

    # A monitor with a value the resource refuses (a note over 255 characters, made out of band):
    # the program `pulumi import` writes leaves it out, so that its next preview passes and
    # AlertSite keeps the note.
    long_note = "n" * 300
    noted_id = emulator.seed_monitor({**{k: v for k, v in monitor_args(8).items() if k != "resource_name"},
                                      "note": long_note})
    generated = project.root / "noted.yaml"
    project.run("import", NATIVE_TYPE, "noted", noted_id, "--yes", "--protect=false",
                "--out", str(generated))
    entry = yaml.safe_load(generated.read_text())["resources"]["noted"]
    assert "note" not in entry["properties"]
    assert entry["properties"]["email"] == "roundtrip-8@example.com"
    program["resources"]["noted"] = entry
    (project.root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    project.preview("--expect-no-changes")
    assert emulator.monitor(noted_id)["note"] == long_note
    project.destroy()
    assert emulator.monitors() == []
