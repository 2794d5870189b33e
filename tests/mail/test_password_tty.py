"""``--password-stdin`` typed at a terminal: the password is not echoed onto it (the terminal's
own echo showed it, and kept it in the scroll-back and any recording of the session)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

COMMAND = str(Path(sys.executable).parent / "alertsite-pulumi")
PASSWORD = "Typed-At-A-Tty-Pw-5"
WAIT_S = 30.0


def _read_until(fd: int, text: bytes, seen: bytearray, wait_s: float = WAIT_S) -> None:
    ends = time.monotonic() + wait_s
    while text not in seen and time.monotonic() < ends:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other side closed
                return
            if not chunk:
                return
            seen += chunk


def test_a_password_typed_at_a_terminal_is_not_echoed() -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [COMMAND, "round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", "pop3://127.0.0.1:1", "--email",
         "rt@mail.test", "--username", "rt", "--password-stdin", "--trip-timeout", "2"],
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        env={**os.environ, "ALERTSITE_MAILBOX_PASSWORD": ""},
    )
    os.close(slave)
    seen = bytearray()
    try:
        _read_until(master, b"mailbox password: ", seen, wait_s=5)
        os.write(master, PASSWORD.encode() + b"\n")
        _read_until(master, b"note: ", seen)
        assert proc.wait(timeout=WAIT_S) == 1
    finally:
        proc.kill()
        proc.wait(timeout=WAIT_S)
        os.close(master)
    output = bytes(seen).decode("utf-8", "replace")
    assert "FAILED at pop3.connect" in output, output  # the password was read and the trip made
    assert PASSWORD not in output, output
    assert output.startswith("mailbox password: "), output
