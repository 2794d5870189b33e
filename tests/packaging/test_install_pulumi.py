"""scripts/install-pulumi builds what its caller runs: the YAML language host only when asked.

The main job runs Python programs only, so a plain ``scripts/install-pulumi`` (what
``source scripts/pulumi-env`` calls) must neither build the YAML host nor need it; the tests
ask for it with ``--with yaml``. Nothing here rebuilds the CLI (five minutes): each test lays
a cache beside the real one, the installed CLI and Python host linked in and the CLI's marker
copied, and runs the script on that cache with ``go`` left off ``PATH``. A run that reaches a
build step then stops with "the 'go' command is needed", so whether it does is what the
script says and does, not a guess from timings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-pulumi"
YAML_HOST = "pulumi-language-yaml"
NEEDS_GO = "the 'go' command is needed"


@pytest.fixture(scope="module")
def built_engine() -> Path:
    """The project's cached engine with its YAML host (``bin/``, ``.installed``, ``.yaml-installed``)."""
    proc = subprocess.run(["bash", str(SCRIPT), "--with", "yaml"], capture_output=True, text=True,
                          env={**os.environ, "ALERTSITE_PULUMI_NO_PATH": "1"}, timeout=3600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    bin_dir = Path(proc.stdout.split()[-1])
    dest = bin_dir.parent
    assert (dest / ".installed").is_file() and (dest / ".yaml-installed").is_file(), sorted(os.listdir(dest))
    return dest


def cache_without_yaml(built: Path, root: Path) -> Path:
    """A cache root under ``root`` holding ``built``'s engine minus the YAML host and its marker."""
    dest = root / built.name
    (dest / "bin").mkdir(parents=True)
    for name in (".installed", "VERSIONS"):  # copied: the script appends to VERSIONS
        shutil.copy(built / name, dest / name)
    for entry in (built / "bin").iterdir():
        if entry.name != YAML_HOST:
            (dest / "bin" / entry.name).symlink_to(entry)
    return root


def path_without(*names: str) -> str:
    """The test's PATH minus every directory that holds one of ``names`` (go, pulumi, hosts)."""
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not any((Path(d) / name).exists() for name in names)]
    return os.pathsep.join(kept)


def install(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600, check=False)


ENGINE_NAMES = ("go", "pulumi", "pulumi-language-python", YAML_HOST)


def test_without_the_flag_the_yaml_host_is_neither_built_nor_needed(built_engine: Path,
                                                                     tmp_path: Path) -> None:
    cache = cache_without_yaml(built_engine, tmp_path / "cache")
    env = {"ALERTSITE_PULUMI_CACHE": str(cache), "ALERTSITE_PULUMI_NO_PATH": "1",
           "PATH": path_without(*ENGINE_NAMES)}
    bin_dir = cache / built_engine.name / "bin"

    plain = install(env=env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split()[-1] == str(bin_dir)
    assert YAML_HOST not in plain.stderr and NEEDS_GO not in plain.stderr, plain.stderr
    assert not (bin_dir / YAML_HOST).exists()
    assert not (bin_dir.parent / ".yaml-installed").exists()

    # The same cache with the flag: the YAML build step is reached (and, with no go, refused).
    for args, extra in ((("--with", "yaml"), {}), ((), {"ALERTSITE_PULUMI_WITH": "yaml"})):
        asked = install(*args, env={**env, **extra})
        assert asked.returncode != 0, asked.stdout
        assert NEEDS_GO in asked.stderr, asked.stderr
    assert not (bin_dir / YAML_HOST).exists()


def test_with_the_flag_a_present_yaml_host_is_used_as_it_is(built_engine: Path, tmp_path: Path) -> None:
    cache = cache_without_yaml(built_engine, tmp_path / "cache")
    dest = cache / built_engine.name
    (dest / "bin" / YAML_HOST).symlink_to(built_engine / "bin" / YAML_HOST)
    shutil.copy(built_engine / ".yaml-installed", dest / ".yaml-installed")
    env = {"ALERTSITE_PULUMI_CACHE": str(cache), "ALERTSITE_PULUMI_NO_PATH": "1",
           "PATH": path_without(*ENGINE_NAMES)}
    asked = install("--with", "yaml", env=env)
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split()[-1] == str(dest / "bin")
    assert NEEDS_GO not in asked.stderr and "building" not in asked.stderr, asked.stderr


def test_a_pulumi_on_path_without_the_yaml_host_serves_the_main_job_only(built_engine: Path,
                                                                        tmp_path: Path) -> None:
    on_path = tmp_path / "on-path"
    on_path.mkdir()
    for name in ("pulumi", "pulumi-language-python"):
        (on_path / name).symlink_to(built_engine / "bin" / name)
    cache = cache_without_yaml(built_engine, tmp_path / "cache")
    env = {"ALERTSITE_PULUMI_CACHE": str(cache),
           "PATH": os.pathsep.join([str(on_path), path_without(*ENGINE_NAMES)])}

    plain = install(env=env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split()[-1] == str(on_path)
    assert f"from PATH ({on_path / 'pulumi'})" in plain.stderr, plain.stderr

    # The tests need the YAML host: that pulumi is passed over for the project's build.
    asked = install("--with", "yaml", env=env)
    assert f"lacks pulumi-language-python or {YAML_HOST}; using the project's build" in asked.stderr, (
        asked.stderr)
    assert NEEDS_GO in asked.stderr, asked.stderr


def test_a_bad_argument_is_refused() -> None:
    for args, env in ((("--with", "rust"), {}), (("--yaml",), {}), ((), {"ALERTSITE_PULUMI_WITH": "go"})):
        proc = install(*args, env=env)
        assert proc.returncode == 2, (args, env, proc.stderr)
        assert "yaml" in proc.stderr


PULUMI_ENV = REPO / "scripts" / "pulumi-env"


def source_pulumi_env(*args: str, env: Mapping[str, str], tmp_path: Path,
                      caller_args: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``source scripts/pulumi-env ARGS`` in a bash script run with ``caller_args`` of its own."""
    script = tmp_path / "caller.sh"
    words = " ".join(f"'{a}'" for a in args)
    script.write_text(f'source "$PULUMI_ENV_FILE" {words} || exit 1\n'
                      'printf \'%s\\n\' "$ALERTSITE_PULUMI_BIN"\n')
    return subprocess.run(["bash", str(script), *caller_args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PULUMI_ENV_FILE": str(PULUMI_ENV),
                               "PULUMI_BACKEND_URL": f"file://{tmp_path}", **env}, check=False)


def test_pulumi_env_takes_the_flag_in_both_spellings_install_pulumi_takes(built_engine: Path,
                                                                          tmp_path: Path) -> None:
    """``source scripts/pulumi-env --with=yaml`` asks for the YAML host as ``--with yaml`` does
    (install-pulumi takes both); it used to be dropped silently, giving an engine with no YAML host."""
    cache = cache_without_yaml(built_engine, tmp_path / "cache")
    env = {"ALERTSITE_PULUMI_CACHE": str(cache), "ALERTSITE_PULUMI_NO_PATH": "1",
           "PATH": path_without(*ENGINE_NAMES)}
    plain = source_pulumi_env(env=env, tmp_path=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split()[-1] == str(cache / built_engine.name / "bin")
    for args in (("--with", "yaml"), ("--with=yaml",)):
        asked = source_pulumi_env(*args, env=env, tmp_path=tmp_path)
        assert asked.returncode != 0, (args, asked.stdout)
        assert NEEDS_GO in asked.stderr, (args, asked.stderr)
    # A wrong choice is refused in either spelling, not dropped.
    for args in (("--with", "yml"), ("--with=yml",)):
        refused = source_pulumi_env(*args, env=env, tmp_path=tmp_path)
        assert refused.returncode != 0 and "--with takes 'yaml'" in refused.stderr, (args, refused.stderr)


def test_building_the_yaml_host_again_lists_it_once(built_engine: Path, tmp_path: Path) -> None:
    """A YAML host built again (its marker gone, or its key changed) replaces its VERSIONS line
    instead of adding a second. This one test runs ``go`` (the YAML host only, from Go's build
    cache after the fixture's build: seconds)."""
    cache = cache_without_yaml(built_engine, tmp_path / "cache")
    dest = cache / built_engine.name
    env = {"ALERTSITE_PULUMI_CACHE": str(cache), "ALERTSITE_PULUMI_NO_PATH": "1"}
    for _ in range(2):
        built = install("--with", "yaml", env=env)
        assert built.returncode == 0, built.stderr
        assert "installed pulumi-language-yaml" in built.stderr, built.stderr
        (dest / ".yaml-installed").unlink()
    lines = (dest / "VERSIONS").read_text().splitlines()
    assert [line.split()[0] for line in lines if line.strip()].count(YAML_HOST) == 1, lines
    assert lines[0].startswith("pulumi "), lines
