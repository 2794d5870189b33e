"""get_monitor() and list_monitors() for programs: what exists, never the mailbox password."""

from __future__ import annotations

import pulumi
import pytest
from factories import ADMIN

from alertsite_pulumi import (
    AuthenticationError,
    LookUpFailedError,
    NotFound,
    Settings,
    get_monitor,
    list_monitors,
)
from alertsite_pulumi.emulator import EmulatorControl


def test_lookups_return_coerced_monitors_without_password(emulator: EmulatorControl) -> None:
    settings = Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1])
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


def test_a_failed_look_up_names_itself_and_is_still_the_alertsite_error(emulator: EmulatorControl) -> None:
    """A pulumi.RunError (the program prints its line, no traceback) of the AlertSiteError's class."""
    settings = Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1])
    with pytest.raises(NotFound) as missing:
        get_monitor("424242", settings=settings)
    assert isinstance(missing.value, LookUpFailedError) and isinstance(missing.value, pulumi.RunError)
    assert missing.value.status == 404 and missing.value.path == "/monitors/424242"
    assert str(missing.value).startswith("alertsite_pulumi.get_monitor('424242') failed: "
                                         "AlertSite has no such record (GET /monitors/424242 -> HTTP 404)")
    assert "monitors list" in str(missing.value) and "pulumi refresh" not in str(missing.value)
    wrong = Settings(base_url=emulator.api_url, username="admin@example.com", password="wrong-pw-3")
    with pytest.raises(AuthenticationError) as refused:
        list_monitors(settings=wrong)
    assert isinstance(refused.value, LookUpFailedError)
    assert str(refused.value).startswith("alertsite_pulumi.list_monitors() failed: "
                                         "AlertSite refused the login")
    assert "wrong-pw-3" not in str(refused.value) + repr(refused.value)
