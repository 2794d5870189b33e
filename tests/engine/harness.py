"""Drive the real `pulumi` CLI against a project in a temporary directory.

Local file backend, passphrase secrets, no update checks and no plugin downloads: every
run is offline and non-interactive. Used by the engine tests and the benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
PASSPHRASE = "engine-test-passphrase"


class EngineMissing(RuntimeError):
    """The Pulumi engine could not be found or installed (engine tests fail, never skip)."""


def engine_bin_dir() -> Path:
    """The directory holding `pulumi` and the Python language host, installing it if needed."""
    script = REPO / "scripts" / "install-pulumi"
    if not script.exists():
        raise EngineMissing(f"{script} is missing")
    # The engine tests run YAML programs too (the native plugin), so with its YAML host.
    proc = subprocess.run(["bash", str(script), "--with", "yaml"], capture_output=True, text=True,
                          check=False, timeout=3600)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        raise EngineMissing(f"scripts/install-pulumi failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    bin_dir = Path(lines[-1].strip())
    if not (bin_dir / "pulumi").exists():
        raise EngineMissing(f"no pulumi in {bin_dir}")
    return bin_dir


@dataclass
class Result:
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def diagnostics(self) -> str:
        """The command's "Diagnostics:" section: each resource's errors once (the progress
        lines above it repeat them)."""
        _, _, section = self.output.partition("\nDiagnostics:\n")
        for end in ("\nOutputs:\n", "\nResources:\n"):
            section = section.split(end, 1)[0]
        return section

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class PulumiProject:
    """A Pulumi project directory with its own state backend and PULUMI_HOME."""

    root: Path
    bin_dir: Path
    name: str = "engine-test"
    stack: str = "test"
    program: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def state_dir(self) -> Path:
        return self.root / ".state"

    def write(self, program: str | None = None, *, runtime_options: Mapping[str, Any] | None = None) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        options = {"virtualenv": str(VENV), **(runtime_options or {})}
        opts = "\n".join(f"    {k}: {v}" for k, v in options.items())
        (self.root / "Pulumi.yaml").write_text(
            f"name: {self.name}\nruntime:\n  name: python\n  options:\n{opts}\n"
            "description: engine test project\n")
        if program is not None:
            self.program = program
            (self.root / "__main__.py").write_text(textwrap.dedent(program))

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "ALERTSITE_"))}
        env.update({
            "PATH": f"{self.bin_dir}{os.pathsep}{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "PULUMI_HOME": str(self.root / ".pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
            "PYTHONUNBUFFERED": "1",
            # The language host (see scripts/install-pulumi) runs programs with this Python.
            "PULUMI_PYTHON_CMD": str(VENV / "bin" / "python"),
        })
        env.update(self.env)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 900,
            env: Mapping[str, str] | None = None) -> Result:
        full_env = self.base_env()
        full_env.update(env or {})
        argv = ["pulumi", *args, "--non-interactive"]
        proc = subprocess.run(argv, cwd=self.root, env=full_env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        result = Result(argv, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"`{' '.join(argv)}` failed ({proc.returncode}):\n{result.output[-6000:]}")
        return result

    def init(self, config: Mapping[str, str] | None = None,
             secrets: Mapping[str, str] | None = None) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.run("stack", "init", self.stack)
        for key, value in (config or {}).items():
            self.run("config", "set", key, value)
        for key, value in (secrets or {}).items():
            self.run("config", "set", "--secret", key, value)

    def up(self, *extra: str, check: bool = True) -> Result:
        return self.run("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> Result:
        return self.run("preview", *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def export(self) -> dict[str, Any]:
        data: dict[str, Any] = self.run("stack", "export").json()
        return data

    def resources(self, type_token: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.export().get("deployment", {}).get("resources") or []
        if type_token is not None:
            found = [r for r in found if r.get("type") == type_token]
        return found

    def stack_outputs(self) -> dict[str, Any]:
        data: dict[str, Any] = self.run("stack", "output", "--json", "--show-secrets").json()
        return data

    def state_text(self) -> str:
        """Every file of the local backend, as text (to look for secrets in plain text)."""
        parts = []
        for path in sorted(self.state_dir.rglob("*")):
            if path.is_file():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)
