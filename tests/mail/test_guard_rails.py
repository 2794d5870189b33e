"""The probe's guard rails through real servers: it cleans up after Ctrl-C, deletes only
messages carrying its header, never shows the password, and never trusts unverified TLS."""

from __future__ import annotations

import json
import logging
import mailbox
import ssl
import time
from email.message import EmailMessage

import pytest

from alertsite_pulumi.mail import (
    PROBE_HEADER,
    Mailbox,
    ProbeOptions,
    Step,
    TripInterrupted,
    run_trip,
)
from alertsite_pulumi.mail.target import parse_server
from alertsite_pulumi.validators import redact_url_userinfo, validate_url

from .conftest import MailServers, MailUser, mailbox_for


def _options(servers: MailServers, timeout: float = 10) -> ProbeOptions:
    return ProbeOptions(timeout=timeout, context=servers.client_context())


def test_ctrl_c_after_sending_still_deletes_the_message(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    def interrupt_once_sent(step: Step) -> None:
        if step.name == "smtp.quit":
            assert len(mail_user.messages()) == 1  # delivered: there is something to clean
            raise KeyboardInterrupt

    box = mailbox_for(mail_user, mail_servers.plain.url(), mail_servers.pop3)
    with pytest.raises(TripInterrupted) as caught:
        run_trip(box, _options(mail_servers), on_step=interrupt_once_sent)
    assert isinstance(caught.value, KeyboardInterrupt)
    result = caught.value.result
    assert result.kind == "interrupted" and result.code_origin == "own"
    assert result.cleanup == "deleted"
    assert mail_user.messages() == []


def _put(user: MailUser, header: str | None, subject: str) -> None:
    msg = EmailMessage()
    msg["From"] = msg["To"] = user.email
    msg["Subject"] = subject
    if header is not None:
        msg[PROBE_HEADER] = header
    msg.set_content("x")
    mailbox.Maildir(user.maildir, create=False).add(msg)


def test_only_messages_with_the_probe_header_are_deleted(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    now = int(time.time())
    _put(mail_user, f"{'a' * 24}; sent={now - 3600}", "leftover of an earlier trip")
    _put(mail_user, f"{'b' * 24}; sent={now - 5}", "another trip, maybe still running")
    _put(mail_user, None, "somebody's real mail")
    _put(mail_user, "not-a-probe-value", "a look-alike header")
    box = mailbox_for(mail_user, mail_servers.plain.url(), mail_servers.pop3)
    result = run_trip(box, _options(mail_servers))
    assert result.ok, result.cause
    scan = next(s for s in result.steps if s.name == "pop3.scan")
    assert scan.detail.startswith("1 leftover probe message(s) of earlier trips deleted; 1 younger one(s)")
    left = sorted(str(m["Subject"]) for m in mailbox.Maildir(mail_user.maildir, create=False))
    assert left == ["a look-alike header", "another trip, maybe still running", "somebody's real mail"]


def test_the_scan_tells_of_younger_leftovers_it_keeps(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    # It said "no leftover probe messages" while this one was there.
    _put(mail_user, f"{'c' * 24}; sent={int(time.time()) - 60}", "another trip, maybe still running")
    box = mailbox_for(mail_user, mail_servers.plain.url(), mail_servers.pop3)
    result = run_trip(box, _options(mail_servers))
    assert result.ok, result.cause
    scan = next(s for s in result.steps if s.name == "pop3.scan")
    assert scan.detail.startswith(
        "no leftover probe messages older than 15 min; 1 younger one(s) of other trips kept")
    assert [str(m["Subject"]) for m in mailbox.Maildir(mail_user.maildir, create=False)] == [
        "another trip, maybe still running"]


def test_no_password_in_any_output(
    mail_servers: MailServers, mail_user: MailUser, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Pw-0f9e8d7c"
    texts: list[str] = []
    cases = [
        (mail_servers.plain.url(), mail_servers.pop3, mail_user.password),
        (mail_servers.starttls.url(), mail_servers.pop3s, mail_user.password),
        (mail_servers.plain.url(), mail_servers.pop3, wrong),
        (mail_servers.auth.url(), mail_servers.pop3, mail_user.password),
        (mail_servers.blackhole.url(), mail_servers.pop3, mail_user.password),
    ]
    def keep(step: Step) -> None:
        texts.append(repr(step))

    for smtp, pop3, password in cases:
        box = mailbox_for(mail_user, smtp, pop3, password)
        result = run_trip(box, _options(mail_servers, timeout=2), on_step=keep)
        texts += [repr(box), str(box), repr(result), json.dumps(result.to_json()), result.description]
    with pytest.raises(ValueError) as bad:
        Mailbox.from_urls("smtp://x", "pop3://y", mail_user.email, mail_user.name, mail_user.password + "\n")
    texts.append(str(bad.value))
    out, err = capsys.readouterr()
    texts += [out, err, caplog.text]
    everything = "\n".join(texts)
    assert "send:" not in err and "*cmd*" not in err  # no smtplib/poplib debug output
    for secret in (mail_user.password, wrong):
        assert secret not in everything
    assert "[secret]" in repr(box)
    assert mail_user.messages() == []


def test_an_unverified_tls_context_is_refused(mail_servers: MailServers, mail_user: MailUser) -> None:
    box = mailbox_for(mail_user, mail_servers.smtps.url("smtps"), mail_servers.pop3s)
    lax = ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verify"):
        run_trip(box, ProbeOptions(timeout=5, context=lax))


@pytest.mark.parametrize(
    ("smtp", "pop3", "email", "message"),
    [
        ("http://mail.example.com", "pop3://p", "a@example.com", "smtp server"),
        ("smtp://mail.example.com", "pop3s://p:70000", "a@example.com", "port 70000"),
        ("smtps://mail.example.com", "imap://p", "a@example.com", "pop3 server"),
        ("smtp://mail.example.com", "pop3://p", "not-an-address", "email"),
    ],
)
def test_a_mailbox_is_checked_before_anything_is_sent(smtp: str, pop3: str, email: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Mailbox.from_urls(smtp, pop3, email, "user", "pw")


@pytest.mark.parametrize(
    "url",
    ["POP3://mail.example.com", "pop3://mail.example.com/", "pop3://mail.example.com.", "pop3://[1:2]",
     " pop3://mail.example.com", "pop3://mail.example.com:\u0661\u0661\u0660", "pop3://mail.example.com:0"],
)
def test_the_probe_refuses_what_the_resource_refuses(url: str) -> None:
    # One reading of a monitor's URL: the probe used to take all of these.
    assert validate_url(("pop3", "pop3s"))(url) is not None
    with pytest.raises(ValueError, match=r"^pop3 server '"):
        parse_server(url, "pop3")


@pytest.mark.parametrize(
    ("url", "port"),
    [("pop3://mail.example.com:00110", 110), ("pop3://[::1]", 110), ("pop3s://mail.example.com", 995)],
)
def test_the_probe_takes_what_the_resource_takes(url: str, port: int) -> None:
    assert validate_url(("pop3", "pop3s"))(url) is None
    assert parse_server(url, "pop3").port == port


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("pop3://rt1:TopSecret99@host:1", "pop3://***@host:1"),
        ("pop3://user@host", "pop3://***@host"),
        ("smtp://u:pa/ss#w@rd@host:25", "smtp://***@host:25"),
        ("u:TopSecret99@host", "***@host"),
        ("pop3://host:110", "pop3://host:110"),
    ],
)
def test_userinfo_in_a_url_is_masked(url: str, shown: str) -> None:
    assert redact_url_userinfo(url) == shown
    if "@" not in url:
        return
    with pytest.raises(ValueError) as refused:
        parse_server(url, "smtp" if url.startswith("smtp") else "pop3")
    assert "TopSecret99" not in str(refused.value) and "pa/ss" not in str(refused.value)


def test_a_huge_address_is_refused_and_not_shown_whole() -> None:
    email = "a" * 100_000 + "@example.com"
    with pytest.raises(ValueError, match=r"is not an email address") as refused:
        Mailbox.from_urls("smtp://mail.example.com", "pop3://p", email, "user", "pw")
    assert len(str(refused.value)) < 200 and "(100012 characters)" in str(refused.value)
    # The longest address SMTP carries still passes; one more character does not.
    longest = "a" * 64 + "@" + ".".join(["b" * 63] * 2) + "." + "c" * 57 + ".com"
    assert len(longest) == 254
    Mailbox.from_urls("smtp://mail.example.com", "pop3://p", longest, "user", "pw")
    with pytest.raises(ValueError, match=r"is not an email address"):
        Mailbox.from_urls("smtp://mail.example.com", "pop3://p", "a" + longest, "user", "pw")


def test_default_ports_and_loopback() -> None:
    box = Mailbox.from_urls("smtps://localhost", "pop3://[::1]", "a@example.com", "u", "pw")
    assert (box.smtp.port, box.pop3.port) == (465, 110)
    assert box.is_loopback and box.pop3.url == "pop3://[::1]:110"
    remote = Mailbox.from_urls("smtp://mail.example.com", "pop3://127.0.0.1", "a@example.com", "u", "pw")
    assert not remote.is_loopback
