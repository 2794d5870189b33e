"""Entry point of the ``alertsite-round-trip`` policy pack in a checkout (``--policy-pack policy``).

A thin pack over the installed package, as Pulumi's compliance packs are thin directories over
installed rule libraries: the rules are ``alertsite_pulumi.policy_pack.policies`` (one set, the
same the packaged pack ``alertsite-pulumi policy-pack path`` serves), so this file only builds
the ``PolicyPack``. tests/policy/test_policy_pack_entrypoint.py checks that it builds the very
pack the packaged ``__main__.py`` builds.
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
