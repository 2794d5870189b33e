"""The client's own log lines (what ALERTSITE_LOG_LEVEL shows): every call with its status, the
login by user name, retries and lost answers; never a password, a token, a request body or a
query string (the README's debugging section)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from factories import ADMIN

from alertsite_pulumi.emulator import EmulatorControl

from .conftest import MAILBOX_PASSWORD, body


def test_log_lines_name_calls_and_hold_no_secret_body_or_query(
        make_client: Any, emulator: EmulatorControl, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="alertsite_pulumi")
    client = make_client()
    note = "a note only the request body holds"
    monitor_id = client.create_round_trip_monitor(body(note=note))
    client.get_monitor(monitor_id, select=["interval", "note"])
    emulator.set_faults([{"endpoint": "list", "kind": "status", "status": 429, "count": 1}])
    client.list_monitors(page_size=7)
    emulator.set_faults([{"endpoint": "get", "kind": "drop", "count": 1}])
    client.get_monitor(monitor_id)
    client.update_round_trip_monitor(monitor_id, {"note": "a changed note", "email_password": "new-Secret-8"})
    token = client.tokens.get(lambda: "unused")
    text = caplog.text
    assert f"logged in to AlertSite as {ADMIN[0]}" in text
    assert "POST /monitors/email-round-trip -> 200" in text
    assert f"GET /monitors/{monitor_id} -> 200" in text
    assert "-> 429; retrying in" in text and "-> no answer" in text
    for secret in (ADMIN[1], MAILBOX_PASSWORD, "new-Secret-8", token):
        assert secret not in text
    assert note not in text and "a changed note" not in text  # no body
    assert "?" not in text and "select" not in text and "limit" not in text  # no query string
