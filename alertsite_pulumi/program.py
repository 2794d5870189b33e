"""Monitors (and their alert routing) declared in stack configuration, so that adding a
monitor needs no Python.

The root project (and any project that wants the same shape) calls
``monitors_from_config()`` and ``routing_from_config()``. Stack configuration, in the
project's namespace::

    defaults:           fields every monitor gets unless it sets them itself
    monitors:           a list of monitors: AlertSite fields, plus `resource_name`
                        (default: a slug of `name`) and `adopt_monitor_id` to take one over
    mailboxPasswords:   secret, a map of resource_name -> mailbox password
                        (`pulumi config set --secret --path 'mailboxPasswords.<name>' ...`)
    recipients:         a list of alert recipients: AlertSite fields, plus `resource_name`
                        and `adopt_recipient_id`
    recipientPasswords: secret, a map of resource_name -> recipient password
    recipientGroups:    a list of recipient groups: AlertSite fields, plus `resource_name` and
                        `adopt_group_id`; `monitors` and `recipients` name resources of the
                        lists above (by resource_name), `monitor_ids` and `recipient_ids` hold
                        AlertSite ids of objects the config does not declare
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import pulumi

from .export import slugify
from .export_routing import MONITOR_IDS, RECIPIENT_IDS
from .fields import CONTROL_INPUTS, FIELDS, SECRET_FIELDS
from .resource import EmailRoundTripMonitor
from .resource_types import ALERT_RECIPIENT, RECIPIENT_GROUP, ResourceType
from .routing_resources import AlertRecipient, RecipientGroup
from .tokens import (
    DEFAULTS_KEY,
    GROUPS_KEY,
    MONITORS_KEY,
    PASSWORDS_KEY,
    RECIPIENT_PASSWORDS_KEY,
    RECIPIENTS_KEY,
)

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


def _allowed(kind: ResourceType, *extra: str) -> set[str]:
    secrets = {f.name for f in kind.fields.values() if f.secret}
    return {*kind.fields, *kind.control_inputs, "resource_name", *extra} - secrets


def _specs(key: str, kind: ResourceType, entries: list[Any], allowed: set[str], fallback: str,
           secrets_key: str | None = None) -> list[dict[str, Any]]:
    """Each entry of a ``key`` list checked for unknown keys and clashing resource names."""
    specs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        if not isinstance(raw, Mapping):
            raise ValueError(f"{key}[{index}] must be a mapping of AlertSite fields")
        unknown = sorted(set(raw) - allowed)
        if unknown:
            secret = {f.name for f in kind.fields.values() if f.secret} & set(unknown)
            hint = f" (passwords go in the secret {secrets_key} map)" if secret and secrets_key else ""
            raise ValueError(f"{key}[{index}]: unknown keys {unknown}{hint}; allowed: {sorted(allowed)}")
        spec = dict(raw)
        name = spec.get("resource_name") or slugify(str(spec.get("name") or f"{fallback}-{index}"), fallback)
        if not isinstance(name, str):
            raise ValueError(f"{key}[{index}]: resource_name {name!r} must be text; quote it in "
                             "the stack file")
        if name in seen:
            raise ValueError(f"{key}[{index}]: resource_name {name!r} is used twice")
        seen.add(name)
        spec["resource_name"] = name
        specs.append(spec)
    return specs


def recipient_specs(recipients: list[Any]) -> list[dict[str, Any]]:
    """Each recipient's arguments, checked for unknown keys and clashing resource names."""
    return _specs(RECIPIENTS_KEY, ALERT_RECIPIENT, recipients, _allowed(ALERT_RECIPIENT), "recipient",
                  RECIPIENT_PASSWORDS_KEY)


def group_specs(groups: list[Any], monitors: Collection[str], recipients: Collection[str]
                ) -> list[dict[str, Any]]:
    """Each group's arguments, its ``monitors`` and ``recipients`` checked to name resources of
    the config (``monitors``, ``recipients``: their resource names)."""
    specs = _specs(GROUPS_KEY, RECIPIENT_GROUP, groups, _allowed(RECIPIENT_GROUP, MONITOR_IDS, RECIPIENT_IDS),
                   "group")
    for index, spec in enumerate(specs):
        for field, literal, declared, list_key in (("monitors", MONITOR_IDS, monitors, MONITORS_KEY),
                                                   ("recipients", RECIPIENT_IDS, recipients, RECIPIENTS_KEY)):
            named = spec.get(field) or []
            if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
                raise ValueError(f"{GROUPS_KEY}[{index}].{field} must be a list of resource names "
                                 f"of the {list_key} list (AlertSite ids go in {literal})")
            missing = [n for n in named if n not in declared]
            if missing:
                raise ValueError(f"{GROUPS_KEY}[{index}].{field}: {missing} name no resource of the "
                                 f"{list_key} list (AlertSite ids of objects it does not declare go in "
                                 f"{literal})")
    return specs


def routing_from_config(monitors: Mapping[str, EmailRoundTripMonitor], config: pulumi.Config | None = None
                        ) -> tuple[dict[str, AlertRecipient], dict[str, RecipientGroup]]:
    """Declare one AlertRecipient per entry of the stack's ``recipients`` list and one
    RecipientGroup per entry of ``recipientGroups``, whose monitors and recipients are the
    declared resources' ids (``monitors``: what ``monitors_from_config`` returned)."""
    config = config or pulumi.Config()
    specs = recipient_specs(list(config.get_object(RECIPIENTS_KEY) or []))
    passwords = config.get_secret_object(RECIPIENT_PASSWORDS_KEY)
    recipients: dict[str, AlertRecipient] = {}
    for spec in specs:
        resource_name = spec.pop("resource_name")
        if passwords is not None:
            spec["password"] = passwords.apply(_password_for(resource_name))
        recipients[resource_name] = AlertRecipient(resource_name, **spec)
    groups: dict[str, RecipientGroup] = {}
    for spec in group_specs(list(config.get_object(GROUPS_KEY) or []), monitors, recipients):
        resource_name = spec.pop("resource_name")
        spec["monitors"] = [*(monitors[n].id for n in spec.get("monitors") or []),
                            *(spec.pop(MONITOR_IDS, None) or [])]
        spec["recipients"] = [*(recipients[n].id for n in spec.get("recipients") or []),
                              *(spec.pop(RECIPIENT_IDS, None) or [])]
        groups[resource_name] = RecipientGroup(resource_name, **spec)
    return recipients, groups
