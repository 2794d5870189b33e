"""A stack made by the previous release's code works with this code: refresh, a preview with
no changes, an update and a destroy, for the dynamic resource and for the native plugin.

The stacks in ``fixtures/previous_release`` were made by ``make_fixture.py`` (its docstring says
how) with the code of commit c7208be, before the monitor lifecycle moved into its own module:
the dynamic resources' state names the provider class that commit pickled by reference, and
the native state holds the properties its plugin wrote. Each test seeds the emulator with the
monitor as that release left it, imports the stack as exported then, and drives it with the
engine and the code of this checkout.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .harness import PulumiProject
from .support import MAILBOX_PASSWORD

FIXTURES = Path(__file__).parent / "fixtures" / "previous_release"
NOTE = "made by the previous release"


def take_over(kind: str, tmp_path: Path, engine_bin: Path,
              emulator: EmulatorControl) -> tuple[PulumiProject, str]:
    """The fixture's stack, imported into a new project against this emulator, and its monitor's id."""
    fixture = FIXTURES / kind
    monitor = json.loads((fixture / "monitor.json").read_text())
    monitor_id = emulator.seed_monitor({**monitor, "email_password": MAILBOX_PASSWORD})
    project = PulumiProject(root=tmp_path / kind, bin_dir=engine_bin, name=f"previous-release-{kind}")
    if kind == "dynamic":
        project.write()  # Pulumi.yaml naming this checkout's virtualenv
        for name in ("__main__.py", "spec.json"):
            shutil.copy(fixture / name, project.root / name)
    else:
        project.root.mkdir(parents=True)
        shutil.copy(fixture / "Pulumi.yaml", project.root / "Pulumi.yaml")
    project.state_dir.mkdir(parents=True, exist_ok=True)
    project.run("stack", "init", project.stack)

    def placed(text: str) -> str:
        return text.replace("__API_URL__", emulator.api_url).replace("__MONITOR_ID__", monitor_id)

    (project.root / f"Pulumi.{project.stack}.yaml").write_text(
        placed((fixture / f"Pulumi.{project.stack}.yaml").read_text()))
    exported = tmp_path / f"{kind}-state.json"
    exported.write_text(placed((fixture / "state.json").read_text()))
    project.run("stack", "import", "--file", str(exported))
    return project, monitor_id


def edit_note(project: PulumiProject, kind: str, note: str) -> None:
    if kind == "dynamic":
        spec = json.loads((project.root / "spec.json").read_text())
        spec["monitors"][0]["note"] = note
        (project.root / "spec.json").write_text(json.dumps(spec))
    else:
        program = (project.root / "Pulumi.yaml").read_text()
        assert f"note: {NOTE}" in program
        (project.root / "Pulumi.yaml").write_text(program.replace(f"note: {NOTE}", f"note: {note}"))


@pytest.mark.parametrize("kind", ["dynamic", "native"])
def test_a_stack_of_the_previous_release_refreshes_previews_updates_and_destroys(
        kind: str, tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    project, monitor_id = take_over(kind, tmp_path, engine_bin, emulator)
    (state,) = project.resources("alertsite:index:EmailRoundTripMonitor" if kind == "native"
                                 else "pulumi-python:dynamic/alertsite:EmailRoundTripMonitor")
    assert state["id"] == monitor_id
    if kind == "dynamic":
        # The provider pickled by the previous release, by reference to its class.
        assert b"alertsite_pulumi.provider" in base64.b64decode(state["outputs"]["__provider"])

    project.refresh("--expect-no-changes")
    project.preview("--expect-no-changes")
    emulator.reset_requests()
    edit_note(project, kind, "changed after the release")
    project.up()
    live = emulator.monitor(monitor_id)
    assert live["note"] == "changed after the release"
    assert emulator.password_matches(monitor_id, MAILBOX_PASSWORD)
    assert emulator.requests()["by_endpoint"].get("create", 0) == 0
    project.preview("--expect-no-changes")
    assert MAILBOX_PASSWORD not in project.state_text()
    project.destroy()
    assert emulator.monitors() == []
    assert project.resources() == []
