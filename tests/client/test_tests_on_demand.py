"""The client's tests on demand and test notifications against the emulator: a start is
never sent twice, a poll is retried as any GET, 429s are waited out."""

from __future__ import annotations

import time
from typing import Any

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import NotFound, ServerError, TransportError, UnconfirmedTestStart

from .conftest import FakeClock, body, calls


def _monitor(emulator: EmulatorControl) -> str:
    return emulator.seed_monitor(body())


def test_a_started_test_is_polled_to_its_forced_failure(make_client: Any, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="fail")
    client = make_client()
    started = client.start_test(_monitor(emulator), location_id=20)
    assert set(started) == {"id", "result_url"}
    progress: dict[str, Any] = {}
    for _ in range(20):  # a forced outcome without latency is known at once
        progress = client.poll_test(started["id"])
        if progress["progress"] != 1:
            break
        time.sleep(0.05)
    assert progress["progress"] == 3 and progress["status"] == 9104
    assert calls(emulator, "tod_start") == 1


@pytest.mark.parametrize("kind", ["commit_then_drop", "drop", "status"])
def test_a_start_whose_answer_is_lost_is_never_sent_again(
        make_client: Any, emulator: EmulatorControl, kind: str) -> None:
    client = make_client()
    monitor_id = _monitor(emulator)
    rule: dict[str, Any] = {"endpoint": "tod_start", "kind": kind, "count": 1}
    if kind == "status":
        rule["status"] = 503
    emulator.set_faults([rule])
    with pytest.raises(UnconfirmedTestStart) as lost:
        client.start_test(monitor_id)
    assert calls(emulator, "tod_start") == 1
    assert "may have started" in str(lost.value)


def test_a_429_on_start_is_waited_out_and_sent_again(
        make_client: Any, emulator: EmulatorControl, clock: FakeClock) -> None:
    client = make_client()
    monitor_id = _monitor(emulator)
    emulator.set_faults([{"endpoint": "tod_start", "kind": "status", "status": 429,
                          "retry_after": 3, "count": 2}])
    started = client.start_test(monitor_id)
    assert started["id"] and calls(emulator, "tod_start") == 3
    assert sum(clock.slept) >= 6


def test_a_poll_is_retried_after_a_lost_answer(make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    test_id = client.start_test(_monitor(emulator))["id"]
    emulator.set_faults([{"endpoint": "tod_poll", "kind": "drop", "count": 1},
                         {"endpoint": "tod_poll", "kind": "status", "status": 503, "count": 1}])
    assert client.poll_test(test_id)["progress"] == 2
    assert calls(emulator, "tod_poll") == 3
    assert client.poll_test("123")["progress"] == 0


def test_an_unknown_monitor_is_not_found(make_client: Any, emulator: EmulatorControl) -> None:
    with pytest.raises(NotFound):
        make_client().start_test("424242")


def test_a_test_notification_is_sent_once_and_never_replayed(
        make_client: Any, emulator: EmulatorControl) -> None:
    client = make_client()
    answer = client.send_test_notification({"method_id": 12, "recipient": "ops@example.com"})
    assert answer["status"] == "not sent"  # no relay in the in-process emulator
    emulator.set_faults([{"endpoint": "test_notifier", "kind": "commit_then_drop", "count": 1}])
    with pytest.raises(TransportError):
        client.send_test_notification({"method_id": 12, "recipient": "ops@example.com"})
    emulator.set_faults([{"endpoint": "test_notifier", "kind": "status", "status": 502, "count": 1}])
    with pytest.raises(ServerError):
        client.send_test_notification({"method_id": 12, "recipient": "ops@example.com"})
    assert calls(emulator, "test_notifier") == 3
    assert len(emulator.alerts()) == 2  # the 502 delivered nothing
