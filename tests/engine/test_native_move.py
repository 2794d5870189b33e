"""Moving a stack from the dynamic resource to the native one re-creates no monitor.

The README's procedure ("Moving a stack from the dynamic resource to the native one"):
forget the dynamic monitors in the state (`pulumi state delete`, which leaves AlertSite
alone), declare them as native resources with `import_=<id>`, and `pulumi up`: every
monitor is imported, none created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE

from .native_support import NATIVE_SPEC_PROGRAM, NATIVE_TYPE
from .support import MAILBOX_PASSWORD, SpecProject, monitor_args

pytestmark = pytest.mark.engine


def test_move_from_dynamic_to_native_creates_nothing(spec_project: Callable[..., SpecProject],
                                                     emulator: EmulatorControl) -> None:
    specs = [monitor_args(i) for i in range(3)]
    project = spec_project(specs)
    project.up()
    dynamic = project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)
    ids = {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in dynamic}
    assert len(ids) == 3

    # 1. Forget the dynamic monitors (AlertSite keeps them).
    project.run("state", "delete", "--yes", *(r["urn"] for r in dynamic))
    assert project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE) == []
    assert len(emulator.monitors()) == 3
    # A password AlertSite holds that is not the program's: the import's update must re-send it.
    for monitor_id in ids.values():
        emulator.edit_monitor(monitor_id, email_password="changed-in-the-ui")

    # 2. The same monitors as native resources, each imported by its id.
    project.write(NATIVE_SPEC_PROGRAM)
    project.set_monitors([dict(s, options={"import_": ids[s["resource_name"]]}) for s in specs])
    emulator.reset_requests()
    result = project.up()
    calls: dict[str, Any] = emulator.requests()["by_endpoint"]
    assert calls["create"] == 0 and calls["delete"] == 0
    assert calls["update"] == 3  # one update in place per monitor with a password
    assert "3 imported" in result.output
    native = project.resources(NATIVE_TYPE)
    assert {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in native} == ids
    project.preview("--expect-no-changes")

    # 3. The import_ options can go: they were only needed for the first up.
    project.set_monitors(specs)
    project.preview("--expect-no-changes")
    live = emulator.monitors()
    assert sorted(str(m["id"]) for m in live) == sorted(ids.values())
    assert all(emulator.password_matches(str(m["id"]), MAILBOX_PASSWORD) for m in live)
    assert MAILBOX_PASSWORD not in project.state_text()
    project.destroy()
    assert emulator.monitors() == []
