"""Servers that turn on the probe: one that repeats the password it was sent, one that sends
lines longer than any a protocol allows. What the probe prints names what the server did, and
never the password."""

from __future__ import annotations

from alertsite_pulumi.mail import Mailbox, ProbeOptions, Step, run_trip

from .conftest import MailServers, MailUser, mailbox_for, new_mail_user
from .rogue_server import Conversation, RogueServer, pop3_logged_in
from .test_cli_round_trip import invoke

PASSWORD = "Hostile-Echo-Pw-77"


def _echoes_the_password(conversation: Conversation) -> None:
    """Logs in anyone, then answers every command with the password it was sent."""
    if not conversation.send(b"+OK rogue POP3 ready\r\n") or not conversation.command():
        return
    conversation.send(b"+OK\r\n")
    password = conversation.command().partition(b" ")[2].strip()
    conversation.send(b"+OK\r\n")
    while conversation.alive and conversation.command():
        if not conversation.send(b"-ERR you sent " + password + b"\r\n"):
            return


def test_an_answer_repeating_the_password_is_masked_in_the_live_steps_too() -> None:
    with RogueServer(_echoes_the_password) as rogue:
        box = Mailbox.from_urls("smtp://127.0.0.1:1", rogue.url("pop3"), "rt@mail.test", "rt", PASSWORD)
        live: list[Step] = []
        result = run_trip(box, ProbeOptions(timeout=5), on_step=live.append)
    assert result.failed_step == "pop3.scan" and "you sent [secret]" in (result.cause or ""), result.cause
    assert live and all(PASSWORD not in step.detail for step in live), live
    assert "you sent [secret]" in live[-1].detail


def test_round_trip_never_prints_a_password_the_server_repeats() -> None:
    with RogueServer(_echoes_the_password) as rogue:
        result = invoke("round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", rogue.url("pop3"),
                        "--email", "rt@mail.test", "--username", "rt", "--trip-timeout", "5",
                        env={"ALERTSITE_MAILBOX_PASSWORD": PASSWORD}, secrets=(PASSWORD,))
    assert result.exit_code == 1, result.output
    assert "FAIL  pop3.scan" in result.stdout and "you sent [secret]" in result.stdout


def _long_uidl_line(conversation: Conversation) -> None:
    if pop3_logged_in(conversation) and conversation.command().startswith(b"UIDL"):
        conversation.send(b"+OK\r\n1 " + b"u" * 5000 + b"\r\n.\r\n")
        while conversation.alive and (command := conversation.command()):
            conversation.send(b"+OK 1 100\r\n" if command.startswith(b"STAT") else b"-ERR no\r\n")


def test_a_pop3_line_longer_than_allowed_is_named_so_not_taken_for_the_servers_answer() -> None:
    # poplib's own "line too long" read as the server's -ERR: the probe fell back to STAT in
    # the middle of the long line and reported "answered line too long".
    with RogueServer(_long_uidl_line) as rogue:
        box = Mailbox.from_urls("smtp://127.0.0.1:1", rogue.url("pop3"), "rt@mail.test", "rt", PASSWORD)
        result = run_trip(box, ProbeOptions(timeout=5))
    assert result.kind == "protocol" and result.failed_step == "pop3.scan", result.cause
    assert result.cause == f"{rogue.url('pop3')} sent a line of more than 2048 bytes", result.cause


def _long_greeting(conversation: Conversation) -> None:
    conversation.send(b"220 " + b"g" * 10000 + b"\r\n")
    while conversation.alive and conversation.command():
        pass


def test_an_smtp_reply_line_longer_than_allowed_is_not_called_an_answer_500(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    with RogueServer(_long_greeting) as rogue:
        result = run_trip(mailbox_for(mail_user, rogue.url("smtp"), mail_servers.pop3),
                          ProbeOptions(timeout=5, context=mail_servers.client_context()))
    assert result.kind == "protocol" and result.failed_step == "smtp.banner", result.cause
    assert result.cause == f"{rogue.url('smtp')} sent a line of more than 8192 bytes", result.cause


def _echoes_the_password_at_the_edge(conversation: Conversation) -> None:
    """The password placed where the one-line cause is cut off (200 characters)."""
    if not conversation.send(b"+OK rogue POP3 ready\r\n") or not conversation.command():
        return
    conversation.send(b"+OK\r\n")
    password = conversation.command().partition(b" ")[2].strip()
    conversation.send(b"+OK\r\n")
    while conversation.alive and conversation.command():
        if not conversation.send(b"-ERR " + b"x" * 189 + password + b"\r\n"):
            return


def test_a_password_cut_in_half_by_the_causes_length_is_masked_too() -> None:
    with RogueServer(_echoes_the_password_at_the_edge) as rogue:
        box = Mailbox.from_urls("smtp://127.0.0.1:1", rogue.url("pop3"), "rt@mail.test", "rt", PASSWORD)
        live: list[Step] = []
        result = run_trip(box, ProbeOptions(timeout=5), on_step=live.append)
    assert result.failed_step == "pop3.scan", result.cause
    shown = [result.cause or "", *(step.detail for step in live)]
    assert all(PASSWORD[:6] not in text for text in shown), shown


def test_a_password_that_the_probe_header_holds_still_finds_the_message(mail_servers: MailServers) -> None:
    # Masking is for what is shown, never for what is parsed: this password is part of the
    # probe header's name (X-AlertSite-Pulumi-Probe), which TOP's answer carries.
    user = new_mail_user(mail_servers, password="Pulumi-Probe")
    result = run_trip(mailbox_for(user, mail_servers.plain.url(), mail_servers.pop3),
                      ProbeOptions(timeout=10, context=mail_servers.client_context()))
    assert result.ok, result.cause
    assert result.cleanup == "deleted" and user.messages() == []


def _speaks_no_smtp(conversation: Conversation) -> None:
    """A greeting, then text where MAIL's reply should be (as an HTTP or a POP3 server gives)."""
    conversation.send(b"220 rogue ESMTP\r\n")
    while conversation.alive and (command := conversation.command().upper()):
        answer = b"+OK this is no SMTP\r\n" if command.startswith(b"MAIL") else b"250 ok\r\n"
        if not conversation.send(answer):
            return


def test_text_that_is_no_smtp_reply_is_not_taken_for_a_refusal(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    with RogueServer(_speaks_no_smtp) as rogue:
        result = run_trip(mailbox_for(mail_user, rogue.url("smtp"), mail_servers.pop3),
                          ProbeOptions(timeout=5, context=mail_servers.client_context()))
    assert result.kind == "protocol" and result.failed_step == "smtp.mail", result.cause
    assert result.cause == f"{rogue.url('smtp')} sent no SMTP reply: '+OK this is no SMTP'", result.cause


def _greets_with_terminal_escapes(conversation: Conversation) -> None:
    """A greeting that would recolour the terminal, retitle it and reverse the text after it."""
    if not conversation.send(b"+OK \x1b[2J\x1b]0;owned\x07ready \xe2\x80\xaereversed\r\n"):
        return
    while conversation.alive and conversation.command():
        if not conversation.send(b"-ERR \x1b[31mno\r\n"):
            return


def test_control_characters_from_a_server_are_shown_escaped_never_sent_to_the_terminal() -> None:
    with RogueServer(_greets_with_terminal_escapes) as rogue:
        box = Mailbox.from_urls("smtp://127.0.0.1:1", rogue.url("pop3"), "rt@mail.test", "rt", PASSWORD)
        live: list[Step] = []
        result = run_trip(box, ProbeOptions(timeout=5), on_step=live.append)
    assert result.failed_step == "pop3.login", result.cause
    shown = [result.cause or "", *(step.detail for step in live), *(step.detail for step in result.steps)]
    assert all(not any(c in text for c in "\x1b\x07\u202e") for text in shown), shown
    banner = next(step for step in live if step.name == "pop3.banner")
    assert banner.detail == "+OK \\x1b[2J\\x1b]0;owned\\x07ready \\u202ereversed", banner.detail


def _garbled_uidl(conversation: Conversation) -> None:
    if pop3_logged_in(conversation) and conversation.command().startswith(b"UIDL"):
        conversation.send(b"+OK\r\none uid-1\r\n.\r\n")
        while conversation.alive and conversation.command():
            conversation.send(b"-ERR no\r\n")


def test_a_uidl_line_that_is_no_number_and_id_is_named_so() -> None:
    with RogueServer(_garbled_uidl) as rogue:
        box = Mailbox.from_urls("smtp://127.0.0.1:1", rogue.url("pop3"), "rt@mail.test", "rt", PASSWORD)
        result = run_trip(box, ProbeOptions(timeout=5))
    assert result.kind == "protocol" and result.failed_step == "pop3.scan", result.cause
    assert result.cause == f"{rogue.url('pop3')} sent a UIDL line that is not '<number> <id>': 'one uid-1'"
