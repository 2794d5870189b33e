"""``GET /report-sitestatus`` and the statuses ``--run-monitors`` records (through the store,
without mail servers: tests/mail runs real trips)."""

from __future__ import annotations

from pathlib import Path

import requests

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.store import Store

from .helpers import INVALID_TOKEN_BODY, Api

FAILED = {"code": "9104", "description": "POP3 login failed: refused", "time": "2026-01-02T03:04:05Z",
          "response_time_ms": "12", "failed_step": "pop3.login", "code_origin": "emulator"}


def test_the_report_carries_the_names_real_callers_read(emulator_server: EmulatorServer, api: Api) -> None:
    first = api.create_id(name="first")
    second = api.create_id(name="second")
    assert emulator_server.store.record_status(second, FAILED)
    assert not emulator_server.store.record_status("999999999", FAILED)

    rows = api.request("GET", "/report-sitestatus").json()["results"]
    assert [r["device_id"] for r in rows] == [first, second]
    # Never run: no status at all, not an invented "0 OK".
    assert rows[0] == {
        "device_id": first, "device_name": "first", "enabled": True, "last_status": None,
        "last_status_desc": None, "info_msg": None, "dt_last_status": None, "dt_last_error": None,
        "response_time_ms": None, "failed_step": None, "code_origin": None,
    }
    assert rows[1] == {
        "device_id": second, "device_name": "second", "enabled": True, "last_status": "9104",
        "last_status_desc": "POP3 login failed: refused", "info_msg": "POP3 login failed: refused",
        "dt_last_status": "2026-01-02T03:04:05Z", "dt_last_error": "2026-01-02T03:04:05Z",
        "response_time_ms": "12", "failed_step": "pop3.login", "code_origin": "emulator",
    }
    only = api.request("GET", "/report-sitestatus", params={"monitors": f"{second},nope"}).json()
    assert [r["device_id"] for r in only["results"]] == [second]

    # A later success keeps the time of the last error, as the report shows it.
    ok = {"code": "0", "description": "OK", "time": "2026-01-02T03:05:05Z", "code_origin": "alertsite"}
    assert emulator_server.store.record_status(second, ok)
    status = api.monitor(second)["last_status"]
    assert status["code"] == "0" and status["last_error_time"] == "2026-01-02T03:04:05Z"
    row = api.request("GET", "/report-sitestatus", params={"monitors": second}).json()["results"][0]
    assert row["last_status"] == "0" and row["info_msg"] is None
    assert row["dt_last_error"] == "2026-01-02T03:04:05Z"


def test_the_switch_answers_the_emulator_0_1_names(
    emulator_server: EmulatorServer, emulator: EmulatorControl, api: Api
) -> None:
    never = api.create_id(name="never")
    ran = api.create_id(name="ran")
    assert emulator_server.store.record_status(ran, FAILED)
    emulator.update_settings(site_status_names="emulator-0.1")

    rows = api.request("GET", "/report-sitestatus").json()["results"]
    assert rows[0]["monitor_id"] == never and rows[0]["last_status_code"] is None
    assert rows[1] == {
        "monitor_id": ran, "monitor_name": "ran", "monitor_type": "email-round-trip",
        "enabled": True, "last_status_code": "9104", "last_status_description": "POP3 login failed: refused",
        "dt_last_status": "2026-01-02T03:04:05Z", "dt_last_error": "2026-01-02T03:04:05Z",
        "response_time_ms": "12", "failed_step": "pop3.login", "code_origin": "emulator",
    }
    refused = requests.patch(f"{emulator.base_url}/_emulator/settings",
                             json={"site_status_names": "xml"}, timeout=5)
    assert refused.status_code == 400 and "site_status_names" in refused.text


def test_a_database_of_emulator_0_1_forgets_its_invented_0_ok(tmp_path: Path) -> None:
    db = str(tmp_path / "old.db")
    store = Store(db=db)
    body = {"billing_plancode": "UBM - A/A", "name": "old", "smtp_hostname": "smtp://127.0.0.1",
            "pop3_hostname": "pop3://127.0.0.1", "email": "old@example.com"}
    never, ran = store.create_monitor(body), store.create_monitor(body)
    # What emulator 0.1 stored at create time, and a real run's outcome.
    store.edit_monitor_raw(never, {"last_status": {"code": "0", "description": "OK",
                                                   "time": "2026-01-01T00:00:00Z"}})
    assert store.record_status(ran, {**FAILED, "code": "0", "description": "OK", "failed_step": None})
    store.close()

    reopened = Store(db=db)
    rows = {r["device_id"]: r for r in reopened.site_status()}
    assert rows[never]["last_status"] is None
    assert rows[ran]["last_status"] == "0"
    reopened.close()


def test_the_report_needs_a_token(api: Api) -> None:
    answer = requests.get(f"{api.url}/report-sitestatus", timeout=10)
    assert answer.status_code == 401 and answer.json() == INVALID_TOKEN_BODY
