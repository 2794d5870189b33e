"""Property values on the wire (protobuf Structs) and the plain dicts the provider logic takes.

The engine sends properties as ``google.protobuf.Struct`` with two special encodings: an
unknown value (during preview) is a sentinel string, and a secret is an object tagged with
a signature key. The provider logic wants plain values with ``pulumi.output.Unknown`` for
unknowns and no secret wrappers, so the servicer unwraps on the way in, remembers which
top-level properties were secret, and wraps them again on the way out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import struct_pb2
from pulumi.output import Unknown

from ..tokens import UNKNOWN_SENTINEL

#: The key that marks an object as a special value, and the signature of a secret.
SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - a signature, not a password


def unknown() -> Any:
    """A value not known during preview, as the provider logic expects it (``Unknown``)."""
    return Unknown()  # type: ignore[no-untyped-call]  # the SDK's class has an untyped __init__


@dataclass
class Properties:
    """Plain property values, and the names of the top-level properties that were secret."""

    values: dict[str, Any]
    secrets: set[str] = field(default_factory=set)


def _plain(value: Any, *, keep_unknowns: bool) -> tuple[Any, bool]:
    """A value without secret wrappers (unknowns as Unknown), and whether a secret was inside."""
    if isinstance(value, str) and value == UNKNOWN_SENTINEL:
        return (unknown() if keep_unknowns else None), False
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            inner, _ = _plain(value.get("value"), keep_unknowns=keep_unknowns)
            return inner, True
        secret = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key], inner_secret = _plain(item, keep_unknowns=keep_unknowns)
            secret = secret or inner_secret
        return out, secret
    if isinstance(value, list):
        items = [_plain(item, keep_unknowns=keep_unknowns) for item in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def from_struct(struct: struct_pb2.Struct, *, keep_unknowns: bool = True) -> Properties:
    """Plain values from a Struct the engine sent, and which top-level keys held a secret.

    A secret nested inside a value (a list item, a map entry) makes the whole top-level
    property secret: it is wrapped whole on the way back, which never reveals anything.
    """
    raw = _struct_to_dict(struct)
    props = Properties({})
    for key, value in raw.items():
        props.values[key], secret = _plain(value, keep_unknowns=keep_unknowns)
        if secret:
            props.secrets.add(key)
    return props


def _struct_to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: _from_value(value) for key, value in struct.fields.items()}


def _from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_from_value(v) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        # Every number travels as a double; integral ones are most likely ints.
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def _wire(value: Any) -> Any:
    """A plain value in the engine's encoding (Unknown as the sentinel)."""
    if isinstance(value, Unknown):
        return UNKNOWN_SENTINEL
    if isinstance(value, Mapping):
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def secret(value: Any) -> dict[str, Any]:
    """A value wrapped as a secret, as the engine expects it from a provider that accepts secrets."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def to_struct(values: Mapping[str, Any], secrets: Collection[str] = ()) -> struct_pb2.Struct:
    """A Struct of ``values`` with the properties named in ``secrets`` wrapped as secrets.

    None values are left out: for the engine a missing property and a null one are the same,
    and leaving them out keeps state small.
    """
    struct = struct_pb2.Struct()
    encoded: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        wired = _wire(value)
        encoded[key] = secret(wired) if key in secrets else wired
    struct.update(encoded)
    return struct


__all__ = ["SECRET_SIG", "SIG_KEY", "UNKNOWN_SENTINEL", "Properties", "from_struct", "secret", "to_struct",
           "unknown"]
