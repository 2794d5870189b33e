"""The emulator's monitor runner against what a hostile account holds or a hostile mail
server does: server URLs with a login in them, more stuck monitors than the runner has
threads, and edits or deletes while a run is stuck or in flight. The runner runs on a real
:class:`Store` against real loopback servers (:mod:`.stuck_servers`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from alertsite_pulumi.emulator.runner import MonitorRunner
from alertsite_pulumi.emulator.store import Store

from .emulator_process import wait_for


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store()
    try:
        yield store
    finally:
        store.close()


def _monitor(pop3: str, index: int, **fields: Any) -> dict[str, Any]:
    return {
        "name": f"monitor {index}", "smtp_hostname": "smtp://127.0.0.1:1", "pop3_hostname": pop3,
        "email": f"probe{index}@mail.test", "email_username": f"probe{index}",
        "email_password": f"Probe-Pw-{index}", "interval": 5, "timeout": 3, **fields,
    }


def _status(store: Store, monitor_id: str) -> dict[str, Any] | None:
    status = store.raw_monitor(monitor_id).get("last_status")
    return status if isinstance(status, dict) else None


def test_a_login_inside_a_server_url_never_reaches_the_status_the_report_or_the_log(store: Store) -> None:
    # The API refuses such URLs, but a real account (or an out-of-band edit) may hold them;
    # the probe refuses them with a reason that quotes the URL.
    monitor_id = store.seed_monitor(_monitor(
        "pop3://probe:Url-Login-Pw-1@127.0.0.1:1", 1, smtp_hostname="smtp://relay:Url-Login-Pw-2@127.0.0.1:1",
        email_password="Url-Login-Pw-1",
    ))
    lines: list[str] = []
    runner = MonitorRunner(store, time_scale=300, log=lines.append).start()
    try:
        status = wait_for("the run's status", lambda: _status(store, monitor_id), timeout=10, every=0.05)
    finally:
        runner.stop()

    assert status["code"] == "9104" and status["failed_step"] == "pop3.login"
    assert "smtp://***@127.0.0.1:1" in status["description"]  # still says which URL, and why
    shown = json.dumps([status, store.site_status(), lines])
    for secret in ("Url-Login-Pw-1", "Url-Login-Pw-2", "probe:", "relay:"):
        assert secret not in shown
