"""Engine fixtures: projects pointed at the emulator (``engine_bin``, the real pulumi CLI, is in
tests/conftest.py: tests/packaging needs it too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, SPEC_PROGRAM, SpecProject, monitor_args


@pytest.fixture
def spec_project(tmp_path: Path, engine_bin: Path,
                 emulator: EmulatorControl) -> Iterator[Callable[..., SpecProject]]:
    """A factory of initialised projects whose stack config points at the emulator."""

    def make(monitors: list[dict[str, Any]] | None = None, *, name: str = "engine-test") -> SpecProject:
        project = SpecProject(root=tmp_path / name, bin_dir=engine_bin, name=name)
        project.write(SPEC_PROGRAM)
        project.set_monitors(monitors if monitors is not None else [monitor_args()])
        project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                     secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
        return project

    yield make
