"""The Pulumi package schema of the native plugin, built from every declared resource type
(``resource_types``), every declared function (``lookups.LOOK_UPS``) and the settings table.

Property names are the field table's own (``billing_plancode``), the same keys the dynamic
resource keeps in state: the policy pack, ``recover`` and a move from the dynamic resource
read both resources alike. Provider settings keep the stack-config names (``baseUrl``).
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from typing import Any, Final

from ..config import SETTINGS, Settings
from ..fields import Field
from ..lookups import ID_INPUT, LOOK_UPS, NAME_INPUT, LookUp
from ..resource_types import RESOURCE_TYPES, Extra, ResourceType
from ..routing_fields import SCHEMA_TYPES as ROUTING_SCHEMA_TYPES
from ..tokens import NATIVE_PACKAGE
from ..version import __version__

PYTHON_PACKAGE: Final = "pulumi_alertsite"

_ANY: Final = {"$ref": "pulumi.json#/Any"}
_TYPES: Final[dict[str, dict[str, Any]]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "locations": {"type": "array", "items": {"type": "integer"}},
    "custom_properties": {"type": "array",
                          "items": {"type": "object", "additionalProperties": _ANY}},
    "mapping": {"type": "object", "additionalProperties": _ANY},
    **ROUTING_SCHEMA_TYPES,
}

#: The schema type of each Settings attribute type (their annotations, as text).
_SETTING_TYPES: Final = {"str": "string", "float": "number", "int": "integer", "bool": "boolean"}


def _setting_default(attr: str) -> Any:
    return next(f.default for f in dataclasses.fields(Settings) if f.name == attr)


def _setting_type(attr: str) -> str:
    annotation = str(next(f.type for f in dataclasses.fields(Settings) if f.name == attr))
    return _SETTING_TYPES[annotation.split("|")[0].strip()]


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f" (default {str(value).lower()})"
    if isinstance(value, float):
        return f" (default {value:g})"
    return f" (default {value})"


def package_version() -> str:
    """The plugin's version and the schema's: the package's one version (``version.py``)."""
    return __version__


def setting_name(config_key: str) -> str:
    """The provider property of a stack-config key: ``alertsite:baseUrl`` -> ``baseUrl``."""
    return config_key.split(":", 1)[1]


def _field_property(field: Field) -> dict[str, Any]:
    prop = {**_TYPES[field.kind], "description": field.doc}
    if field.account_default:
        prop["description"] += " Left out: the account's default, reported as an output."
    if field.secret:
        prop["secret"] = True
    return prop


def _extra_property(extra: Extra) -> dict[str, Any]:
    return {**_TYPES[extra.kind], "description": extra.doc}


def _resource(kind: ResourceType) -> dict[str, Any]:
    """A declared type's schema entry: its fields, control inputs and computed outputs."""
    inputs = {name: _field_property(field) for name, field in kind.fields.items()}
    if "name" in inputs:
        inputs["name"]["description"] += " Defaults to the resource name."
    inputs.update({name: _extra_property(extra) for name, extra in kind.control_inputs.items()})
    outputs = {**inputs, **{name: _extra_property(extra) for name, extra in kind.computed.items()}}
    return {
        "description": kind.doc,
        "inputProperties": inputs,
        "requiredInputs": [name for name in kind.required if name != "name" and name not in kind.stand_ins],
        "properties": outputs,
        "required": [*kind.required, kind.id_output],
    }


def _function(look_up: LookUp) -> dict[str, Any]:
    """A declared function's schema entry: looked up by name or id; answered with the object's
    non-secret fields, named as its resource names them, and ``id``."""
    kind = look_up.resource_type
    noun = look_up.noun
    inputs = {
        NAME_INPUT: {"type": "string", "description": f"The {noun}'s name: exactly one {noun} "
                                                      "must have it (give this or `id`)."},
        ID_INPUT: {"type": "string", "description": f"The {noun}'s AlertSite id (give this or `name`)."},
    }
    described = {**{name: Extra(field.kind, field.doc) for name, field in kind.fields.items()},
                 **kind.control_inputs, **kind.computed,
                 ID_INPUT: Extra("str", f"The AlertSite {noun} id.")}
    outputs = {name: _extra_property(described[name]) for name in look_up.output_names()}
    return {
        "description": look_up.doc,
        "inputs": {"type": "object", "properties": inputs},
        "outputs": {"type": "object", "properties": outputs,
                    "required": [ID_INPUT, kind.id_output, NAME_INPUT]},
    }


def _settings_properties() -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = {}
    for setting in SETTINGS:
        prop: dict[str, Any] = {
            "type": _setting_type(setting.attr),
            "description": f"{setting.doc.removesuffix('.')}{_default_text(_setting_default(setting.attr))}. "
                           f"Stack config `{setting.config_key}`, environment `{setting.env}`.",
        }
        if setting.secret:
            prop["secret"] = True
        props[setting_name(setting.config_key)] = prop
    return props


def build_schema() -> dict[str, Any]:
    """The package schema, as GetSchema returns it and `pulumi package gen-sdk` reads it."""
    settings = _settings_properties()
    return {
        "name": NATIVE_PACKAGE,
        "displayName": "AlertSite",
        "version": package_version(),
        "description": "AlertSite round-trip email monitors and their alert routing as code (the "
                       "native plugin of alertsite-pulumi).",
        "keywords": ["pulumi", "alertsite", "monitoring", "category/monitoring", "kind/native"],
        "license": "Apache-2.0",
        "publisher": "alertsite-pulumi",
        "config": {"variables": settings},
        "provider": {
            "description": "An AlertSite account. Settings left out come from the environment "
                           "(`ALERTSITE_*`); the default provider reads the stack config "
                           "`alertsite:*` first.",
            "inputProperties": settings,
            "properties": {k: v for k, v in settings.items() if not v.get("secret")},
        },
        "resources": {kind.native_token: _resource(kind) for kind in RESOURCE_TYPES},
        "functions": {look_up.native_token: _function(look_up) for look_up in LOOK_UPS},
        "language": {
            "python": {
                "packageName": PYTHON_PACKAGE,
                "respectSchemaVersion": True,
                "pyproject": {"enabled": True},
            },
        },
    }


@cache
def schema_json() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=True)


def settings_property_names() -> dict[str, str]:
    """Provider property -> Settings attribute (``baseUrl`` -> ``base_url``)."""
    return {setting_name(s.config_key): s.attr for s in SETTINGS}


__all__ = ["PYTHON_PACKAGE", "build_schema", "package_version", "schema_json", "setting_name",
           "settings_property_names"]
