"""Policy-gated: the monitors listed in ``monitors.yaml``, each change checked by a policy pack.

The program only declares what the data file says; the rules (TLS only, allowed plans,
interval bounds, naming, a mailbox per monitor...) live in the ``alertsite-round-trip``
policy pack and ``policy-config.json``, and gate ``pulumi preview`` and ``pulumi up`` in the
pipeline (``.github/workflows/monitors.yml``, ``.gitlab-ci.yml``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import pulumi
import yaml

from alertsite_pulumi import EmailRoundTripMonitor
from alertsite_pulumi.program import monitor_specs

DATA_FILE: Final = Path(__file__).resolve().parent / "monitors.yaml"


def password_of(resource_name: str) -> Callable[[Any], str | None]:
    def pick(known: Any) -> str | None:
        value = known.get(resource_name) if isinstance(known, Mapping) else None
        return None if value is None else str(value)

    return pick


data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")) or {}
specs = monitor_specs(data.get("defaults") or {}, list(data.get("monitors") or []))
# A monitor without a password here is reported by the pack's alertsite-mailbox-credentials.
passwords = pulumi.Config().get_secret_object("mailboxPasswords") or pulumi.Output.secret({})

monitors: dict[str, EmailRoundTripMonitor] = {}
for spec in specs:
    resource_name = spec.pop("resource_name")
    monitors[resource_name] = EmailRoundTripMonitor(
        resource_name, email_password=passwords.apply(password_of(resource_name)), **spec)

pulumi.export("monitor_ids", {name: monitor.id for name, monitor in monitors.items()})
