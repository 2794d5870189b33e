"""Tokens refused again and again: new logins as often as the budget allows, for every call."""

from __future__ import annotations

import uuid

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import AuthenticationError

from .conftest import FakeClock, MakeClient, body, calls


def test_a_call_refused_several_times_logs_in_again_each_time(
        make_client: MakeClient, emulator: EmulatorControl, clock: FakeClock) -> None:
    client = make_client(max_retries=6)
    monitor_id = client.create_round_trip_monitor(body())
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 401, "count": 3}])
    emulator.reset_requests()
    assert client.get_monitor(monitor_id)["id"] == monitor_id
    assert calls(emulator, "login") == 3 and calls(emulator, "get") == 4
    assert clock.slept == []  # a new login is the cure: no wait before it


def test_a_refused_relogin_is_tried_again(make_client: MakeClient, emulator: EmulatorControl) -> None:
    client = make_client()
    monitor_id = client.create_round_trip_monitor(body())
    # The call is refused, and so is the login that follows (401; a wrong password is 400).
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 401, "count": 1},
                         {"endpoint": "login", "kind": "status", "status": 401, "count": 1}])
    assert client.get_monitor(monitor_id)["id"] == monitor_id
    assert calls(emulator, "login") == 3  # the first login, the refused one, the one that worked


def test_tokens_refused_forever_end_after_max_relogins(make_client: MakeClient,
                                                       emulator: EmulatorControl) -> None:
    client = make_client(max_retries=1)
    client.login()
    emulator.set_faults([{"endpoint": "list", "kind": "status", "status": 401}])
    emulator.reset_requests()
    with pytest.raises(AuthenticationError) as refused:
        client.list_monitors()
    assert refused.value.status == 401
    relogins = client.retry.max_relogins
    assert relogins == 10  # the README: at most 10 new logins a call
    assert calls(emulator, "list") == relogins + 1 and calls(emulator, "login") == relogins


def test_token_expiries_do_not_use_up_the_retries_of_transient_failures(
        make_client: MakeClient, emulator: EmulatorControl) -> None:
    # One retry allowed: a 503 takes it; three refused tokens (expiring tokens, not failures)
    # are each cured by a new login all the same.
    client = make_client(max_retries=1)
    monitor_id = client.create_round_trip_monitor(body())
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 401, "count": 3},
                         {"endpoint": "get", "kind": "status", "status": 503, "count": 1}])
    emulator.reset_requests()
    assert client.get_monitor(monitor_id)["id"] == monitor_id
    assert calls(emulator, "get") == 5 and calls(emulator, "login") == 3


def test_a_wrong_password_is_not_tried_again(make_client: MakeClient, emulator: EmulatorControl) -> None:
    with pytest.raises(AuthenticationError):
        make_client(("admin@example.com", "wrong-password"), max_retries=6).list_monitors()
    assert calls(emulator, "login") == 1  # 400: retrying could lock the account


def test_a_ready_made_token_refused_is_not_retried(make_client: MakeClient,
                                                    emulator: EmulatorControl) -> None:
    with pytest.raises(AuthenticationError):
        make_client(token="0" * 32, max_retries=6).list_monitors()
    assert calls(emulator, "list") == 1 and calls(emulator, "login") == 0


def test_a_second_client_sharing_the_login_logs_in_with_its_own_session_and_timeout(
        make_client: MakeClient, emulator: EmulatorControl) -> None:
    # Credentials of their own, so that no other test's client made the shared token manager.
    user = (f"share-{uuid.uuid4().hex[:8]}@example.com", "share-login-password")
    emulator.add_user(*user)
    first = make_client(user, timeout=0.2, max_retries=0, share_login=True, real_clock=True)
    second = make_client(user, timeout=10, max_retries=0, share_login=True, real_clock=True)
    assert first.tokens is second.tokens  # one login for both
    # A login that takes 1 s: beyond the first client's timeout, well within the second's.
    emulator.set_faults([{"endpoint": "login", "kind": "latency", "latency_ms": 1000, "count": 1}])
    assert second.list_monitors() == []
    assert calls(emulator, "login") == 1
    emulator.reset_requests()
    assert first.list_monitors() == []  # the token is shared: no second login
    assert calls(emulator, "login") == 0
