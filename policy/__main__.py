"""Entry point of the ``alertsite-round-trip`` policy pack (run by ``pulumi --policy-pack``).

The rules live in the ``policies`` package (one module a topic); constructing ``PolicyPack``
starts the analyzer's gRPC server and blocks, so it happens here and nowhere else.
"""

from __future__ import annotations

from policies import ALL_POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="alertsite-round-trip",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Guardrails for AlertSite round-trip email monitors managed with Pulumi.",
    display_name="AlertSite round-trip email monitors",
)
