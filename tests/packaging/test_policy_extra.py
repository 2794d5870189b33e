"""The `policy` extra is only for the pack (the README's Installation: "Leave the extra out if you
do not run the pack"): the package requires pulumi-policy only through that extra, and nothing
but the pack's own modules imports it."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

from packaging.requirements import Requirement

OUTSIDE_THE_PACK = ("alertsite_pulumi", "alertsite_pulumi.cli", "alertsite_pulumi.program",
                    "alertsite_pulumi.native.server", "alertsite_pulumi.emulator.__main__",
                    "alertsite_pulumi.policy_pack", "pulumi_alertsite")


def test_pulumi_policy_is_required_only_by_the_policy_extra() -> None:
    wanted = [Requirement(r) for r in requires("alertsite-pulumi") or []]
    policy = [r for r in wanted if r.name == "pulumi-policy"]
    assert policy, "pulumi-policy is not declared at all"
    for requirement in policy:
        assert requirement.marker is not None
        assert requirement.marker.evaluate({"extra": "policy"})
        assert not requirement.marker.evaluate({"extra": ""})


def test_nothing_outside_the_pack_imports_pulumi_policy() -> None:
    """Importing the provider, the CLI (every command), the native plugin, the emulator and the
    SDK, and finding the pack (`policy-pack path` does), loads no pulumi_policy."""
    code = ("import importlib, sys\n"
            f"for name in {OUTSIDE_THE_PACK!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi_policy'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
