"""The same provider logic served as the native Pulumi plugin ``pulumi-resource-alertsite``.

``servicer`` implements the ResourceProvider gRPC service around
``EmailRoundTripMonitorProvider``; ``schema`` describes the package ``alertsite`` (type token
``alertsite:index:EmailRoundTripMonitor``); ``server`` is the plugin's entry point. The
Python SDK of the package is ``pulumi_alertsite``.
"""

from .schema import build_schema, package_version, schema_json
from .server import main, serve
from .servicer import AlertSiteProviderServicer

__all__ = ["AlertSiteProviderServicer", "build_schema", "main", "package_version", "schema_json", "serve"]
