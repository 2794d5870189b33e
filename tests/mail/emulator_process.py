"""``alertsite-emulator`` as a process of its own, for the tests of ``--run-monitors``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests
from factories import ADMIN

T = TypeVar("T")


@dataclass
class Emulator:
    api_url: str
    session: requests.Session = field(default_factory=requests.Session)
    stderr: str = ""
    stopped_in: float | None = None
    """Seconds from SIGTERM to the process's exit (None: it had ended by itself)."""

    def login(self) -> None:
        answer = self.session.post(
            f"{self.api_url}/access-tokens", json={"username": ADMIN[0], "password": ADMIN[1]}, timeout=10
        )
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def create(self, **fields: Any) -> str:
        body = {"billing_plancode": "UBM - A/A", "name": "round trip", **fields}
        answer = self.session.post(f"{self.api_url}/monitors/email-round-trip", json=body, timeout=10)
        assert answer.ok, answer.text
        return str(answer.json()["id"])

    def last_status(self, monitor_id: str) -> dict[str, Any] | None:
        """The monitor's ``last_status``; None while it has not been run."""
        answer = self.session.get(f"{self.api_url}/monitors/{monitor_id}", timeout=10)
        answer.raise_for_status()
        status = answer.json()["last_status"]
        assert status is None or isinstance(status, dict)
        return status

    def site_status(self, monitor_id: str) -> dict[str, Any]:
        answer = self.session.get(
            f"{self.api_url}/report-sitestatus", params={"monitors": monitor_id}, timeout=10
        )
        answer.raise_for_status()
        rows = answer.json()["results"]
        assert len(rows) == 1
        row = rows[0]
        assert isinstance(row, dict)
        return row


@contextmanager
def emulator_process(*args: str, command: Sequence[str] = (sys.executable, "-m", "alertsite_pulumi.emulator"),
                     cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Iterator[Emulator]:
    """The emulator started by ``command`` (tests/packaging: an installed ``alertsite-emulator``)."""
    proc = subprocess.Popen(
        [*command, "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env,
    )
    emulator: Emulator | None = None
    stopped_in: float | None = None
    try:
        assert proc.stdout is not None
        with ThreadPoolExecutor(1) as pool:
            line = pool.submit(proc.stdout.readline).result(timeout=20)
        assert line.startswith("http://127.0.0.1:"), line
        emulator = Emulator(line.strip())
        emulator.login()
        yield emulator
    finally:
        if proc.poll() is None:
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=30)
                stopped_in = time.monotonic() - signalled
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate(timeout=10)
        else:
            _, err = proc.communicate(timeout=10)
        if emulator is not None:
            emulator.stderr = err
            emulator.stopped_in = stopped_in
            emulator.session.close()


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60.0, every: float = 0.2) -> T:
    """``probe()`` until it returns something, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    for _ in range(int(timeout / every) + 1):
        last = probe()
        if last is not None:
            return last
        if time.monotonic() > deadline:
            break
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:g} s")
