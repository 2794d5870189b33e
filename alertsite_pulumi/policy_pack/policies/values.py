"""Reading a resource's props when some values are not known until the update runs.

Values are read with :func:`read_prop`, never ``props[key]`` directly: during ``pulumi
preview`` a value computed from another resource is unknown, and the SDK's proxy raises on
reading it, which would abort the whole rule. A rule skips just the unknown field and still
checks the rest. In ``remediate`` the SDK hands the raw sentinel strings over instead of
raising; :func:`read_prop` maps both to :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError

__all__ = ["UNKNOWN", "read_items", "read_prop"]

#: The strings the SDK puts in place of unknown values (remediate hands them over as they are).
_UNKNOWN_SENTINELS: Final = frozenset(
    {
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
    }
)


class _Unknown:
    """The type of :data:`UNKNOWN`."""

    def __repr__(self) -> str:
        return "UNKNOWN"


#: What :func:`read_prop` returns for a value that is not known until the update runs.
UNKNOWN: Final = _Unknown()


def _is_unknown_sentinel(value: object) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


def read_prop(props: Mapping[str, Any], key: str) -> Any:
    """Return ``props[key]``, ``None`` when absent or null, or :data:`UNKNOWN` during preview.

    Works on a plain dict, on the SDK's unknown-checking proxy (validate: raises on unknowns)
    and on its secrets-preserving proxy (remediate: returns the raw sentinel strings).
    """
    try:
        value = props[key]
    except KeyError:
        return None
    except UnknownValueError:
        return UNKNOWN
    if _is_unknown_sentinel(value):
        return UNKNOWN
    return value


def read_items(value: Any) -> list[Any] | None:
    """The elements of a list value, each one :data:`UNKNOWN` when it is; None if not a list."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return None
    items: list[Any] = []
    for index in range(len(value)):
        try:
            item = value[index]
        except UnknownValueError:
            item = UNKNOWN
        items.append(UNKNOWN if _is_unknown_sentinel(item) else item)
    return items
