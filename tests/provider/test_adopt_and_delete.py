"""Two promises of the README's resource reference, through the provider against the emulator:
adoption writes only what differs (nothing when the monitor already matches), and a delete of a
monitor that is already gone succeeds."""

from __future__ import annotations

from typing import Any

import factories
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import AdoptionError
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

ADMIN = {"alertsite:username": factories.ADMIN[0], "alertsite:password": factories.ADMIN[1]}


def inputs(**overrides: Any) -> dict[str, Any]:
    return {"billing_plancode": "UBM - A/A", "name": "Adopted", "smtp_hostname": "smtps://smtp.example.com",
            "pop3_hostname": "pop3s://pop.example.com", "email": "adopted@example.com", "interval": 15,
            "timeout": 120, **overrides}


@pytest.fixture
def provider(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmailRoundTripMonitorProvider:
    for name in ("ALERTSITE_ALLOW_SHARED_MAILBOX", "ALERTSITE_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    made = EmailRoundTripMonitorProvider()
    made.configure(ConfigureRequest(Config({"alertsite:baseUrl": emulator.api_url, **ADMIN}, "proj")))
    assert made.read("1", {}).id is None  # logged in: only the calls below are counted
    emulator.reset_requests()
    return made


def calls(emulator: EmulatorControl) -> dict[str, int]:
    counts: dict[str, int] = emulator.requests()["by_endpoint"]
    return counts


def test_adoption_writes_only_the_fields_that_differ(
        provider: EmailRoundTripMonitorProvider, emulator: EmulatorControl) -> None:
    same = emulator.seed_monitor(inputs(note="set in the UI"))
    adopted = provider.create(inputs(adopt_monitor_id=same))
    assert adopted.id == same
    assert calls(emulator).get("update", 0) == 0 and calls(emulator).get("create", 0) == 0

    differs = emulator.seed_monitor(inputs(name="Adopted 2", email="adopted-2@example.com", interval=30,
                                           note="set in the UI"))
    emulator.reset_requests()
    taken = provider.create(inputs(name="Adopted 2", email="adopted-2@example.com", adopt_monitor_id=differs))
    assert calls(emulator)["update"] == 1 and calls(emulator).get("create", 0) == 0
    live = emulator.monitor(differs)
    assert str(live["interval"]) == "15" and (taken.outs or {})["interval"] == 15
    assert live["note"] == "set in the UI"  # not managed by the program: left as it was

    # A mailbox password cannot be read back to compare, so a given one is always written.
    emulator.reset_requests()
    provider.create(inputs(adopt_monitor_id=same, email_password="mailbox-secret-3"))
    assert calls(emulator)["update"] == 1
    assert emulator.password_matches(same, "mailbox-secret-3")


def test_a_delete_of_a_monitor_already_gone_succeeds(
        provider: EmailRoundTripMonitorProvider, emulator: EmulatorControl) -> None:
    made = provider.create(inputs())
    emulator.delete_monitor(made.id)         # deleted in the UI
    emulator.reset_requests()
    provider.delete(made.id, made.outs or {})
    assert calls(emulator)["delete"] == 1    # asked, answered 404, and that is success
    assert emulator.monitors() == []
    # The mailbox is free again for this process.
    again = provider.create(inputs())
    assert [m["id"] for m in emulator.monitors()] == [again.id]


def test_adoption_needs_exactly_the_monitor_it_names(
        provider: EmailRoundTripMonitorProvider, emulator: EmulatorControl) -> None:
    """`AdoptionError` when the id does not exist or the name matches 0 or 2+; nothing is made."""
    with pytest.raises(AdoptionError, match="AlertSite has no monitor 424242"):
        provider.create(inputs(adopt_monitor_id="424242"))
    with pytest.raises(AdoptionError, match="must exist; found none"):
        provider.create(inputs(name="Nobody has this name", adopt_by_name=True))
    emulator.seed_monitor(inputs(name="Twice"))
    emulator.seed_monitor(inputs(name="Twice", email="twice-2@example.com"))
    with pytest.raises(AdoptionError, match="must exist; found 2"):
        provider.create(inputs(name="Twice", adopt_by_name=True))
    assert calls(emulator).get("create", 0) == 0 and calls(emulator).get("update", 0) == 0
    assert len(emulator.monitors()) == 2
