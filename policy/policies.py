"""The rules of the ``alertsite-round-trip`` policy pack.

Every rule is one function that returns early on resources that are not AlertSite round-trip
email monitors. ``__main__.py`` only builds the ``PolicyPack`` from :data:`ALL_POLICIES`, so
this module can be imported (and every rule called in-process) without starting the analyzer.

Values are read with :func:`read_prop`, never ``props[key]`` directly: during ``pulumi
preview`` a value computed from another resource is unknown, and the SDK's proxy raises on
reading it, which would abort the whole rule. A rule skips just the unknown field and still
checks the rest. In ``remediate`` the SDK hands the raw sentinel strings over instead of
raising; :func:`read_prop` maps both to :data:`UNKNOWN`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, cast
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ResourceRemediation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from alertsite_pulumi.fields import (
    ACCOUNT_DEFAULT_INTERVAL,
    ACCOUNT_DEFAULT_TIMEOUT,
    DEFAULT_PORTS,
    as_bool,
    as_int,
)
from alertsite_pulumi.fields import (
    MULTI_LOCATION_MODES as FIELD_MULTI_LOCATION_MODES,
)
from alertsite_pulumi.tokens import EMAIL_ROUND_TRIP_MONITOR_TYPE

__all__ = [
    "ALLOWED_PLANS",
    "ALL_POLICIES",
    "DEDICATED_MAILBOX",
    "INTERVAL_BOUNDS",
    "MAILBOX_CREDENTIALS",
    "MAIL_TLS",
    "MAX_MONITORS",
    "MONITORING_ENABLED",
    "MULTI_LOCATION_MODES",
    "NAME_PATTERN",
    "UNIQUE_NAMES",
    "UNKNOWN",
    "read_prop",
    "schema_defaults",
]

#: A violation callback, as the SDK passes it: ``(message, urn or None)``.
Report = Callable[[str, "str | None"], None]

#: AlertSite's account defaults for fields a program leaves out, and the modes that need two
#: locations: the field table owns these facts.
DEFAULT_INTERVAL_MINUTES: Final = ACCOUNT_DEFAULT_INTERVAL
DEFAULT_TIMEOUT_SECONDS: Final = ACCOUNT_DEFAULT_TIMEOUT
MULTI_LOCATION_MODES_NAMES: Final = FIELD_MULTI_LOCATION_MODES

#: The plain-text scheme of each mail field, its TLS form and the TLS form's default port.
_TLS_FORMS: Final = {
    "smtp_hostname": ("smtp", "smtps", DEFAULT_PORTS["smtps"]),
    "pop3_hostname": ("pop3", "pop3s", DEFAULT_PORTS["pop3s"]),
}

_UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class _Unknown:
    """The type of :data:`UNKNOWN`."""

    def __repr__(self) -> str:
        return "UNKNOWN"


#: What :func:`read_prop` returns for a value that is not known until the update runs.
UNKNOWN: Final = _Unknown()


# --------------------------------------------------------------------------------------------
# Reading props and config
# --------------------------------------------------------------------------------------------


def _is_unknown_sentinel(value: object) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


def read_prop(props: Mapping[str, Any], key: str) -> Any:
    """Return ``props[key]``, ``None`` when absent or null, or :data:`UNKNOWN` during preview.

    Works on a plain dict, on the SDK's unknown-checking proxy (validate: raises on unknowns)
    and on its secrets-preserving proxy (remediate: returns the raw sentinel strings).
    """
    try:
        value = props[key]
    except KeyError:
        return None
    except UnknownValueError:
        return UNKNOWN
    if _is_unknown_sentinel(value):
        return UNKNOWN
    return value


def _read_items(value: Any) -> list[Any] | None:
    """The elements of a list value, each one :data:`UNKNOWN` when it is; None if not a list."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return None
    items: list[Any] = []
    for index in range(len(value)):
        try:
            item = value[index]
        except UnknownValueError:
            item = UNKNOWN
        items.append(UNKNOWN if _is_unknown_sentinel(item) else item)
    return items


def schema_defaults(policy: Policy) -> dict[str, Any]:
    """The config a policy sees when the user sets nothing: its schema's defaults.

    The CLI fills these in before ``Configure``; rules fall back to them too, so that a policy
    called without config (a test, an older engine) behaves exactly as with the defaults.
    """
    schema = policy.config_schema
    if schema is None:
        return {}
    return {key: prop["default"] for key, prop in schema.properties.items() if "default" in prop}


def _setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> Any:
    if key in config and config[key] is not None:
        return config[key]
    return schema.properties[key]["default"]


def _int_setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> int:
    # Config arrives through a protobuf Struct, where every number is a float.
    raw = _setting(config, schema, key)
    value = as_int(raw)
    if value is None:
        raise ValueError(f"policy config {key}: expected a whole number, got {raw!r}")
    return value


def _str_list_setting(config: Mapping[str, Any], schema: PolicyConfigSchema, key: str) -> list[str]:
    value = _setting(config, schema, key)
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _is_monitor(resource_type: str) -> bool:
    return resource_type == EMAIL_ROUND_TRIP_MONITOR_TYPE


def _monitor_name(props: Mapping[str, Any], resource_name: str) -> str:
    name = read_prop(props, "name")
    return name if isinstance(name, str) else resource_name


def _where(args: ResourceValidationArgs) -> str:
    """How a message names the monitor: its resource name, and its AlertSite name if different."""
    name = read_prop(args.props, "name")
    if isinstance(name, str) and name != args.name:
        return f"monitor {args.name!r} (AlertSite name {name!r})"
    return f"monitor {args.name!r}"


def _monitors(args: StackValidationArgs) -> list[PolicyResource]:
    # The engine lists resources in the order they completed; sort so that a violation
    # always names the same monitor first, run after run.
    return sorted((r for r in args.resources if _is_monitor(r.resource_type)), key=lambda r: r.urn)


# --------------------------------------------------------------------------------------------
# 1. alertsite-mail-tls (mandatory; remediable)
# --------------------------------------------------------------------------------------------

MAIL_TLS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "allowedPlaintextHosts": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Mail hosts that may be reached over plain smtp:// or pop3://.",
        },
    },
)


@dataclass(frozen=True)
class _MailUrl:
    scheme: str
    """Lower-cased scheme, e.g. ``smtp``."""
    host: str
    """Lower-cased host name or address, without IPv6 brackets."""


def _parse_mail_url(value: str) -> _MailUrl | None:
    if "://" not in value:
        return None
    parts = urlsplit(value.strip())
    if not parts.hostname:
        return None
    return _MailUrl(parts.scheme.lower(), parts.hostname.lower())


def _normalise_host(host: str) -> str:
    return host.strip().lower().strip("[]")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _plaintext_fields(
    props: Mapping[str, Any], allowed_hosts: list[str]
) -> list[tuple[str, str, _MailUrl | None]]:
    """Each mail field that is not TLS and whose host is not allowed: (field, value, parsed)."""
    allowed = {_normalise_host(h) for h in allowed_hosts}
    found: list[tuple[str, str, _MailUrl | None]] = []
    for field, (_, tls_scheme, _) in _TLS_FORMS.items():
        value = read_prop(props, field)
        if not isinstance(value, str):
            continue  # absent or unknown: the provider's check or the update will tell
        url = _parse_mail_url(value)
        if url is not None and (url.scheme == tls_scheme or url.host in allowed):
            continue
        found.append((field, value, url))
    return found


def validate_mail_tls(args: ResourceValidationArgs, report_violation: Report) -> None:
    """``smtp_hostname`` must be ``smtps://`` and ``pop3_hostname`` ``pop3s://``."""
    if not _is_monitor(args.resource_type):
        return
    allowed_hosts = _str_list_setting(args.get_config(), MAIL_TLS_CONFIG, "allowedPlaintextHosts")
    allowed_text = ", ".join(repr(h) for h in allowed_hosts) or "none"
    for field, value, url in _plaintext_fields(args.props, allowed_hosts):
        plain_scheme, tls_scheme, tls_port = _TLS_FORMS[field]
        if url is None:
            report_violation(
                f"{_where(args)}: {field} {value!r} is not a {tls_scheme}:// URL; "
                f"write it as {tls_scheme}://host[:port] (TLS, port {tls_port} by default).",
                None,
            )
            continue
        report_violation(
            f"{_where(args)}: {field} {value!r} uses {url.scheme}://, so the test mail and "
            f"mailbox password cross the network in clear text; use "
            f"{tls_scheme}://{_url_host(url.host)}:{tls_port}, or add {url.host!r} to "
            f"allowedPlaintextHosts (now: {allowed_text}) to allow {plain_scheme}:// to it.",
            None,
        )


def remediate_mail_tls(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """Rewrite ``smtp://h[:p]`` to ``smtps://h:465`` and ``pop3://h[:p]`` to ``pop3s://h:995``.

    Hosts in ``allowedPlaintextHosts`` and values that are not ``smtp://``/``pop3://`` URLs are
    left alone. Returns None when nothing changes.
    """
    if not _is_monitor(args.resource_type):
        return None
    allowed_hosts = _str_list_setting(args.get_config(), MAIL_TLS_CONFIG, "allowedPlaintextHosts")
    changes: dict[str, str] = {}
    for field, _, url in _plaintext_fields(args.props, allowed_hosts):
        plain_scheme, tls_scheme, tls_port = _TLS_FORMS[field]
        if url is not None and url.scheme == plain_scheme:
            changes[field] = f"{tls_scheme}://{_url_host(url.host)}:{tls_port}"
    if not changes:
        return None
    # Written in place through the SDK's secrets-preserving proxy: copying the props into a new
    # dict would unwrap email_password and send it back to the engine as a plain value.
    props = cast(MutableMapping[str, Any], args.props)
    for field, value in changes.items():
        props[field] = value
    return props


MAIL_TLS: Final = ResourceValidationPolicy(
    name="alertsite-mail-tls",
    description=(
        "AlertSite round-trip monitors must reach their mail servers over TLS (smtps:// and pop3s://)."
    ),
    validate=validate_mail_tls,
    # The SDK types a remediation as returning an awaitable, but its Remediate also takes a
    # plain mapping (or None) from a synchronous function.
    remediate=cast(ResourceRemediation, remediate_mail_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MAIL_TLS_CONFIG,
    remediation_steps=(
        "Use smtps://host:465 and pop3s://host:995, or list the host in allowedPlaintextHosts."
    ),
)


# --------------------------------------------------------------------------------------------
# 2. alertsite-interval-bounds (mandatory)
# --------------------------------------------------------------------------------------------

INTERVAL_BOUNDS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "minIntervalMinutes": {
            "type": "integer",
            "minimum": 1,
            "default": 5,
            "description": "Shortest allowed check interval, in minutes.",
        },
        "maxIntervalMinutes": {
            "type": "integer",
            "minimum": 1,
            "default": 1440,
            "description": "Longest allowed check interval, in minutes.",
        },
        "maxTimeoutSeconds": {
            "type": "integer",
            "minimum": 1,
            "default": 300,
            "description": "Longest allowed round-trip timeout, in seconds.",
        },
    },
)


@dataclass(frozen=True)
class _Number:
    field: str
    value: int
    unit: str
    defaulted: bool
    """True when the program left the field out and the account default applies."""

    def __str__(self) -> str:
        if self.defaulted:
            return f"{self.field} (not set: account default {self.value} {self.unit})"
        return f"{self.field} {self.value} {self.unit}"


_UNITS: Final = {"interval": ("min", "minutes"), "timeout": ("s", "seconds")}


def _whole_number(
    args: ResourceValidationArgs,
    field: str,
    default: int,
    allowed: str,
    report_violation: Report,
) -> _Number | None:
    """The field as a whole number (its account default when absent); None if not checkable."""
    unit, unit_name = _UNITS[field]
    raw = read_prop(args.props, field)
    if raw is UNKNOWN:
        return None
    if raw is None:
        return _Number(field, default, unit, defaulted=True)
    value = as_int(raw)
    if value is None:
        report_violation(
            f"{_where(args)}: {field} {raw!r} is not a whole number of {unit_name}; use {allowed} {unit}.",
            None,
        )
        return None
    return _Number(field, value, unit, defaulted=False)


def validate_interval_bounds(args: ResourceValidationArgs, report_violation: Report) -> None:
    """Interval within bounds; timeout within its maximum and shorter than the interval."""
    if not _is_monitor(args.resource_type):
        return
    config = args.get_config()
    min_interval = _int_setting(config, INTERVAL_BOUNDS_CONFIG, "minIntervalMinutes")
    max_interval = _int_setting(config, INTERVAL_BOUNDS_CONFIG, "maxIntervalMinutes")
    max_timeout = _int_setting(config, INTERVAL_BOUNDS_CONFIG, "maxTimeoutSeconds")

    interval = _whole_number(
        args,
        "interval",
        DEFAULT_INTERVAL_MINUTES,
        f"{min_interval}..{max_interval}",
        report_violation,
    )
    timeout = _whole_number(args, "timeout", DEFAULT_TIMEOUT_SECONDS, f"1..{max_timeout}", report_violation)

    if interval is not None and not min_interval <= interval.value <= max_interval:
        report_violation(
            f"{_where(args)}: {interval} is outside the allowed {min_interval}..{max_interval} "
            f"min (minIntervalMinutes..maxIntervalMinutes).",
            None,
        )
    if timeout is not None and timeout.value > max_timeout:
        report_violation(
            f"{_where(args)}: {timeout} exceeds the allowed maximum of {max_timeout} s (maxTimeoutSeconds).",
            None,
        )
    if interval is not None and timeout is not None and timeout.value >= interval.value * 60:
        limit = interval.value * 60
        report_violation(
            f"{_where(args)}: {timeout} is not shorter than the {interval} (= {limit} s); a "
            f"round trip must end before the next one starts: lower the timeout below "
            f"{limit} s or lengthen the interval.",
            None,
        )


INTERVAL_BOUNDS: Final = ResourceValidationPolicy(
    name="alertsite-interval-bounds",
    description=(
        "AlertSite round-trip monitors must run at an allowed interval, with a timeout that is "
        "within its maximum and shorter than the interval."
    ),
    validate=validate_interval_bounds,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=INTERVAL_BOUNDS_CONFIG,
)


# --------------------------------------------------------------------------------------------
# 3. alertsite-allowed-plans (mandatory)
# --------------------------------------------------------------------------------------------

ALLOWED_PLANS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "allowedPlanCodes": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                'Billing plan codes monitors may use, compared exactly (e.g. "UBM - A/A"); empty: any plan.'
            ),
        },
    },
)


def validate_allowed_plans(args: ResourceValidationArgs, report_violation: Report) -> None:
    """``billing_plancode`` must be one of ``allowedPlanCodes`` (not applicable when empty)."""
    if not _is_monitor(args.resource_type):
        return
    allowed = _str_list_setting(args.get_config(), ALLOWED_PLANS_CONFIG, "allowedPlanCodes")
    if not allowed:
        args.not_applicable("allowedPlanCodes is empty: every billing plan is allowed")
        return
    plan = read_prop(args.props, "billing_plancode")
    if plan is UNKNOWN or plan in allowed:
        return
    allowed_text = ", ".join(repr(p) for p in allowed)
    what = "is not set" if plan is None else f"{plan!r} is not allowed"
    report_violation(
        f"{_where(args)}: billing_plancode {what}; allowed (allowedPlanCodes): {allowed_text}.",
        None,
    )


ALLOWED_PLANS: Final = ResourceValidationPolicy(
    name="alertsite-allowed-plans",
    description="AlertSite round-trip monitors must use an approved billing plan.",
    validate=validate_allowed_plans,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=ALLOWED_PLANS_CONFIG,
)


# --------------------------------------------------------------------------------------------
# 4. alertsite-name-pattern (advisory)
# --------------------------------------------------------------------------------------------

DEFAULT_NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"

NAME_PATTERN_CONFIG: Final = PolicyConfigSchema(
    properties={
        "namePattern": {
            "type": "string",
            "default": DEFAULT_NAME_PATTERN,
            "description": "Regular expression (Python re.search) every monitor name must match.",
        },
    },
)


@lru_cache(maxsize=16)
def _compile(pattern: str) -> re.Pattern[str] | re.error:
    try:
        return re.compile(pattern)
    except re.error as error:
        return error


def validate_name_pattern(args: ResourceValidationArgs, report_violation: Report) -> None:
    """The monitor's AlertSite name must match ``namePattern``."""
    if not _is_monitor(args.resource_type):
        return
    pattern = str(_setting(args.get_config(), NAME_PATTERN_CONFIG, "namePattern"))
    compiled = _compile(pattern)
    if isinstance(compiled, re.error):
        report_violation(
            f"policy config namePattern {pattern!r} is not a valid regular expression "
            f"({compiled}); fix it in the --policy-pack-config file.",
            None,
        )
        return
    name = read_prop(args.props, "name")
    if name is UNKNOWN:
        return
    if name is None:
        name = args.name  # the resource class defaults the name to the resource name
    if not isinstance(name, str) or compiled.search(name) is None:
        report_violation(
            f"{_where(args)}: name {name!r} does not match {pattern!r} (namePattern); "
            f"rename the monitor so that it does.",
            None,
        )


NAME_PATTERN: Final = ResourceValidationPolicy(
    name="alertsite-name-pattern",
    description="AlertSite round-trip monitor names should follow the naming convention.",
    validate=validate_name_pattern,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=NAME_PATTERN_CONFIG,
)


# --------------------------------------------------------------------------------------------
# 5. alertsite-monitoring-enabled (advisory)
# --------------------------------------------------------------------------------------------


def validate_monitoring_enabled(args: ResourceValidationArgs, report_violation: Report) -> None:
    """``enabled`` must not be false (absent means enabled)."""
    if not _is_monitor(args.resource_type):
        return
    enabled = read_prop(args.props, "enabled")
    if enabled is None or enabled is UNKNOWN:
        return
    if as_bool(enabled) is False:
        report_violation(
            f"{_where(args)}: enabled is {enabled!r}, so AlertSite never runs this round trip; "
            f"set enabled=True (or leave it out), or delete the monitor if it is not needed.",
            None,
        )


MONITORING_ENABLED: Final = ResourceValidationPolicy(
    name="alertsite-monitoring-enabled",
    description="AlertSite round-trip monitors should be enabled.",
    validate=validate_monitoring_enabled,
    enforcement_level=EnforcementLevel.ADVISORY,
)


# --------------------------------------------------------------------------------------------
# 6. alertsite-mailbox-credentials (advisory)
# --------------------------------------------------------------------------------------------


def validate_mailbox_credentials(args: ResourceValidationArgs, report_violation: Report) -> None:
    """``email_username`` and ``email_password`` must be set and non-empty."""
    if not _is_monitor(args.resource_type):
        return
    for field in ("email_username", "email_password"):
        value = read_prop(args.props, field)
        if value is UNKNOWN:
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            # Never print the value: email_password is a secret (it is only ever empty here).
            report_violation(
                f"{_where(args)}: {field} is {'empty' if value is not None else 'not set'}; "
                f"AlertSite needs the POP3 login of the mailbox to read the test mail back: "
                f"set a non-empty {field}.",
                None,
            )


MAILBOX_CREDENTIALS: Final = ResourceValidationPolicy(
    name="alertsite-mailbox-credentials",
    description="AlertSite round-trip monitors should set the mailbox's POP3 username and password.",
    validate=validate_mailbox_credentials,
    enforcement_level=EnforcementLevel.ADVISORY,
)


# --------------------------------------------------------------------------------------------
# 7. alertsite-multi-location-modes (mandatory)
# --------------------------------------------------------------------------------------------


def _location_key(item: Any) -> Any:
    """A comparable id for a location given as ``7``, ``"7"`` or ``{"id": 7}``."""
    if isinstance(item, Mapping):
        item = read_prop(item, "id")
    if item is UNKNOWN:
        return UNKNOWN
    number = as_int(item)
    return number if number is not None else str(item)


def validate_multi_location_modes(args: ResourceValidationArgs, report_violation: Report) -> None:
    """Modes ``Round Robin`` and ``SLA (MultiPOP)`` need at least two distinct locations."""
    if not _is_monitor(args.resource_type):
        return
    mode = read_prop(args.props, "mode")
    if not isinstance(mode, str):
        return
    wanted = {m.casefold(): m for m in MULTI_LOCATION_MODES_NAMES}
    if mode.strip().casefold() not in wanted:
        return
    locations = read_prop(args.props, "locations")
    if locations is None or locations is UNKNOWN:
        return  # the account's default locations, which the policy cannot see
    items = _read_items(locations)
    if items is None:
        return
    keys = [_location_key(item) for item in items]
    known = {k for k in keys if k is not UNKNOWN}
    unknown_count = sum(1 for k in keys if k is UNKNOWN)
    # An unknown entry may turn out to be another location: report only what is certain.
    if len(known) + unknown_count >= 2:
        return
    shown = ", ".join(str(k) for k in sorted(known, key=str)) or "none"
    report_violation(
        f"{_where(args)}: mode {mode!r} needs at least two distinct locations, but locations "
        f"has {len(known)} ({shown}); add a location, or use mode 'Primary', 'Global Notify' "
        f"or 'Global Verify'.",
        None,
    )


MULTI_LOCATION_MODES: Final = ResourceValidationPolicy(
    name="alertsite-multi-location-modes",
    description=(
        "AlertSite round-trip monitors in Round Robin or SLA (MultiPOP) mode need at least two locations."
    ),
    validate=validate_multi_location_modes,
    enforcement_level=EnforcementLevel.MANDATORY,
)


# --------------------------------------------------------------------------------------------
# 8. Stack rules
# --------------------------------------------------------------------------------------------


def _first_holders(
    monitors: list[PolicyResource], key_of: Callable[[PolicyResource], str | None]
) -> list[tuple[PolicyResource, PolicyResource, str]]:
    """Each monitor whose key an earlier monitor already has: (first, duplicate, key)."""
    seen: dict[str, PolicyResource] = {}
    duplicates: list[tuple[PolicyResource, PolicyResource, str]] = []
    for monitor in monitors:
        key = key_of(monitor)
        if key is None:
            continue
        if key in seen:
            duplicates.append((seen[key], monitor, key))
        else:
            seen[key] = monitor
    return duplicates


def _mailbox(monitor: PolicyResource) -> str | None:
    email = read_prop(monitor.props, "email")
    if not isinstance(email, str) or not email.strip():
        return None
    return email.strip().casefold()


def validate_dedicated_mailbox(args: StackValidationArgs, report_violation: Report) -> None:
    """No two monitors may share one mailbox (``email``, compared case-insensitively)."""
    monitors = _monitors(args)
    for first, duplicate, _ in _first_holders(monitors, _mailbox):
        email = read_prop(duplicate.props, "email")
        report_violation(
            f"monitors {first.name!r} and {duplicate.name!r} both use the mailbox {email!r}; "
            f"AlertSite reads and deletes the test mail there, so each round-trip monitor "
            f"needs a dedicated mailbox: give {duplicate.name!r} its own email.",
            duplicate.urn,
        )


def validate_unique_names(args: StackValidationArgs, report_violation: Report) -> None:
    """No two monitors should carry the same AlertSite name."""
    monitors = _monitors(args)

    def name_of(monitor: PolicyResource) -> str | None:
        name = read_prop(monitor.props, "name")
        return name.strip() if isinstance(name, str) else None

    for first, duplicate, name in _first_holders(monitors, name_of):
        report_violation(
            f"monitors {first.name!r} and {duplicate.name!r} are both named {name!r} in "
            f"AlertSite, so dashboards and alerts cannot tell them apart; give "
            f"{duplicate.name!r} a unique name.",
            duplicate.urn,
        )


MAX_MONITORS_CONFIG: Final = PolicyConfigSchema(
    properties={
        "maxMonitors": {
            "type": "integer",
            "minimum": 0,
            "default": 500,
            "description": "Most round-trip monitors one stack may hold.",
        },
    },
)


def validate_max_monitors(args: StackValidationArgs, report_violation: Report) -> None:
    """At most ``maxMonitors`` monitors per stack."""
    limit = _int_setting(args.get_config(), MAX_MONITORS_CONFIG, "maxMonitors")
    count = len(_monitors(args))
    if count > limit:
        report_violation(
            f"the stack holds {count} AlertSite round-trip monitors, more than the "
            f"{limit} allowed (maxMonitors); remove {count - limit} or split the stack.",
            None,
        )


DEDICATED_MAILBOX: Final = StackValidationPolicy(
    name="alertsite-dedicated-mailbox",
    description="Every AlertSite round-trip monitor must have a mailbox of its own.",
    validate=validate_dedicated_mailbox,
    enforcement_level=EnforcementLevel.MANDATORY,
)

UNIQUE_NAMES: Final = StackValidationPolicy(
    name="alertsite-unique-names",
    description="AlertSite round-trip monitor names should be unique within a stack.",
    validate=validate_unique_names,
    enforcement_level=EnforcementLevel.ADVISORY,
)

MAX_MONITORS: Final = StackValidationPolicy(
    name="alertsite-max-monitors",
    description="A stack may hold at most maxMonitors AlertSite round-trip monitors.",
    validate=validate_max_monitors,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=MAX_MONITORS_CONFIG,
)


#: Every policy of the pack, in the order the CLI lists them.
ALL_POLICIES: Final[list[Policy]] = [
    MAIL_TLS,
    INTERVAL_BOUNDS,
    ALLOWED_PLANS,
    NAME_PATTERN,
    MONITORING_ENABLED,
    MAILBOX_CREDENTIALS,
    MULTI_LOCATION_MODES,
    DEDICATED_MAILBOX,
    UNIQUE_NAMES,
    MAX_MONITORS,
]
