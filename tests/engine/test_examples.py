"""Every project under examples/ through the real pulumi CLI against the emulator.

Each example is copied as it is checked in (its own Pulumi.yaml and data files) into a
temporary directory; only the virtualenv option of its Pulumi.yaml is pointed at the test's
virtualenv, since the checked-in one is relative to the repository.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pytest
import yaml

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl

from .harness import REPO, VENV, PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, monitor_args

EXAMPLES = REPO / "examples"
CLI = VENV / "bin" / "alertsite-pulumi"


# --- helpers ---------------------------------------------------------------------------------


def use_test_venv(pulumi_yaml: Path) -> str:
    """Point the project's ``runtime.options.virtualenv`` at the test's virtualenv.

    Everything else in the example's Pulumi.yaml stays as checked in. Returns the project name.
    """
    project = yaml.safe_load(pulumi_yaml.read_text())
    runtime = project["runtime"]
    assert isinstance(runtime, dict) and runtime["name"] == "python", project
    options = runtime.setdefault("options", {})
    options["virtualenv"] = str(VENV)
    pulumi_yaml.write_text(yaml.safe_dump(project, sort_keys=False))
    name: str = project["name"]
    return name


def copy_example(example: str, tmp_path: Path) -> tuple[Path, str]:
    """``examples/<example>`` as checked in (no local state or stack files), in ``tmp_path``."""
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root, ignore=shutil.ignore_patterns(
        ".state", ".pulumi-home", "__pycache__", "Pulumi.*.yaml"))
    return root, use_test_venv(root / "Pulumi.yaml")


def init_stack(project: PulumiProject, emulator: EmulatorControl, *,
               config: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None,
               secret_paths: Mapping[str, str] | None = None) -> PulumiProject:
    """Create the project's stack with the emulator's URL and admin login as its config.

    ``config`` and ``secrets`` are plain keys; ``secret_paths`` are set with ``--path``
    (``mailboxPasswords.inbound-mx1``), all in one command.
    """
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER,
                         **(config or {})},
                 secrets={"alertsite:password": ADMIN_PASSWORD, **(secrets or {})})
    if secret_paths:
        args = [arg for key, value in secret_paths.items() for arg in ("--secret", f"{key}={value}")]
        project.run("config", "set-all", "--path", *args)
    return project


def example_project(example: str, tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, *,
                    stack: str = "dev", **stack_config: Mapping[str, str] | None) -> PulumiProject:
    """A copy of ``examples/<example>`` with a stack pointed at the emulator (see init_stack)."""
    root, name = copy_example(example, tmp_path)
    project = PulumiProject(root=root, bin_dir=engine_bin, name=name, stack=stack)
    return init_stack(project, emulator, **stack_config)


def by_name(emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    monitors = emulator.monitors()
    found = {str(m["name"]): m for m in monitors}
    assert len(found) == len(monitors), "two monitors share a name"
    return found


def monitor_states(project: PulumiProject) -> list[dict[str, Any]]:
    return project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)


def stable_then_destroyed(project: PulumiProject) -> None:
    """The next preview finds nothing to do, and destroy empties the stack."""
    project.preview("--expect-no-changes")
    project.destroy()
    assert monitor_states(project) == []


# --- layout ----------------------------------------------------------------------------------


def test_every_example_is_a_runnable_project_with_a_readme() -> None:
    examples = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert examples == ["adopt", "alert-routing", "fleet", "multi-account", "policy-gated", "quickstart",
                        "yaml"]
    # examples/yaml is a Pulumi YAML program (tests/engine/test_native_examples.py runs it).
    assert yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text())["runtime"] == "yaml"
    assert "pulumi destroy" in (EXAMPLES / "yaml" / "README.md").read_text()
    for example in (e for e in examples if e != "yaml"):
        root = EXAMPLES / example
        project = yaml.safe_load((root / "Pulumi.yaml").read_text())
        # Run in place, the program and its dynamic provider use the repository's virtualenv.
        assert project["runtime"] == {"name": "python", "options": {"virtualenv": "../../.venv"}}, example
        assert (root / "__main__.py").is_file() and (root / "README.md").is_file(), example
        # This checkout, editable (the policy-gated pipeline with the pack's extra).
        requirements = (root / "requirements.txt").read_text().splitlines()
        assert {"-e ../..", "-e ../..[policy]"} & set(requirements), example
        readme = (root / "README.md").read_text()
        assert "emulator" in readme and "pulumi destroy" in readme, example


# --- quickstart ------------------------------------------------------------------------------


def test_quickstart(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project = example_project("quickstart", tmp_path, engine_bin, emulator,
                              secrets={"mailboxPassword": MAILBOX_PASSWORD})
    project.up()
    (monitor,) = emulator.monitors()
    assert monitor["name"] == "Inbound mail round trip"
    assert monitor["smtp_hostname"] == "smtps://smtp.example.com:465"
    assert monitor["pop3_hostname"] == "pop3s://pop.example.com:995"
    assert emulator.password_matches(str(monitor["id"]), MAILBOX_PASSWORD)
    assert str(monitor["interval"]) == "15" and str(monitor["timeout"]) == "120"
    assert project.stack_outputs()["monitor_id"] == str(monitor["id"])
    assert MAILBOX_PASSWORD not in project.state_text()
    stable_then_destroyed(project)
    assert emulator.monitors() == []


# --- alert-routing ---------------------------------------------------------------------------


def test_alert_routing_routes_both_monitors_and_a_shared_recipient(tmp_path: Path, engine_bin: Path,
                                                                  emulator: EmulatorControl) -> None:
    project = example_project("alert-routing", tmp_path, engine_bin, emulator,
                              secrets={"mailboxPassword": MAILBOX_PASSWORD, "hookPassword": "hook-pw-61"})
    project.up()
    (group,) = emulator.recipient_groups()
    monitor_ids = sorted(int(m["id"]) for m in emulator.monitors())
    assert group["name"] == "Mail team" and sorted(group["monitors"]) == monitor_ids
    recipient_ids = project.stack_outputs()["recipient_ids"]
    assert sorted(group["recipients"]) == sorted(int(i) for i in recipient_ids.values())
    assert emulator.recipient_password_matches(recipient_ids["chat"], "hook-pw-61")
    assert "hook-pw-61" not in project.state_text()
    project.preview("--expect-no-changes")
    # A recipient another stack owns joins the group, looked up by name.
    shared = emulator.seed_recipient({"name": "Night desk", "method_id": 12,
                                      "recipient": "night@example.com"})
    project.run("config", "set", "sharedRecipient", "Night desk")
    project.up()
    (group,) = emulator.recipient_groups()
    assert int(shared) in group["recipients"] and len(group["recipients"]) == 3
    stable_then_destroyed(project)
    assert emulator.recipient_groups() == [] and emulator.monitors() == []
    assert [str(r["id"]) for r in emulator.recipients()] == [str(shared)]


# --- fleet -----------------------------------------------------------------------------------


def fleet_rows() -> list[dict[str, str]]:
    with (EXAMPLES / "fleet" / "monitors.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def fleet_passwords(rows: list[dict[str, str]]) -> dict[str, str]:
    return {f"mailboxPasswords.{row['resource_name']}": f"pw-{row['resource_name']}" for row in rows}


def test_fleet_production_then_staging(tmp_path: Path, engine_bin: Path,
                                       emulator: EmulatorControl) -> None:
    rows = fleet_rows()
    assert len(rows) >= 10
    project = example_project("fleet", tmp_path, engine_bin, emulator, stack="production",
                              config={"environment": "production"},
                              secret_paths=fleet_passwords(rows))
    project.up()
    found = by_name(emulator)
    assert sorted(found) == sorted(row["name"] for row in rows)
    for row in rows:
        monitor = found[row["name"]]
        assert (str(monitor["interval"]), str(monitor["timeout"])) == ("5", "240"), monitor
        assert monitor["smtp_hostname"].startswith("smtps://"), monitor
        assert monitor["pop3_hostname"].startswith("pop3s://"), monitor
        assert monitor["email"] == row["email"]
        assert emulator.password_matches(str(monitor["id"]), f"pw-{row['resource_name']}")
    ids = project.stack_outputs()["monitor_ids"]
    assert ids == {row["resource_name"]: str(found[row["name"]]["id"]) for row in rows}
    project.preview("--expect-no-changes")

    # The same data as a staging stack: every 30 minutes, names and mailboxes marked, nothing shared.
    staging = init_stack(
        PulumiProject(root=project.root, bin_dir=engine_bin, name=project.name, stack="staging"),
        emulator, config={"environment": "staging"}, secret_paths=fleet_passwords(rows))
    staging.up()
    found = by_name(emulator)
    assert len(found) == 2 * len(rows)
    for row in rows:
        monitor = found[f"[staging] {row['name']}"]
        assert (str(monitor["interval"]), str(monitor["timeout"])) == ("30", "300"), monitor
        # A mailbox of its own: the provider refuses a second monitor on production's.
        assert monitor["email"] == row["email"].replace("@", "-staging@"), monitor
    staging.preview("--expect-no-changes")
    staging.destroy()
    assert sorted(by_name(emulator)) == sorted(row["name"] for row in rows)
    project.run("stack", "select", project.stack)  # the harness runs the selected stack
    stable_then_destroyed(project)
    assert emulator.monitors() == []


# --- adopt -----------------------------------------------------------------------------------


def run_cli(emulator: EmulatorControl, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``alertsite-pulumi`` console script, logged in to the emulator through ALERTSITE_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTSITE_", "PULUMI_"))}
    env.update(ALERTSITE_BASE_URL=emulator.api_url, ALERTSITE_USERNAME=ADMIN_USER,
               ALERTSITE_PASSWORD=ADMIN_PASSWORD)
    proc = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, f"alertsite-pulumi {' '.join(args)} failed:\n{proc.stderr}"
    return proc


def seed(emulator: EmulatorControl, index: int, **fields: Any) -> str:
    """A monitor made outside Pulumi (as in the AlertSite UI), with a mailbox password."""
    values = monitor_args(index, email_password="seeded-mailbox-password", **fields)
    del values["resource_name"]
    return emulator.seed_monitor(values)


def writes(emulator: EmulatorControl) -> dict[str, int]:
    by_endpoint: dict[str, int] = emulator.requests()["by_endpoint"]
    return {kind: by_endpoint.get(kind, 0) for kind in ("create", "update", "delete")}


NO_WRITES = {"create": 0, "update": 0, "delete": 0}


def test_adopt_sample_by_id_and_by_name(tmp_path: Path, engine_bin: Path,
                                        emulator: EmulatorControl) -> None:
    inbound = seed(emulator, 1, name="Inbound mail round trip", smtp_hostname="smtps://mx1.example.com:465",
                   interval=15)
    outbound = seed(emulator, 2, name="Outbound relay round trip", email="rt-relay@example.com",
                    email_username="rt-relay", smtp_hostname="smtps://relay.example.com:465",
                    pop3_hostname="pop3s://pop.example.com:995", interval=10, timeout=180)
    seed(emulator, 3, name="Someone else's monitor")
    before = emulator.monitors()
    project = example_project("adopt", tmp_path, engine_bin, emulator,
                              config={"inboundMonitorId": inbound})
    emulator.reset_requests()
    project.up()
    assert writes(emulator) == NO_WRITES
    assert emulator.monitors() == before
    assert project.stack_outputs()["monitor_ids"] == {"inbound-mail": inbound, "outbound-relay": outbound}
    (inbound_state,) = [s for s in monitor_states(project) if s["id"] == inbound]
    # Fields the program left out are outputs with AlertSite's values, not changes.
    assert inbound_state["outputs"]["smtp_hostname"] == "smtps://mx1.example.com:465"
    project.preview("--expect-no-changes")
    # retain_on_delete: destroy forgets the adopted monitors and leaves them in AlertSite.
    emulator.reset_requests()
    project.destroy()
    assert monitor_states(project) == []
    assert writes(emulator) == NO_WRITES
    assert emulator.monitors() == before


def seed_account(emulator: EmulatorControl, count: int) -> None:
    """``count`` monitors as an account gathers them: varied settings, some names repeated."""
    intervals = (5, 10, 15, 30, 60, 1440)
    for index in range(count):
        fields: dict[str, Any] = {"interval": intervals[index % len(intervals)], "timeout": 60 + index}
        if index % 10 == 3:
            fields["name"] = "Shared name"
        if index % 7 == 0:
            fields["note"] = f"team {index % 3}\nsecond line"
        if index % 11 == 0:
            fields["enabled"] = False
        if index % 6 == 1:
            fields.update(locations=[10, 20, 30], home_location=30, mode="Round Robin")
        if index % 9 == 4:
            fields["name"] = f"Réception « {index} »"
        seed(emulator, index, **fields)


def adopt_exported(project: PulumiProject, emulator: EmulatorControl, count: int) -> None:
    before = emulator.monitors()
    emulator.reset_requests()
    project.up()
    assert writes(emulator) == NO_WRITES
    assert len(monitor_states(project)) == count
    assert emulator.monitors() == before
    assert {s["id"] for s in monitor_states(project)} == {str(m["id"]) for m in before}
    project.preview("--expect-no-changes")


def test_export_python_of_50_monitors_adopts_them_all(tmp_path: Path, engine_bin: Path,
                                                      emulator: EmulatorControl) -> None:
    seed_account(emulator, 50)
    root, name = copy_example("adopt", tmp_path)
    run_cli(emulator, "export", "--format", "python", "--project", name,
            "-o", str(root / "__main__.py"), "--force")
    assert (root / "__main__.py").read_text().count("EmailRoundTripMonitor(") == 50
    project = init_stack(PulumiProject(root=root, bin_dir=engine_bin, name=name, stack="account"), emulator)
    adopt_exported(project, emulator, 50)


def test_export_stack_config_of_50_monitors_adopts_them_all(tmp_path: Path, engine_bin: Path,
                                                            emulator: EmulatorControl) -> None:
    """The root project's shape: its own program, the monitors in Pulumi.<stack>.yaml."""
    seed_account(emulator, 50)
    root = tmp_path / "root-project"
    root.mkdir()
    for file in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / file, root / file)
    name = use_test_venv(root / "Pulumi.yaml")
    run_cli(emulator, "export", "--format", "stack-config", "--project", name, "--stack", "account",
            "-o", str(root))
    exported = yaml.safe_load((root / "Pulumi.account.yaml").read_text())
    assert len(exported["config"][f"{name}:monitors"]) == 50
    project = init_stack(PulumiProject(root=root, bin_dir=engine_bin, name=name, stack="account"), emulator)
    adopt_exported(project, emulator, 50)


def method_writes(emulator: EmulatorControl) -> dict[str, int]:
    """PATCH, POST and DELETE calls to the AlertSite API, counted by HTTP method (logins left out)."""
    by_method_path: dict[str, int] = emulator.requests()["by_method_path"]
    out = {"PATCH": 0, "POST": 0, "DELETE": 0}
    for method_path, count in by_method_path.items():
        method, _, path = method_path.partition(" ")
        if method in out and not path.endswith("/access-tokens"):
            out[method] += count
    return out


def export_program(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl
                   ) -> tuple[PulumiProject, subprocess.CompletedProcess[str]]:
    root, name = copy_example("adopt", tmp_path)
    exported = run_cli(emulator, "export", "--format", "python", "--project", name,
                       "-o", str(root / "__main__.py"), "--force")
    project = init_stack(PulumiProject(root=root, bin_dir=engine_bin, name=name, stack="account"), emulator)
    return project, exported


def test_export_keeps_every_odd_value_it_can_and_the_first_up_writes_nothing(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    """Values made out of band that the resource refuses, each left out: AlertSite keeps them."""
    odd: list[dict[str, Any]] = [
        {"note": "n" * 300}, {"alert_note": "a" * 1200}, {"email": "a..b@example.com"},
        {"interval": 7}, {"email_username": "rt\x01"}, {"mode": "Sideways"},
        {"custom_properties": [{"id": "1", "bogus": "x"}]}, {"note": "bell\x07"},
    ]
    ids = [seed(emulator, index, **fields) for index, fields in enumerate(odd)]
    before = emulator.monitors()
    project, exported = export_program(tmp_path, engine_bin, emulator)
    lines = [line for line in exported.stderr.splitlines() if line.startswith("warning: ")]
    assert len(lines) == len(odd), exported.stderr
    for monitor_id, line in zip(ids, lines, strict=True):
        assert line.startswith(f"warning: monitor {monitor_id} ("), line
        assert "left out of the program, so AlertSite keeps it and the first `up` does not change it" in line

    emulator.reset_requests()
    project.up()

    assert method_writes(emulator) == {"PATCH": 0, "POST": 0, "DELETE": 0}
    assert emulator.monitors() == before
    project.preview("--expect-no-changes")


def test_export_announces_each_value_it_cannot_keep_and_the_first_up_writes_just_those(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    names = ["", "   ", "x" * 256, "y" * 10_240]
    ids = [seed(emulator, index, name=name) for index, name in enumerate(names)]
    ids.append(seed(emulator, 9, pop3_hostname="pop3://rt1:TopSecret99@pop.example.com:1"))
    before = {str(m["id"]): m for m in emulator.monitors()}
    project, exported = export_program(tmp_path, engine_bin, emulator)
    program = (project.root / "__main__.py").read_text()
    assert "TopSecret99" not in exported.stderr + program and "rt1:" not in exported.stderr + program
    lines = [line for line in exported.stderr.splitlines() if line.startswith("warning: ")]
    announced = {
        ids[0]: ("name", "monitor"), ids[1]: ("name", f"monitor-{ids[1]}"),
        ids[2]: ("name", "x" * 255), ids[3]: ("name", "y" * 255),
        ids[4]: ("pop3_hostname", "pop3://pop.example.com:1"),
    }
    assert len(lines) == len(announced), exported.stderr
    for (monitor_id, (field, value)), line in zip(announced.items(), lines, strict=True):
        assert line.startswith(f"warning: monitor {monitor_id} ("), line
        assert f"{field} " in line and "cannot be kept" in line, line
        verb = "rename" if field == "name" else "change"
        assert f"the first `up` will {verb} it to {value[:59]!r}"[:-1] in line

    emulator.reset_requests()
    project.up()

    # One PATCH per announced change, and nothing else.
    assert method_writes(emulator) == {"PATCH": len(announced), "POST": 0, "DELETE": 0}
    after = {str(m["id"]): m for m in emulator.monitors()}
    for monitor_id, (field, value) in announced.items():
        assert after[monitor_id][field] == value
        assert {k: v for k, v in after[monitor_id].items() if k != field} == \
            {k: v for k, v in before[monitor_id].items() if k != field}
    project.preview("--expect-no-changes")


#: Live values the resource takes as they are, made out of band, that a file format could bend:
#: text a YAML reader would take for a number (the engine reads stack files with Go's YAML, which
#: knows 1e3, 0o17 and 1_000 as numbers), Unicode that is not plain letters, quotes, a mailbox
#: two monitors share, and unknown fields.
ODD_BUT_VALID: Final[list[dict[str, Any]]] = [
    {"name": "1e5", "note": "1e3", "alert_note": "0o17"},
    {"name": "\u200f\u05e9\u05dc\u05d5\u05dd mailbox", "note": "1_000", "alert_note": "0x1F"},
    {"name": "e\u0301\u0301 combining", "note": ".5", "alert_note": "-1E-3"},
    {"name": "\U0001f4ec mailbox \U0001f680", "note": "+12", "alert_note": "0b101"},
    {"name": "\u200b\u200b\u200b", "note": "line\u2028sep\u2029para", "alert_note": ".inf"},
    {"name": "Round trip 0", "note": '"""triple""" \'\'\' \\ back \\\\ {braces} %s', "alert_note": "~"},
    {"name": "round-trip-0", "email": "roundtrip-0@example.com", "note": "null\ttab",
     "custom_properties": [{"id": "1", "name": "1e3", "value": "0o17\n\u2028\"'\\\U0001f680"}]},
    {"name": "IPv6", "smtp_hostname": "smtps://[2001:db8::1]:465", "pop3_hostname": "pop3s://[::1]",
     "email": "first.last+rt@example.com", "email_username": "us\u00e9r\"q", "note": "12:30",
     # Fields the API returns that the resource does not model, odd ones included: not exported.
     "x_flag": "on", "x_unknown": {"nested": "v\x00", "k\x00": [1, 1e3]}},
    # A byte-order mark, non-breaking spaces, noncharacters and the last code point: text too.
    {"name": "\ufeffBOM mailbox", "note": "\u00a0nbsp\u00a0", "alert_note": "\ufffe\uffff \U0010ffff"},
    # Custom property values of every JSON kind, null and nested ones included.
    {"custom_properties": [{"id": 3, "name": "n", "value": None, "value_id": 9}, {"id": "4", "value": 1.5},
                           {"id": 5, "value": True}, {"id": 6, "value": [1, "x", {"a": None}]},
                           {"id": 7, "value": ""}, {"id": 8, "value": "yes"}]},
]


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_export_of_odd_values_it_keeps_writes_nothing_in_either_format(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, fmt: str) -> None:
    ids = [seed(emulator, index, **fields) for index, fields in enumerate(ODD_BUT_VALID)]
    if fmt == "python":
        project, exported = export_program(tmp_path, engine_bin, emulator)
    else:
        root = tmp_path / "root-project"
        root.mkdir()
        for file in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(REPO / file, root / file)
        name = use_test_venv(root / "Pulumi.yaml")
        exported = run_cli(emulator, "export", "--format", "stack-config", "--project", name,
                           "--stack", "account", "-o", str(root))
        project = init_stack(PulumiProject(root=root, bin_dir=engine_bin, name=name, stack="account"),
                             emulator)
    assert "warning: " not in exported.stderr, exported.stderr
    before = emulator.monitors()

    emulator.reset_requests()
    project.up()

    assert method_writes(emulator) == {"PATCH": 0, "POST": 0, "DELETE": 0}
    assert emulator.monitors() == before
    assert sorted(s["id"] for s in monitor_states(project)) == sorted(ids)
    project.preview("--expect-no-changes")


# --- policy-gated ----------------------------------------------------------------------------


def policy_args(root: Path) -> tuple[str, ...]:
    """The pipeline's gate as the example's README gives it for this repository's engine: the
    checkout's pack through its launcher (``../../policy/run-policy-pack``; absolute here, since
    the example runs from a copy) and the example's config."""
    launcher = REPO / "policy" / "run-policy-pack"
    assert os.access(launcher, os.X_OK), f"{launcher} is missing or not executable"
    return ("--policy-pack", str(launcher), "--policy-pack-config", str(root / "policy-config.json"))


def rules_named(output: str) -> set[str]:
    """The pack's rules that a pulumi command's output reports (a pass names none)."""
    return set(re.findall(r"\balertsite-[a-z-]+", output)) - {
        "alertsite-round-trip", "alertsite-policy-gated", "alertsite-policy-gated-dev"}


def test_policy_gated_passes_compliant_and_stops_plain_smtp(tmp_path: Path, engine_bin: Path,
                                                            emulator: EmulatorControl) -> None:
    project = example_project("policy-gated", tmp_path, engine_bin, emulator, secret_paths={
        f"mailboxPasswords.{name}": MAILBOX_PASSWORD
        for name in ("inbound-mx", "outbound-relay", "password-reset")})
    gate = policy_args(project.root)
    # The change request: preview with the pack passes, with no advisory warning either.
    preview = project.preview(*gate)
    assert "✅ alertsite-round-trip" in preview.output, preview.output
    assert rules_named(preview.output) == set(), preview.output
    # The merge: up with the same pack, and with its preview, as the pipelines run it.
    project.run("up", "--yes", *gate)
    found = by_name(emulator)
    assert sorted(found) == ["mail-ops: inbound MX", "mail-ops: outbound relay",
                             "mail-ops: password reset mails"]
    assert all(m["smtp_hostname"].startswith("smtps://") and m["pop3_hostname"].startswith("pop3s://")
               for m in found.values())
    assert str(found["mail-ops: outbound relay"]["interval"]) == "5"
    project.preview("--expect-no-changes", *gate)

    # A change request that sends the test mail in clear text: the gate fails and writes nothing.
    data_file = project.root / "monitors.yaml"
    compliant = data_file.read_text()
    data_file.write_text(compliant.replace("smtps://relay.example.com:465", "smtp://relay.example.com:25"))
    before = emulator.monitors()
    emulator.reset_requests()
    rejected = project.preview(*gate, check=False)
    assert rejected.returncode != 0
    assert rules_named(rejected.output) == {"alertsite-mail-tls"}, rejected.output
    assert "'smtp://relay.example.com:25'" in rejected.output
    assert "smtps://relay.example.com:465" in rejected.output
    merged = project.run("up", "--yes", *gate, check=False)
    assert merged.returncode != 0 and "alertsite-mail-tls" in merged.output
    assert writes(emulator) == NO_WRITES
    assert emulator.monitors() == before

    data_file.write_text(compliant)
    project.destroy()
    assert monitor_states(project) == []
    assert emulator.monitors() == []


def seed_routing(emulator: EmulatorControl, monitors: list[str]) -> tuple[list[str], list[str]]:
    """Recipients (an e-mail list, a webhook with a login, one the API cannot create) and groups
    routing the monitors to them, made outside Pulumi."""
    recipients = [
        emulator.seed_recipient({"name": "DevOps list", "method_id": 12, "recipient": "devops@example.com",
                                 "notify_on_clear": True, "stop_threshold": 3}),
        emulator.seed_recipient({"name": "Chat hook", "method_id": 16, "username": "bot",
                                 "recipient": "https://hooks.example.com/services/T0/B0",
                                 "password": "hook-password-3e1"}),
        emulator.seed_recipient({"name": "On call", "method_id": 14, "recipient": "pd-key-1"}),
    ]
    groups = [
        emulator.seed_recipient_group({"name": "Mail ops", "monitors": [int(i) for i in monitors],
                                       "recipients": [int(recipients[0]), int(recipients[1])]}),
        emulator.seed_recipient_group({"name": "Paging", "monitors": [int(monitors[0])],
                                       "recipients": [int(recipients[1]), int(recipients[2])],
                                       "errortypes": [1, 5]}),
    ]
    return recipients, groups


@pytest.mark.parametrize("fmt", ["python", "stack-config"])
def test_export_of_monitors_recipients_and_groups_adopts_the_whole_alerting_without_a_write(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, fmt: str) -> None:
    monitors = [seed(emulator, index) for index in range(3)]
    recipients, groups = seed_routing(emulator, monitors)
    if fmt == "python":
        project, exported = export_program(tmp_path, engine_bin, emulator)
    else:
        # The root project as checked in: its program declares the routing from the stack config.
        root = tmp_path / "root-project"
        root.mkdir()
        for file in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(REPO / file, root / file)
        name = use_test_venv(root / "Pulumi.yaml")
        exported = run_cli(emulator, "export", "--format", "stack-config", "--project", name,
                           "--stack", "account", "-o", str(root))
        project = init_stack(PulumiProject(root=root, bin_dir=engine_bin, name=name, stack="account"),
                             emulator)
    # The PagerDuty recipient stays AlertSite's: groups name it by id.
    assert f"warning: recipient {recipients[2]} (on-call) is not exported" in exported.stderr
    assert "hook-password-3e1" not in exported.stdout + exported.stderr
    before = (emulator.monitors(), emulator.recipients(), emulator.recipient_groups())

    emulator.reset_requests()
    project.up()

    assert method_writes(emulator) == {"PATCH": 0, "POST": 0, "DELETE": 0}
    assert (emulator.monitors(), emulator.recipients(), emulator.recipient_groups()) == before
    assert sorted(r["id"] for r in project.resources("pulumi-python:dynamic/alertsite:AlertRecipient")) == \
        sorted(recipients[:2])
    states = {s["id"]: s for s in project.resources("pulumi-python:dynamic/alertsite:RecipientGroup")}
    assert sorted(states) == sorted(groups)
    assert sorted(states[groups[0]]["outputs"]["monitors"]) == sorted(monitors)
    assert sorted(states[groups[1]]["outputs"]["recipients"]) == sorted([recipients[1], recipients[2]])
    # The webhook's password was never exported: AlertSite keeps the one it has.
    assert emulator.recipient_password_matches(recipients[1], "hook-password-3e1")
    project.preview("--expect-no-changes")
