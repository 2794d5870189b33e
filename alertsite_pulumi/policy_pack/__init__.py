"""The ``alertsite-round-trip`` policy pack, installed with the package.

This directory is the pack (``PulumiPolicy.yaml``, ``__main__.py``, the rules in ``policies``)
and its launcher ``run-policy-pack``, so that a pipeline with no checkout of this repository
runs it from the installed package: ``alertsite-pulumi policy-pack path`` prints where it is.
Nothing is imported here: pulumi-policy comes with the ``policy`` extra, and finding the pack
must not need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

__all__ = ["LAUNCHER", "PACK_DIR", "PACK_NAME"]

#: The pack's directory, symlinks resolved: the CLI reads the pack's version from the
#: PulumiPolicy.yaml beside the launcher's real path.
PACK_DIR: Final = Path(__file__).resolve().parent

#: The executable that starts the pack for engines whose Python language host cannot start a
#: pack directory (this repository's engine; see the launcher's header).
LAUNCHER: Final = PACK_DIR / "run-policy-pack"

#: ``PolicyPack(name=...)`` in ``__main__.py``.
PACK_NAME: Final = "alertsite-round-trip"
