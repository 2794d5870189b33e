"""The alert routing rules: where a monitor's alerts go, and what a recipient receives.

``alertsite-monitor-alerts-someone`` (stack, mandatory): every round-trip monitor is in a
RecipientGroup of the stack, or the stack relies on the account's default group on purpose.
``alertsite-recipient-receives-something`` (advisory): a recipient takes availability or
performance alerts. ``alertsite-webhook-https`` (advisory): a webhook posts over TLS.

AlertSite routes the alerts of a monitor that is in no recipient group to the account's
default group, and, when there is none, to every recipient of the account
(``/work/shared/alertsite-api-more.md`` §1.4, §2.3): a monitor the stack routes nowhere sends
its alerts wherever the account happens to point, which nobody chose for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from alertsite_pulumi.coercion import as_bool, as_int
from alertsite_pulumi.routing_fields import METHOD_IDS_BY_NAME, METHODS, URL_METHODS
from alertsite_pulumi.tokens import (
    ALERT_RECIPIENT_TYPES,
    EMAIL_ROUND_TRIP_MONITOR_TYPES,
    RECIPIENT_GROUP_TYPES,
)

from .config import bool_setting
from .monitors import stack_monitors
from .values import UNKNOWN, read_items, read_prop

__all__ = [
    "MONITOR_ALERTS_SOMEONE",
    "MONITOR_ALERTS_SOMEONE_CONFIG",
    "RECIPIENT_RECEIVES_SOMETHING",
    "WEBHOOK_HTTPS",
    "recipients_only",
    "validate_monitor_alerts_someone",
    "validate_recipient_receives_something",
    "validate_webhook_https",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: How many monitors a violation names before it says "and N more".
_NAMES_SHOWN: Final = 10


# -- alertsite-monitor-alerts-someone ----------------------------------------------------------

MONITOR_ALERTS_SOMEONE_CONFIG: Final = PolicyConfigSchema(
    properties={
        "reliesOnDefaultGroup": {
            "type": "boolean",
            "default": False,
            "description": (
                "The stack routes no monitor itself on purpose: its monitors alert the account's "
                "default recipient group (made outside the stack)."
            ),
        },
    },
)


def _monitor_id(monitor: PolicyResource) -> str | None:
    """The monitor's AlertSite id as canonical text; None while it has none (a new monitor
    at preview: its id is unknown, or not in its props at all)."""
    for key in ("monitor_id", "id"):
        text = _id_text(read_prop(monitor.props, key))
        if text is not None:
            return text
    return None


def _id_text(value: Any) -> str | None:
    """``123``, ``123.0``, ``"123"``, ``{"id": 123}`` -> ``"123"``; else None."""
    if isinstance(value, Mapping):
        value = read_prop(value, "id")
    number = as_int(value)
    return str(number) if number is not None and number > 0 else None


@dataclass(frozen=True)
class _Routing:
    """What the stack's recipient groups say about its monitors."""

    monitor_ids: frozenset[str]
    """The monitor ids the groups' ``monitors`` hold (the known ones)."""
    monitor_urns: frozenset[str]
    """The monitors the groups' ``monitors`` are computed from (the engine's dependency info)."""
    default_group: str | None
    """The name of a group of the stack that is the account's default group, if any."""
    undecided: str | None
    """The name of a group whose ``monitors`` (or ``is_default``) is not known yet and whose
    dependencies do not say where the value comes from: who is in it cannot be told."""


def _group_routing(groups: list[PolicyResource]) -> _Routing:
    ids: set[str] = set()
    urns: set[str] = set()
    default_group: str | None = None
    undecided: str | None = None
    for group in groups:
        is_default = read_prop(group.props, "is_default")
        if is_default is UNKNOWN:
            undecided = undecided or group.name
        elif as_bool(is_default) is True:
            default_group = default_group or group.name
        members = read_prop(group.props, "monitors")
        items = [UNKNOWN] if members is UNKNOWN else (read_items(members) or [])
        for item in items:
            text = None if item is UNKNOWN else _id_text(item)
            if text is not None:
                ids.add(text)
        # The engine says which resources each input was computed from: at preview a new
        # monitor's id is unknown, but the group's `monitors` depends on the monitor itself.
        sources = group.property_dependencies.get("monitors")
        if sources is None and not group.property_dependencies:
            sources = group.dependencies  # an engine that sends no per-property dependencies
        urns.update(r.urn for r in sources or [] if r.resource_type in EMAIL_ROUND_TRIP_MONITOR_TYPES)
        if UNKNOWN in items and not sources:
            undecided = undecided or group.name
    return _Routing(frozenset(ids), frozenset(urns), default_group, undecided)


def _names(monitors: list[PolicyResource]) -> str:
    shown = ", ".join(repr(m.name) for m in monitors[:_NAMES_SHOWN])
    rest = len(monitors) - _NAMES_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def validate_monitor_alerts_someone(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every monitor is in a RecipientGroup of the stack, unless the stack relies on the
    account's default group (``reliesOnDefaultGroup``, or a group of the stack with
    ``is_default``)."""
    if bool_setting(args.get_config(), MONITOR_ALERTS_SOMEONE_CONFIG, "reliesOnDefaultGroup"):
        return
    monitors = stack_monitors(args)
    if not monitors:
        return
    routing = _group_routing(sorted((r for r in args.resources if r.resource_type in RECIPIENT_GROUP_TYPES),
                                    key=lambda r: r.urn))
    if routing.default_group is not None or routing.undecided is not None:
        # A default group routes every monitor no other group holds; an undecided group may
        # hold any of them (the check runs again, with every value known, at `up`).
        return
    unrouted = [m for m in monitors
                if m.urn not in routing.monitor_urns and _monitor_id(m) not in routing.monitor_ids]
    if not unrouted:
        return
    many = len(unrouted) > 1
    report_violation(
        f"{'monitors' if many else 'monitor'} {_names(unrouted)} {'are' if many else 'is'} in no "
        f"RecipientGroup of this stack, so {'their' if many else 'its'} alerts go wherever the "
        f"account points them: to its default recipient group, or, when it has none, to every "
        f"recipient of the account. Add {'them' if many else 'it'} to a RecipientGroup's monitors "
        f"(monitors=[monitor.id]); or, if the account's default group is meant to take "
        f"{'their' if many else 'its'} alerts, declare that group in the stack with "
        f"is_default=True or set reliesOnDefaultGroup: true for this rule in --policy-pack-config.",
        None,
    )


MONITOR_ALERTS_SOMEONE: Final = StackValidationPolicy(
    name="alertsite-monitor-alerts-someone",
    description=(
        "Every AlertSite round-trip monitor must be in a RecipientGroup of the stack, unless the "
        "stack relies on the account's default recipient group on purpose."
    ),
    validate=validate_monitor_alerts_someone,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MONITOR_ALERTS_SOMEONE_CONFIG,
)


# -- Recipient rules ---------------------------------------------------------------------------


def recipients_only(
    rule: Callable[Concatenate[ResourceValidationArgs, _P], _R],
) -> Callable[Concatenate[ResourceValidationArgs, _P], _R | None]:
    """Run ``rule`` on alert recipients (both type tokens); on anything else do nothing."""

    @functools.wraps(rule)
    def guarded(args: ResourceValidationArgs, /, *rest: _P.args, **kwargs: _P.kwargs) -> _R | None:
        if args.resource_type not in ALERT_RECIPIENT_TYPES:
            return None
        return rule(args, *rest, **kwargs)

    return guarded


def _recipient(args: ResourceValidationArgs) -> str:
    """How a message names the recipient: its resource name, and its AlertSite name if different."""
    name = read_prop(args.props, "name")
    if isinstance(name, str) and name != args.name:
        return f"recipient {args.name!r} (AlertSite name {name!r})"
    return f"recipient {args.name!r}"


@recipients_only
def validate_recipient_receives_something(args: ResourceValidationArgs,
                                          report_violation: ReportViolation) -> None:
    """``availability_alert`` and ``performance_alert`` are not both false (left out, they take
    AlertSite's defaults: availability alerts on, performance alerts off)."""
    availability = read_prop(args.props, "availability_alert")
    performance = read_prop(args.props, "performance_alert")
    if UNKNOWN in (availability, performance):
        return
    if availability is None or as_bool(availability) is not False:
        return
    if performance is not None and as_bool(performance) is not False:
        return
    performance_text = "left out (AlertSite's default: false)" if performance is None else "false"
    report_violation(
        f"{_recipient(args)}: availability_alert is false and performance_alert is "
        f"{performance_text}, so AlertSite sends this recipient no alert at all, whatever group "
        f"holds it; set availability_alert=True (errors and clears) or performance_alert=True, "
        f"or delete the recipient.",
        None,
    )


def _method_id(props: Mapping[str, Any]) -> int | None:
    """The recipient's delivery method id (from ``method_id``, else ``method``); None when it
    is not known yet or not a method."""
    method_id = read_prop(props, "method_id")
    if method_id is not None:
        return None if method_id is UNKNOWN else as_int(method_id)
    method = read_prop(props, "method")
    return METHOD_IDS_BY_NAME.get(method) if isinstance(method, str) else None


@recipients_only
def validate_webhook_https(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A webhook recipient (methods 10 and 16) posts to an ``https://`` URL, not ``http://``."""
    method_id = _method_id(args.props)
    if method_id not in URL_METHODS:
        return
    url = read_prop(args.props, "recipient")
    if not isinstance(url, str) or not url.strip().lower().startswith("http://"):
        return
    # The URL itself is never repeated: its path is often the webhook's secret.
    report_violation(
        f"{_recipient(args)}: method {METHODS[method_id].label} posts alerts to a plain http:// "
        f"URL, so the alerts, and the username and password when set, cross the network in "
        f"clear text; use the receiver's https:// URL.",
        None,
    )


RECIPIENT_RECEIVES_SOMETHING: Final = ResourceValidationPolicy(
    name="alertsite-recipient-receives-something",
    description="An AlertSite alert recipient should take availability or performance alerts.",
    validate=validate_recipient_receives_something,
    enforcement_level=EnforcementLevel.ADVISORY,
)

WEBHOOK_HTTPS: Final = ResourceValidationPolicy(
    name="alertsite-webhook-https",
    description="AlertSite webhook recipients should post their alerts over https://.",
    validate=validate_webhook_https,
    enforcement_level=EnforcementLevel.ADVISORY,
)
