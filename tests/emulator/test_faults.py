"""Faults on demand: latency, 429, 5xx, dropped connections, commit-then-drop, seeds."""

from __future__ import annotations

import time

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import Api


def test_latency_is_added_to_the_chosen_endpoint_only(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    # The rule's own count tells whether it fired: it goes down by one each time it does.
    emulator.set_faults([{"endpoint": "get", "kind": "latency", "latency_ms": 300, "count": 100}])
    assert api.list_monitors().status_code == 200
    assert emulator.faults()["rules"][0]["count"] == 100  # not fired for the list call
    started = time.monotonic()
    assert api.get(monitor_id).status_code == 200
    assert time.monotonic() - started >= 0.3  # a lower bound: a loaded runner only adds to it
    assert emulator.faults()["rules"][0]["count"] == 99


def test_latency_then_status_rules_compose(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults(
        [
            {"endpoint": "*", "kind": "latency", "latency_ms": 200},
            {"endpoint": "list", "kind": "status", "status": 503},
        ]
    )
    started = time.monotonic()
    assert api.list_monitors().status_code == 503
    assert time.monotonic() - started >= 0.2


def test_429_with_retry_after(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "list", "kind": "status", "status": 429, "retry_after": 2}])
    response = api.list_monitors()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json()["errors"][0]["code"] == 429


def test_429_without_retry_after(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "list", "kind": "status", "status": 429}])
    response = api.list_monitors()
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert response.json()["errors"][0]["code"] == 429


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_have_an_errors_body(emulator: EmulatorControl, api: Api, status: int) -> None:
    emulator.set_faults([{"endpoint": "create", "kind": "status", "status": status}])
    response = api.create()
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == status
    assert emulator.monitors() == []  # nothing was created


def test_drop_closes_the_connection_without_an_answer(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "create", "kind": "drop", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert emulator.monitors() == []
    assert api.create().status_code == 200  # the count is used up


def test_commit_then_drop_applies_the_change_but_answers_nothing(
    emulator: EmulatorControl, api: Api
) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_drop", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        api.create(name="made anyway")
    assert [m["name"] for m in emulator.monitors()] == ["made anyway"]


def test_commit_then_drop_on_delete(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    emulator.set_faults([{"endpoint": "delete", "kind": "commit_then_drop"}])
    with pytest.raises(requests.ConnectionError):
        api.delete(monitor_id)
    assert emulator.monitors() == []


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_garble"])
def test_a_commit_fault_on_a_request_that_fails_answers_its_error(
    emulator: EmulatorControl, api: Api, kind: str
) -> None:
    # An expired token: nothing is committed, so there is no answer to lose or garble.
    api.login()
    emulator.expire_tokens()
    emulator.set_faults([{"endpoint": "create", "kind": kind}])
    assert api.create().status_code == 401
    assert emulator.monitors() == []


def test_commit_then_garble_applies_the_change_and_answers_a_page(
    emulator: EmulatorControl, api: Api
) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "create", "kind": "commit_then_garble", "count": 1}])
    answer = api.create(name="made anyway")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        answer.json()
    assert [m["name"] for m in emulator.monitors()] == ["made anyway"]


def test_count_limits_how_often_a_rule_fires(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "list", "kind": "status", "status": 502, "count": 2}])
    assert [api.list_monitors().status_code for _ in range(3)] == [502, 502, 200]
    assert emulator.faults()["rules"][0]["count"] == 0


def test_star_rules_hit_login_too_but_never_the_control_surface(
    emulator: EmulatorControl, api: Api
) -> None:
    emulator.set_faults([{"endpoint": "*", "kind": "drop"}])
    with pytest.raises(requests.ConnectionError):
        api.login()
    assert emulator.requests()["by_endpoint"]["login"] == 1
    emulator.clear_faults()
    assert api.login().status_code == 200


def _statuses(emulator: EmulatorControl, api: Api, seed: int) -> list[int]:
    emulator.set_faults(
        [{"endpoint": "list", "kind": "status", "status": 503, "probability": 0.5}], seed=seed
    )
    return [api.list_monitors().status_code for _ in range(24)]


def test_same_seed_gives_the_same_fault_sequence(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    first = _statuses(emulator, api, seed=7)
    assert set(first) == {200, 503}
    assert _statuses(emulator, api, seed=7) == first
    assert _statuses(emulator, api, seed=8) != first


def test_probability_zero_never_fires(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    emulator.set_faults([{"endpoint": "list", "kind": "drop", "probability": 0}])
    assert all(api.list_monitors().status_code == 200 for _ in range(10))


def test_bad_fault_rules_are_refused_with_every_problem(emulator: EmulatorControl) -> None:
    response = requests.put(
        f"{emulator.base_url}/_emulator/faults",
        json={"rules": [{"endpoint": "nowhere", "kind": "explode", "probability": 2}]},
        timeout=5,
    )
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert len(messages) == 3
    assert any("endpoint" in m for m in messages)
    assert any("kind" in m for m in messages)
    assert any("probability" in m for m in messages)


def test_reset_clears_faults(emulator: EmulatorControl, api: Api) -> None:
    emulator.set_faults([{"endpoint": "*", "kind": "status", "status": 500}])
    emulator.reset()
    assert emulator.faults()["rules"] == []
    assert api.login().status_code == 200
