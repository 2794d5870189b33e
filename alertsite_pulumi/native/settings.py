"""Where the native plugin's settings come from, in one place (``provider_settings``).

A provider resource's inputs are its configuration. The engine keeps them in the state and
hands the stored ones back to `pulumi refresh` and `pulumi destroy`, so for the default
provider (configured from the stack config `alertsite:*`) the *current* stack config, which
the engine gives every plugin process in ``PULUMI_CONFIG``, and then the environment win
over what the state stored: a rotated password needs no `pulumi up` first. An explicit
provider (``pulumi_alertsite.Provider(...)``) is configured by the program: its own inputs
win, then the environment; the stack config `alertsite:*` belongs to the default provider
and never leaks into another account's provider.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any, Final

from ..config import SETTINGS, Setting, Settings, resolve_settings
from ..errors import ConfigurationError
from .schema import setting_name, settings_property_names

#: The engine names default providers `default` or `default_<version>`.
_DEFAULT_PROVIDER_NAME: Final = re.compile(r"^default(_\d+_\d+_\d+.*)?$")


def is_default_provider(urn: str) -> bool:
    """Whether a provider URN names the engine's default provider (not one the program made)."""
    return bool(urn) and bool(_DEFAULT_PROVIDER_NAME.match(urn.rsplit("::", 1)[-1]))


def current_stack_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The current `alertsite:*` stack config the engine passed in PULUMI_CONFIG, decrypted.

    The engine gives each plugin the config of its own package, keyed without the
    namespace (``{"baseUrl": ...}``); the result is keyed as resolve_settings expects
    (``alertsite:baseUrl``).
    """
    environ = os.environ if environ is None else environ
    raw = environ.get("PULUMI_CONFIG") or "{}"
    try:
        config = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    if not isinstance(config, Mapping):
        return {}
    wanted = {setting_name(s.config_key): s for s in SETTINGS}
    return {wanted[k].config_key: v for k, v in config.items() if k in wanted and _is_set(wanted[k], v)}


def _is_set(setting: Setting, value: Any) -> bool:
    """Whether a given value counts: empty text is unset, but for ``baseUrl``, where it is an
    error (it would mean the public API), not a fall-back to the default."""
    return value is not None and (value != "" or not setting.empty_is_unset)


_BY_ATTR: Final = {s.attr: s for s in SETTINGS}


def settings_from_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """A provider's inputs (``baseUrl``...) as Settings attributes (``base_url``...), unset ones left out."""
    names = settings_property_names()
    return {names[k]: v for k, v in args.items() if k in names and _is_set(_BY_ATTR[names[k]], v)}


def provider_settings(
    args: Mapping[str, Any],
    *,
    default_provider: bool,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings of one provider process, from its inputs and where it runs.

    Default provider: current stack config > environment > the inputs (stored or current)
    > defaults. Explicit provider: its inputs > environment > defaults.
    """
    environ = os.environ if environ is None else environ
    given = settings_from_args(args)
    if not default_provider:
        return resolve_settings(explicit=given, environ=environ)
    # The inputs are the stack config as the engine last saw it: stale on refresh and destroy.
    stored = {s.config_key: given[s.attr] for s in SETTINGS if s.attr in given}
    return resolve_settings(stack_config=current_stack_config(environ), environ=environ,
                            stored_config=stored)


def check_provider_args(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with a provider's inputs, as (property, message) pairs (nothing is sent)."""
    names = settings_property_names()
    problems = []
    for prop, attr in names.items():
        value = args.get(prop)
        if not _is_set(_BY_ATTR[attr], value):
            continue
        try:
            resolve_settings(explicit={attr: value}, environ={})
        except ConfigurationError as exc:
            problems.append((prop, str(exc.args[0])))
    return problems


__all__ = ["check_provider_args", "current_stack_config", "is_default_provider", "provider_settings",
           "settings_from_args"]
