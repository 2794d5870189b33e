"""AlertRecipient and RecipientGroup, the dynamic resources of alert routing, and their look-ups.

Each is its declaration (``resource_types``) served by the one dynamic front-end
(``provider.KernelProvider``), as EmailRoundTripMonitor is: the same check at preview, the
same safe create, account check and clean-up. ``get_recipient``, ``get_recipient_group`` and
``get_monitor_named`` find shared objects by name (or id) for a program, at preview too, by
the same rule as the native plugin's functions (``lookups.one_named``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import pulumi
from pulumi import dynamic

from .config import Settings
from .errors import AlertSiteError, NotFound
from .lookups import one_named
from .provider import AlertRecipientProvider, RecipientGroupProvider
from .resource import InvalidArgumentError, _failed_look_up, _program_client, _refuse_unknown, declared_props
from .resource_types import ALERT_RECIPIENT, RECIPIENT_GROUP, ResourceType
from .routing_fields import coerce_group, coerce_recipient
from .routing_kind import RECIPIENT_GROUPS, RECIPIENTS

#: One object per identity: a replacement (`up --replace`) deletes the old one before it
#: creates the new one, or the identity rule would refuse the new one.
_ONE_AT_A_TIME = pulumi.ResourceOptions(delete_before_replace=True)


def _options(declared: pulumi.ResourceOptions,
             given: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(pulumi.ResourceOptions.merge(declared, _ONE_AT_A_TIME), given)


class AlertRecipientArgs:
    """The arguments of an AlertRecipient, named as AlertSite names its fields."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str] | None = None,
        method_id: pulumi.Input[int] | None = None,
        method: pulumi.Input[str] | None = None,
        recipient: pulumi.Input[str] | None = None,
        availability_alert: pulumi.Input[bool] | None = None,
        performance_alert: pulumi.Input[bool] | None = None,
        notify_on_clear: pulumi.Input[bool] | None = None,
        attach_screen_capture: pulumi.Input[bool] | None = None,
        attach_server_response: pulumi.Input[bool] | None = None,
        repeat_performance_alerts: pulumi.Input[bool] | None = None,
        performance_alert_type: pulumi.Input[str] | None = None,
        start_threshold: pulumi.Input[int] | None = None,
        stop_threshold: pulumi.Input[int] | None = None,
        username: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        adopt_recipient_id: pulumi.Input[str] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """Each argument is an AlertSite field (see the README's resource reference);
        ``method`` is the delivery method by name (``email_html``, ``webhook``...) instead of
        ``method_id``; ``adopt_recipient_id`` takes over an existing recipient."""
        _refuse_unknown("AlertRecipientArgs", unknown, ALERT_RECIPIENT)
        self._values = {k: v for k, v in locals().items() if k not in ("self", "unknown")}

    def to_props(self) -> dict[str, Any]:
        return dict(self._values)


class AlertRecipient(dynamic.Resource, module="alertsite", name="AlertRecipient"):
    """An AlertSite alert recipient. Every field is also an Output attribute; ``password`` is
    always a secret and write-only (never read back; a change is still applied)."""

    name: pulumi.Output[str]
    method_id: pulumi.Output[int]
    method: pulumi.Output[str]
    recipient: pulumi.Output[str]
    availability_alert: pulumi.Output[bool]
    performance_alert: pulumi.Output[bool]
    notify_on_clear: pulumi.Output[bool]
    attach_screen_capture: pulumi.Output[bool]
    attach_server_response: pulumi.Output[bool]
    repeat_performance_alerts: pulumi.Output[bool]
    performance_alert_type: pulumi.Output[str]
    start_threshold: pulumi.Output[int]
    stop_threshold: pulumi.Output[int]
    username: pulumi.Output[str]
    password: pulumi.Output[str]
    recipient_id: pulumi.Output[str]
    """The AlertSite recipient id (also the resource's id): what a RecipientGroup takes."""
    method_description: pulumi.Output[str]
    adopt_recipient_id: pulumi.Output[str]

    def __init__(self, resource_name: str, args: AlertRecipientArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None, **kwargs: Any) -> None:
        props, options = declared_props(ALERT_RECIPIENT, resource_name, args, AlertRecipientArgs, kwargs)
        super().__init__(AlertRecipientProvider(), resource_name, props,
                         _options(options, opts))


class RecipientGroupArgs:
    """The arguments of a RecipientGroup, named as AlertSite names its fields."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str] | None = None,
        monitors: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        recipients: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        errortypes: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        templates: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        is_default: pulumi.Input[bool] | None = None,
        adopt_group_id: pulumi.Input[str] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """``monitors`` and ``recipients`` take ids: the ``id`` (or ``monitor_id`` and
        ``recipient_id``) outputs of EmailRoundTripMonitor and AlertRecipient resources;
        ``adopt_group_id`` takes over an existing group."""
        _refuse_unknown("RecipientGroupArgs", unknown, RECIPIENT_GROUP)
        self._values = {k: v for k, v in locals().items() if k not in ("self", "unknown")}

    def to_props(self) -> dict[str, Any]:
        return dict(self._values)


class RecipientGroup(dynamic.Resource, module="alertsite", name="RecipientGroup"):
    """An AlertSite recipient group: which monitors alert which recipients. Its lists are sets
    (a different order is no change) and are sent whole."""

    name: pulumi.Output[str]
    monitors: pulumi.Output[list[str]]
    recipients: pulumi.Output[list[str]]
    errortypes: pulumi.Output[list[int]]
    templates: pulumi.Output[list[int]]
    is_default: pulumi.Output[bool]
    adopt_group_id: pulumi.Output[str]
    group_id: pulumi.Output[str]
    """The AlertSite recipient group id (also the resource's id)."""

    def __init__(self, resource_name: str, args: RecipientGroupArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None, **kwargs: Any) -> None:
        props, options = declared_props(RECIPIENT_GROUP, resource_name, args, RecipientGroupArgs, kwargs)
        super().__init__(RecipientGroupProvider(), resource_name, props,
                         _options(options, opts))


# --- look-ups for programs -------------------------------------------------------------


class LookUpError(InvalidArgumentError):
    """A look-up that found no match or several: the message names the candidates."""


def _look_up(kind: ResourceType, call: str, *, name: str | None, object_id: str | None,
             settings: Settings | None) -> dict[str, Any]:
    if (name is None) == (object_id is None):
        raise LookUpError(f"{call}: give exactly one of name= and id=")
    if object_id is not None and not (str(object_id).isascii() and str(object_id).isdigit()):
        raise LookUpError(f"{call}: id {str(object_id)[:40]!r} is not a {kind.behaviour.noun} id (digits)")
    endpoint = RECIPIENTS if kind is ALERT_RECIPIENT else RECIPIENT_GROUPS
    coerce = coerce_recipient if kind is ALERT_RECIPIENT else coerce_group
    what = kind.behaviour.noun
    try:
        client = _program_client(settings)
        if object_id is not None:
            return coerce(client.get_object(endpoint, str(object_id)))
        found = [coerce(raw) for raw in client.list_objects(endpoint)]
    except AlertSiteError as failure:
        raise _failed_look_up(call, failure) from None
    assert name is not None
    return one_named(what, call, found, name, error=LookUpError)


def get_recipient(name: str | None = None, *, id: str | None = None,
                  settings: Settings | None = None) -> dict[str, Any]:
    """The alert recipient with this name (or id), as AlertSite reports it (no password):
    for routing a stack's monitors to a recipient another stack owns. Works at preview."""
    call = f"alertsite_pulumi.get_recipient({(name if name is not None else id)!r:.60})"
    return _look_up(ALERT_RECIPIENT, call, name=name, object_id=id, settings=settings)


def get_recipient_group(name: str | None = None, *, id: str | None = None,
                        settings: Settings | None = None) -> dict[str, Any]:
    """The recipient group with this name (or id), as AlertSite reports it. Works at preview."""
    call = f"alertsite_pulumi.get_recipient_group({(name if name is not None else id)!r:.60})"
    return _look_up(RECIPIENT_GROUP, call, name=name, object_id=id, settings=settings)


def get_monitor_named(name: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """The one round-trip monitor with this name (email_password never included)."""
    call = f"alertsite_pulumi.get_monitor_named({name!r:.60})"
    try:
        monitors = _program_client(settings).list_monitors()
    except AlertSiteError as failure:
        raise _failed_look_up(call, failure) from None
    found = one_named("monitor", call, monitors, name, error=LookUpError)
    found.pop("email_password", None)
    return found


__all__ = [
    "AlertRecipient",
    "AlertRecipientArgs",
    "LookUpError",
    "NotFound",
    "RecipientGroup",
    "RecipientGroupArgs",
    "get_monitor_named",
    "get_recipient",
    "get_recipient_group",
]
