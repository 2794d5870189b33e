"""AlertSiteClient against the emulator over real HTTP, with its fault switches and a fake clock."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from factories import ADMIN, VIEWER

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import Settings
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import (
    AlertSiteError,
    AmbiguousCreateError,
    AuthenticationError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
    UnfinishedCreateError,
)

from .conftest import FakeClock, body, calls


def test_create_get_list_update_delete(make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    monitor_id = client.create_round_trip_monitor(body())
    monitor = client.get_monitor(monitor_id)
    assert monitor["id"] == monitor_id
    assert monitor["interval"] == 15 and monitor["timeout"] == 300  # sent back as strings, coerced
    assert monitor["locations"] == [10, 20] and monitor["enabled"] is True
    assert "email_password" not in monitor
    client.update_round_trip_monitor(monitor_id, {"interval": 30})
    assert client.get_monitor(monitor_id, select=["interval"]) == {"interval": 30, "id": monitor_id}
    assert [m["id"] for m in client.list_monitors()] == [monitor_id]
    assert client.delete_monitor(monitor_id) is True
    assert client.delete_monitor(monitor_id) is False
    with pytest.raises(NotFound):
        client.delete_monitor(monitor_id, missing_ok=False)


def test_list_follows_pages_and_accepts_a_bare_array(make_client: Any, emulator: EmulatorControl) -> None:
    for i in range(25):
        emulator.seed_monitor(body(i))
    client = make_client()
    emulator.reset_requests()
    assert len(client.list_monitors(page_size=10)) == 25
    assert calls(emulator, "list") == 3
    emulator.update_settings(list_envelope="bare")
    assert len(client.list_monitors(page_size=10)) == 25


def test_every_error_class(make_client: Any, emulator: EmulatorControl) -> None:
    with pytest.raises(AuthenticationError) as bad_login:
        make_client(("admin@example.com", "wrong-password")).list_monitors()
    assert bad_login.value.status == 400
    assert "User authentication failed" in str(bad_login.value)
    assert "wrong-password" not in str(bad_login.value)

    with pytest.raises(AuthenticationError) as bad_token:
        make_client(token="0" * 32).list_monitors()
    assert bad_token.value.status == 401

    with pytest.raises(PermissionDenied) as denied:
        make_client(VIEWER).create_round_trip_monitor(body())
    assert denied.value.status == 403 and "Power User" in str(denied.value)

    client = make_client()
    with pytest.raises(NotFound) as missing:
        client.get_monitor("999999")
    assert "Record not found" in str(missing.value) and "GET /monitors/999999" in str(missing.value)

    with pytest.raises(InvalidRequest) as invalid:
        client.create_round_trip_monitor(body(interval=7, email="nope"))
    assert len(invalid.value.messages) == 2
    assert any("interval" in m for m in invalid.value.messages)

    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 429}])
    with pytest.raises(RateLimited):
        client.get_monitor("1")
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 500}])
    with pytest.raises(ServerError) as server:
        client.get_monitor("1")
    assert server.value.status == 500
    emulator.clear_faults()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(TransportError) as transport:
        make_client(base_url=f"http://127.0.0.1:{closed_port}/api/v3", max_retries=1).login()
    assert "connection refused" in str(transport.value)
    for error in (bad_login.value, denied.value, transport.value):
        assert isinstance(error, AlertSiteError)
        assert ADMIN[1] not in repr(error) + str(error)


def test_relogin_on_401_and_ahead_of_expiry(make_client: Any, emulator: EmulatorControl,
                                                  clock: FakeClock) -> None:
    client = make_client()
    client.list_monitors()
    assert client.tokens.logins == 1
    emulator.expire_tokens()
    client.list_monitors()  # 401, one new login, the call retried
    assert client.tokens.logins == 2
    clock.now += 3600  # the token's hour is up: renewed before the call, not after a 401
    emulator.reset_requests()
    client.list_monitors()
    assert client.tokens.logins == 3
    assert emulator.requests()["by_endpoint"]["list"] == 1


def test_ten_threads_meeting_a_401_cause_one_login(emulator: EmulatorControl) -> None:
    settings = Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1])
    clients = [AlertSiteClient(settings) for _ in range(2)]  # shared login across clients
    monitor_id = clients[0].create_round_trip_monitor(body())
    emulator.expire_tokens()
    emulator.reset_requests()
    barrier = threading.Barrier(10)

    def read(i: int) -> str:
        barrier.wait()
        return str(clients[i % 2].get_monitor(monitor_id)["id"])

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(read, range(10))) == [monitor_id] * 10
    assert calls(emulator, "login") == 1


@pytest.mark.parametrize("retry_after", [2, None])
def test_429_is_retried_with_and_without_retry_after(make_client: Any, emulator: EmulatorControl,
                                                     clock: FakeClock, retry_after: int | None) -> None:
    client = make_client()
    monitor_id = client.create_round_trip_monitor(body())
    rule: dict[str, Any] = {"endpoint": "get", "kind": "status", "status": 429, "count": 2}
    if retry_after is not None:
        rule["retry_after"] = retry_after
    emulator.set_faults([rule])
    assert client.get_monitor(monitor_id)["id"] == monitor_id
    assert len(clock.slept) == 2
    if retry_after is not None:
        assert clock.slept == [2.0, 2.0]
    else:
        assert 0.25 <= clock.slept[0] <= 0.5 and 0.5 <= clock.slept[1] <= 1.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_for_idempotent_calls(make_client: Any, emulator: EmulatorControl,
                                                         status: int) -> None:
    client = make_client()
    monitor_id = client.create_round_trip_monitor(body())
    for endpoint in ("get", "update", "delete"):
        emulator.set_faults([{"endpoint": endpoint, "kind": "status", "status": status, "count": 1}])
        if endpoint == "get":
            client.get_monitor(monitor_id)
        elif endpoint == "update":
            client.update_round_trip_monitor(monitor_id, {"interval": 30})
        else:
            assert client.delete_monitor(monitor_id) is True
    assert emulator.monitors() == []


@pytest.mark.parametrize("rule", [{"kind": "status", "status": 503}, {"kind": "drop"}])
def test_the_login_is_retried_after_a_503_or_a_lost_connection(
        make_client: Any, emulator: EmulatorControl, rule: dict[str, Any]) -> None:
    emulator.set_faults([{"endpoint": "login", "count": 1, **rule}])
    client = make_client()
    assert client.list_monitors() == []
    assert calls(emulator, "login") == 2 and client.tokens.logins == 1


def test_dropped_connection_on_get_is_retried(make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    monitor_id = client.create_round_trip_monitor(body())
    emulator.set_faults([{"endpoint": "get", "kind": "drop", "count": 1}])
    assert client.get_monitor(monitor_id)["id"] == monitor_id


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_garble", "status"])
def test_a_create_whose_answer_is_lost_yields_exactly_one_monitor(
        make_client: Any, emulator: EmulatorControl, kind: str) -> None:
    client = make_client()
    rule: dict[str, Any] = {"endpoint": "create", "kind": kind, "count": 1}
    if kind == "status":
        rule["status"] = 503
    emulator.set_faults([rule])
    monitor_id = client.create_round_trip_monitor(body())
    monitors = emulator.monitors()
    assert [str(m["id"]) for m in monitors] == [monitor_id]
    # A 503 made nothing, which one look-up verified: only then is the POST sent again. The
    # others made the monitor (the garbled one answered 200 with a page that is not JSON).
    assert calls(emulator, "create") == (2 if kind == "status" else 1)
    assert calls(emulator, "list") == 1


def test_a_create_whose_connection_is_lost_is_never_sent_again(
        make_client: Any, emulator: EmulatorControl, clock: FakeClock) -> None:
    # The connection closed after sending: the server may still make the monitor, so a second
    # POST could make two. The client looks for it over the settle window, then fails closed.
    client = make_client(settle_window=5)
    emulator.set_faults([{"endpoint": "create", "kind": "drop", "count": 1}])
    with pytest.raises(UnfinishedCreateError) as unfinished:
        client.create_round_trip_monitor(body())
    assert calls(emulator, "create") == 1 and emulator.monitors() == []
    assert calls(emulator, "list") >= 3 and clock.now >= 5  # looked again over the window
    error = unfinished.value
    assert error.monitor_id is None
    text = str(error)
    assert "'Round trip 0'" in text and "connection lost" in text and "within 5 s" in text
    assert "not sent again" in text and "pulumi up" in text and "alertsite-pulumi recover" in text
    assert "duplicated" not in text


def test_a_server_error_says_nothing_was_duplicated_only_when_a_look_up_verified_it(
        make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client(max_retries=2)
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 503}])
    with pytest.raises(ServerError) as plain:
        client.get_monitor("1")
    assert "duplicated" not in str(plain.value)
    # Every create answered 503, and a look-up after each found nothing: verified.
    emulator.set_faults([{"endpoint": "create", "kind": "status", "status": 503}])
    emulator.reset_requests()
    with pytest.raises(ServerError) as verified:
        client.create_round_trip_monitor(body())
    assert "found no monitor made by it: nothing was created or duplicated" in str(verified.value)
    assert calls(emulator, "create") == 3 and calls(emulator, "list") == 3
    assert emulator.monitors() == []


def test_a_failed_look_up_says_what_is_unknown_and_what_to_run(make_client: Any,
                                                               emulator: EmulatorControl) -> None:
    client = make_client(max_retries=2)
    client.login()
    emulator.set_faults([{"endpoint": "create", "kind": "status", "status": 503, "count": 1},
                         {"endpoint": "list", "kind": "status", "status": 503}])
    with pytest.raises(UnfinishedCreateError) as unknown:
        client.create_round_trip_monitor(body())
    text = str(unknown.value)
    assert "AlertSite answered 503" in text and "GET /monitors -> HTTP 503" in text
    assert "Whether AlertSite made it is unknown" in text
    assert "pulumi up" in text and "alertsite-pulumi recover" in text
    assert "duplicated" not in text
    assert calls(emulator, "create") == 1


def test_several_candidates_are_refused_by_name(make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    first = emulator.seed_monitor(body())
    second = emulator.seed_monitor(body())
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_drop", "count": 1}])
    with pytest.raises(AmbiguousCreateError) as ambiguous:
        client.create_round_trip_monitor(body())
    text = str(ambiguous.value)
    assert "3 monitors match it" in text and first in text and second in text
    assert len(emulator.monitors()) == 3  # nothing more was made, nothing deleted


def test_an_old_monitor_with_the_same_name_is_not_adopted(make_client: Any,
                                                           emulator: EmulatorControl) -> None:
    old = emulator.seed_monitor(body())
    emulator.edit_monitor(old, created="2020-01-01T00:00:00Z")
    emulator.set_faults([{"endpoint": "create", "kind": "status", "status": 503, "count": 1}])
    new_id = make_client().create_round_trip_monitor(body())
    assert new_id != old
    assert len(emulator.monitors()) == 2


def test_post_is_never_repeated_after_a_5xx_when_the_monitor_exists(
        make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_drop", "count": 3}])
    ids = {client.create_round_trip_monitor(body(i)) for i in range(3)}
    assert len(ids) == 3
    assert len(emulator.monitors()) == 3
    assert calls(emulator, "create") == 3


def test_client_repr_and_errors_hold_no_credentials(make_client: Any) -> None:
    client = make_client()
    client.login()
    token = client.tokens._token
    assert token is not None and len(token) == 32
    for text in (repr(client), repr(client.settings), str(client.settings), repr(client.tokens)):
        assert ADMIN[1] not in text and token not in text


def test_user_agent_names_the_package_version() -> None:
    from alertsite_pulumi.client import AlertSiteClient
    from alertsite_pulumi.config import Settings
    from alertsite_pulumi.version import __version__

    client = AlertSiteClient(Settings(base_url="http://127.0.0.1:9"))
    assert client.session.headers["User-Agent"] == f"alertsite-pulumi/{__version__}"
