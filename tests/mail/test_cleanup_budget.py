"""The clean-up after a failed trip has a budget of its own (``cleanup_timeout``, 15 s), held
inside every read as the trip's is: a POP3 server that hangs once the message is sent ends the
run at the trip's timeout plus the clean-up's, within a second or two."""

from __future__ import annotations

import threading
import time

from alertsite_pulumi.mail import Mailbox, ProbeOptions, Step, TripResult, run_trip

from .conftest import MailServers, MailUser, mailbox_for
from .rogue_server import RogueServer, proxy_to
from .stuck_servers import HeldCleanup

SLACK_S = 2.0


def test_a_pop3_server_that_hangs_after_the_send_holds_the_run_to_both_budgets(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    stalled = threading.Event()

    def on_step(step: Step) -> None:
        if step.name == "smtp.data":
            stalled.set()

    with RogueServer(proxy_to(mail_servers.dovecot.pop3_port, stalled)) as pop3:
        options = ProbeOptions(timeout=3, cleanup_timeout=4, context=mail_servers.client_context())
        started = time.monotonic()
        result = run_trip(mailbox_for(mail_user, mail_servers.blackhole.url(), pop3.url("pop3")), options,
                          on_step=on_step)
        elapsed = time.monotonic() - started
        connections = pop3.connections
    assert result.kind == "timeout" and result.failed_step == "pop3.poll", result.cause
    assert result.cleanup == "failed", result.cleanup_detail
    assert "the clean-up's budget of 4 s" in result.cleanup_detail, result.cleanup_detail
    assert "pop3s://" not in result.cleanup_detail  # the port greeted before: no TLS hint
    assert connections >= 3  # the first look, at least one poll, the clean-up
    assert 3 + 4 - 0.5 < elapsed < 3 + 4 + SLACK_S, elapsed


def test_the_trips_outcome_is_given_before_the_clean_up_that_follows_it() -> None:
    # The SMTP server refuses the message once it has it (451), and the POP3 server holds the
    # clean-up's session 1.5 s, then hangs up: on_outcome hears of the refusal when the trip
    # ends, with the clean-up still to come; run_trip returns it with what the clean-up did.
    heard: list[tuple[TripResult, float]] = []
    with HeldCleanup(refuse=True, hold_s=1.5).start() as servers:
        mailbox = Mailbox.from_urls(servers.smtp_url, servers.pop3_url, "probe1@mail.test", "probe1",
                                    "Probe-Pw-1")
        started = time.monotonic()
        result = run_trip(mailbox, ProbeOptions(
            timeout=5, on_outcome=lambda outcome: heard.append((outcome, time.monotonic() - started))))
        elapsed = time.monotonic() - started
        held = servers.held
    assert len(heard) == 1
    outcome, at = heard[0]
    assert outcome.kind == "smtp-refused" and outcome.failed_step == "smtp.data", outcome.cause
    assert outcome.cleanup == "pending" and held == 1
    assert (result.kind, result.cause, result.token) == (outcome.kind, outcome.cause, outcome.token)
    assert result.cleanup == "failed", result.cleanup_detail
    assert at < 1.5 <= elapsed, (at, elapsed)  # before the held clean-up, which run_trip waited for
