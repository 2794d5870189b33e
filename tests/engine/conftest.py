"""Engine fixtures: the real pulumi CLI (never skipped) and projects pointed at the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl

from .harness import EngineMissing, engine_bin_dir
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, SPEC_PROGRAM, SpecProject, monitor_args


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    try:
        return engine_bin_dir()
    except EngineMissing as exc:
        pytest.fail(f"The Pulumi engine is required for engine tests: {exc}")


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
