"""Round trips through real servers: the good paths, and each way a mail path breaks.

Every test ends with the mailbox empty: the probe leaves nothing behind, whatever failed.
"""

from __future__ import annotations

import pytest

from alertsite_pulumi.mail import ProbeOptions, TripResult, run_trip

from .conftest import MailServers, MailUser, expired_cert, expiring_cert, mailbox_for
from .dovecot import free_port


def trip(servers: MailServers, user: MailUser, smtp: str, pop3: str, *, timeout: float = 10,
         password: str | None = None, **options: object) -> TripResult:
    result = run_trip(
        mailbox_for(user, smtp, pop3, password),
        ProbeOptions(timeout=timeout, context=servers.client_context(), **options),  # type: ignore[arg-type]
    )
    assert user.messages() == [], "the probe left a message in the mailbox"
    return result


def steps(result: TripResult) -> list[str]:
    return [s.name for s in result.steps]


@pytest.mark.parametrize("variant", ["plain", "starttls", "smtps"])
def test_a_good_trip_sends_finds_and_deletes_its_message(
    mail_servers: MailServers, mail_user: MailUser, variant: str
) -> None:
    smtp = {"plain": mail_servers.plain.url(), "starttls": mail_servers.starttls.url(),
            "smtps": mail_servers.smtps.url("smtps")}[variant]
    pop3 = mail_servers.pop3 if variant == "plain" else mail_servers.pop3s
    sent_before = len(mail_servers.delivery.received)
    result = trip(mail_servers, mail_user, smtp, pop3)
    assert result.ok and result.code == 0 and result.code_origin == "alertsite", result.cause
    assert result.failed_step is None and result.cleanup == "deleted"
    names = steps(result)
    assert names[:2] == ["pop3.dns", "pop3.connect"]
    assert names[-3:] == ["pop3.poll", "pop3.dele", "pop3.quit"]
    for name in ("pop3.login", "smtp.banner", "smtp.ehlo", "smtp.mail", "smtp.rcpt", "smtp.data"):
        assert name in names
    assert ("smtp.starttls" in names) == (variant == "starttls")
    assert ("smtp.tls" in names) == (variant == "smtps")
    assert ("pop3.tls" in names) == (variant != "plain")
    assert all(s.ok and s.ms >= 0 for s in result.steps)
    # One message, from the monitor's own address to the same address.
    assert mail_servers.delivery.received[sent_before:] == [(mail_user.email, [mail_user.email])]
    if variant != "plain":
        tls = next(s for s in result.steps if s.name == "pop3.tls")
        assert "certificate verified" in tls.detail
    assert result.warnings == ()


def test_a_wrong_pop3_password_fails_at_login_and_sends_nothing(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    sent_before = len(mail_servers.delivery.received)
    result = trip(mail_servers, mail_user, mail_servers.plain.url(), mail_servers.pop3,
                  password="not-the-password")
    assert not result.ok and result.kind == "pop3-login" and result.failed_step == "pop3.login"
    assert result.code == 9104 and result.code_origin == "own"
    assert "Authentication failed" in (result.cause or "") and mail_user.name in (result.cause or "")
    assert result.cleanup == "not-sent"
    assert len(mail_servers.delivery.received) == sent_before


@pytest.mark.parametrize("side", ["smtp", "pop3"])
def test_a_closed_port_is_alertsite_code_1(mail_servers: MailServers, mail_user: MailUser, side: str) -> None:
    closed = f"127.0.0.1:{free_port()}"
    smtp = f"smtp://{closed}" if side == "smtp" else mail_servers.plain.url()
    pop3 = f"pop3://{closed}" if side == "pop3" else mail_servers.pop3
    result = trip(mail_servers, mail_user, smtp, pop3)
    assert result.code == 1 and result.code_origin == "alertsite"
    assert result.failed_step == f"{side}.connect"
    assert "refused the connection" in (result.cause or "")


def test_plain_smtp_to_a_tls_port_times_out_waiting_for_the_greeting(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, mail_servers.smtps.url("smtp"), mail_servers.pop3, timeout=2)
    assert result.code == 2 and result.kind == "timeout"
    assert result.failed_step == "smtp.banner"
    assert "smtps://" in (result.cause or "")
    assert result.cleanup == "not-sent"


def test_tls_to_a_plain_port_names_the_likely_cause(mail_servers: MailServers, mail_user: MailUser) -> None:
    result = trip(mail_servers, mail_user, mail_servers.plain.url("smtps"), mail_servers.pop3)
    assert result.kind == "tls" and result.failed_step == "smtp.tls" and result.code == 9101
    assert "smtp://" in (result.cause or "")


def test_an_expired_certificate_fails_the_tls_step(mail_servers: MailServers, mail_user: MailUser) -> None:
    server = mail_servers.start_smtps(expired_cert(mail_servers.ca))
    result = trip(mail_servers, mail_user, server.url("smtps"), mail_servers.pop3s)
    assert result.kind == "tls" and result.failed_step == "smtp.tls"
    assert "expired" in (result.cause or "")


def test_a_certificate_for_another_host_fails_the_tls_step(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    server = mail_servers.start_smtps(mail_servers.ca.issue_cert("mail.example.org"))
    result = trip(mail_servers, mail_user, server.url("smtps"), mail_servers.pop3s)
    assert result.kind == "tls" and result.failed_step == "smtp.tls"
    assert "mismatch" in (result.cause or "")


def test_a_certificate_that_expires_soon_is_a_warning(mail_servers: MailServers, mail_user: MailUser) -> None:
    server = mail_servers.start_smtps(expiring_cert(mail_servers.ca, days=3))
    result = trip(mail_servers, mail_user, server.url("smtps"), mail_servers.pop3s, cert_warning_days=14)
    assert result.ok, result.cause
    assert len(result.warnings) == 1 and "expires in" in result.warnings[0]


def test_an_unknown_ca_is_refused(mail_servers: MailServers, mail_user: MailUser) -> None:
    # The system's CAs (the default) do not include the test CA: TLS is verified.
    result = run_trip(mailbox_for(mail_user, mail_servers.smtps.url("smtps"), mail_servers.pop3),
                      ProbeOptions(timeout=10))
    assert result.kind == "tls" and "certificate" in (result.cause or "")
    assert mail_user.messages() == []


def test_an_smtp_server_that_demands_auth_needs_a_login_alertsite_cannot_give(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, mail_servers.auth.url(), mail_servers.pop3)
    assert result.kind == "smtp-login-needed" and result.failed_step == "smtp.mail"
    assert "530" in (result.cause or "")
    assert "needs a login, which AlertSite cannot give" in (result.cause or "")


def test_a_relay_refusal_needs_a_login_too(mail_servers: MailServers, mail_user: MailUser) -> None:
    result = trip(mail_servers, mail_user, mail_servers.relay_refused.url(), mail_servers.pop3)
    assert result.kind == "smtp-login-needed" and result.failed_step == "smtp.rcpt"
    assert "Relay access denied" in (result.cause or "")


def test_an_unknown_recipient_is_a_refusal(mail_servers: MailServers, mail_user: MailUser) -> None:
    mail_servers.delivery.maildirs.pop(mail_user.email)
    result = trip(mail_servers, mail_user, mail_servers.plain.url(), mail_servers.pop3)
    assert result.kind == "smtp-refused" and result.failed_step == "smtp.rcpt"
    assert "550" in (result.cause or "")


def test_a_message_that_never_arrives_is_a_timeout_at_the_deadline(
    mail_servers: MailServers, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, mail_servers.blackhole.url(), mail_servers.pop3, timeout=2)
    assert result.code == 2 and result.failed_step == "pop3.poll"
    assert "did not reach" in (result.cause or "")
    assert result.cleanup == "not-arrived"
    assert 2000 <= result.elapsed_ms < 2000 + 5000
