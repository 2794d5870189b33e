"""``alertsite-emulator --run-monitors`` with mail servers that never let go: a POP3 server
that trickles a byte every 2 s and one that never stops talking (the probe ends those trips at
their timeout itself), and a pair that holds each run in its clean-up past its deadline
(:class:`.stuck_servers.HeldCleanup`: SMTP never confirms the message, POP3 trickles in the
clean-up's session). A healthy monitor keeps being run, every stuck one is reported as a
timeout (status 2) within a second or two of its timeout (the trip's own outcome, recorded
before the clean-up), the runs held past their deadline are not run again while stuck, a
monitor never run shows no status, and SIGTERM ends the emulator at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from alertsite_pulumi.emulator.runner import MonitorRunner
from alertsite_pulumi.emulator.store import Store

from .conftest import MailServers, MailUser
from .emulator_process import Emulator, emulator_process, wait_for
from .stuck_servers import HeldCleanup, StuckServer, stream, trickle
from .test_emulator_runs import listed_status

TIMEOUT_S = 3
"""The stuck monitors' ``timeout``: longer than the trickle's 2 s, so only the deadline held
inside every read ends those trips."""


@pytest.fixture
def stuck_servers() -> Iterator[tuple[StuckServer, StuckServer]]:
    trickling, talking = StuckServer(trickle).start(), StuckServer(stream).start()
    try:
        yield trickling, talking
    finally:
        trickling.stop()
        talking.stop()


def _code(emulator: Emulator, monitor_id: str) -> str | None:
    status = emulator.last_status(monitor_id)
    return None if status is None else str(status["code"])


@pytest.fixture
def held() -> Iterator[HeldCleanup]:
    servers = HeldCleanup().start()
    try:
        yield servers
    finally:
        servers.stop()


def test_stuck_mail_servers_neither_starve_other_monitors_nor_hold_up_sigterm(
    mail_servers: MailServers, mail_user: MailUser, stuck_servers: tuple[StuckServer, StuckServer],
    held: HeldCleanup,
) -> None:
    trickling, talking = stuck_servers
    smtp = mail_servers.starttls.url()
    args = ("--run-monitors", "--time-scale", "300", "--mail-cafile", str(mail_servers.ca_file))
    with emulator_process(*args) as emulator:
        # The stuck ones first: with the old pool of four threads they took every thread.
        servers = [(smtp, trickling.url)] * 2 + [(smtp, talking.url)] * 2
        servers += [(held.smtp_url, held.pop3_url)] * 2
        stuck = [
            emulator.create(smtp_hostname=smtp_url, pop3_hostname=pop3_url, email=f"stuck{i}@mail.test",
                            email_username=f"stuck{i}", email_password=f"Stuck-Pw-{i}", interval=5,
                            timeout=TIMEOUT_S)
            for i, (smtp_url, pop3_url) in enumerate(servers)
        ]
        held_past = stuck[4:]
        created = time.monotonic()
        healthy = emulator.create(
            smtp_hostname=smtp, pop3_hostname=mail_servers.pop3s, email=mail_user.email,
            email_username=mail_user.name, email_password=mail_user.password, interval=5, timeout=10,
        )
        never = emulator.create(
            smtp_hostname=smtp, pop3_hostname=mail_servers.pop3s, email="never@mail.test",
            email_username="never", email_password="Never-Run-Pw-1", interval=5, timeout=10,
            enabled=False,
        )

        # Runs start within a tick (0.1 s) of the create; the trips end at their timeout (the
        # probe's deadline), the held runs' clean-up after it.
        reported: dict[str, float] = {}
        for _ in range(200):
            for monitor_id in stuck:
                if monitor_id not in reported and _code(emulator, monitor_id) == "2":
                    reported[monitor_id] = time.monotonic() - created
            if len(reported) == len(stuck) or time.monotonic() - created > TIMEOUT_S + 10:
                break
            time.sleep(0.1)
        assert sorted(reported) == sorted(stuck), f"reported as timeouts: {reported}"
        assert max(reported.values()) < TIMEOUT_S + 2.5, reported

        # The healthy monitor is run, and run again, while the held runs are still alive.
        def green_after(earlier: str) -> str | None:
            status = emulator.last_status(healthy)
            ok = status is not None and status["code"] == "0" and status["time"] > earlier
            return str(status["time"]) if ok and status is not None else None

        first = wait_for("a green run", lambda: green_after(""), timeout=30)
        wait_for("a later green run", lambda: green_after(first), timeout=30)
        assert listed_status(emulator, healthy) == "0 OK"

        for monitor_id in stuck:
            status = emulator.last_status(monitor_id)
            assert status is not None and status["code"] == "2" and status["code_origin"] == "alertsite"
            # The probe's own words, for the runs held past their deadline too: the trip had
            # timed out in the SMTP server's answer to the message before the clean-up began.
            assert status["description"].startswith("Timeout: "), status
            assert "the emulator gave up on it" not in status["description"], status
            if monitor_id in held_past:
                assert status["failed_step"] == "smtp.data", status
            row = emulator.site_status(monitor_id)
            assert row["last_status"] == "2" and row["last_status_desc"].startswith("Timeout")
            # "2 Timeout", or with the step the probe's timeout was in ("2 Timeout at pop3.banner").
            listed = listed_status(emulator, monitor_id)
            assert listed.startswith("2 Timeout"), listed
        # Several intervals (1 s each) later, one message and two POP3 sessions (the first look,
        # the clean-up) per monitor held past its deadline: none is run again while stuck.
        assert held.messages == 2 and held.pop3.connections == 4, (held.messages, held.pop3.connections)
        # The runs the probe ended at their timeout are over: those monitors are run again.
        wait_for("a stuck monitor run again",
                 lambda: (trickling.connections > 2 and talking.connections > 2) or None, timeout=10)

        # Never run: no status anywhere, not "0 OK".
        assert emulator.last_status(never) is None
        row = emulator.site_status(never)
        assert row["last_status"] is None and row["last_status_desc"] is None
        assert row["dt_last_status"] is None
        assert listed_status(emulator, never) == "no status yet"
    # SIGTERM with two runs held in their clean-up, others in reads, and the healthy one running.
    assert emulator.stopped_in is not None and emulator.stopped_in < 2.5, emulator.stopped_in
    assert "stopped" in emulator.stderr
    for secret in (mail_user.password, "Never-Run-Pw-1", *(f"Stuck-Pw-{i}" for i in range(6))):
        assert secret not in emulator.stderr


def test_abandoned_runs_are_bounded_and_free_their_thread_when_they_end(held: HeldCleanup) -> None:
    # Each run: its trip (1 s, the SMTP server never confirms), then a clean-up held up to
    # 15 s: abandoned at its deadline (2 s).
    store = Store()
    ids = [store.seed_monitor({
        "name": f"stuck {i}", "smtp_hostname": held.smtp_url, "pop3_hostname": held.pop3_url,
        "email": f"stuck{i}@mail.test", "email_username": f"stuck{i}", "email_password": f"Stuck-Pw-{i}",
        "interval": 5, "timeout": 1,
    }) for i in range(3)]
    lines: list[str] = []
    runner = MonitorRunner(store, time_scale=300, max_threads=1, max_abandoned=1, log=lines.append).start()
    try:
        def codes() -> list[str | None]:
            return [(s or {}).get("code") for s in (store.raw_monitor(i).get("last_status") for i in ids)]

        wait_for("two timeouts", lambda: True if codes()[:2] == ["2", "2"] else None, timeout=10, every=0.1)
        time.sleep(1.5)  # several intervals: the third monitor waits for a thread
        assert codes() == ["2", "2", None]
        assert runner.snapshot()["abandoned"] == ids[:2] and held.messages == 2
        assert any("due monitors wait for one to end" in line for line in lines)

        held.stop()  # the held clean-ups end: their threads are free again
        wait_for("the third monitor's run", lambda: codes()[2], timeout=10, every=0.1)
        # Both held runs end together; the second may log its dropped result a moment later.
        wait_for("both late results dropped",
                 lambda: sum("its clean-up's result is dropped" in line for line in lines) >= 2 or None,
                 timeout=10, every=0.1)
        assert sum("its clean-up's result is dropped" in line for line in lines) == 2, lines
    finally:
        stopping = time.monotonic()
        runner.stop()
        assert time.monotonic() - stopping < 2.5
        store.close()
