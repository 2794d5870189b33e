"""provider.create against the emulator: all or nothing, whatever fails after the POST."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from factories import ADMIN
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import AlertSiteError, PermissionDenied, UnfinishedCreateError
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

PROPS: dict[str, Any] = {
    "billing_plancode": "UBM - A/A", "name": "Clean-up", "smtp_hostname": "smtps://smtp.example.com",
    "pop3_hostname": "pop3s://pop.example.com", "email": "cleanup@example.com",
    "email_password": "mailbox-secret-3", "interval": 15,
}


@pytest.fixture
def provider(emulator: EmulatorControl,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[EmailRoundTripMonitorProvider]:
    for name in ("ALERTSITE_ACCESS_TOKEN", "ALERTSITE_RETRY_BUDGET", "ALERTSITE_MAX_RETRIES",
                 "ALERTSITE_REQUEST_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    made = EmailRoundTripMonitorProvider()
    made.configure(ConfigureRequest(Config({
        "alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN[0],
        "alertsite:password": ADMIN[1], "alertsite:maxRetries": "4"}, "alertsite")))
    # A call before the faults, so that the token (shared per process, maybe from a test
    # before the emulator's reset) is fresh: the faults are aimed at the calls after the POST.
    made._client().list_monitors()
    yield made


def test_a_create_whose_answer_is_not_json_is_completed(provider: EmailRoundTripMonitorProvider,
                                                        emulator: EmulatorControl) -> None:
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_garble", "count": 1}])
    result = provider.create(dict(PROPS))
    (monitor,) = emulator.monitors()
    assert result.id == str(monitor["id"])
    assert result.outs is not None and result.outs["name"] == "Clean-up"


def test_the_clean_up_logs_in_again_as_often_as_it_must(provider: EmailRoundTripMonitorProvider,
                                                        emulator: EmulatorControl) -> None:
    # The GET after the POST fails; the DELETE that undoes the create is refused twice.
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 403, "count": 1},
                         {"endpoint": "delete", "kind": "status", "status": 401, "count": 2}])
    with pytest.raises(PermissionDenied):
        provider.create(dict(PROPS))
    assert emulator.monitors() == []


def test_the_clean_up_retries_a_500(provider: EmailRoundTripMonitorProvider,
                                    emulator: EmulatorControl) -> None:
    emulator.set_faults([{"endpoint": "get", "kind": "commit_then_garble", "count": 1},
                         {"endpoint": "delete", "kind": "status", "status": 500, "count": 2}])
    with pytest.raises(AlertSiteError, match="not JSON"):
        provider.create(dict(PROPS))
    assert emulator.monitors() == []


def test_a_monitor_the_clean_up_cannot_delete_is_named(provider: EmailRoundTripMonitorProvider,
                                                       emulator: EmulatorControl) -> None:
    emulator.set_faults([{"endpoint": "get", "kind": "commit_then_garble", "count": 1},
                         {"endpoint": "delete", "kind": "status", "status": 403}])
    with pytest.raises(UnfinishedCreateError) as unfinished:
        provider.create(dict(PROPS))
    (left,) = emulator.monitors()
    error = unfinished.value
    assert error.monitor_id == str(left["id"])
    text = str(error)
    assert f"Monitor {left['id']} ('Clean-up') was created" in text
    assert "not JSON" in text and "DELETE" in text and "HTTP 403" in text
    assert "alertsite-pulumi recover" in text and "adopt_monitor_id" in text
    assert "mailbox-secret-3" not in text
