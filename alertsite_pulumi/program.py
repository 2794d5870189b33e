"""Monitors declared in stack configuration, so that adding a monitor needs no Python.

The root project (and any project that wants the same shape) calls
``monitors_from_config()``. Stack configuration, in the project's namespace::

    defaults:           fields every monitor gets unless it sets them itself
    monitors:           a list of monitors: AlertSite fields, plus `resource_name`
                        (default: a slug of `name`) and `adopt_monitor_id` to take one over
    mailboxPasswords:   secret, a map of resource_name -> mailbox password
                        (`pulumi config set --secret --path 'mailboxPasswords.<name>' ...`)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from .export import slugify
from .fields import CONTROL_INPUTS, FIELDS, SECRET_FIELDS
from .resource import EmailRoundTripMonitor
from .tokens import DEFAULTS_KEY, MONITORS_KEY, PASSWORDS_KEY

_ALLOWED_KEYS = {*FIELDS, *CONTROL_INPUTS, "resource_name"} - set(SECRET_FIELDS)


def monitor_specs(defaults: Mapping[str, Any], monitors: list[Any]) -> list[dict[str, Any]]:
    """Each monitor's arguments (defaults merged in), checked for unknown keys and clashes."""
    bad_defaults = sorted(set(defaults) - _ALLOWED_KEYS)
    if bad_defaults:
        raise ValueError(f"defaults: unknown keys {bad_defaults}; allowed: {sorted(_ALLOWED_KEYS)}")
    specs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(monitors):
        if not isinstance(raw, Mapping):
            raise ValueError(f"monitors[{index}] must be a mapping of AlertSite fields")
        unknown = sorted(set(raw) - _ALLOWED_KEYS)
        if unknown:
            hint = f" (mailbox passwords go in the secret {PASSWORDS_KEY} map)" if set(
                unknown) & set(SECRET_FIELDS) else ""
            raise ValueError(f"monitors[{index}]: unknown keys {unknown}{hint}")
        spec = {**defaults, **raw}
        name = spec.get("resource_name") or slugify(str(spec.get("name") or f"monitor-{index}"))
        if not isinstance(name, str):
            raise ValueError(f"monitors[{index}]: resource_name {name!r} must be text; quote it "
                             "in the stack file")
        if name in seen:
            raise ValueError(f"monitors[{index}]: resource_name {name!r} is used twice")
        seen.add(name)
        spec["resource_name"] = name
        specs.append(spec)
    return specs


def _password_for(resource_name: str) -> Callable[[Any], str | None]:
    def pick(known: Any) -> str | None:
        value = known.get(resource_name) if isinstance(known, Mapping) else None
        return None if value is None else str(value)

    return pick


def monitors_from_config(config: pulumi.Config | None = None) -> dict[str, EmailRoundTripMonitor]:
    """Declare one EmailRoundTripMonitor per entry of the stack's `monitors` list."""
    config = config or pulumi.Config()
    defaults = config.get_object(DEFAULTS_KEY) or {}
    specs = monitor_specs(defaults, list(config.get_object(MONITORS_KEY) or []))
    passwords = config.get_secret_object(PASSWORDS_KEY)
    declared: dict[str, EmailRoundTripMonitor] = {}
    for spec in specs:
        resource_name = spec.pop("resource_name")
        if passwords is not None:
            spec["email_password"] = passwords.apply(_password_for(resource_name))
        declared[resource_name] = EmailRoundTripMonitor(resource_name, **spec)
    return declared
