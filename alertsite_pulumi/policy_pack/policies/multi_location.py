"""``alertsite-multi-location-modes`` (mandatory): multi-location modes get enough locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from alertsite_pulumi.coercion import as_int
from alertsite_pulumi.rules import ALLOWED_MODES, MULTI_LOCATION_MIN_LOCATIONS
from alertsite_pulumi.rules import MULTI_LOCATION_MODES as FIELD_MULTI_LOCATION_MODES

from .monitors import monitors_only, where
from .values import UNKNOWN, read_items, read_prop

__all__ = ["MULTI_LOCATION_MODES", "validate_multi_location_modes"]

#: The modes that need several locations, keyed by how a program may spell them.
_WANTED: Final = {m.casefold(): m for m in FIELD_MULTI_LOCATION_MODES}
_SINGLE_LOCATION_MODES: Final = [m for m in ALLOWED_MODES if m not in FIELD_MULTI_LOCATION_MODES]
#: "'Primary', 'Global Notify' or 'Global Verify'": what a monitor with one location may use.
_SINGLE_LOCATION_TEXT: Final = (
    ", ".join(repr(m) for m in _SINGLE_LOCATION_MODES[:-1]) + f" or {_SINGLE_LOCATION_MODES[-1]!r}"
)


def _location_key(item: Any) -> Any:
    """A comparable id for a location given as ``7``, ``"7"`` or ``{"id": 7}``."""
    if isinstance(item, Mapping):
        item = read_prop(item, "id")
    if item is UNKNOWN:
        return UNKNOWN
    number = as_int(item)
    return number if number is not None else str(item)


@monitors_only
def validate_multi_location_modes(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Modes ``Round Robin`` and ``SLA (MultiPOP)`` need at least two distinct locations."""
    mode = read_prop(args.props, "mode")
    if not isinstance(mode, str) or mode.strip().casefold() not in _WANTED:
        return
    locations = read_prop(args.props, "locations")
    if locations is None or locations is UNKNOWN:
        return  # the account's default locations, which the policy cannot see
    items = read_items(locations)
    if items is None:
        return
    keys = [_location_key(item) for item in items]
    known = {k for k in keys if k is not UNKNOWN}
    unknown_count = sum(1 for k in keys if k is UNKNOWN)
    # An unknown entry may turn out to be another location: report only what is certain.
    if len(known) + unknown_count >= MULTI_LOCATION_MIN_LOCATIONS:
        return
    shown = ", ".join(str(k) for k in sorted(known, key=str)) or "none"
    report_violation(
        f"{where(args)}: mode {mode!r} needs at least two distinct locations, but locations "
        f"has {len(known)} ({shown}); add a location, or use mode {_SINGLE_LOCATION_TEXT}.",
        None,
    )


MULTI_LOCATION_MODES: Final = ResourceValidationPolicy(
    name="alertsite-multi-location-modes",
    description=(
        "AlertSite round-trip monitors in Round Robin or SLA (MultiPOP) mode need at least two locations."
    ),
    validate=validate_multi_location_modes,
    enforcement_level=EnforcementLevel.MANDATORY,
)
