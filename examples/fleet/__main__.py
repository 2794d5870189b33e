"""Fleet: one round-trip monitor per row of ``monitors.csv``, checked as often as the environment needs.

Adding a monitor is adding a row (and its mailbox password); the stack's ``environment``
(``staging`` or ``production``) decides how often every monitor runs. Mailbox passwords live
in the secret config map ``mailboxPasswords``, keyed by each row's ``resource_name``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import pulumi

from alertsite_pulumi import EmailRoundTripMonitor

#: How often (minutes) and how patiently (seconds) each environment's monitors run, and how
#: their AlertSite names and mailboxes are told apart when both environments share one account
#: (AlertSite allows one round-trip monitor per mailbox: the provider refuses a second one).
ENVIRONMENTS: Final[dict[str, dict[str, Any]]] = {
    "production": {"interval": 5, "timeout": 240, "name_prefix": "", "mailbox_suffix": ""},
    "staging": {"interval": 30, "timeout": 300, "name_prefix": "[staging] ", "mailbox_suffix": "-staging"},
}
COLUMNS: Final = ("resource_name", "name", "team", "email", "email_username", "smtp_hostname",
                  "pop3_hostname")
DATA_FILE: Final = Path(__file__).resolve().parent / "monitors.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    """The CSV's rows (blank lines skipped), after checking its columns and resource names."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing columns {missing}; expected {list(COLUMNS)}")
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None}
                for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        name = row["resource_name"]
        if not name or name in seen:
            raise ValueError(f"{path.name} row {line}: resource_name {name!r} is empty or used twice")
        seen.add(name)
    return rows


def mailbox(address: str, suffix: str) -> str:
    """The environment's own mailbox: ``rt-mx1@example.com`` -> ``rt-mx1-staging@example.com``."""
    local, at, domain = address.rpartition("@")
    return f"{local}{suffix}{at}{domain}" if suffix and at else address


def password_of(resource_name: str) -> Callable[[Any], str]:
    def pick(known: Any) -> str:
        value = known.get(resource_name) if isinstance(known, Mapping) else None
        if not value:
            raise ValueError(
                f"no mailbox password for {resource_name!r}: run "
                f"pulumi config set --secret --path 'mailboxPasswords.{resource_name}' '<password>'")
        return str(value)

    return pick


config = pulumi.Config()
environment = config.require("environment")
if environment not in ENVIRONMENTS:
    raise ValueError(f"config environment: {environment!r} is not one of {sorted(ENVIRONMENTS)}")
profile = ENVIRONMENTS[environment]
plan = config.get("billingPlanCode") or "UBM - A/A"
passwords = config.require_secret_object("mailboxPasswords")

monitors: dict[str, EmailRoundTripMonitor] = {}
for row in read_rows(DATA_FILE):
    monitors[row["resource_name"]] = EmailRoundTripMonitor(
        row["resource_name"],
        name=profile["name_prefix"] + row["name"],
        billing_plancode=plan,
        smtp_hostname=row["smtp_hostname"],
        pop3_hostname=row["pop3_hostname"],
        email=mailbox(row["email"], profile["mailbox_suffix"]),
        email_username=row["email_username"] + profile["mailbox_suffix"],
        email_password=passwords.apply(password_of(row["resource_name"])),
        interval=profile["interval"],
        timeout=profile["timeout"],
        note=f"team: {row['team']}; managed by Pulumi stack {pulumi.get_stack()}",
    )

pulumi.export("environment", environment)
pulumi.export("monitor_ids", {name: monitor.id for name, monitor in monitors.items()})
