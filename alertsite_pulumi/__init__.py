"""Manage AlertSite round-trip email monitors, and the alert routing around them, as code with
Pulumi."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .client import AlertSiteClient, shared_client
    from .config import Settings, resolve_settings
    from .errors import (
        AdoptionError,
        AlertSiteError,
        AmbiguousCreateError,
        AuthenticationError,
        ConfigurationError,
        InvalidRequest,
        NotFound,
        PermissionDenied,
        RateLimited,
        ServerError,
        TransportError,
        UnfinishedCreateError,
    )
    from .provider import AlertRecipientProvider, EmailRoundTripMonitorProvider, RecipientGroupProvider
    from .resource import (
        EMAIL_ROUND_TRIP_MONITOR_TYPE,
        EmailRoundTripMonitor,
        EmailRoundTripMonitorArgs,
        InvalidArgumentError,
        LookUpFailedError,
        get_monitor,
        list_monitors,
    )
    from .routing_resources import (
        AlertRecipient,
        AlertRecipientArgs,
        LookUpError,
        RecipientGroup,
        RecipientGroupArgs,
        get_monitor_named,
        get_recipient,
        get_recipient_group,
    )
    from .transport import RetryPolicy

# Each name is imported when it is first used (PEP 562): importing a submodule (the console
# script's alertsite_pulumi.console) costs nothing more, so a Ctrl-C during the CLI's imports
# happens where alertsite_pulumi.console catches it instead of ending in a traceback.
_HOMES = {
    **dict.fromkeys(("AlertSiteClient", "shared_client"), "client"),
    **dict.fromkeys(("Settings", "resolve_settings"), "config"),
    **dict.fromkeys(("AdoptionError", "AlertSiteError", "AmbiguousCreateError", "AuthenticationError",
                     "ConfigurationError", "InvalidRequest", "NotFound", "PermissionDenied", "RateLimited",
                     "ServerError", "TransportError", "UnfinishedCreateError"), "errors"),
    **dict.fromkeys(("AlertRecipientProvider", "EmailRoundTripMonitorProvider", "RecipientGroupProvider"),
                    "provider"),
    **dict.fromkeys(("AlertRecipient", "AlertRecipientArgs", "LookUpError", "RecipientGroup",
                     "RecipientGroupArgs", "get_monitor_named", "get_recipient", "get_recipient_group"),
                    "routing_resources"),
    **dict.fromkeys(("EMAIL_ROUND_TRIP_MONITOR_TYPE", "EmailRoundTripMonitor", "EmailRoundTripMonitorArgs",
                     "InvalidArgumentError", "LookUpFailedError", "get_monitor", "list_monitors"),
                    "resource"),
    "RetryPolicy": "transport",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "EMAIL_ROUND_TRIP_MONITOR_TYPE",
    "AdoptionError",
    "AlertRecipient",
    "AlertRecipientArgs",
    "AlertRecipientProvider",
    "AlertSiteClient",
    "AlertSiteError",
    "AmbiguousCreateError",
    "AuthenticationError",
    "ConfigurationError",
    "EmailRoundTripMonitor",
    "EmailRoundTripMonitorArgs",
    "EmailRoundTripMonitorProvider",
    "InvalidArgumentError",
    "InvalidRequest",
    "LookUpError",
    "LookUpFailedError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RecipientGroup",
    "RecipientGroupArgs",
    "RecipientGroupProvider",
    "RetryPolicy",
    "ServerError",
    "Settings",
    "TransportError",
    "UnfinishedCreateError",
    "__version__",
    "get_monitor",
    "get_monitor_named",
    "get_recipient",
    "get_recipient_group",
    "list_monitors",
    "resolve_settings",
    "shared_client",
]
