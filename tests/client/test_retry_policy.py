"""The retry policy on its own, with a fake clock and a seeded random source."""

from __future__ import annotations

import random

import pytest

from alertsite_pulumi.transport import UNREACHABLE_RETRIES, RetryPolicy, Throttle, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def policy(clock: FakeClock, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_429_honours_retry_after_for_every_verb() -> None:
    clock = FakeClock()
    p = policy(clock)
    for replay_safe in (True, False):
        assert p.delay(replay_safe=replay_safe, attempt=0, deadline=clock.now + 120, status=429,
                       retry_after=3) == 3


def test_429_without_retry_after_backs_off_exponentially_with_jitter() -> None:
    clock = FakeClock()
    p = policy(clock, base_delay=1, max_delay=100)
    delays = [p.delay(attempt=n, deadline=clock.now + 120, status=429) for n in range(5)]
    for n, d in enumerate(delays):
        assert d is not None
        assert 0.5 * 2**n <= d <= 2**n
    known = [d for d in delays if d is not None]
    assert known == sorted(known)


def test_backoff_is_capped() -> None:
    clock = FakeClock()
    p = policy(clock, base_delay=1, max_delay=4, max_retries=20)
    d = p.delay(attempt=10, deadline=clock.now + 120, status=503)
    assert d is not None and d <= 4


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_retry_only_what_is_safe_to_send_twice(status: int) -> None:
    clock = FakeClock()
    p = policy(clock)
    assert p.delay(replay_safe=True, attempt=0, deadline=clock.now + 120, status=status) is not None
    assert p.delay(replay_safe=False, attempt=0, deadline=clock.now + 120, status=status) is None


def test_other_errors_are_not_retried() -> None:
    clock = FakeClock()
    p = policy(clock)
    for status in (400, 401, 403, 404, 500):
        assert p.delay(attempt=0, deadline=clock.now + 120, status=status) is None


def test_lost_connection_retries_post_only_when_never_sent() -> None:
    clock = FakeClock()
    p = policy(clock)
    deadline = clock.now + 120
    assert p.delay(replay_safe=True, attempt=0, deadline=deadline, status=None) is not None
    assert p.delay(replay_safe=False, attempt=0, deadline=deadline, status=None, sent=True) is None
    assert p.delay(replay_safe=False, attempt=0, deadline=deadline, status=None, sent=False) is not None


def test_attempts_and_time_budget_end_retries() -> None:
    clock = FakeClock()
    p = policy(clock, max_retries=2, budget=10)
    deadline = p.deadline(request_timeout=5)
    assert deadline == clock.now + 10
    assert p.delay(attempt=2, deadline=deadline, status=503) is None
    clock.now += 9.5
    assert p.delay(attempt=0, deadline=deadline, status=429, retry_after=1) is None
    assert p.delay(attempt=0, deadline=deadline, status=429, retry_after=0.5) == 0.5


def test_the_budget_covers_the_requests_themselves() -> None:
    clock = FakeClock()
    p = policy(clock, budget=10)
    deadline = p.deadline(request_timeout=4)
    assert p.timeout(deadline, 4) == 4
    clock.now += 7.5  # requests and waits so far
    assert p.timeout(deadline, 4) == 2.5  # cut to what is left, not a full request timeout
    clock.now += 2
    assert p.timeout(deadline, 4) is None  # too little left to start one
    # A budget below one request timeout allows one full request, and no retry after it.
    short = p.deadline(request_timeout=30)
    assert p.timeout(short, 30) == 30


def test_a_refused_token_is_retried_at_once_only_when_a_new_login_can_help() -> None:
    clock = FakeClock()
    p = policy(clock, max_retries=3)
    deadline = clock.now + 120
    assert p.delay(attempt=0, deadline=deadline, status=401, reauth=True) == 0.0
    # Re-logins are counted apart from transient retries, and bounded on their own.
    assert p.delay(attempt=3, deadline=deadline, status=401, reauth=True, relogins=2) == 0.0
    assert p.delay(attempt=0, deadline=deadline, status=401, reauth=True,
                   relogins=p.max_relogins) is None
    assert p.delay(attempt=0, deadline=deadline, status=401) is None
    clock.now = deadline + 1
    assert p.delay(attempt=0, deadline=deadline, status=401, reauth=True) is None


def test_an_unreachable_server_is_retried_once_for_every_verb() -> None:
    clock = FakeClock()
    p = policy(clock)
    deadline = clock.now + 120
    for replay_safe in (True, False):
        for attempt in range(UNREACHABLE_RETRIES):
            assert p.delay(attempt=attempt, deadline=deadline, sent=False, unreachable=True,
                           replay_safe=replay_safe) is not None
        assert p.delay(attempt=UNREACHABLE_RETRIES, deadline=deadline, sent=False, unreachable=True,
                       replay_safe=replay_safe) is None
    # A connect timeout (never sent, but a server may be there) keeps the full policy.
    assert p.delay(attempt=3, deadline=deadline, sent=False) is not None


def test_a_clean_up_retries_a_500_too() -> None:
    clock = FakeClock()
    p = policy(clock)
    assert p.delay(attempt=0, deadline=clock.now + 120, status=500) is None
    assert p.delay(attempt=0, deadline=clock.now + 120, status=500, persistent=True) is not None


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=1767225600.0) == 10.0


def test_throttle_spaces_requests() -> None:
    clock = FakeClock()
    throttle = Throttle(4, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        throttle.wait()
    assert clock.now == pytest.approx(1001.0)
    assert Throttle(None, clock=clock, sleep=clock.sleep).rate is None
