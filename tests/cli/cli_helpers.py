"""Helpers shared by the CLI tests (constants, monitor bodies, the secret check)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from click.testing import Result
from factories import ADMIN, VIEWER

from alertsite_pulumi.emulator import EmulatorControl

WRONG_PASSWORD = "not-the-password-7f3a"
#: Every password a test hands to the CLI: none may ever be printed.
PASSWORDS = (ADMIN[1], VIEWER[1], WRONG_PASSWORD)
TOKEN_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
ALERTSITE_VARIABLES = (
    "ALERTSITE_BASE_URL", "ALERTSITE_USERNAME", "ALERTSITE_PASSWORD", "ALERTSITE_ACCESS_TOKEN",
    "ALERTSITE_REQUEST_TIMEOUT", "ALERTSITE_MAX_RETRIES", "ALERTSITE_RETRY_BUDGET",
    "ALERTSITE_MAX_REQUESTS_PER_SECOND",
)
#: The `run` fixture: invoke the CLI in-process with these arguments (and `input=`).
Run = Callable[..., Result]


def assert_no_secrets(text: str) -> None:
    for password in PASSWORDS:
        assert password not in text
    assert not TOKEN_RE.search(text), f"an access token was printed: {TOKEN_RE.search(text)}"


def monitor_body(index: int, **overrides: Any) -> dict[str, Any]:
    """A stored monitor, varied by ``index`` (as AlertSite would hold it)."""
    intervals = (5, 10, 15, 30, 60, 1440)
    interval = intervals[index % len(intervals)]
    locations = [10, 20, 30, 40, 50][: 1 + index % 5]
    body: dict[str, Any] = {
        "billing_plancode": ("UBM - A/A", "UBM-A/A")[index % 2],
        "name": f"Mailbox {index:03d}",
        "smtp_hostname": f"smtps://smtp{index}.example.com:465",
        "pop3_hostname": f"pop3s://pop{index}.example.com",
        "email": f"probe{index}@example.com",
        "email_username": f"probe{index}",
        "email_password": f"mailbox-secret-{index}",
        "interval": interval,
        "timeout": min(300, interval * 60 - 60),
        "enabled": index % 3 != 0,
        "locations": [{"id": loc} for loc in locations],
        "home_location": locations[-1],
        "mode": "Round Robin" if len(locations) > 1 and index % 4 == 0 else "Primary",
        "note": f"note {index}: \"quoted\", 'single', back\\slash, ünïcode",
        "alert_note": "first line\nsecond line" if index % 5 == 0 else "",
        "allow_internal_testing": index % 2 == 0,
    }
    if index % 7 == 0:
        body["custom_properties"] = [{"id": 3, "name": "team", "value": "mail-ops", "value_id": 9}]
    body.update(overrides)
    return body



def seed(emulator: EmulatorControl, bodies: Sequence[dict[str, Any]]) -> list[str]:
    """Store monitors as AlertSite would hold them; their ids."""
    return [emulator.seed_monitor(body) for body in bodies]
