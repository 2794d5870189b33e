"""``GET /report-sitestatus`` and the statuses ``--run-monitors`` records (through the store,
without mail servers: tests/mail runs real trips)."""

from __future__ import annotations

import requests

from alertsite_pulumi.emulator import EmulatorServer

from .helpers import INVALID_TOKEN_BODY, Api


def test_the_report_lists_each_monitors_last_status(emulator_server: EmulatorServer, api: Api) -> None:
    first = api.create_id(name="first")
    second = api.create_id(name="second")
    failed = {"code": "9104", "description": "POP3 login failed: refused", "time": "2026-01-02T03:04:05Z",
              "response_time_ms": "12", "failed_step": "pop3.login", "code_origin": "emulator"}
    assert emulator_server.store.record_status(second, failed)
    assert not emulator_server.store.record_status("999999999", failed)

    rows = api.request("GET", "/report-sitestatus").json()["results"]
    assert [r["monitor_id"] for r in rows] == [first, second]
    assert rows[0]["last_status_code"] == "0" and rows[0]["dt_last_error"] is None
    assert rows[1] == {
        "monitor_id": second, "monitor_name": "second", "monitor_type": "email-round-trip",
        "enabled": True, "last_status_code": "9104", "last_status_description": "POP3 login failed: refused",
        "dt_last_status": "2026-01-02T03:04:05Z", "dt_last_error": "2026-01-02T03:04:05Z",
        "response_time_ms": "12", "failed_step": "pop3.login", "code_origin": "emulator",
    }
    only = api.request("GET", "/report-sitestatus", params={"monitors": f"{second},nope"}).json()
    assert [r["monitor_id"] for r in only["results"]] == [second]

    # A later success keeps the time of the last error, as the report shows it.
    ok = {"code": "0", "description": "OK", "time": "2026-01-02T03:05:05Z", "code_origin": "alertsite"}
    assert emulator_server.store.record_status(second, ok)
    status = api.monitor(second)["last_status"]
    assert status["code"] == "0" and status["last_error_time"] == "2026-01-02T03:04:05Z"


def test_the_report_needs_a_token(api: Api) -> None:
    answer = requests.get(f"{api.url}/report-sitestatus", timeout=10)
    assert answer.status_code == 401 and answer.json() == INVALID_TOKEN_BODY
