"""Manage AlertSite round-trip email monitors as code with Pulumi."""

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
from .provider import EmailRoundTripMonitorProvider
from .resource import (
    EMAIL_ROUND_TRIP_MONITOR_TYPE,
    EmailRoundTripMonitor,
    EmailRoundTripMonitorArgs,
    InvalidArgumentError,
    get_monitor,
    list_monitors,
)
from .transport import RetryPolicy
from .version import __version__

__all__ = [
    "EMAIL_ROUND_TRIP_MONITOR_TYPE",
    "AdoptionError",
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
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "Settings",
    "TransportError",
    "UnfinishedCreateError",
    "__version__",
    "get_monitor",
    "list_monitors",
    "resolve_settings",
    "shared_client",
]
