"""Which account a stored monitor belongs to: decided from what can be verified.

The same root and login is the same account (no call); another login, or another API root
(which may reach the same account: another name of the host, the emulator on another port),
reads the monitor once: the same monitor is the same account, none or another one is another
account. A delete is never sent to an account the monitor is not in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import ADMIN
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.errors import AlertSiteError
from alertsite_pulumi.lifecycle import ACCOUNT_KEY
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

OPS = ("ops@example.com", "ops-user-password-5e1b")


def inputs(index: int, **overrides: Any) -> dict[str, Any]:
    return {"billing_plancode": "UBM - A/A", "name": f"Moved {index}",
            "smtp_hostname": "smtps://smtp.example.com", "pop3_hostname": "pop3s://pop.example.com",
            "email": f"moved-{index}@example.com", "interval": 15, **overrides}


@pytest.fixture
def provider(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch
             ) -> Callable[..., EmailRoundTripMonitorProvider]:
    for name in ("ALERTSITE_ACCESS_TOKEN", "ALERTSITE_BASE_URL", "ALERTSITE_USERNAME", "ALERTSITE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    emulator.add_user(*OPS, role="admin")

    def make(login: tuple[str, str] = ADMIN, base_url: str | None = None) -> EmailRoundTripMonitorProvider:
        made = EmailRoundTripMonitorProvider()
        made.configure(ConfigureRequest(Config(
            {"alertsite:baseUrl": base_url or emulator.api_url, "alertsite:username": login[0],
             "alertsite:password": login[1]}, "proj")))
        return made

    return make


def test_the_state_records_the_account_and_the_same_one_costs_no_call(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider().create(inputs(0))
    outs = made.outs or {}
    assert outs[ACCOUNT_KEY] == {"base_url": emulator.api_url.rstrip("/"), "username": ADMIN[0]}
    emulator.reset_requests()
    assert provider().diff(made.id, outs, inputs(0)).changes is False
    assert emulator.requests()["total"] == 0


def test_another_api_root_is_another_account(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider().create(inputs(0))
    with EmulatorServer(host="127.0.0.1", port=0) as other:      # another account, empty
        elsewhere = provider(base_url=other.control.api_url)
        diff = elsewhere.diff(made.id, made.outs or {}, inputs(0))
        assert diff.changes is True and diff.replaces == [ACCOUNT_KEY]
        emulator.reset_requests()
        elsewhere.delete(made.id, made.outs or {})                # not sent: the id is not B's
        assert [m["id"] for m in emulator.monitors()] == [made.id]
        assert other.control.requests()["by_endpoint"].get("delete", 0) == 0
        # A refresh there would tie B's monitor of that id (or none) to the resource: kept as stored.
        read = elsewhere.read(made.id, made.outs or {})
        assert (read.id, read.outs) == (made.id, made.outs)


def test_another_api_root_that_reads_the_same_monitor_is_the_same_account(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    # The main job's emulator comes back on another port with the same database; a host has
    # several names: the monitor is read through the new root, and it is the same one.
    made = provider().create(inputs(0))
    same = provider(base_url=emulator.api_url.replace("127.0.0.1", "localhost"))
    emulator.reset_requests()
    assert same.diff(made.id, made.outs or {}, inputs(0)).changes is False
    assert emulator.requests()["by_endpoint"]["get"] == 1


def test_another_login_reads_the_monitor_to_tell(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider().create(inputs(0))
    outs = made.outs or {}
    ops = provider(OPS)
    # The same monitor under that id: another user of the same account, no change.
    emulator.reset_requests()
    assert ops.diff(made.id, outs, inputs(0)).changes is False
    assert emulator.requests()["by_endpoint"]["get"] == 1
    # Another monitor under that id (another mailbox): another account's.
    emulator.edit_monitor(made.id, email="someone-else@example.com")
    assert ops.diff(made.id, outs, inputs(0)).replaces == [ACCOUNT_KEY]
    ops.delete(made.id, outs)
    assert [m["id"] for m in emulator.monitors()] == [made.id]     # never deleted
    # No monitor under that id: another account's.
    emulator.delete_monitor(made.id)
    assert ops.diff(made.id, outs, inputs(0)).replaces == [ACCOUNT_KEY]


def test_a_state_from_before_the_account_was_recorded_is_the_same_account(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider().create(inputs(0))
    old_state = {k: v for k, v in (made.outs or {}).items() if k != ACCOUNT_KEY}
    emulator.reset_requests()
    assert provider(OPS).diff(made.id, old_state, inputs(0)).changes is False
    assert emulator.requests()["total"] == 0


def test_the_same_api_root_spelled_otherwise_is_the_same_account(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    # A state made through the public API's usual spelling; the provider now spells the same
    # root with its default port, a trailing slash and an upper-case host: no move, no call
    # (nothing on loopback answers for api.alertsite.com, so any call would fail).
    public = {**inputs(0),
              ACCOUNT_KEY: {"base_url": "https://api.alertsite.com/api/v3", "username": ADMIN[0]}}
    for spelled in ("https://api.alertsite.com:443/api/v3/", "https://API.AlertSite.com/api/v3/",
                    "HTTPS://api.alertsite.com:443/api/v3"):
        there = provider(base_url=spelled)
        assert there.diff("42", public, inputs(0)).changes is False, spelled
    local = {**inputs(0), ACCOUNT_KEY: {"base_url": "http://127.0.0.1/api/v3", "username": ADMIN[0]}}
    assert provider(base_url="http://127.0.0.1:80/api/v3/")._lifecycle().account_move("42", local) is None
    # Another port is another server, asked whether it holds the monitor: nothing answers
    # there, and that is an error, never a guess either way.
    with pytest.raises(AlertSiteError):
        provider(base_url="http://127.0.0.1:9/api/v3")._lifecycle().account_move("42", local)
