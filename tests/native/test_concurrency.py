"""Calls served at once (bounded by maxConcurrency), Cancel, and custom timeouts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2

from alertsite_pulumi.emulator import EmulatorControl

from .conftest import MONITOR_URN, Plugin

#: How long a barrier waits for the calls that should be in flight with it (a hang guard).
BARRIER_WAIT = 10.0


class BarrierAPI(ThreadingHTTPServer):
    """A tiny AlertSite stand-in whose GET of a monitor answers only when ``parties`` are waiting.

    If the plugin serves fewer calls at once than ``parties``, the barrier breaks and every
    waiting GET answers 500.
    """

    daemon_threads = True

    def __init__(self, parties: int, wait: float) -> None:
        self.barrier = threading.Barrier(parties, timeout=wait)
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v3"


class _Handler(BaseHTTPRequestHandler):
    server: BarrierAPI

    def log_message(self, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # the login
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(200, {"access_token": "barrier-token", "expires_in": 3600})

    def do_GET(self) -> None:
        try:
            self.server.barrier.wait()
        except threading.BrokenBarrierError:
            self._answer(500, {"error": "fewer calls in flight than the barrier's parties"})
            return
        monitor_id = self.path.rsplit("/", 1)[-1]
        self._answer(200, {"id": monitor_id, "type": "email-round-trip", "name": f"m{monitor_id}",
                           "billing_plancode": "UBM - A/A", "email": f"m{monitor_id}@example.com",
                           "smtp_hostname": "smtp://mx.example.com", "pop3_hostname": "pop3://pop.example.com"})


@pytest.fixture
def barrier_api() -> Iterator[Callable[..., BarrierAPI]]:
    servers: list[BarrierAPI] = []

    def make(parties: int, wait: float = BARRIER_WAIT) -> BarrierAPI:
        server = BarrierAPI(parties, wait)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def read_all(plugin: Plugin, count: int) -> list[str]:
    """``count`` Read calls sent at once, as the engine does with --parallel; their errors."""

    def read(i: int) -> str:
        try:
            plugin.stub.Read(provider_pb2.ReadRequest(id=str(1000 + i), urn=f"{MONITOR_URN}m{i}"))
        except grpc.RpcError as exc:
            return str(exc.details())
        return ""

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(read, range(count)))


def test_sixteen_calls_are_in_flight_at_once(plugin_factory: Callable[..., Plugin],
                                            barrier_api: Callable[..., BarrierAPI]) -> None:
    api = barrier_api(16)
    plugin = plugin_factory()
    plugin.configure({"baseUrl": api.api_url, "accessToken": "t", "maxRetries": 0}, secrets=())
    assert read_all(plugin, 16) == [""] * 16


def test_max_concurrency_bounds_the_calls_in_flight(plugin_factory: Callable[..., Plugin],
                                                    barrier_api: Callable[..., BarrierAPI]) -> None:
    api = barrier_api(5, wait=2.0)
    plugin = plugin_factory()
    plugin.configure({"baseUrl": api.api_url, "accessToken": "t", "maxRetries": 0, "maxConcurrency": 4},
                     secrets=())
    errors = read_all(plugin, 8)
    # Four calls wait at the barrier for a fifth that the bound holds back: the barrier breaks
    # (and stays broken for the four that follow).
    assert all("HTTP 500" in e for e in errors), errors


def _read_in_background(plugin: Plugin, monitor_id: str,
                        timeout: float = 0) -> tuple[threading.Thread, list[str]]:
    outcome: list[str] = []

    def run() -> None:
        try:
            plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "m", timeout=timeout))
            outcome.append("")
        except grpc.RpcError as exc:
            outcome.append(str(exc.details()))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_cancel_stops_a_call_waiting_to_retry(plugin: Plugin, emulator: EmulatorControl) -> None:
    monitor_id = emulator.seed_monitor({"name": "x", "email": "x@example.com"})
    plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "m"))  # logs in
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 429, "retry_after": 60}])
    emulator.reset_requests()
    thread, outcome = _read_in_background(plugin, monitor_id)
    while emulator.requests()["by_endpoint"].get("get", 0) < 1:
        thread.join(0.05)
    plugin.stub.Cancel(empty_pb2.Empty())
    thread.join(BARRIER_WAIT)  # far less than the 60 s Retry-After
    assert outcome and "Cancelled by the Pulumi engine" in outcome[0]
    assert emulator.requests()["by_endpoint"]["get"] == 1


def test_a_custom_timeout_ends_the_retries(plugin: Plugin, emulator: EmulatorControl) -> None:
    monitor_id = emulator.seed_monitor({"name": "x", "email": "x@example.com"})
    plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "m"))  # logs in
    emulator.set_faults([{"endpoint": "get", "kind": "status", "status": 503}])
    emulator.reset_requests()
    thread, outcome = _read_in_background(plugin, monitor_id, timeout=1)
    thread.join(60)
    assert outcome and "custom timeout of 1 s" in outcome[0]
    # The settings allow 6 retries within 120 s; the custom timeout stopped them first.
    assert emulator.requests()["by_endpoint"]["get"] < 7


def test_a_custom_timeout_cuts_a_request_s_own_timeout(plugin: Plugin, emulator: EmulatorControl) -> None:
    """A request started inside a custom timeout waits only for what is left of it (at least 2 s),
    not for its `requestTimeout` (30 s): an answer 5 s late comes after the read has failed."""
    monitor_id = emulator.seed_monitor({"name": "x", "email": "x@example.com"})
    plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "m"))  # logs in
    emulator.set_faults([{"endpoint": "get", "kind": "latency", "latency_ms": 5000, "count": 1}])
    emulator.reset_requests()
    thread, outcome = _read_in_background(plugin, monitor_id, timeout=1)
    thread.join(60)
    assert outcome and outcome[0] != "", "the read waited for the late answer"
    assert "custom timeout of 1 s" in outcome[0]
    assert emulator.requests()["by_endpoint"]["get"] == 1  # and no retry after the deadline


def test_cancel_lets_a_request_already_sent_finish(plugin: Plugin, emulator: EmulatorControl) -> None:
    """Ctrl-C ends waits for retries, not a request on the wire: its answer is still used."""
    monitor_id = emulator.seed_monitor({"name": "x", "email": "x@example.com"})
    plugin.stub.Read(provider_pb2.ReadRequest(id=monitor_id, urn=MONITOR_URN + "m"))  # logs in
    emulator.set_faults([{"endpoint": "get", "kind": "latency", "latency_ms": 1500, "count": 1}])
    emulator.reset_requests()
    thread, outcome = _read_in_background(plugin, monitor_id)
    while emulator.requests()["by_endpoint"].get("get", 0) < 1:
        thread.join(0.05)
    assert thread.is_alive()  # the emulator counts a request, then holds its answer 1.5 s
    plugin.stub.Cancel(empty_pb2.Empty())
    thread.join(BARRIER_WAIT)
    assert outcome == [""], outcome  # the read answered with the monitor
    assert emulator.requests()["by_endpoint"]["get"] == 1
