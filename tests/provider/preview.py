"""A value Pulumi does not know yet, as the engine hands it to check and diff during preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pulumi.output import Unknown


def unknown() -> Any:
    """A fresh ``pulumi.output.Unknown`` (the class has no annotations; the cast keeps mypy strict)."""
    make = cast(Callable[[], Any], Unknown)
    return make()
