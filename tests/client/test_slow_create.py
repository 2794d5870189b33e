"""A create whose answer comes after the request timeout: the server commits late.

These run on the real clock: the emulator must have time to commit while the client looks.
Their margins are seconds wide, and nothing asserts how long anything took.
"""

from __future__ import annotations

import time

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import UnfinishedCreateError

from .conftest import MakeClient, body, calls


def wait_for_monitors(emulator: EmulatorControl, count: int, within: float = 30.0) -> None:
    ends = time.monotonic() + within
    while len(emulator.monitors()) < count and time.monotonic() < ends:
        time.sleep(0.1)


def test_a_slow_create_is_adopted_when_it_commits_within_the_settle_window(
        make_client: MakeClient, emulator: EmulatorControl) -> None:
    # The POST times out after 0.3 s; AlertSite commits at 0.8 s. The look-up right after the
    # timeout finds nothing, yet the POST must not be sent again: the look-ups go on.
    emulator.set_faults([{"endpoint": "create", "kind": "latency", "latency_ms": 800, "count": 1}])
    client = make_client(timeout=0.3, settle_window=10, real_clock=True)
    monitor_id = client.create_round_trip_monitor(body())
    assert [str(m["id"]) for m in emulator.monitors()] == [monitor_id]
    assert calls(emulator, "create") == 1
    assert calls(emulator, "list") >= 2


def test_a_create_still_uncommitted_after_the_settle_window_fails_closed(
        make_client: MakeClient, emulator: EmulatorControl) -> None:
    emulator.set_faults([{"endpoint": "create", "kind": "latency", "latency_ms": 4000, "count": 1}])
    client = make_client(timeout=0.3, settle_window=0.5, real_clock=True)
    with pytest.raises(UnfinishedCreateError) as unfinished:
        client.create_round_trip_monitor(body())
    assert calls(emulator, "create") == 1  # not sent again
    text = str(unfinished.value)
    assert "timed out" in text and "not sent again" in text and "may still make it" in text
    assert "pulumi up" in text and "alertsite-pulumi recover" in text
    # The one POST commits later: one monitor, never two.
    wait_for_monitors(emulator, 1)
    assert len(emulator.monitors()) == 1
