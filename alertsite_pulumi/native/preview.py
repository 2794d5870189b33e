"""What Create and Update answer during `pulumi preview` (``preview=true``): no API call.

The engine asks a provider that supports preview what a create or update would produce, so
that a program can use the outputs (as unknowns) before they exist. A create yields the
inputs (and the account the object goes to, so that a plan shows a move to another), with
every field AlertSite would fill from account defaults and every computed output unknown; an
update yields the stored outputs overlaid with the new inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..lifecycle import ACCOUNT_KEY
from ..resource_types import ResourceType
from .values import unknown


def _kept(kind: ResourceType, name: str) -> bool:
    return name in kind.fields or name in kind.control_inputs or name == ACCOUNT_KEY


def preview_create(kind: ResourceType, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs a create of ``inputs`` would have, as far as they are known without AlertSite."""
    out = {k: v for k, v in inputs.items() if _kept(kind, k)}
    for name, field in kind.fields.items():
        if out.get(name) is None and field.account_default:
            out[name] = unknown()
    for name in kind.computed:
        out[name] = unknown()
    return out


def preview_update(kind: ResourceType, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs an update from the stored ``olds`` to ``news`` would have."""
    out = dict(olds)
    out.update({k: v for k, v in news.items() if _kept(kind, k) and v is not None})
    return out


__all__ = ["preview_create", "preview_update"]
