"""The command line: URL line, request log without secrets, --db persistence, signals."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from .helpers import Api
from .raw_http import exchange, one_error, request

USER = "ops@example.com"
PASSWORD = "cli-user-Pa55word"
MAILBOX_PASSWORD = "mailbox-Secret-42"


class Cli:
    def __init__(self, proc: subprocess.Popen[str], api_url: str) -> None:
        self.proc = proc
        self.api_url = api_url
        self.stderr = ""
        self.returncode: int | None = None

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        _, self.stderr = self.proc.communicate(timeout=15)
        self.returncode = self.proc.returncode
        return self.proc.returncode


@contextmanager
def cli(*args: str) -> Iterator[Cli]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "alertsite_pulumi.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        with ThreadPoolExecutor(1) as pool:
            line = pool.submit(proc.stdout.readline).result(timeout=15)
        assert line.startswith("http://127.0.0.1:") and line.endswith("/api/v3\n"), line
        yield Cli(proc, line.strip())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=15)


def test_db_survives_a_restart_and_logs_hold_no_secret(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.db")
    with cli("--db", db, "--user", f"{USER}:{PASSWORD}:admin") as first:
        api = Api(first.api_url, (USER, PASSWORD))
        monitor_id = api.create_id(email_password=MAILBOX_PASSWORD, name="persisted")
        assert api.get(monitor_id, select="name").status_code == 200
        token = api.token
        assert first.stop() == 0
    assert token is not None
    log = first.stderr
    assert "POST /api/v3/access-tokens 200" in log
    assert "POST /api/v3/monitors/email-round-trip 200" in log
    assert f"GET /api/v3/monitors/{monitor_id}?select=name 200" in log
    for secret in (PASSWORD, MAILBOX_PASSWORD, token, token[:16]):
        assert secret not in log

    with cli("--db", db, "--quiet") as second:
        api = Api(second.api_url, (USER, PASSWORD))  # the user was kept too
        monitor = api.monitor(monitor_id)
        assert monitor["name"] == "persisted"
        assert int(api.create_id()) > int(monitor_id)  # the id counter was kept
        assert second.stop(signal.SIGINT) == 0
    assert second.stderr == ""


def test_default_users_prefix_and_sigterm(tmp_path: Path) -> None:
    with cli("--prefix", "/api/v3", "--token-lifetime", "120") as server:
        api = Api(server.api_url)
        assert api.login().json()["expires_in"] == 120
        base = server.api_url.removesuffix("/api/v3")
        assert requests.get(f"{base}/_emulator/health", timeout=5).status_code == 200
        assert server.stop() == 0
    assert "stopped" in server.stderr.splitlines()[-1]


def test_bad_user_spec_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alertsite_pulumi.emulator", "--user", "no-password"],
        capture_output=True,
        text=True,
        timeout=15,
    )
    assert result.returncode == 2
    assert "EMAIL:PASSWORD" in result.stderr


def test_malformed_requests_leave_no_traceback_and_short_lines_in_the_log() -> None:
    with cli("--read-timeout", "0.5") as server:
        base = server.api_url.removesuffix("/api/v3")
        port = int(base.rsplit(":", 1)[1])
        huge_id = requests.get(f"{base}/_emulator/monitors/{'7' * 5000}", timeout=5)
        assert huge_id.status_code == 404
        for raw, status in ((request("X" * 10_000, "/api/v3/monitors"), 400),
                            (request("POST", "/api/v3/access-tokens", "Content-Length: 5",
                                     "Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400),
                            (request("POST", "/api/v3/access-tokens", "Content-Length: 50"), 408)):
            one_error(exchange(port, raw), status)
        assert requests.get(f"{base}/_emulator/health", timeout=5).status_code == 200
        assert server.stop() == 0
    log = server.stderr
    assert "Traceback" not in log
    assert " 408 " in log and "...(10000 chars)" in log and "...(5020 chars)" in log
    assert max(len(line) for line in log.splitlines()) < 400


def test_a_read_timeout_that_is_no_number_of_seconds_is_refused() -> None:
    for value in ("0", "-1", "inf", "nan", "soon"):
        result = subprocess.run(
            [sys.executable, "-m", "alertsite_pulumi.emulator", "--read-timeout", value],
            capture_output=True, text=True, timeout=15,
        )
        assert result.returncode == 2, value
        assert "--read-timeout" in result.stderr and "Traceback" not in result.stderr
