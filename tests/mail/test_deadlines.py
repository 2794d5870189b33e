"""The trip's deadline holds inside every read, and every answer has a size cap: servers that
send one byte at a time, or stream an answer without end, end the trip at its deadline (within
a second or two) or at the cap, never later and never with this process's memory."""

from __future__ import annotations

import time

import pytest

from alertsite_pulumi.mail import ProbeOptions, TripResult, run_trip

from .conftest import MailServers, MailUser, mailbox_for
from .rogue_server import Conversation, RogueServer, Script, pop3_logged_in
from .test_cli_round_trip import invoke

#: How far past its deadline a trip may end (the deadline "within a second or two").
SLACK_S = 2.0
MIB = 1024 * 1024


def _trip(servers: MailServers, user: MailUser, smtp: str, pop3: str,
          timeout: float) -> tuple[TripResult, float]:
    started = time.monotonic()
    options = ProbeOptions(timeout=timeout, context=servers.client_context())
    result = run_trip(mailbox_for(user, smtp, pop3), options)
    return result, time.monotonic() - started


def _reset_peak_rss() -> None:
    """Start this process's peak RSS (VmHWM) afresh (Linux: ``5`` to ``/proc/self/clear_refs``),
    so that what the pytest process held before this test cannot hide what the trip takes."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")


def _peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def trickled_pop3_greeting(conversation: Conversation) -> None:
    conversation.trickle(b"+OK " + b"x" * 1000 + b"\r\n", every_s=0.4)


def test_a_pop3_greeting_sent_a_byte_at_a_time_ends_at_the_deadline(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    with RogueServer(trickled_pop3_greeting) as rogue:
        result, elapsed = _trip(mail_servers, mail_user, mail_servers.plain.url(), rogue.url("pop3"),
                                timeout=2)
    assert result.kind == "timeout" and result.code == 2 and result.failed_step == "pop3.banner"
    assert "was still sending" in (result.cause or ""), result.cause
    assert elapsed < 2 + SLACK_S


def test_round_trip_holds_trip_timeout_against_a_trickling_greeting(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # The command of the hardening issue: --trip-timeout 5 ran for about an hour here.
    with RogueServer(trickled_pop3_greeting) as rogue:
        started = time.monotonic()
        result = invoke("round-trip", "--smtp", mail_servers.plain.url(), "--pop3", rogue.url("pop3"),
                        "--email", mail_user.email, "--username", mail_user.name, "--trip-timeout", "3",
                        env={"ALERTSITE_MAILBOX_PASSWORD": mail_user.password}, secrets=(mail_user.password,))
        elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "FAILED at pop3.banner (code 2" in result.stdout
    assert elapsed < 3 + SLACK_S


def _endless_uidl(every_s: float) -> Script:
    def script(conversation: Conversation) -> None:
        if pop3_logged_in(conversation) and conversation.command().startswith(b"UIDL"):
            conversation.send(b"+OK\r\n")
            conversation.endless(lambda n: b"%d uid-%d\r\n" % (n, n), every_s=every_s)

    return script


def test_an_endless_uidl_listing_is_cut_off_at_the_cap(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    _reset_peak_rss()
    peak_before = _rss_mib()
    with RogueServer(_endless_uidl(every_s=0.0)) as rogue:
        result, elapsed = _trip(mail_servers, mail_user, mail_servers.plain.url(), rogue.url("pop3"),
                                timeout=10)
    assert result.kind == "protocol" and result.failed_step == "pop3.scan", result.cause
    assert "more than 4 MiB without ending it" in (result.cause or "")
    assert elapsed < 10 + SLACK_S
    # A listing of 4 MiB, not of 1.5 GB.
    assert _peak_rss_mib() - peak_before < 200


def test_an_endless_slow_uidl_listing_ends_at_the_deadline(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    with RogueServer(_endless_uidl(every_s=0.05)) as rogue:
        result, elapsed = _trip(mail_servers, mail_user, mail_servers.plain.url(), rogue.url("pop3"),
                                timeout=2)
    assert result.kind == "timeout" and result.failed_step == "pop3.scan", result.cause
    assert elapsed < 2 + SLACK_S


def _endless_ehlo(every_s: float) -> Script:
    def script(conversation: Conversation) -> None:
        if conversation.send(b"220 rogue ESMTP\r\n") and conversation.command():
            conversation.endless(lambda n: b"250-EXTENSION-%d\r\n" % n, every_s=every_s)

    return script


@pytest.mark.parametrize(("every_s", "kind", "cause"), [
    (0.0, "protocol", "more than 200 lines without ending it"),
    (0.1, "timeout", "timeout of 3 s"),
])
def test_endless_smtp_continuation_lines_end_at_the_cap_or_the_deadline(
    mail_servers: MailServers, mail_user: MailUser, every_s: float, kind: str, cause: str
) -> None:
    with RogueServer(_endless_ehlo(every_s)) as rogue:
        result, elapsed = _trip(mail_servers, mail_user, rogue.url("smtp"), mail_servers.pop3, timeout=3)
    assert result.kind == kind and result.failed_step == "smtp.ehlo", result.cause
    assert cause in (result.cause or "")
    assert result.cleanup == "not-sent" and mail_user.messages() == []
    assert elapsed < 3 + SLACK_S
