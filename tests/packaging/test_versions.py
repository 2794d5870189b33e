"""One version for everything that carries one, and one pulumi pin for the SDK and the engine.

The version is written once (``alertsite_pulumi/version.py``); the commands print it, the native
plugin answers GetPluginInfo with it, and the files that engines and pip read as they are (the
pack's PulumiPolicy.yaml and requirements.txt, in the package and in policy/, the SDK's
pulumi-plugin.json) must repeat it. The exact pulumi the tests use is constraints.txt's pin: the
engine is built at it (scripts/install-pulumi reads it there, engine/go.mod requires it) and
pyproject.toml's lower bound is it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from alertsite_pulumi import __version__
from alertsite_pulumi.native import package_version
from alertsite_pulumi.policy_pack import PACK_DIR

REPO = Path(__file__).resolve().parents[2]
DISTRIBUTION = "alertsite-pulumi"


def constraints() -> dict[str, str]:
    """constraints.txt as {normalised name: exact version}."""
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[normalise(name)] = version
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> list[Requirement]:
    """The distribution's requirements as installed from pyproject.toml (extras included)."""
    return [Requirement(text) for text in metadata.requires(DISTRIBUTION) or []]


def test_the_installed_metadata_has_the_one_version() -> None:
    assert metadata.version(DISTRIBUTION) == __version__
    assert str(Version(__version__)) == __version__  # PEP 440, in its normal form


def test_the_console_scripts_and_the_plugin_give_the_version() -> None:
    bin_dir = Path(sys.executable).parent
    printed = {name: subprocess.run([str(bin_dir / name), "--version"], capture_output=True, text=True,
                                    timeout=60, check=True).stdout.strip()
               for name in ("alertsite-pulumi", "alertsite-emulator", "pulumi-resource-alertsite")}
    assert printed == {"alertsite-pulumi": f"alertsite-pulumi, version {__version__}",
                       "alertsite-emulator": f"alertsite-emulator {__version__}",
                       "pulumi-resource-alertsite": __version__}
    # GetPluginInfo and the schema's version (tests/native checks that the servicer answers with it).
    assert package_version() == __version__


def test_the_files_read_as_they_are_repeat_the_version() -> None:
    # The packaged pack, and the checkout's policy/ (the same pack over the same rules).
    for pack in (PACK_DIR, REPO / "policy"):
        meta = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
        assert meta["version"] == __version__, pack
        # No virtualenv option: a path relative to the pack is wrong once it is installed.
        assert meta["runtime"] == {"name": "python"}, pack
        requirements = [line for line in (pack / "requirements.txt").read_text().splitlines()
                        if line.strip() and not line.startswith("#")]
        assert requirements == [f"alertsite-pulumi[policy]=={__version__}"], pack
    plugin = json.loads((REPO / "pulumi_alertsite" / "pulumi-plugin.json").read_text())
    assert plugin["version"] == __version__


def test_pulumi_is_pinned_once_and_the_range_starts_there() -> None:
    pin = constraints()["pulumi"]
    pulumi = next(r for r in declared() if r.name == "pulumi" and r.marker is None)
    # The range: from the oldest release tested (the pin) up to the next major.
    assert {(s.operator, s.version) for s in pulumi.specifier} == {(">=", pin), ("<", "4")}
    assert metadata.version("pulumi") == pin, "the test environment is not the one constraints.txt pins"
    go_mod = (REPO / "engine" / "go.mod").read_text()
    assert f"github.com/pulumi/pulumi/pkg/v3 v{pin}\n" in go_mod
    assert f"github.com/pulumi/pulumi/sdk/v3 v{pin}\n" in go_mod
    install = (REPO / "scripts" / "install-pulumi").read_text()
    assert re.search(r"^PULUMI_PIN=\$\(sed .*constraints\.txt", install, re.MULTILINE), (
        "scripts/install-pulumi must read the pin from constraints.txt, not keep a copy")


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = constraints()
    for requirement in declared():
        name = normalise(requirement.name)
        if name == DISTRIBUTION:  # the test extra asks for the policy extra of this package
            continue
        assert name in pins, f"{requirement} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]} outside {requirement}")
        assert metadata.version(requirement.name) == pins[name], f"{name} is not the pinned version"


def test_no_dependency_is_pinned_exactly() -> None:
    exact = [str(r) for r in declared() if any(s.operator in ("==", "===") for s in r.specifier)]
    assert exact == [], "users install this next to other providers: declare ranges, pin in constraints.txt"
