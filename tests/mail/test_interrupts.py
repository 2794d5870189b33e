"""Ctrl-C sent to a real ``alertsite-pulumi round-trip`` process (SIGINT, as a terminal sends
it): exit code 130 and what was cleaned up, never click's ``Aborted!`` or a traceback."""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .conftest import MailServers, MailUser
from .rogue_server import Conversation, RogueServer, proxy_to

COMMAND = str(Path(sys.executable).parent / "alertsite-pulumi")
WAIT_S = 60.0


class Running:
    """The command in a process of its own, its output lines read as they come."""

    def __init__(self, *args: str, password: str) -> None:
        env = {**os.environ, "ALERTSITE_MAILBOX_PASSWORD": password}
        self.proc = subprocess.Popen(
            [COMMAND, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str) -> None:
        ends = time.monotonic() + WAIT_S
        while time.monotonic() < ends:
            try:
                line = self.lines.get(timeout=max(ends - time.monotonic(), 0.01))
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} never came: {''.join(self.seen)}")

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def finish(self) -> tuple[int, str]:
        code = self.proc.wait(timeout=WAIT_S)
        time.sleep(0.1)  # the reader thread drains the pipe
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, "".join(self.seen)


def test_a_second_ctrl_c_during_the_clean_up_exits_130_and_reports_it(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # The message is accepted and never arrives (a black hole), so the trip polls; the first
    # Ctrl-C starts the clean-up, whose POP3 session then hangs, and a second Ctrl-C stops it.
    stalled = threading.Event()
    with RogueServer(proxy_to(mail_servers.dovecot.pop3_port, stalled)) as pop3:
        run = Running("round-trip", "--smtp", mail_servers.blackhole.url(), "--pop3", pop3.url("pop3"),
                      "--email", mail_user.email, "--username", mail_user.name, "--trip-timeout", "60",
                      password=mail_user.password)
        run.wait_for("ok    smtp.data")
        stalled.set()
        before = pop3.connections
        run.interrupt()
        ends = time.monotonic() + WAIT_S
        while pop3.connections == before and time.monotonic() < ends:
            time.sleep(0.05)
        time.sleep(0.5)
        assert run.proc.poll() is None, "the clean-up did not wait for the hanging POP3 server"
        run.interrupt()
        code, output = run.finish()
    assert code == 130, output
    assert "Aborted!" not in output and "Traceback" not in output
    assert "(code 9106" in output and "interrupted (Ctrl-C) before the trip ended" in output
    assert "cleanup: the clean-up was interrupted (a second Ctrl-C)" in output
    assert mail_user.password not in output


def test_ctrl_c_at_start_up_exits_130_without_a_traceback(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # While the command's modules are imported (the first tenth is Python's own start-up, which
    # no program can catch). The command imports its modules lazily, and with warm caches on an
    # idle machine a whole trip ended within 0.3 s: the POP3 server here never answers, so each
    # signal comes before the trip ends, in the start-up or in the trip's first look.
    interrupted = 0
    with RogueServer(proxy_to(0, hung := threading.Event())) as pop3:
        hung.set()
        for delay_s in (0.3, 0.45, 0.6):
            run = Running("round-trip", "--smtp", mail_servers.plain.url(), "--pop3", pop3.url("pop3"),
                          "--email", mail_user.email, "--username", mail_user.name,
                          password=mail_user.password)
            time.sleep(delay_s)
            run.interrupt()
            code, output = run.finish()
            if code == 0:
                continue  # the trip was done before the signal came: nothing to see at this delay
            interrupted += 1
            assert code == 130, (delay_s, output)
            assert "Traceback" not in output and "Aborted!" not in output, output
    assert interrupted == 3, "a Ctrl-C came after the trip ended"
    assert mail_user.messages() == []


def test_sigterm_after_the_send_cleans_up_and_exits_143(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # As `timeout`, `docker stop` or a cancelled CI job stops the command: the message is in the
    # mailbox, the first look for it hangs, and SIGTERM comes. It killed the process at once,
    # leaving the message and no report.
    upstream = proxy_to(mail_servers.dovecot.pop3_port, threading.Event())
    sessions = itertools.count(1)

    def first_look_hangs(conversation: Conversation) -> None:
        if next(sessions) == 2:  # 1: the scan before the send; 2: the first look after it
            while conversation.alive and conversation.command():
                pass
            return
        upstream(conversation)

    with RogueServer(first_look_hangs) as pop3:
        run = Running("round-trip", "--smtp", mail_servers.plain.url(), "--pop3", pop3.url("pop3"),
                      "--email", mail_user.email, "--username", mail_user.name, "--trip-timeout", "60",
                      password=mail_user.password)
        run.wait_for("ok    smtp.quit")
        ends = time.monotonic() + WAIT_S
        while pop3.connections < 2 and time.monotonic() < ends:
            time.sleep(0.05)
        time.sleep(0.3)
        assert len(mail_user.messages()) == 1
        run.proc.send_signal(signal.SIGTERM)
        code, output = run.finish()
    assert code == 143, output
    assert "Traceback" not in output
    assert "FAIL  pop3.poll" in output and "interrupted (SIGTERM) before the trip ended" in output
    assert "cleanup: the probe message was deleted after the failure" in output
    assert mail_user.messages() == []
    assert mail_user.password not in output


def _hangs_in_data(conversation: Conversation) -> None:
    conversation.send(b"220 rogue ESMTP\r\n")
    while conversation.alive and (command := conversation.command().upper()):
        if command.startswith(b"DATA"):
            conversation.send(b"354 go ahead\r\n")
            while conversation.alive and conversation.command():
                pass
            return
        conversation.send(b"250 ok\r\n")


def test_three_ctrl_c_in_a_row_exit_130_with_the_report(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # The first stops the send, the others come while the clean-up and the report end: they
    # landed once Python had reset its handlers on the way out, and SIGINT killed the process.
    with RogueServer(_hangs_in_data) as smtp:
        run = Running("round-trip", "--smtp", smtp.url("smtp"), "--pop3", mail_servers.pop3,
                      "--email", mail_user.email, "--username", mail_user.name, "--trip-timeout", "60",
                      password=mail_user.password)
        run.wait_for("ok    smtp.rcpt")
        time.sleep(0.5)
        for _ in range(3):
            run.interrupt()
            time.sleep(0.02)
        code, output = run.finish()
    assert code == 130, output
    assert "Traceback" not in output and "Aborted!" not in output
    assert "FAIL  smtp.data" in output and "(code 9106" in output
    assert mail_user.messages() == []
