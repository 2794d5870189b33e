"""The ``alertsite-round-trip`` policy pack, installed with the package.

This directory is the pack (``PulumiPolicy.yaml``, ``__main__.py``, the rules in ``policies``)
and its launcher ``run-policy-pack``, so that a pipeline with no checkout of this repository
runs it from the installed package: ``alertsite-pulumi policy-pack path`` prints where it is.
Nothing is imported here: pulumi-policy comes with the ``policy`` extra, and finding the pack
must not need it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from alertsite_pulumi.version import __version__

__all__ = ["LAUNCHER", "PACK_DIR", "PACK_NAME", "check_pack_version"]

#: The pack's directory, symlinks resolved: the CLI reads the pack's version from the
#: PulumiPolicy.yaml beside the launcher's real path.
PACK_DIR: Final = Path(__file__).resolve().parent

#: The executable that starts the pack for engines whose Python language host cannot start a
#: pack directory (this repository's engine; see the launcher's header).
LAUNCHER: Final = PACK_DIR / "run-policy-pack"

#: ``PolicyPack(name=...)`` in ``__main__.py``.
PACK_NAME: Final = "alertsite-round-trip"


def check_pack_version(main_file: str) -> None:
    """Refuse to start a pack whose ``PulumiPolicy.yaml`` version is not the installed package's.

    The CLI announces a pack by the version in the ``PulumiPolicy.yaml`` beside it, while the rules
    that run are the installed package's: a checkout's ``policy/`` over another release of the
    package (a non-editable install, an old virtualenv) would show one version and judge by
    another's rules. Called first by each ``__main__.py`` with its ``__file__``.
    """
    meta = Path(main_file).resolve().parent / "PulumiPolicy.yaml"
    found = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", meta.read_text(), re.MULTILINE)
    declared = found.group(1) if found else None
    if declared != __version__:
        raise SystemExit(
            f"alertsite-round-trip policy pack: {meta} gives version {declared or '(none)'}, but the "
            f"installed alertsite-pulumi, whose rules would run, is {__version__}; install "
            f"'alertsite-pulumi[policy]=={declared}' (the pack's requirements.txt) into the Python that "
            f"runs the pack")
