"""A rule's settings: what the user passed with ``--policy-pack-config``, else its schema default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Policy, PolicyConfigSchema

from alertsite_pulumi.coercion import as_bool, as_int

__all__ = [
    "PolicyConfigError",
    "bool_setting",
    "int_setting",
    "schema_defaults",
    "setting",
    "str_list_setting",
]


class PolicyConfigError(ValueError):
    """A setting in ``--policy-pack-config`` that its schema cannot catch (a regular
    expression that does not compile, say).

    Raised, not reported as a violation: the SDK turns an exception in a rule into one error
    on the first resource checked, which fails the run, where a violation would repeat on
    every monitor at the rule's own (perhaps advisory) level.
    """


def schema_defaults(policy: Policy) -> dict[str, Any]:
    """The config a policy sees when the user sets nothing: its schema's defaults.

    The CLI fills these in before ``Configure``; rules fall back to them too, so that a policy
    called without config (a test, an older engine) behaves exactly as with the defaults.
    """
    schema = policy.config_schema
    if schema is None:
        return {}
    return {key: prop["default"] for key, prop in schema.properties.items() if "default" in prop}


#: What the CLI adds to every rule's config beside the rule's own settings.
_ENGINE_KEYS = frozenset({"enforcementLevel"})


def setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> Any:
    """``config[key]``, or the schema's default when it is absent or null.

    Raises PolicyConfigError for a setting the rule does not have: the CLI checks settings against the
    schema by type only and passes an unknown one on, so a misspelt name would otherwise be
    dropped without a word and the rule would judge by its default.
    """
    unknown = sorted(set(config) - set(schema.properties) - _ENGINE_KEYS)
    if unknown:
        raise PolicyConfigError(f"policy config: unknown setting {unknown[0]!r} (this rule's settings: "
                         f"{', '.join(sorted(schema.properties))}, and enforcementLevel)")
    if key in config and config[key] is not None:
        return config[key]
    return schema.properties[key]["default"]


def int_setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> int:
    """A whole-number setting; raises PolicyConfigError, naming the key, for anything else."""
    # Config arrives through a protobuf Struct, where every number is a float.
    raw = setting(config, schema, key)
    value = as_int(raw)
    if value is None:
        raise PolicyConfigError(f"policy config {key}: expected a whole number, got {raw!r}")
    return value


def bool_setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> bool:
    """A true/false setting; raises PolicyConfigError, naming the key, for anything else."""
    raw = setting(config, schema, key)
    value = as_bool(raw) if isinstance(raw, bool | str) else None
    if value is None:
        raise PolicyConfigError(f"policy config {key}: expected true or false, got {raw!r}")
    return value


def str_list_setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> list[str]:
    """A list-of-strings setting; a single string counts as a list of one."""
    value = setting(config, schema, key)
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]
