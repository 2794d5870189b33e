"""``alertsite-pulumi round-trip`` in a real process whose stdout or stdin is gone: a reader
that stops reading (``| head``) does not stop the trip half-way (which left the probe message
in the mailbox), and a closed stdin is a usage error, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .conftest import MailServers, MailUser

COMMAND = str(Path(sys.executable).parent / "alertsite-pulumi")
WAIT_S = 60.0


def _args(servers: MailServers, user: MailUser, *extra: str) -> list[str]:
    return [COMMAND, "round-trip", "--smtp", servers.plain.url(), "--pop3", servers.pop3,
            "--email", user.email, "--username", user.name, "--trip-timeout", "20", *extra]


def test_a_reader_that_goes_away_after_the_send_does_not_leave_the_message_behind(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    env = {**os.environ, "ALERTSITE_MAILBOX_PASSWORD": mail_user.password}
    proc = subprocess.Popen(_args(mail_servers, mail_user), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    seen = []
    ends = time.monotonic() + WAIT_S
    while time.monotonic() < ends:
        line = proc.stdout.readline()
        seen.append(line)
        if not line or "smtp.data" in line:
            break
    assert "ok    smtp.data" in seen[-1], seen
    proc.stdout.close()  # as `| head -n 12` does
    code = proc.wait(timeout=WAIT_S)
    errors = proc.stderr.read()
    proc.stderr.close()
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors
    assert mail_user.password not in errors
    assert mail_user.messages() == [], "the trip stopped half-way and left its message"
    assert code == 0, errors


def test_password_stdin_with_stdin_closed_is_a_usage_error(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    done = subprocess.run(_args(mail_servers, mail_user, "--password-stdin"), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=WAIT_S,
                          preexec_fn=lambda: os.close(0))  # the child's stdin, closed
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "--password-stdin: stdin is closed" in done.stderr


def test_a_password_that_is_not_utf8_is_refused_without_showing_any_of_it(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # Read as text, its bytes became surrogates that failed to encode at the trip's first step,
    # in a message naming the byte ('\udcff') and its position.
    env = {**os.environ, "ALERTSITE_MAILBOX_PASSWORD": "", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(_args(mail_servers, mail_user, "--password-stdin"), input=b"Ab\xffcd\n", env=env,
                          capture_output=True, timeout=WAIT_S)
    errors = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, errors
    assert "the mailbox password is not UTF-8 text" in errors
    assert "Traceback" not in errors and "udcff" not in errors and "position" not in errors
