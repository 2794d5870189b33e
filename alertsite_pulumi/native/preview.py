"""What Create and Update answer during `pulumi preview` (``preview=true``): no API call.

The engine asks a provider that supports preview what a create or update would produce, so
that a program can use the outputs (as unknowns) before they exist. A create yields the
inputs (and the account the monitor goes to, so that a plan shows a move to another), with
every field AlertSite would fill from account defaults and every computed output unknown; an
update yields the stored outputs overlaid with the new inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fields import CONTROL_INPUTS, FIELDS
from ..lifecycle import ACCOUNT_KEY, COMPUTED_OUTPUTS
from .values import unknown


def preview_create(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs a create of ``inputs`` would have, as far as they are known without AlertSite."""
    out = {k: v for k, v in inputs.items() if k in FIELDS or k in CONTROL_INPUTS or k == ACCOUNT_KEY}
    for name, field in FIELDS.items():
        if out.get(name) is None and field.account_default:
            out[name] = unknown()
    for name in COMPUTED_OUTPUTS:
        out[name] = unknown()
    return out


def preview_update(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs an update from the stored ``olds`` to ``news`` would have."""
    out = dict(olds)
    out.update({k: v for k, v in news.items()
                if (k in FIELDS or k in CONTROL_INPUTS or k == ACCOUNT_KEY) and v is not None})
    return out


__all__ = ["preview_create", "preview_update"]
