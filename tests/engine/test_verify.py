"""`alertsite-pulumi verify` on a stack made by the real engine, against the emulator's tests on
demand (its ``tod_*`` switches stand in for AlertSite's answers; tests/mail runs them for real)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from alertsite_pulumi.cli import cli
from alertsite_pulumi.emulator import EmulatorControl

from .support import ADMIN_PASSWORD, ADMIN_USER, MAILBOX_PASSWORD, SpecProject, monitor_args
from .test_alert_routing import HOOK_PASSWORD, ROUTING_PROGRAM, RoutingProject, hook


def verify(project: SpecProject, *args: str) -> Result:
    """The CLI in this process, with the project's engine environment (pulumi on PATH, its
    file backend); no output may hold a password."""
    env = project.base_env()
    result = CliRunner().invoke(cli, ["verify", "--stack", project.stack, "--cwd", str(project.root),
                                      *args], env=env, catch_exceptions=False)
    for secret in (ADMIN_PASSWORD, MAILBOX_PASSWORD):
        assert secret not in result.output
        assert secret not in result.stderr
    return result


@pytest.fixture
def stack(spec_project: Callable[..., SpecProject], emulator: EmulatorControl) -> SpecProject:
    project = spec_project([monitor_args(0), monitor_args(1)])
    project.up()
    emulator.reset_requests()
    return project


def ids(emulator: EmulatorControl) -> list[str]:
    return sorted(str(m["id"]) for m in emulator.monitors())


def document(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_all_passed_exits_0_and_tests_each_monitor_of_the_stack(stack: SpecProject,
                                                                 emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert done.stdout.count("PASSED") == 2
    assert "2 passed, 0 failed, 0 timed out, 0 unconfirmed" in done.stdout
    assert "assumed:" in done.stdout  # what the documentation leaves open is said
    as_json = verify(stack, "--json", "--poll-interval", "0.1")
    assert as_json.exit_code == 0
    data = document(as_json)
    assert data["ok"] is True
    assert sorted(t["monitor_id"] for t in data["monitors"]) == ids(emulator)
    assert {t["outcome"] for t in data["monitors"]} == {"passed"}


def test_a_failed_test_exits_1_with_alertsites_code(stack: SpecProject, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="fail")
    done = verify(stack, "--json", "--poll-interval", "0.1")
    assert done.exit_code == 1
    data = document(done)
    assert data["ok"] is False
    assert {t["outcome"] for t in data["monitors"]} == {"failed"}
    assert all(t["code"] not in (None, 0) and t["description"] for t in data["monitors"])


def test_a_test_still_running_at_the_deadline_is_timed_out(stack: SpecProject,
                                                           emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="never-ends")
    done = verify(stack, "--timeout", "2", "--poll-interval", "0.2")
    assert done.exit_code == 1
    assert done.stdout.count("TIMED OUT") == 2
    assert "0 passed" in done.stdout


def test_an_unpollable_test_is_unconfirmed_never_passed(stack: SpecProject,
                                                        emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok", tod_pollable=False)
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 1
    assert done.stdout.count("UNCONFIRMED") == 2
    assert "PASSED" not in done.stdout


def test_429s_and_5xx_are_survived(stack: SpecProject, emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    emulator.set_faults([{"endpoint": "tod_start", "kind": "status", "status": 429, "count": 2},
                         {"endpoint": "tod_poll", "kind": "status", "status": 503, "count": 1}])
    done = verify(stack, "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert done.stdout.count("PASSED") == 2
    assert all(rule.get("count", 0) == 0 for rule in emulator.faults()["rules"])


def test_monitor_selects_and_an_unknown_one_is_a_usage_error(stack: SpecProject,
                                                            emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    first = ids(emulator)[0]
    done = verify(stack, "--monitor", first, "--json", "--poll-interval", "0.1")
    assert done.exit_code == 0
    assert [t["monitor_id"] for t in document(done)["monitors"]] == [first]
    wrong = verify(stack, "--monitor", "999999")
    assert wrong.exit_code == 2
    assert "999999" in wrong.output and "not a monitor of stack" in wrong.output
    both = verify(stack, "--monitor", first, "--changed")
    assert both.exit_code == 2


def test_changed_tests_only_what_the_last_up_created_or_changed(stack: SpecProject,
                                                                emulator: EmulatorControl) -> None:
    emulator.update_settings(tod_outcome="ok")
    before = ids(emulator)
    stack.set_monitors([monitor_args(0), monitor_args(1, interval=30), monitor_args(2)])
    stack.up()
    after = ids(emulator)
    new = [i for i in after if i not in before]
    changed_one = next(r["id"] for r in stack.resources()
                       if r.get("outputs", {}).get("interval") == 30)
    done = verify(stack, "--changed", "--json", "--poll-interval", "0.1")
    assert done.exit_code == 0, done.output
    assert sorted(t["monitor_id"] for t in document(done)["monitors"]) == sorted([*new, changed_one])


def test_alerts_sends_a_test_alert_that_reaches_the_webhook_with_its_credentials(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    received: list[tuple[str, str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received.append((self.headers.get("Authorization") or "", self.rfile.read(length).decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/alertsite"
        project = RoutingProject(root=tmp_path / "alerts", bin_dir=engine_bin, name="verify-alerts")
        project.write(ROUTING_PROGRAM)
        project.set_spec([monitor_args()], [hook(recipient=url)], [])
        project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN_USER},
                     secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD,
                              "hookPassword": HOOK_PASSWORD})
        project.up()
        emulator.update_settings(tod_outcome="ok")
        done = verify(project, "--alerts", "--poll-interval", "0.1")
        assert HOOK_PASSWORD not in done.output and HOOK_PASSWORD not in done.stderr
        assert done.exit_code == 0, done.output
        assert "ACCEPTED" in done.output
        assert len(received) == 1
        expected = base64.b64encode(f"alertsite:{HOOK_PASSWORD}".encode()).decode()
        assert received[0][0] == f"Basic {expected}"
    finally:
        server.shutdown()
        server.server_close()
