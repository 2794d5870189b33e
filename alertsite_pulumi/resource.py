"""EmailRoundTripMonitor and its Args class; the shared type token."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, cast

import pulumi
from pulumi import dynamic

from .client import AlertSiteClient, shared_client
from .config import SETTINGS, Settings, resolve_settings
from .errors import AlertSiteError, NotFound
from .fields import (
    CONTROL_INPUTS,
    FIELDS,
    URL_FIELDS,
)
from .lifecycle import with_default_name
from .provider import EmailRoundTripMonitorProvider
from .resource_types import EMAIL_ROUND_TRIP_MONITOR, ResourceType
from .tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE
from .validators import holds, unsendable

__all__ = [
    "EMAIL_ROUND_TRIP_MONITOR_TYPE",
    "EmailRoundTripMonitor",
    "EmailRoundTripMonitorArgs",
    "InvalidArgumentError",
    "LookUpFailedError",
    "get_monitor",
    "list_monitors",
    "program_settings",
]


class EmailRoundTripMonitorArgs:
    """The arguments of an EmailRoundTripMonitor, named as AlertSite names its fields."""

    billing_plancode: pulumi.Input[str] | None
    name: pulumi.Input[str] | None
    smtp_hostname: pulumi.Input[str] | None
    pop3_hostname: pulumi.Input[str] | None
    email: pulumi.Input[str] | None
    email_username: pulumi.Input[str] | None
    email_password: pulumi.Input[str] | None
    interval: pulumi.Input[int] | None
    timeout: pulumi.Input[int] | None
    enabled: pulumi.Input[bool] | None
    locations: pulumi.Input[Sequence[pulumi.Input[int]]] | None
    home_location: pulumi.Input[int] | None
    mode: pulumi.Input[str] | None
    note: pulumi.Input[str] | None
    alert_note: pulumi.Input[str] | None
    allow_internal_testing: pulumi.Input[bool] | None
    custom_properties: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None
    extra_fields: pulumi.Input[Mapping[str, Any]] | None
    adopt_monitor_id: pulumi.Input[str] | None
    adopt_by_name: pulumi.Input[bool] | None

    def __init__(
        self,
        *,
        billing_plancode: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        smtp_hostname: pulumi.Input[str] | None = None,
        pop3_hostname: pulumi.Input[str] | None = None,
        email: pulumi.Input[str] | None = None,
        email_username: pulumi.Input[str] | None = None,
        email_password: pulumi.Input[str] | None = None,
        interval: pulumi.Input[int] | None = None,
        timeout: pulumi.Input[int] | None = None,
        enabled: pulumi.Input[bool] | None = None,
        locations: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        home_location: pulumi.Input[int] | None = None,
        mode: pulumi.Input[str] | None = None,
        note: pulumi.Input[str] | None = None,
        alert_note: pulumi.Input[str] | None = None,
        allow_internal_testing: pulumi.Input[bool] | None = None,
        custom_properties: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        extra_fields: pulumi.Input[Mapping[str, Any]] | None = None,
        adopt_monitor_id: pulumi.Input[str] | None = None,
        adopt_by_name: pulumi.Input[bool] | None = None,
        # Typed NoReturn so that a type checker refuses any other keyword, while a program
        # run without one still gets a clean Pulumi error rather than a traceback.
        **unknown: NoReturn,
    ) -> None:
        """Each argument is an AlertSite field (see the README's resource reference).

        ``extra_fields`` is sent as-is, for API fields this version does not model.
        ``adopt_monitor_id`` takes over an existing monitor instead of creating one;
        ``adopt_by_name`` takes over the one monitor with this ``name``.
        """
        _refuse_unknown("EmailRoundTripMonitorArgs", unknown)
        self.billing_plancode = billing_plancode
        self.name = name
        self.smtp_hostname = smtp_hostname
        self.pop3_hostname = pop3_hostname
        self.email = email
        self.email_username = email_username
        self.email_password = email_password
        self.interval = interval
        self.timeout = timeout
        self.enabled = enabled
        self.locations = locations
        self.home_location = home_location
        self.mode = mode
        self.note = note
        self.alert_note = alert_note
        self.allow_internal_testing = allow_internal_testing
        self.custom_properties = custom_properties
        self.extra_fields = extra_fields
        self.adopt_monitor_id = adopt_monitor_id
        self.adopt_by_name = adopt_by_name

    def to_props(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*FIELDS, *CONTROL_INPUTS)}


class EmailRoundTripMonitor(dynamic.Resource, module="alertsite", name="EmailRoundTripMonitor"):
    """An AlertSite round-trip email monitor.

    Every field is also an Output attribute, given or not: a field left out takes the
    account's default, which its attribute holds after create (and is never a diff).
    ``email_password`` is always a secret.
    """

    billing_plancode: pulumi.Output[str]
    name: pulumi.Output[str]
    smtp_hostname: pulumi.Output[str]
    pop3_hostname: pulumi.Output[str]
    email: pulumi.Output[str]
    email_username: pulumi.Output[str]
    email_password: pulumi.Output[str]
    interval: pulumi.Output[int]
    timeout: pulumi.Output[int]
    enabled: pulumi.Output[bool]
    locations: pulumi.Output[list[int]]
    home_location: pulumi.Output[int]
    mode: pulumi.Output[str]
    note: pulumi.Output[str]
    alert_note: pulumi.Output[str]
    allow_internal_testing: pulumi.Output[bool]
    custom_properties: pulumi.Output[list[dict[str, Any]]]
    extra_fields: pulumi.Output[dict[str, Any]]
    adopt_monitor_id: pulumi.Output[str]
    adopt_by_name: pulumi.Output[bool]
    monitor_id: pulumi.Output[str]
    """The AlertSite monitor id (also the resource's id)."""
    monitor_type: pulumi.Output[str]
    access_type: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: EmailRoundTripMonitorArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        props, options = declared_props(EMAIL_ROUND_TRIP_MONITOR, resource_name, args,
                                        EmailRoundTripMonitorArgs, kwargs, secret_urls=URL_FIELDS)
        # One mailbox per monitor: a replacement (`up --replace`, replace_on_changes) deletes the
        # old monitor before it creates the new one, or the mailbox guard would refuse it.
        options = pulumi.ResourceOptions.merge(options, pulumi.ResourceOptions(delete_before_replace=True))
        super().__init__(EmailRoundTripMonitorProvider(), resource_name, props,
                         pulumi.ResourceOptions.merge(options, opts))


def declared_props(kind: ResourceType, resource_name: str, args: Any, args_class: type,
                   kwargs: Mapping[str, Any], *, secret_urls: Sequence[str] = ()
                   ) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """The props and options of a dynamic resource of a declared type: the one way every
    dynamic resource turns its arguments into what the engine gets.

    Unknown arguments and values Pulumi cannot carry are refused naming the field; ``name``
    defaults to the resource name; secret fields (and ``secret_urls`` holding a login) are
    secrets; every field and computed output is an Output attribute, given or not.
    """
    what = f"{kind.name} {resource_name!r}"
    _refuse_unknown(what, kwargs, kind)
    if args is not None and not isinstance(args, args_class):
        raise InvalidArgumentError(
            f"{what}: args must be an {args_class.__name__}, not {type(args).__name__}; or give "
            "the fields as keyword arguments")
    props: dict[str, Any] = cast(Any, args).to_props() if args is not None else {}
    props.update({k: v for k, v in kwargs.items() if v is not None})
    props = with_default_name(kind, props, resource_name)
    names = (*kind.fields, *kind.control_inputs)
    for name in names:
        if props.get(name) is not None:
            props[name] = _carried(what, name, props[name], secret_urls)
    secrets = [f.name for f in kind.fields.values() if f.secret]
    for secret in secrets:
        if props.get(secret) is not None:
            props[secret] = pulumi.Output.secret(props[secret])
    # Every field is an Output attribute, given or not: the SDK makes attributes of the props'
    # keys only. A None is no input (the SDK leaves it out of what the engine sees, so it is
    # never sent and never a diff), and the attribute gets the value create reports (the
    # account's default for a field left out), as in a generated SDK.
    for name in (*names, *kind.computed):
        props.setdefault(name, None)
    return props, pulumi.ResourceOptions(additional_secret_outputs=secrets)


class InvalidArgumentError(pulumi.RunError, TypeError):
    """An argument no EmailRoundTripMonitor takes, or a value Pulumi cannot carry.

    A ``pulumi.RunError``, so that ``pulumi preview`` prints the message alone (no traceback).
    """


def _refuse_unknown(what: str, given: Mapping[str, Any],
                    kind: ResourceType = EMAIL_ROUND_TRIP_MONITOR) -> None:
    unknown = sorted(set(given) - set(kind.fields) - set(kind.control_inputs))
    if unknown:
        allowed = ", ".join((*kind.fields, *kind.control_inputs))
        raise InvalidArgumentError(f"{what} got unknown arguments {unknown}; allowed: {allowed}")


def _carried(what: str, name: str, value: Any, secret_urls: Sequence[str]) -> Any:
    """``value`` as it may travel to the engine, checked (once known) for what Pulumi cannot carry.

    The SDK fails with a traceback on such values (a lone surrogate, a set, bytes), so they
    are refused here, naming the field. A mail server URL that carries credentials becomes a
    secret: it is refused at check, but the engine must never hold it in clear.
    """

    def checked(known: Any) -> Any:
        problem = unsendable(known)
        if problem:
            raise InvalidArgumentError(f"{what}: {name}: {problem}")
        if name in secret_urls and isinstance(known, str) and "@" in known:
            return pulumi.Output.secret(known)
        return known

    if holds(value, lambda v: isinstance(v, pulumi.Output) or inspect.isawaitable(v)):
        return pulumi.Output.from_input(value).apply(checked)
    return checked(value)


# --- look-ups for programs -------------------------------------------------------------


def program_settings(**explicit: Any) -> Settings:
    """Settings for calls made by the program itself: explicit > stack config > environment."""
    config = pulumi.Config("alertsite")
    stack_config: dict[str, Any] = {}
    for setting in SETTINGS:
        key = setting.config_key.split(":", 1)[1]
        value = config.get(key)
        if value is not None:
            stack_config[setting.config_key] = value
    return resolve_settings(explicit=explicit, stack_config=stack_config)


class LookUpFailedError(pulumi.RunError):
    """A look-up of the program (``get_monitor``, ``list_monitors``) that failed.

    A ``pulumi.RunError``, so that ``pulumi up`` prints one line naming the look-up and the
    cause, not a Python traceback. Each one raised is also the AlertSiteError it stands for
    (``NotFound``, ``AuthenticationError``, ``ConfigurationError``, ...), with its attributes,
    so that a program can catch either.
    """

    look_up: str = ""

    def __str__(self) -> str:
        cause = AlertSiteError.__str__(self) if isinstance(self, AlertSiteError) else super().__str__()
        return f"{self.look_up} failed: {cause}" if self.look_up else cause


#: Per AlertSiteError class, its subclass that is also a LookUpFailedError.
_LOOK_UP_CLASSES: dict[type[AlertSiteError], type[AlertSiteError]] = {}


def _failed_look_up(look_up: str, failure: AlertSiteError) -> AlertSiteError:
    """``failure`` as a LookUpFailedError of the same AlertSiteError class, naming ``look_up``."""
    base = type(failure)
    if base not in _LOOK_UP_CLASSES:
        # The AlertSiteError's __str__ first in the MRO would drop the look-up's name.
        namespace = {"__module__": __name__, "__str__": LookUpFailedError.__str__}
        _LOOK_UP_CLASSES[base] = cast(type[AlertSiteError],
                                      type(base.__name__, (base, LookUpFailedError), namespace))
    error_class = _LOOK_UP_CLASSES[base]
    error = error_class.__new__(error_class)
    error.__dict__.update(failure.__dict__)
    error.args = failure.args
    cast(LookUpFailedError, error).look_up = look_up
    if isinstance(failure, NotFound):
        # NotFound's own hint (run `pulumi refresh`) is for a monitor of the stack.
        error.hint = "Check the id; `alertsite-pulumi monitors list` shows what exists."
    return error


def _program_client(settings: Settings | None) -> AlertSiteClient:
    settings = settings or program_settings()
    settings.require_credentials()
    return shared_client(settings)


def get_monitor(monitor_id: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """The monitor with this id, as AlertSite reports it (email_password is never included).

    A failure (a wrong login, no such monitor, the API out of reach) raises the AlertSiteError
    it is, also a LookUpFailedError: ``pulumi up`` shows it as one line, with no traceback.
    """
    try:
        monitor = _program_client(settings).get_monitor(monitor_id)
    except AlertSiteError as failure:
        raise _failed_look_up(f"alertsite_pulumi.get_monitor({str(monitor_id)[:60]!r})", failure) from None
    monitor.pop("email_password", None)
    return monitor


def list_monitors(*, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every round-trip monitor of the account (failures as for :func:`get_monitor`)."""
    try:
        monitors = _program_client(settings).list_monitors()
    except AlertSiteError as failure:
        raise _failed_look_up("alertsite_pulumi.list_monitors()", failure) from None
    for monitor in monitors:
        monitor.pop("email_password", None)
    return monitors
