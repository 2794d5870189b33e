"""Entry point of the ``alertsite-round-trip`` policy pack (run by ``pulumi --policy-pack``).

The rules live in the ``policies`` package (one module a topic); constructing ``PolicyPack``
starts the analyzer's gRPC server and blocks, so it happens here and nowhere else. The engine
runs this file by path (``runpy``, the pack's directory first on ``sys.path``); the rules are
imported by their package name all the same, as the tests import them, so that they are one
module whether the pack runs from a checkout or from an installed wheel.
"""

from __future__ import annotations

from pulumi_policy import PolicyPack

from alertsite_pulumi.policy_pack import PACK_NAME, check_pack_version
from alertsite_pulumi.policy_pack.policies import ALL_POLICIES, DESCRIPTION, DISPLAY_NAME, ENFORCEMENT_LEVEL

check_pack_version(__file__)
PolicyPack(
    name=PACK_NAME,
    policies=ALL_POLICIES,
    enforcement_level=ENFORCEMENT_LEVEL,
    description=DESCRIPTION,
    display_name=DISPLAY_NAME,
)
