"""What each way of debugging a stack shows: the README's advice on engine logs, checked.

The provider's own log lines (ALERTSITE_LOG_LEVEL) and the engine's `-v` up to 8 hold no
secret; `-v=9` and PULUMI_DEBUG_GRPC hold every secret in clear (the engine logs every
property it marshals), which is why the README says never to share them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, MAILBOX_PASSWORD, SpecProject

SECRETS = (ADMIN_PASSWORD, MAILBOX_PASSWORD)


def test_the_providers_own_log_lines_name_calls_and_no_secret(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    project = spec_project()
    env = {"ALERTSITE_LOG_LEVEL": "debug"}
    up = project.run("up", "--yes", "--skip-preview", env=env)
    destroy = project.run("destroy", "--yes", "--skip-preview", env=env)
    assert "alertsite INFO alertsite_pulumi.client: logged in to AlertSite as admin@example.com" in up.output
    assert "POST /monitors/email-round-trip -> 200" in up.output
    assert "DELETE /monitors/" in destroy.output
    for result in (up, destroy):
        assert not any(secret in result.output for secret in SECRETS)
        assert "Bearer" not in result.output


def test_engine_logs_up_to_v8_hold_no_secret_and_v9_and_grpc_logs_hold_them_all(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl, tmp_path: Path) -> None:
    project = spec_project()
    verbose = ("-v=8", "--logtostderr", "--logflow")
    for args in (("up", "--yes", *verbose), ("refresh", "--yes", *verbose)):
        result = project.run(*args)
        assert '"v":7' in result.output  # the engine's own verbose log lines are there
        assert not any(secret in result.output for secret in SECRETS), args
    v9 = project.run("preview", "-v=9", "--logtostderr")
    assert MAILBOX_PASSWORD in v9.output and ADMIN_PASSWORD in v9.output
    grpc_log = tmp_path / "grpc.json"
    project.run("refresh", "--yes", env={"PULUMI_DEBUG_GRPC": str(grpc_log)})
    assert ADMIN_PASSWORD in grpc_log.read_text() and MAILBOX_PASSWORD in grpc_log.read_text()
    destroy = project.run("destroy", "--yes", *verbose)
    assert not any(secret in destroy.output for secret in SECRETS)
    assert emulator.monitors() == []


def test_the_debug_flag_holds_no_secret(spec_project: Callable[..., SpecProject],
                                        emulator: EmulatorControl) -> None:
    """The README says `--debug` is as safe as `-v=8`: no secret on up, refresh or destroy."""
    project = spec_project()
    for args in (("up", "--yes", "--debug"), ("refresh", "--yes", "--debug"),
                 ("destroy", "--yes", "--debug")):
        result = project.run(*args)
        assert not any(secret in result.output for secret in SECRETS), args
    assert emulator.monitors() == []


def test_warnings_are_printed_without_the_log_level_variable(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> None:
    """A lost create answer is a warning: it shows in `pulumi up`'s output with no
    ALERTSITE_LOG_LEVEL set, and the calls (debug lines) do not."""
    project = spec_project()
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_drop", "count": 1}])
    up = project.up()
    assert "create of 'Round trip 0' got no clear answer" in up.output, up.output[-3000:]
    assert "POST /monitors/email-round-trip -> 200" not in up.output
    assert not any(secret in up.output for secret in SECRETS)
    assert len(emulator.monitors()) == 1
