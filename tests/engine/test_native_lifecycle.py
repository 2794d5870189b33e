"""The native plugin through the real CLI: lifecycle, drift, out-of-band delete, import, secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.policy_pack import LAUNCHER

from .native_support import NativeProject, native_project
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, monitor_args

pytestmark = pytest.mark.engine


@pytest.fixture
def native(tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> NativeProject:
    return native_project(tmp_path / "native", engine_bin, emulator.api_url, name="native-test")


def live_by_name(emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    return {str(m["name"]): m for m in emulator.monitors()}


def test_lifecycle_drift_and_out_of_band_delete(native: NativeProject, emulator: EmulatorControl) -> None:
    specs = [monitor_args(0), monitor_args(1)]
    native.set_spec(specs)
    native.up()
    live = live_by_name(emulator)
    assert sorted(live) == ["Round trip 0", "Round trip 1"]
    assert emulator.password_matches(str(live["Round trip 0"]["id"]), MAILBOX_PASSWORD)
    ids = native.stack_outputs()["ids"]
    assert ids == {"mon-0": str(live["Round trip 0"]["id"]), "mon-1": str(live["Round trip 1"]["id"])}
    native.preview("--expect-no-changes")

    # An update in place keeps the id.
    native.set_spec([monitor_args(0, interval=30), monitor_args(1)])
    native.up()
    assert str(emulator.monitor(ids["mon-0"])["interval"]) == "30"
    assert native.stack_outputs()["ids"] == ids
    native.preview("--expect-no-changes")

    # Drift: an edit in the AlertSite UI shows after refresh and the next up reverts it.
    emulator.edit_monitor(ids["mon-1"], interval="60")
    native.refresh()
    drifted = native.preview("--diff")
    assert "interval" in drifted.output and "1 to update" in drifted.output
    native.up()
    assert str(emulator.monitor(ids["mon-1"])["interval"]) == "15"
    native.preview("--expect-no-changes")

    # Deleted in the UI: refresh drops it, the next up creates it again.
    emulator.delete_monitor(ids["mon-0"])
    native.refresh()
    assert len(native.monitors()) == 1
    native.up()
    assert sorted(live_by_name(emulator)) == ["Round trip 0", "Round trip 1"]
    native.preview("--expect-no-changes")

    text = native.state_text()
    assert MAILBOX_PASSWORD not in text and ADMIN_PASSWORD not in text
    native.destroy()
    assert emulator.monitors() == []


def test_import_by_cli_and_by_import_option(native: NativeProject, emulator: EmulatorControl) -> None:
    seeded = {k: v for k, v in monitor_args(5).items() if k != "resource_name"}
    by_cli = emulator.seed_monitor(seeded)
    by_option = emulator.seed_monitor({k: v for k, v in monitor_args(6).items() if k != "resource_name"})

    # `pulumi import`: this engine's Python host cannot generate code (it predates
    # GenerateProgram), so the program is written by hand with the fields AlertSite reports.
    emulator.reset_requests()
    result = native.run("import", "alertsite:index:EmailRoundTripMonitor", "mon-5", by_cli,
                        "--yes", "--protect=false", "--generate-code=false")
    assert "1 imported" in result.output
    writes = emulator.requests()["by_endpoint"]
    assert [writes.get(verb, 0) for verb in ("create", "update", "delete")] == [0, 0, 0]  # no write
    (imported,) = native.monitors()
    assert imported["id"] == by_cli and imported["inputs"]["name"] == "Round trip 5"
    native.set_spec([monitor_args(5, with_password=False)])
    native.preview("--expect-no-changes")

    # import_= in the program: adopted on the first up with no create, stable afterwards.
    emulator.reset_requests()
    native.set_spec([monitor_args(5, with_password=False),
                     monitor_args(6, with_password=False, options={"import_": by_option})])
    result = native.up()
    assert "1 imported" in result.output
    writes = emulator.requests()["by_endpoint"]
    assert [writes.get(verb, 0) for verb in ("create", "update", "delete")] == [0, 0, 0]
    native.preview("--expect-no-changes")
    native.set_spec([monitor_args(5, with_password=False), monitor_args(6, with_password=False)])
    native.preview("--expect-no-changes")
    assert {m["id"] for m in native.monitors()} == {by_cli, by_option}
    native.destroy()
    assert emulator.monitors() == []


def test_policy_pack_gates_native_monitors(native: NativeProject, emulator: EmulatorControl) -> None:
    launcher = LAUNCHER
    native.set_spec([monitor_args(0, smtp_hostname="smtp://smtp.example.com:25")])
    emulator.reset_requests()
    preview = native.preview("--policy-pack", str(launcher), check=False)
    assert preview.returncode != 0, preview.output[-4000:]
    assert "[mandatory]  alertsite-mail-tls" in preview.output
    assert "use smtps://smtp.example.com:465" in preview.output
    up = native.up("--policy-pack", str(launcher), check=False)
    assert up.returncode != 0 and emulator.monitors() == []


def test_a_password_rotated_in_stack_config_serves_plain_refresh_and_destroy(
        native: NativeProject, emulator: EmulatorControl) -> None:
    # Unlike a dynamic provider, the native default provider gets the current alertsite:*
    # config in PULUMI_CONFIG: no --run-program and no environment variable is needed.
    native.set_spec([monitor_args(0)])
    native.up()
    rotated = "rotated-admin-password-native"
    emulator.add_user(ADMIN_USER, rotated)  # the old password is refused from now on
    native.run("config", "set", "--secret", "alertsite:password", rotated)
    native.refresh("--expect-no-changes")
    native.destroy()
    assert emulator.monitors() == [] and native.monitors() == []
