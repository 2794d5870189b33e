"""Tests on demand (``GET /tests``, ``GET /tests/{id}``) and test notifications
(``POST /test-notifiers``) over real HTTP: forced outcomes, the real probe against a closed
loopback port, a real webhook receiver on loopback, faults on ``tod_start``."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.runner import MonitorRunner

from .helpers import NOT_FOUND_BODY, Api, field_errors

POLLS = 100
POLL_S = 0.05


def start(api: Api, monitor_id: str, **params: str) -> requests.Response:
    return api.request("GET", "/tests", params={"monitor_id": monitor_id, **params})


def started_id(api: Api, monitor_id: str) -> str:
    answer = start(api, monitor_id)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"id", "result_url"} and isinstance(body["id"], str)
    assert body["result_url"].endswith(f"/api/v3/tests/{body['id']}")
    return str(body["id"])


def poll_until_done(api: Api, test_id: str, seconds: float = 10.0) -> dict[str, Any]:
    """Poll until the progress is not 1: at most :data:`POLLS` polls and ``seconds``."""
    end = time.monotonic() + seconds
    for _ in range(POLLS):
        answer = api.request("GET", f"/tests/{test_id}")
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        if body["progress"] != 1 or time.monotonic() > end:
            return body
        time.sleep(POLL_S)
    return body


@pytest.mark.parametrize(("outcome", "expected"), [
    ("ok", {"progress": 2, "progress_desc": "Test Successful", "status": 0,
            "status_desc": "Site is OK Now!"}),
    ("timeout", {"progress": 3, "progress_desc": "Test Failed", "status": 2}),
    ("fail", {"progress": 3, "progress_desc": "Test Failed", "status": 9104}),
])
def test_a_forced_outcome_is_in_progress_for_its_latency_then_known(
        api: Api, emulator: EmulatorControl, outcome: str, expected: dict[str, Any]) -> None:
    emulator.update_settings(tod_outcome=outcome, tod_latency_s=0.3)
    monitor_id = api.create_id()
    test_id = started_id(api, monitor_id)
    first = api.request("GET", f"/tests/{test_id}").json()
    assert first == {"progress": 1, "progress_desc": "Test In Progress", "status": -1, "status_desc": ""}
    done = poll_until_done(api, test_id)
    assert {k: done[k] for k in expected} == expected
    assert isinstance(done["status_desc"], str) and done["status_desc"]


def test_without_the_runner_a_real_test_is_ok_and_changes_no_status(
        api: Api, emulator: EmulatorControl) -> None:
    monitor_id = api.create_id()
    done = poll_until_done(api, started_id(api, monitor_id))
    assert done["progress"] == 2 and done["status"] == 0
    assert api.monitor(monitor_id)["last_status"] is None
    assert emulator.alerts() == []


def test_the_real_probe_runs_once_and_reports_its_code_without_touching_the_monitor(
        api: Api, emulator: EmulatorControl, emulator_server: EmulatorServer) -> None:
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    runner = MonitorRunner(emulator_server.store)
    emulator_server.store.on_demand.probe = runner.test_once
    try:
        monitor_id = api.create_id(smtp_hostname=f"smtp://127.0.0.1:{port}",
                                   pop3_hostname=f"pop3://127.0.0.1:{port}",
                                   email_username="rt", email_password="mailbox-pass-1", timeout=10)
        done = poll_until_done(api, started_id(api, monitor_id))
    finally:
        emulator_server.store.on_demand.probe = None
    assert done["progress"] == 3 and done["status"] == 1, done
    assert "mailbox-pass-1" not in json.dumps(done)
    assert api.monitor(monitor_id)["last_status"] is None
    assert emulator.alerts() == []


def test_never_ends_stays_in_progress_and_unknown_ids_are_not_found(
        api: Api, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="never-ends")
    test_id = started_id(api, api.create_id())
    for _ in range(3):
        assert api.request("GET", f"/tests/{test_id}").json()["progress"] == 1
    for unknown in ("1", "999999999", "abc"):
        answer = api.request("GET", f"/tests/{unknown}")
        assert answer.status_code == 200
        assert answer.json() == {"progress": 0, "progress_desc": "Test Not Found", "status": -1,
                                 "status_desc": ""}


def test_a_round_trip_test_that_is_not_pollable_polls_as_not_found(
        api: Api, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_pollable=False)
    test_id = started_id(api, api.create_id())
    assert api.request("GET", f"/tests/{test_id}").json()["progress"] == 0


@pytest.mark.parametrize(("shape", "key", "kind"), [("id-integer", "id", int), ("test_id", "test_id", str)])
def test_the_start_answer_shape_is_a_switch(api: Api, emulator: EmulatorControl, shape: str, key: str,
                                            kind: type) -> None:
    emulator.update_settings(tod_start_shape=shape)
    body = start(api, api.create_id()).json()
    assert set(body) == {key, "result_url"} and isinstance(body[key], kind)


def test_start_refuses_an_unknown_monitor_a_missing_id_a_bad_location_and_a_viewer(
        api: Api, viewer: Api) -> None:
    missing = start(api, "424242")
    assert missing.status_code == 404 and missing.json() == NOT_FOUND_BODY
    assert field_errors(api.request("GET", "/tests")) == [(["monitor_id"], "required and is empty")]
    monitor_id = api.create_id()
    assert field_errors(start(api, monitor_id, location_id="77"))[0][0] == ["location_id"]
    assert start(api, monitor_id, location_id="20").status_code == 200
    assert start(viewer, monitor_id).status_code == 403


def test_a_429_on_tod_start_is_answered_and_a_lost_answer_started_the_test_once(
        api: Api, emulator: EmulatorControl) -> None:
    monitor_id = api.create_id()
    emulator.set_faults([{"endpoint": "tod_start", "kind": "status", "status": 429,
                          "retry_after": 1, "count": 1}])
    limited = start(api, monitor_id)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    emulator.set_faults([{"endpoint": "tod_start", "kind": "commit_then_drop", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        start(api, monitor_id)
    counts = emulator.requests()["by_endpoint"]
    assert counts["tod_start"] == 2
    # The 429 started nothing; the dropped answer's test did start: it is the id before the next.
    next_id = int(started_id(api, monitor_id))
    assert api.request("GET", f"/tests/{next_id - 1}").json()["progress"] == 2


class Receiver:
    """A real webhook receiver on loopback: keeps each POST's headers and JSON body."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], dict[str, Any]]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append((dict(self.headers), json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()
    hook.thread.join(timeout=5)


def test_a_test_notification_posts_to_a_webhook_with_basic_auth_and_is_logged_without_password(
        api: Api, emulator: EmulatorControl, receiver: Receiver) -> None:
    answer = api.request("POST", "/test-notifiers", json={
        "method_id": 16, "recipient": receiver.url, "username": "hook", "password": "hook-secret-9",
        "location_id": 20})
    assert answer.status_code == 200 and answer.json() == {"status": "sent"}
    assert len(receiver.posts) == 1
    headers, payload = receiver.posts[0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"hook:hook-secret-9").decode()
    assert payload["source"] == "AlertSite" and payload["location_num"] == "20"
    alerts = emulator.alerts()
    assert len(alerts) == 1 and alerts[0]["test"] is True and alerts[0]["outcome"] == "sent"
    assert "hook-secret-9" not in json.dumps(alerts) and "hook-secret-9" not in answer.text


def test_a_test_notification_needs_method_and_recipient_and_says_why_it_was_not_sent(
        api: Api, emulator: EmulatorControl) -> None:
    problems = field_errors(api.request("POST", "/test-notifiers", json={}))
    assert [fields for fields, _ in problems] == [["method_id"], ["recipient"]]
    no_such_method = {"method_id": 7, "recipient": "a@example.com"}
    assert field_errors(api.request("POST", "/test-notifiers", json=no_such_method))[0][0] == ["method_id"]
    # No --alert-smtp relay in this emulator: an e-mail test is recorded as not sent.
    answer = api.request("POST", "/test-notifiers", json={"method_id": 12, "recipient": "a@example.com"})
    assert answer.status_code == 200 and answer.json()["status"] == "not sent"
    assert "--alert-smtp" in answer.json()["reason"]
    assert [a["test"] for a in emulator.alerts()] == [True]


def test_a_test_that_outlives_its_timeout_fails_with_code_2_and_at_most_16_run_at_once(
        api: Api, emulator: EmulatorControl, emulator_server: EmulatorServer) -> None:
    release = threading.Event()
    calls: list[str] = []

    def stuck_probe(record: dict[str, Any]) -> dict[str, Any]:
        calls.append(str(record["id"]))
        release.wait(10)  # bounded: the test releases it, or it ends by itself
        return {"code": "0", "description": "late"}

    emulator_server.store.on_demand.probe = stuck_probe
    try:
        monitor_id = api.create_id()
        emulator.edit_monitor(monitor_id, timeout=1)  # out of band: below the API's minimum
        began = time.monotonic()
        first = started_id(api, monitor_id)
        assert time.monotonic() - began < 1  # the start never waits for the trip
        ids = [started_id(api, monitor_id) for _ in range(15)]
        refused = start(api, monitor_id)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
        done = poll_until_done(api, first, seconds=5)
        assert done["progress"] == 3 and done["status"] == 2, done
        assert time.monotonic() - began < 5
    finally:
        release.set()
        emulator_server.store.on_demand.probe = None
    # The late outcome of an abandoned test is dropped: it stays a timeout.
    assert api.request("GET", f"/tests/{first}").json()["status"] == 2
    assert len(calls) == 16 and len(ids) == 15


def test_bad_test_on_demand_settings_are_refused(emulator: EmulatorControl) -> None:
    for change in ({"tod_outcome": "maybe"}, {"tod_latency_s": -1}, {"tod_pollable": "yes"},
                   {"tod_start_shape": "url"}):
        refused = requests.patch(f"{emulator.base_url}/_emulator/settings", json=change, timeout=10)
        assert refused.status_code == 400 and next(iter(change)) in refused.text
