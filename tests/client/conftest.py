"""Fixtures of the client tests: clients pointed at the emulator, a fake clock, monitor bodies."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from factories import ADMIN, VIEWER

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import Settings
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.transport import RetryPolicy

MAILBOX_PASSWORD = "mailbox-secret-55"


class FakeClock:
    """Monotonic time that only moves when the client sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


class MakeClient(Protocol):
    def __call__(self, user: tuple[str, str] = ADMIN, *, max_retries: int = 4, token: str | None = None,
                 base_url: str | None = None, timeout: float = 5.0, budget: float = 600,
                 real_clock: bool = False, settle_window: float | None = None,
                 share_login: bool = False) -> AlertSiteClient: ...


def body(index: int = 0, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "billing_plancode": "UBM - A/A", "name": f"Round trip {index}",
        "smtp_hostname": "smtps://smtp.example.com:465", "pop3_hostname": "pop3s://pop.example.com:995",
        "email": f"rt-{index}@example.com", "email_password": MAILBOX_PASSWORD, "interval": 15,
    }
    data.update(overrides)
    return data


def calls(emulator: EmulatorControl, kind: str) -> int:
    return int(emulator.requests()["by_endpoint"].get(kind, 0))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(emulator: EmulatorControl, clock: FakeClock) -> Iterator[MakeClient]:
    """Clients of the emulator; on the fake clock unless ``real_clock`` (time must pass for
    the server, as for a slow commit)."""
    made: list[AlertSiteClient] = []

    def make(user: tuple[str, str] = ADMIN, *, max_retries: int = 4, token: str | None = None,
             base_url: str | None = None, timeout: float = 5.0, budget: float = 600,
             real_clock: bool = False, settle_window: float | None = None,
             share_login: bool = False) -> AlertSiteClient:
        settings = Settings(base_url=base_url or emulator.api_url, username=None if token else user[0],
                            password=None if token else user[1], access_token=token,
                            request_timeout=timeout)
        retry = (RetryPolicy(max_retries=max_retries, budget=budget) if real_clock else
                 RetryPolicy(max_retries=max_retries, budget=budget, sleep=clock.sleep, clock=clock))
        client = AlertSiteClient(settings, share_login=share_login, retry=retry,
                                 settle_window=settle_window)
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger="alertsite_pulumi")
    yield
    text = caplog.text
    for secret in (ADMIN[1], VIEWER[1], MAILBOX_PASSWORD):
        assert secret not in text
    assert "Bearer" not in text
