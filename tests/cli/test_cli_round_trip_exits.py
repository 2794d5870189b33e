"""Exit codes of `alertsite-pulumi round-trip` the README promises and no mail test reaches:
130 after Ctrl-C, and 2 when the `pulumi` CLI stops the command before any trip.

The installed console script runs as a process of its own: SIGINT reaches it while it waits for
a POP3 greeting from a real loopback server that accepts and never speaks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).with_name("alertsite-pulumi")
PASSWORD = "Interrupted-Mailbox-Pw-7"


@pytest.fixture
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A loopback TCP server that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted = threading.Event()
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            accepted.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def test_ctrl_c_exits_130_and_shows_no_password(silent_server: tuple[int, threading.Event]) -> None:
    port, accepted = silent_server
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALERTSITE_")}
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "round-trip", "--smtp", f"smtp://127.0.0.1:{port}",
         "--pop3", f"pop3://127.0.0.1:{port}", "--email", "rt@example.com", "--username", "rt",
         "--password-stdin", "--trip-timeout", "60"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdin is not None
        proc.stdin.write(PASSWORD + "\n")
        proc.stdin.close()
        proc.stdin = None  # given whole; communicate() must not touch it again
        assert accepted.wait(timeout=30), "the probe never connected"
        time.sleep(0.2)  # let it settle into the wait for the greeting
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130, out + err
    assert time.monotonic() - started < 15  # Ctrl-C ends the wait, not the 60 s trip timeout
    assert "Traceback" not in err
    assert PASSWORD not in out and PASSWORD not in err


def test_a_failing_pulumi_cli_stops_the_command_with_exit_code_2(tmp_path: Path, engine_bin: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERTSITE_", "PULUMI_"))}
    env.update({"PATH": f"{engine_bin}{os.pathsep}{env.get('PATH', '')}",
                "PULUMI_HOME": str(tmp_path / "home"),
                "PULUMI_BACKEND_URL": f"file://{tmp_path / 'no-such-state'}",
                "ALERTSITE_MAILBOX_PASSWORD": PASSWORD})
    done = subprocess.run([str(CONSOLE_SCRIPT), "round-trip", "--stack", "nope", "--cwd", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot read the stack" in done.stderr and "Traceback" not in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
