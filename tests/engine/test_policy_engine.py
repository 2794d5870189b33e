"""The ``alertsite-round-trip`` policy pack through the real pulumi CLI against the emulator.

The pack is started through its launcher ``run-policy-pack`` (``alertsite-pulumi policy-pack path
--launcher``): with this repository's engine (CLI 3.260, Python language host from sdk 3.79) the
directory route, ``--policy-pack <pack directory>``, cannot start a pack from a Python program
(see the launcher's header and test_directory_route_fails_closed). The checkout's ``policy/``
pack runs both ways this engine can: through ``policy/run-policy-pack``, and as a directory,
``--policy-pack policy``, for a program whose stack needs no Python language host (a YAML
program), where the CLI starts the directory through ``pulumi-analyzer-policy-python``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.policy_pack import LAUNCHER, PACK_DIR

from .harness import REPO, VENV, PulumiProject, Result
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, SpecProject, monitor_args

PACK = ("--policy-pack", str(LAUNCHER))
#: The checkout's pack (policy/), as a directory and through its launcher.
CHECKOUT_PACK = REPO / "policy"
CHECKOUT_LAUNCHER = CHECKOUT_PACK / "run-policy-pack"
WRITES = ("create", "update", "delete")
#: The stacks here declare no recipient group (SPEC_PROGRAM makes monitors only): they say that
#: the account's default group takes their alerts, so that only the rule a test is about judges
#: them (test_policy_routing_engine.py tests alertsite-monitor-alerts-someone).
RELIES_ON_DEFAULT_GROUP: dict[str, Any] = {"alertsite-monitor-alerts-someone": {"reliesOnDefaultGroup": True}}


def writes(emulator: EmulatorControl) -> dict[str, int]:
    by_endpoint: dict[str, int] = emulator.requests()["by_endpoint"]
    return {kind: by_endpoint.get(kind, 0) for kind in WRITES}


def no_writes(emulator: EmulatorControl) -> bool:
    return all(count == 0 for count in writes(emulator).values())


def pack_config(tmp_path: Path, config: dict[str, Any], name: str = "policy-config.json") -> tuple[str, ...]:
    """``--policy-pack-config`` arguments for ``config`` (over :data:`RELIES_ON_DEFAULT_GROUP`),
    written to a file outside the project."""
    directory = tmp_path / "policy-config"
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(json.dumps({**RELIES_ON_DEFAULT_GROUP, **config}))
    return ("--policy-pack-config", str(path))


def up_with_preview(project: SpecProject, *extra: str) -> Result:
    """``pulumi up`` with its preview (the harness's ``up`` skips it): how a pipeline runs it."""
    return project.run("up", "--yes", *extra, check=False)


def violations_block(result: Result, rule: str) -> None:
    assert result.returncode != 0, result.output[-4000:]
    assert f"[mandatory]  {rule}" in result.output, result.output[-4000:]


def test_launcher_is_executable_and_next_to_the_pack() -> None:
    assert LAUNCHER.stat().st_mode & 0o111 == 0o111
    # The CLI reads the pack's version from the PulumiPolicy.yaml next to an executable pack.
    assert (LAUNCHER.parent / "PulumiPolicy.yaml").is_file()
    assert (LAUNCHER.parent / "__main__.py").is_file()


def test_plain_smtp_fails_preview_and_up_with_no_write(spec_project: Callable[..., SpecProject],
                                                       emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0, smtp_hostname="smtp://smtp.example.com:25")])
    emulator.reset_requests()
    preview = project.preview(*PACK, check=False)
    violations_block(preview, "alertsite-mail-tls")
    assert "alertsite-round-trip@v0.1.0" in preview.output
    assert "smtp_hostname 'smtp://smtp.example.com:25' uses smtp://" in preview.output
    assert "use smtps://smtp.example.com:465" in preview.output
    # A resource rule blocks the step itself, so even `up --skip-preview` writes nothing.
    up = project.up(*PACK, check=False)
    violations_block(up, "alertsite-mail-tls")
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []
    assert project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE) == []
    # Without the pack the same stack goes up: the rule, not the provider, refused it.
    project.up()
    assert len(emulator.monitors()) == 1


def test_shared_mailbox_fails_preview_and_up_with_no_write(spec_project: Callable[..., SpecProject],
                                                           emulator: EmulatorControl) -> None:
    project = spec_project([monitor_args(0), monitor_args(1, email="RoundTrip-0@Example.com")])
    emulator.reset_requests()
    preview = project.preview(*PACK, check=False)
    violations_block(preview, "alertsite-dedicated-mailbox")
    # The engine hands the stack rule its monitors in completion order, not program order: the
    # message names both, either way round, with the mailbox as the later one spells it.
    shared = re.search(r"monitors '(mon-[01])' and '(mon-[01])' both use the mailbox '([^']+)'",
                       preview.output)
    assert shared is not None, preview.output[-4000:]
    assert {shared[1], shared[2]} == {"mon-0", "mon-1"}
    assert shared[3].casefold() == "roundtrip-0@example.com"
    # `up` with its preview stops at the preview, before any monitor is created.
    up = up_with_preview(project, *PACK)
    violations_block(up, "alertsite-dedicated-mailbox")
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []


def test_stack_rules_run_after_the_changes_with_skip_preview(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    """A stack rule sees the stack at the end: `up --skip-preview` has created the monitors by
    then, and only the command's exit code says the stack breaks the rule. Pipelines must run
    `up` with its preview (or a `preview` first) for stack rules to gate anything. (The
    provider's own mailbox guard would refuse the second monitor: it is turned off here, as
    an account that shares mailboxes on purpose does, so that only the pack judges.)"""
    project = spec_project([monitor_args(0), monitor_args(1, email="roundtrip-0@example.com")])
    project.run("config", "set", "alertsite:allowSharedMailbox", "true")
    up = project.up(*PACK, check=False)
    violations_block(up, "alertsite-dedicated-mailbox")
    assert len(emulator.monitors()) == 2


def test_advisory_violations_warn_and_pass(spec_project: Callable[..., SpecProject],
                                           emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(0, enabled=False, name="!paused round trip")])
    config = pack_config(tmp_path, {})
    preview = project.preview(*PACK, *config)
    assert "[advisory]  alertsite-monitoring-enabled" in preview.output, preview.output
    assert "enabled is False, so AlertSite never runs this round trip" in preview.output
    assert "[advisory]  alertsite-name-pattern" in preview.output
    assert "name '!paused round trip' does not match" in preview.output
    assert "[mandatory]" not in preview.output
    up = project.up(*PACK, *config)
    assert "[advisory]  alertsite-monitoring-enabled" in up.output
    (monitor,) = emulator.monitors()
    assert monitor["name"] == "!paused round trip"


def test_advisory_rule_made_mandatory_by_config(spec_project: Callable[..., SpecProject],
                                                emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(0, enabled=False)])
    config = pack_config(tmp_path, {"alertsite-monitoring-enabled": "mandatory"})
    preview = project.preview(*PACK, *config, check=False)
    violations_block(preview, "alertsite-monitoring-enabled")
    assert emulator.monitors() == []


def test_pack_config_changes_a_threshold(spec_project: Callable[..., SpecProject],
                                         emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(0, interval=15)])
    # The defaults (5..1440 min) allow 15.
    passing = project.preview(*PACK, *pack_config(tmp_path, {}, name="defaults.json"))
    assert "alertsite-interval-bounds" not in passing.output
    config = pack_config(tmp_path, {"alertsite-interval-bounds": {"minIntervalMinutes": 30}})
    emulator.reset_requests()
    failing = project.preview(*PACK, *config, check=False)
    violations_block(failing, "alertsite-interval-bounds")
    assert "interval 15 min is outside the allowed 30..1440 min" in failing.output
    up = project.up(*PACK, *config, check=False)
    violations_block(up, "alertsite-interval-bounds")
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []


def test_pack_config_is_checked_against_the_rule_schema(spec_project: Callable[..., SpecProject],
                                                        tmp_path: Path) -> None:
    project = spec_project()
    config = pack_config(tmp_path, {"alertsite-interval-bounds": {"minIntervalMinutes": "thirty"}})
    result = project.preview(*PACK, *config, check=False)
    assert result.returncode != 0
    assert "validating policy config" in result.output, result.output[-3000:]
    assert "alertsite-interval-bounds: minIntervalMinutes: Invalid type" in result.output


def test_an_invalid_name_pattern_is_one_configuration_error_that_stops_the_run(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(i) for i in range(20)])
    config = pack_config(tmp_path, {"alertsite-name-pattern": {"namePattern": "(["}})
    emulator.reset_requests()
    for result in (project.preview(*PACK, *config, check=False), up_with_preview(project, *PACK, *config)):
        assert result.returncode != 0, result.output[-3000:]
        errors = [line for line in result.output.splitlines()
                  if "is not a valid Python regular expression" in line]
        # Once where it happened and once under Diagnostics: one error, not one per monitor.
        assert len(errors) == 2, result.output[-3000:]
        assert "error: " in errors[0] and "configuration error in --policy-pack-config" in errors[0]
        assert "1 errored" in result.output
        assert "[advisory]" not in result.output and "Traceback" not in result.output
    assert emulator.monitors() == []
    assert no_writes(emulator), writes(emulator)


def test_a_catastrophic_name_pattern_fails_the_preview_instead_of_hanging_it(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl, tmp_path: Path) -> None:
    # ^(a+)+$ against 40 a's and a '!' backtracks for hours in Python's re.
    project = spec_project([monitor_args(i, name="a" * 40 + "!" * (i + 1)) for i in range(3)])
    config = pack_config(tmp_path, {"alertsite-name-pattern": {"namePattern": "^(a+)+$"}})
    emulator.reset_requests()
    # A bounded wait: without the rule's time limit the preview never ends.
    result = project.run("preview", *PACK, *config, check=False, timeout=300)
    assert result.returncode != 0, result.output[-3000:]
    assert "took over 2 seconds against the name" in result.output, result.output[-3000:]
    assert "backtracks catastrophically" in result.output and "Traceback" not in result.output
    assert emulator.monitors() == [] and no_writes(emulator), writes(emulator)


def test_remediation_creates_the_monitor_with_tls(spec_project: Callable[..., SpecProject],
                                                  emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(0, smtp_hostname="smtp://smtp.example.com:25",
                                         pop3_hostname="pop3://pop.example.com:110")])
    config = pack_config(tmp_path, {"alertsite-mail-tls": {"enforcementLevel": "remediate"}})
    preview = project.preview(*PACK, *config)
    assert "[remediate]  alertsite-mail-tls" in preview.output, preview.output
    up = project.up(*PACK, *config)
    assert "[remediate]  alertsite-mail-tls" in up.output, up.output
    (monitor,) = emulator.monitors()
    assert monitor["smtp_hostname"] == "smtps://smtp.example.com:465"
    assert monitor["pop3_hostname"] == "pop3s://pop.example.com:995"
    # The rewrite kept every other input, the secret password included, and kept it secret.
    assert emulator.password_matches(str(monitor["id"]), MAILBOX_PASSWORD)
    assert monitor["name"] == "Round trip 0"
    assert MAILBOX_PASSWORD not in project.state_text()
    (state,) = project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)
    assert state["inputs"]["smtp_hostname"] == "smtps://smtp.example.com:465"
    assert state["inputs"]["pop3_hostname"] == "pop3s://pop.example.com:995"
    # The program still says smtp://: with the same config the engine remediates it again to
    # what is stored, so there is nothing to do.
    emulator.reset_requests()
    project.preview(*PACK, *config, "--expect-no-changes")
    project.up(*PACK, *config, "--expect-no-changes")
    assert no_writes(emulator), writes(emulator)
    # Without remediation the rule is mandatory again and the program's smtp:// is refused.
    violations_block(project.preview(*PACK, check=False), "alertsite-mail-tls")


def test_compliant_stack_passes(spec_project: Callable[..., SpecProject],
                                emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project([monitor_args(0), monitor_args(1, interval=30, timeout=120)])
    config = pack_config(tmp_path, {})
    up = project.up(*PACK, *config)
    assert "alertsite-round-trip@v0.1.0" in up.output, up.output
    assert "[mandatory]" not in up.output and "[advisory]" not in up.output
    assert len(emulator.monitors()) == 2
    emulator.reset_requests()
    preview = project.preview(*PACK, *config, "--expect-no-changes")
    assert "alertsite-round-trip@v0.1.0" in preview.output
    assert "[mandatory]" not in preview.output and "[advisory]" not in preview.output
    assert no_writes(emulator), writes(emulator)


@pytest.mark.parametrize("pack", [PACK_DIR, CHECKOUT_PACK], ids=["packaged", "checkout"])
def test_directory_route_fails_closed(spec_project: Callable[..., SpecProject],
                                      emulator: EmulatorControl, pack: Path) -> None:
    """`--policy-pack <pack directory>` on a violating stack never lets a change through.

    With this repository's engine the pack fails to start (the 3.79 language host runs the stack
    program in its place); with a host that matches the CLI the rule blocks the change. Either
    way the command fails and nothing is written, so a pipeline that points at the directory
    fails loudly instead of running unchecked.
    """
    project = spec_project([monitor_args(0, smtp_hostname="smtp://smtp.example.com:25")])
    emulator.reset_requests()
    result = project.up("--policy-pack", str(pack), check=False)
    assert result.returncode != 0
    failed_to_start = f'policy pack "{pack}" failed to start' in result.output
    blocked = "[mandatory]  alertsite-mail-tls" in result.output
    assert failed_to_start or blocked, result.output[-4000:]
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []


def test_checkout_pack_through_its_launcher_refuses_a_mandatory_violation(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    """``pulumi preview --policy-pack policy/run-policy-pack``: this engine's route to policy/."""
    project = spec_project([monitor_args(0, smtp_hostname="smtp://smtp.example.com:25")])
    emulator.reset_requests()
    preview = project.preview("--policy-pack", str(CHECKOUT_LAUNCHER), check=False)
    violations_block(preview, "alertsite-mail-tls")
    # The CLI names the pack by the path it was given, and reads the version from policy/.
    assert f"alertsite-round-trip@v0.1.0 (local: {CHECKOUT_LAUNCHER})" in preview.output, preview.output
    up = up_with_preview(project, "--policy-pack", str(CHECKOUT_LAUNCHER))
    violations_block(up, "alertsite-mail-tls")
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []


#: A Pulumi YAML program (the native resource): its stack runs with no Python language host.
YAML_PROGRAM = """\
name: policy-directory
runtime: yaml
config:
  mailboxPassword:
    type: string
    secret: true
resources:
  plain:
    type: alertsite:index:EmailRoundTripMonitor
    properties:
      billing_plancode: UBM - A/A
      smtp_hostname: {smtp}
      pop3_hostname: pop3s://pop.example.com:995
      email: rt-policy-directory@example.com
      email_username: rt-policy-directory
      email_password: ${{mailboxPassword}}
      interval: 15
"""


def engine_without_python_host(engine_bin: Path, into: Path) -> Path:
    """A bin directory with the CLI, the YAML host and pulumi-analyzer-policy-python, and no
    pulumi-language-python: the CLI then starts a directory pack the way it did before language
    hosts ran packs, `pulumi-analyzer-policy-python <engine> .` in the pack's directory. Hard
    links, so that the CLI's own directory (where it also looks for plugins) is this one."""
    into.mkdir()
    for name in ("pulumi", "pulumi-language-yaml", "pulumi-analyzer-policy-python"):
        try:
            os.link(engine_bin / name, into / name)
        except OSError:
            shutil.copy2(engine_bin / name, into / name)
    return into


def test_checkout_pack_directory_refuses_a_mandatory_violation(tmp_path: Path, engine_bin: Path,
                                                               emulator: EmulatorControl) -> None:
    """``pulumi preview --policy-pack policy``: the directory, as a standard install takes it.

    This engine's Python language host cannot start a directory pack, so the stack here is a
    YAML program and no Python language host is in reach: the CLI loads policy/PulumiPolicy.yaml
    and runs the directory with `python -m pulumi.policy` (PULUMI_PYTHON_CMD, the virtualenv
    holding the package), the route a standard install's Python host also ends in."""
    bin_dir = engine_without_python_host(engine_bin, tmp_path / "bin")
    project = PulumiProject(root=tmp_path / "yaml", bin_dir=bin_dir, name="policy-directory")
    project.root.mkdir()
    (project.root / "Pulumi.yaml").write_text(YAML_PROGRAM.format(smtp="smtp://smtp.example.com:25"))
    hosts = ("pulumi-language-python", "pulumi-language-yaml", "pulumi")
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not any((Path(d) / host).exists() for host in hosts)]
    project.env["PATH"] = os.pathsep.join([str(bin_dir), str(VENV / "bin"), *path])
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    emulator.reset_requests()

    preview = project.preview("--policy-pack", str(CHECKOUT_PACK), check=False)
    violations_block(preview, "alertsite-mail-tls")
    assert f"alertsite-round-trip@v0.1.0 (local: {CHECKOUT_PACK})" in preview.output, preview.output
    assert "pulumi-analyzer-policy-python" in preview.output  # the route taken, as the CLI says
    up = project.run("up", "--yes", "--policy-pack", str(CHECKOUT_PACK), check=False)
    violations_block(up, "alertsite-mail-tls")
    assert no_writes(emulator), writes(emulator)
    assert emulator.monitors() == []
    # The rule, not the stack, refused it: with TLS the same program passes the pack.
    (project.root / "Pulumi.yaml").write_text(YAML_PROGRAM.format(smtp="smtps://smtp.example.com:465"))
    passing = project.preview("--policy-pack", str(CHECKOUT_PACK), *pack_config(tmp_path, {}))
    assert "[mandatory]" not in passing.output, passing.output


def test_a_misspelt_setting_fails_instead_of_being_ignored(spec_project: Callable[..., SpecProject],
                                                          emulator: EmulatorControl, tmp_path: Path) -> None:
    """The CLI checks a rule's settings against its schema by type only: a setting the rule does
    not have (``maxIntervalMinute``, meant as ``maxIntervalMinutes``) was dropped without a word,
    and the rule judged by its default. The rule refuses it, naming it and what it takes."""
    project = spec_project([monitor_args(0, interval=120)])
    config = pack_config(tmp_path, {"alertsite-interval-bounds": {"maxIntervalMinute": 60}})
    emulator.reset_requests()
    result = project.preview(*PACK, *config, check=False)
    assert result.returncode != 0, result.output[-3000:]
    said = "policy config: unknown setting 'maxIntervalMinute' (this rule's settings: maxIntervalMinutes,"
    assert said in result.output, result.output[-3000:]
    assert "Traceback" not in result.output
    assert no_writes(emulator), writes(emulator)
