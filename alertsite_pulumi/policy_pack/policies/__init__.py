"""The rules of the ``alertsite-round-trip`` policy pack, and :data:`ALL_POLICIES`.

One module a topic; each resource rule is one function, guarded by
:func:`~.monitors.monitors_only` so that it sees AlertSite round-trip monitors only (the
recipient rules by :func:`~.routing.recipients_only`, recipients only).
``__main__.py`` only builds the ``PolicyPack`` from :data:`ALL_POLICIES`, so this package can
be imported (and every rule called in-process) without starting the analyzer.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, Policy

from .config import schema_defaults
from .credentials import MAILBOX_CREDENTIALS
from .enabled import MONITORING_ENABLED
from .intervals import INTERVAL_BOUNDS
from .mail_tls import MAIL_TLS
from .mailbox_providers import POP3_GOOGLE, POP3_MICROSOFT365
from .multi_location import MULTI_LOCATION_MODES
from .naming import NAME_PATTERN
from .plans import ALLOWED_PLANS
from .routing import MONITOR_ALERTS_SOMEONE, RECIPIENT_RECEIVES_SOMETHING, WEBHOOK_HTTPS
from .stack import DEDICATED_MAILBOX, MAX_MONITORS, UNIQUE_NAMES
from .values import UNKNOWN, read_prop

__all__ = [
    "ALLOWED_PLANS",
    "ALL_POLICIES",
    "DEDICATED_MAILBOX",
    "DESCRIPTION",
    "DISPLAY_NAME",
    "ENFORCEMENT_LEVEL",
    "INTERVAL_BOUNDS",
    "MAILBOX_CREDENTIALS",
    "MAIL_TLS",
    "MAX_MONITORS",
    "MONITORING_ENABLED",
    "MONITOR_ALERTS_SOMEONE",
    "MULTI_LOCATION_MODES",
    "NAME_PATTERN",
    "POP3_GOOGLE",
    "POP3_MICROSOFT365",
    "RECIPIENT_RECEIVES_SOMETHING",
    "UNIQUE_NAMES",
    "UNKNOWN",
    "WEBHOOK_HTTPS",
    "read_prop",
    "schema_defaults",
]

#: Every policy of the pack, in the order the CLI lists them.
ALL_POLICIES: Final[list[Policy]] = [
    MAIL_TLS,
    INTERVAL_BOUNDS,
    ALLOWED_PLANS,
    NAME_PATTERN,
    MONITORING_ENABLED,
    MAILBOX_CREDENTIALS,
    POP3_MICROSOFT365,
    POP3_GOOGLE,
    MULTI_LOCATION_MODES,
    DEDICATED_MAILBOX,
    UNIQUE_NAMES,
    MAX_MONITORS,
    MONITOR_ALERTS_SOMEONE,
    RECIPIENT_RECEIVES_SOMETHING,
    WEBHOOK_HTTPS,
]

#: The pack's own arguments, one copy for both entry points (the packaged pack's __main__.py and
#: the repository's policy/__main__.py).
ENFORCEMENT_LEVEL: Final = EnforcementLevel.ADVISORY
DESCRIPTION: Final = "Guardrails for AlertSite round-trip email monitors managed with Pulumi."
DISPLAY_NAME: Final = "AlertSite round-trip email monitors"
