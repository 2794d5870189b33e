"""get_monitor() and list_monitors() for programs: what exists, never the mailbox password."""

from __future__ import annotations

import pytest

from alertsite_pulumi import NotFound, Settings, get_monitor, list_monitors
from alertsite_pulumi.emulator import EmulatorControl


def test_lookups_return_coerced_monitors_without_password(emulator: EmulatorControl) -> None:
    settings = Settings(base_url=emulator.api_url, username="admin@example.com",
                        password="emulator-admin-password")
    first = emulator.seed_monitor({
        "billing_plancode": "UBM - A/A", "name": "Looked up", "smtp_hostname": "smtps://s.example.com",
        "pop3_hostname": "pop3s://p.example.com", "email": "lookup@example.com",
        "email_password": "never-shown", "interval": 30})
    monitor = get_monitor(first, settings=settings)
    assert monitor["id"] == first and monitor["name"] == "Looked up" and monitor["interval"] == 30
    assert "email_password" not in monitor
    listed = list_monitors(settings=settings)
    assert [m["id"] for m in listed] == [first]
    assert all("email_password" not in m for m in listed)
    with pytest.raises(NotFound):
        get_monitor("424242", settings=settings)
