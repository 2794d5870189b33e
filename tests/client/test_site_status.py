"""``AlertSiteClient.get_site_status``: ``GET /report-sitestatus`` read in AlertSite's
spelling (the names the one real caller found reads) and in the emulator 0.1 one, from the
emulator (switch ``site_status_names``) and from a small loopback server that answers as the
real caller expects."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.site_status import NO_STATUS_YET, SiteStatus, by_monitor

from .conftest import MakeClient, body

FAILED = {"code": "9104", "description": "POP3 login failed: refused", "time": "2026-01-02T03:04:05Z",
          "failed_step": "pop3.login", "code_origin": "emulator", "last_error_time": "2026-01-02T03:04:05Z"}
OK = {"code": "0", "description": "OK", "time": "2026-01-02T03:05:05Z", "code_origin": "alertsite"}


@pytest.mark.parametrize("names", ["alertsite", "emulator-0.1"])
def test_the_report_reads_the_same_in_either_spelling(
    emulator: EmulatorControl, make_client: MakeClient, names: str
) -> None:
    client = make_client()
    never, ok, failed = (client.create_round_trip_monitor(body(i)) for i in range(3))
    emulator.edit_monitor(ok, last_status=OK)
    emulator.edit_monitor(failed, last_status=FAILED)
    emulator.update_settings(site_status_names=names)

    report = by_monitor(client.get_site_status())

    assert report[never] == SiteStatus(never, "Round trip 0", None, None, None, None)
    assert not report[never].has_run and report[never].cell() == NO_STATUS_YET
    assert report[ok].ok and report[ok].time == OK["time"] and report[ok].cell() == "0 OK"
    assert report[failed].code == "9104" and not report[failed].ok
    assert report[failed].description == "POP3 login failed: refused"
    assert report[failed].last_error_time == "2026-01-02T03:04:05Z"
    assert report[failed].cell() == "9104 POP3 login failed at pop3.login"
    assert [s.monitor_id for s in client.get_site_status([failed])] == [failed]


class _ReportHandler(BaseHTTPRequestHandler):
    server: _ReportServer

    def _answer(self, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer({"access_token": "0123456789abcdef0123456789abcdef", "expires_in": 3600})

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        self._answer(self.server.report)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _ReportServer(ThreadingHTTPServer):
    def __init__(self, report: object) -> None:
        super().__init__(("127.0.0.1", 0), _ReportHandler)
        self.report = report
        self.paths: list[str] = []


@pytest.fixture
def report_server() -> Iterator[_ReportServer]:
    # Rows as the Grafana exporter reads them: no id, a numeric 0, info_msg as the error text,
    # one monitor on two locations.
    server = _ReportServer({"results": [
        {"device_name": "shop", "last_status": 0, "last_status_desc": "OK",
         "dt_last_status": "2026-01-02 03:04:05", "info_msg": ""},
        {"device_id": 7, "device_name": "mail", "last_status": "0", "last_status_desc": "OK",
         "dt_last_status": "2026-01-02 03:04:05", "info_msg": ""},
        {"device_id": 7, "device_name": "mail", "last_status": "2", "last_status_desc": "Timeout",
         "dt_last_status": "2026-01-02 03:04:06", "info_msg": "Test timed out"},
        "not a row",
    ]})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_rows_as_the_real_caller_reads_them(report_server: _ReportServer, make_client: MakeClient) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{report_server.server_address[1]}/api/v3")

    rows = client.get_site_status(["7", "8"])

    assert report_server.paths == ["/api/v3/report-sitestatus?monitors=7%2C8"]
    assert [(r.monitor_id, r.name, r.code) for r in rows] == [(None, "shop", "0"), ("7", "mail", "0"),
                                                              ("7", "mail", "2")]
    assert rows[0].ok and rows[0].info is None and rows[2].info == "Test timed out"
    # Of a monitor's rows (one per location), the failing one stands for it; rows without an
    # id cannot be matched to a monitor and are left out.
    assert by_monitor(rows) == {"7": rows[2]}
    assert rows[2].cell() == "2 Timeout"


def test_a_login_inside_a_url_in_a_row_is_never_shown(
    report_server: _ReportServer, make_client: MakeClient
) -> None:
    # What a report nobody validated may hold: a server URL with its login as the failed step.
    report_server.report = {"results": [
        {"device_id": "7", "last_status": "1", "last_status_desc": "TCP connection failed: refused",
         "failed_step": "smtp://relay:Report-Url-Pw-1@smtp.example.com:25"},
    ]}
    client = make_client(base_url=f"http://127.0.0.1:{report_server.server_address[1]}/api/v3")

    cell = by_monitor(client.get_site_status())["7"].cell()

    assert cell == "1 TCP connection failed at smtp://***@smtp.example.com:25"
