"""Values read back from the API, turned into the types a program wrote, and compared.

AlertSite sends numbers as strings and booleans in several spellings; everything read is
coerced by the field table before it is compared with a program's inputs, so that no preview
shows a false change. Unknown fields and values that cannot be coerced are kept as they came.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .fields import EXTRA_FIELDS, FIELDS
from .validators import is_int, is_unknown


def as_int(value: Any) -> int | None:
    """An int from ``15``, ``15.0`` or ``"15"`` (AlertSite sends numbers as strings); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    return None


def as_bool(value: Any) -> bool | None:
    """A bool from ``True``, ``"false"``, ``1`` and the like (booleans may come as strings); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "y", "on"):
            return True
        if lowered in ("false", "0", "no", "n", "off", ""):
            return False
    if is_int(value) and value in (0, 1):
        return bool(value)
    return None


def _coerce_int(value: Any) -> Any:
    number = as_int(value)
    return value if number is None else number


def _coerce_bool(value: Any) -> Any:
    flag = as_bool(value)
    return value if flag is None else flag


def _coerce_locations(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        raw = item.get("id") if isinstance(item, Mapping) else item
        out.append(_coerce_int(raw))
    return out


def _coerce_custom_properties(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [
        {k: (str(v) if k in ("id", "value_id") and v is not None else v) for k, v in item.items()}
        if isinstance(item, Mapping) else item
        for item in value
    ]


_COERCERS: Final[dict[str, Callable[[Any], Any]]] = {
    "str": lambda v: v,
    "int": _coerce_int,
    "bool": _coerce_bool,
    "locations": _coerce_locations,
    "custom_properties": _coerce_custom_properties,
    "mapping": lambda v: v,
}


def coerce(name: str, value: Any) -> Any:
    """A value as AlertSite sent it, turned into the field's declared type.

    Unknown fields, and values that cannot be coerced, come back unchanged: a surprising
    answer is kept, never a reason to fail.
    """
    field = FIELDS.get(name)
    if field is None or value is None:
        return value
    return _COERCERS[field.kind](value)


def coerce_monitor(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A monitor object from the API with every known field coerced; unknown fields kept."""
    out = {key: coerce(key, value) for key, value in raw.items()}
    if "id" in out and out["id"] is not None:
        out["id"] = str(out["id"])
    return out


def to_api(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body AlertSite expects for the given user inputs (only fields that are set)."""
    body: dict[str, Any] = {}
    for name in FIELDS:
        value = inputs.get(name)
        if value is None:
            continue
        if name == "locations":
            value = [{"id": loc} for loc in value]
        body[name] = value
    extra = inputs.get(EXTRA_FIELDS)
    if isinstance(extra, Mapping):
        for key, value in extra.items():
            body[key] = value
    return body


def loosely_equal(a: Any, b: Any) -> bool:
    """Equality after coercion, for fields this version does not model (extra_fields).

    In a mapping a key whose value is null counts as left out: the engine drops null entries
    of nested mappings, so AlertSite's ``{"value": null}`` comes back from a program without it.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        a = {k: v for k, v in a.items() if v is not None}
        b = {k: v for k, v in b.items() if v is not None}
        return set(a) == set(b) and all(loosely_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(loosely_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(_coerce_bool(a) == _coerce_bool(b))
    if a == b:
        return True
    if isinstance(a, int | float | str) and isinstance(b, int | float | str):
        return str(a) == str(b)
    return False


def normalize_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the engine hands them over, with numbers back in their declared types.

    Pulumi carries every number as a float (``15`` arrives as ``15.0``); integral floats of
    integer fields become ints again. Anything else is left for validation to judge.
    """
    out = dict(inputs)
    for name, value in inputs.items():
        field = FIELDS.get(name)
        if field is None or value is None or is_unknown(value):
            continue
        if field.kind == "int" and isinstance(value, float) and value.is_integer():
            out[name] = int(value)
        elif field.kind == "locations" and isinstance(value, list):
            out[name] = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
    return out


def field_equal(name: str, stored: Any, wanted: Any) -> bool:
    """Whether a stored (coerced) value equals what the user wrote."""
    stored = coerce(name, stored)
    wanted = coerce(name, wanted)
    if name == "custom_properties":
        return loosely_equal(stored, wanted)
    return bool(stored == wanted)

