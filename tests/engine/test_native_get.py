"""`pulumi_alertsite.EmailRoundTripMonitor.get(name, id)` reads one monitor, as the README's
native-plugin section says: the program sees what AlertSite holds, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .native_support import native_project
from .support import monitor_args

pytestmark = pytest.mark.engine

GET_PROGRAM = '''
import pulumi
import pulumi_alertsite as alertsite

seen = alertsite.EmailRoundTripMonitor.get("seen", pulumi.Config().require("monitorId"))
for name in ("monitor_id", "name", "email", "interval", "timeout", "smtp_hostname", "locations"):
    pulumi.export(name, getattr(seen, name))
'''


def test_get_reads_one_monitor_and_writes_nothing(tmp_path: Path, engine_bin: Path,
                                                  emulator: EmulatorControl) -> None:
    fields = {k: v for k, v in monitor_args(3, interval=30).items() if k != "resource_name"}
    monitor_id = emulator.seed_monitor({**fields, "email_password": "seeded-mailbox-pw-5"})
    project = native_project(tmp_path / "get", engine_bin, emulator.api_url, name="native-get")
    project.write(GET_PROGRAM)
    project.run("config", "set", "monitorId", monitor_id)
    emulator.reset_requests()
    up = project.up()
    assert "seeded-mailbox-pw-5" not in up.output
    shown = project.stack_outputs()
    assert shown["monitor_id"] == monitor_id
    assert shown["name"] == "Round trip 3" and shown["email"] == "roundtrip-3@example.com"
    assert shown["interval"] == 30 and shown["timeout"] == 300  # the account default, read back
    assert shown["smtp_hostname"] == "smtps://smtp.example.com:465" and shown["locations"] == [10, 20]
    counts = emulator.requests()["by_endpoint"]
    assert counts.get("create", 0) == 0 and counts.get("update", 0) == 0 and counts.get("delete", 0) == 0
    assert counts["get"] >= 1
    # A read resource is not managed: destroying the stack leaves the monitor in AlertSite.
    project.destroy()
    assert [str(m["id"]) for m in emulator.monitors()] == [monitor_id]
