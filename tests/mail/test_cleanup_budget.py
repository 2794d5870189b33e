"""The clean-up after a failed trip has a budget of its own (``cleanup_timeout``, 15 s), held
inside every read as the trip's is: a POP3 server that hangs once the message is sent ends the
run at the trip's timeout plus the clean-up's, within a second or two."""

from __future__ import annotations

import threading
import time

from alertsite_pulumi.mail import ProbeOptions, Step, run_trip

from .conftest import MailServers, MailUser, mailbox_for
from .rogue_server import RogueServer, proxy_to

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
