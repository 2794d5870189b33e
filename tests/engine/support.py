"""What engine tests share: credentials of the emulator, the spec-driven program, monitor args."""

from __future__ import annotations

import json
from typing import Any

from factories import ADMIN

from .harness import PulumiProject

#: The emulator's admin login (from its default users, through tests/factories).
ADMIN_USER, ADMIN_PASSWORD = ADMIN
MAILBOX_PASSWORD = "mailbox-pw-7f3a9c"

#: A program that declares the monitors listed in spec.json (rewritten by tests between runs).
SPEC_PROGRAM = '''
import json
import pulumi
from alertsite_pulumi import EmailRoundTripMonitor

with open("spec.json") as f:
    spec = json.load(f)
password = pulumi.Config().get_secret("mailboxPassword")
ids = {}
for entry in spec["monitors"]:
    args = dict(entry)
    resource_name = args.pop("resource_name")
    options = args.pop("options", {})
    if args.pop("with_password", True) and password is not None:
        args["email_password"] = password
    opts = pulumi.ResourceOptions(import_=options["import_"]) if "import_" in options else None
    monitor = EmailRoundTripMonitor(resource_name, opts=opts, **args)
    ids[resource_name] = monitor.id
pulumi.export("ids", ids)
'''


def monitor_args(index: int = 0, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resource_name": f"mon-{index}",
        "name": f"Round trip {index}",
        "billing_plancode": "UBM - A/A",
        "smtp_hostname": "smtps://smtp.example.com:465",
        "pop3_hostname": "pop3s://pop.example.com:995",
        "email": f"roundtrip-{index}@example.com",
        "email_username": f"roundtrip-{index}",
        "interval": 15,
    }
    base.update(overrides)
    return base


class SpecProject(PulumiProject):
    """A project whose monitors come from spec.json."""

    def set_monitors(self, monitors: list[dict[str, Any]]) -> None:
        (self.root / "spec.json").write_text(json.dumps({"monitors": monitors}))
