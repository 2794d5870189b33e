"""The release of alertsite-pulumi: the one place its version is written.

The distribution's metadata reads it (pyproject.toml: ``version`` is dynamic), and so do
``alertsite-pulumi --version``, ``alertsite-emulator --version`` and the native plugin; the
policy pack's ``PulumiPolicy.yaml`` and ``requirements.txt`` repeat it because the engine and
pip read those files as they are, and tests/packaging/test_versions.py checks them. This
module imports nothing, so that the build reads it without importing pulumi.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
