"""What the native plugin's engine tests share: a spec-driven program using pulumi_alertsite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alertsite_pulumi.tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE

from .harness import PulumiProject
from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD

NATIVE_TYPE = NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE

#: Monitors (and explicit providers) from spec.json, rewritten by tests between runs.
NATIVE_SPEC_PROGRAM = '''
import json
import pulumi
import pulumi_alertsite as alertsite

with open("spec.json") as f:
    spec = json.load(f)
config = pulumi.Config()
password = config.get_secret("mailboxPassword")
providers = {
    name: alertsite.Provider(name, base_url=p["base_url"], username=p["username"],
                             password=config.require_secret(p["password_key"]))
    for name, p in spec.get("providers", {}).items()
}
ids = {}
for entry in spec["monitors"]:
    args = dict(entry)
    resource_name = args.pop("resource_name")
    options = args.pop("options", {})
    if args.pop("with_password", True) and password is not None:
        args["email_password"] = password
    opts = pulumi.ResourceOptions(
        import_=options.get("import_"),
        provider=providers.get(options.get("provider")),
    )
    monitor = alertsite.EmailRoundTripMonitor(resource_name, opts=opts, **args)
    ids[resource_name] = monitor.id
pulumi.export("ids", ids)
'''


class NativeProject(PulumiProject):
    """A project whose native monitors (and explicit providers) come from spec.json."""

    def set_spec(self, monitors: list[dict[str, Any]], providers: dict[str, Any] | None = None) -> None:
        (self.root / "spec.json").write_text(json.dumps({"monitors": monitors, "providers": providers or {}}))

    def monitors(self) -> list[dict[str, Any]]:
        return self.resources(NATIVE_TYPE)


def native_project(root: Path, bin_dir: Path, api_url: str, *, name: str,
                   monitors: list[dict[str, Any]] | None = None,
                   secrets: Mapping[str, str] | None = None) -> NativeProject:
    """A native project whose default provider is the emulator's account (stack config);
    ``secrets`` adds project secrets (explicit providers' passwords, by key)."""
    project = NativeProject(root=root, bin_dir=bin_dir, name=name)
    project.write(NATIVE_SPEC_PROGRAM)
    project.set_spec(monitors or [])
    project.init(config={"alertsite:baseUrl": api_url, "alertsite:username": ADMIN_USER},
                 secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD,
                          **(secrets or {})})
    return project

