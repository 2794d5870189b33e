"""What the client does when there is no answer to be had, or one it must not follow:
DNS failure, refused connection, a wrong API root, redirects, an untrusted certificate, a
spent budget."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from factories import ADMIN
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import ConfigurationError, NotFound, RateLimited, TransportError
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

from .conftest import FakeClock, MakeClient, body, calls
from .servers import RedirectServer, TinyApiHandler, serving


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_dns_failure_is_reported_as_one(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(base_url="https://alertsite-test.invalid/api/v3", max_retries=6)
    with pytest.raises(TransportError) as failed:
        client.login()
    text = str(failed.value)
    assert "DNS lookup failed" in text and "'alertsite-test.invalid'" in text
    assert "refused" not in text
    assert len(clock.slept) == 1  # never reached a server: one quick retry, not six


def test_a_refused_connection_is_retried_once_not_six_times(make_client: MakeClient, clock: FakeClock,
                                                             closed_port: int) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{closed_port}/api/v3", max_retries=6)
    with pytest.raises(TransportError) as failed:
        client.list_monitors()
    assert "connection refused" in str(failed.value)
    assert len(clock.slept) == 1 and clock.now <= 1.0


def test_a_404_on_the_login_names_the_base_url_not_a_deleted_monitor(
        make_client: MakeClient, emulator: EmulatorControl) -> None:
    client = make_client(base_url=emulator.base_url + "/not-the-api")
    with pytest.raises(ConfigurationError) as failed:
        client.list_monitors()
    text = str(failed.value)
    assert "POST /access-tokens -> HTTP 404" in text and "alertsite:baseUrl" in text
    assert "deleted" not in text and not isinstance(failed.value, NotFound)


def test_a_refresh_against_a_wrong_api_root_fails_instead_of_dropping_the_monitor(
        emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> None:
    # read() treats NotFound as "the monitor is gone" and drops it from the state: a login
    # that found no API must not look like that.
    for name in ("ALERTSITE_ACCESS_TOKEN", "ALERTSITE_RETRY_BUDGET", "ALERTSITE_MAX_RETRIES"):
        monkeypatch.delenv(name, raising=False)
    monitor_id = emulator.seed_monitor(body())
    provider = EmailRoundTripMonitorProvider()
    provider.configure(ConfigureRequest(Config({
        "alertsite:baseUrl": emulator.base_url + "/not-the-api", "alertsite:username": ADMIN[0],
        "alertsite:password": ADMIN[1]}, "alertsite")))
    with pytest.raises(ConfigurationError):
        provider.read(monitor_id, body())


def test_redirects_are_not_followed(make_client: MakeClient, emulator: EmulatorControl) -> None:
    with serving(RedirectServer(emulator.base_url)) as root:
        client = make_client(base_url=root + "/api/v3")
        with pytest.raises(ConfigurationError) as failed:
            client.list_monitors()
    text = str(failed.value)
    assert "redirect" in text and "HTTP 307" in text and "alertsite:baseUrl" in text
    assert f"to {emulator.base_url}/api/v3/access-tokens" in text
    assert "sensitive-query" not in text  # a Location's query is never repeated
    # The login (a POST with the password) went nowhere but the redirecting server.
    assert calls(emulator, "login") == 0 and calls(emulator, "list") == 0


@pytest.fixture(scope="module")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_root(test_ca: trustme.CA) -> Iterator[str]:
    """An HTTPS API on loopback whose certificate comes from a CA nobody trusts by default."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), TinyApiHandler), tls=context) as root:
        yield root


def test_tls_is_verified(make_client: MakeClient, clock: FakeClock, https_root: str,
                         test_ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = make_client(base_url=https_root + "/api/v3", max_retries=6)
    with pytest.raises(TransportError) as refused:
        client.list_monitors()
    text = str(refused.value)
    assert "TLS failure" in text and "not trusted" in text and "REQUESTS_CA_BUNDLE" in text
    assert clock.slept == []  # no retry can make an untrusted certificate trusted
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    trusted = make_client(base_url=https_root + "/api/v3")
    assert trusted.list_monitors() == []


def test_the_budget_covers_the_time_requests_take(make_client: MakeClient, emulator: EmulatorControl,
                                                  clock: FakeClock) -> None:
    client = make_client(budget=5, timeout=5, max_retries=10)
    monitor_id = client.create_round_trip_monitor(body())
    # Three 429s with Retry-After: 1 spend 3 s of the 5; the fourth GET takes 3 s to answer.
    # Its timeout is cut to the 2 s that are left, so the call ends within its budget.
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 429, "retry_after": 1, "count": 3},
                         {"endpoint": "get", "kind": "latency", "latency_ms": 3000, "count": 1}])
    with pytest.raises(TransportError) as spent:
        client.get_monitor(monitor_id)
    assert "timed out" in str(spent.value)
    assert clock.slept == [1.0, 1.0, 1.0]
    assert calls(emulator, "get") == 4


def test_a_login_inside_a_call_spends_the_call_s_budget(make_client: MakeClient, emulator: EmulatorControl,
                                                        clock: FakeClock) -> None:
    client = make_client(budget=5, timeout=1, max_retries=10)
    client.login()
    # 3 s of waits, then the token is refused and the login meets 429s: the login may only
    # use the 2 s left of the call's budget, not a budget of its own.
    slow_down = {"kind": "status", "status": 429, "retry_after": 1}
    emulator.set_faults([{"endpoint": "list", **slow_down, "count": 3},
                         {"endpoint": "list", "kind": "status", "status": 401, "count": 1},
                         {"endpoint": "login", **slow_down, "count": 8}])
    with pytest.raises(RateLimited):
        client.list_monitors()
    assert sum(clock.slept) <= 5
    assert calls(emulator, "login") <= 3
