"""Round trips through a real MTA, Debian's Postfix 3.7, into Dovecot: the good trip, and the
refusals a real server gives an outside sender without a login (as AlertSite is), each named
for what it is. The aiosmtpd servers only ever answer what the tests taught them; these
answers are Postfix's own."""

from __future__ import annotations

import json

import pytest

from alertsite_pulumi.mail import Mailbox, ProbeOptions, TripResult, run_trip
from alertsite_pulumi.mail.send import StartTls

from .conftest import MailServers, MailUser
from .postfix import Postfix
from .rogue_server import Conversation, RogueServer


def trip(servers: MailServers, user: MailUser, smtp: str, *, email: str | None = None,
         starttls: StartTls = "auto", timeout: float = 10, verified_by_test_ca: bool = True) -> TripResult:
    # pop3s with the test CA; plain POP3 when the context is the system's (which lacks that CA).
    pop3 = servers.pop3s if verified_by_test_ca else servers.pop3
    box = Mailbox.from_urls(smtp, pop3, email or user.email, user.name, user.password)
    context = servers.client_context() if verified_by_test_ca else None
    result = run_trip(box, ProbeOptions(timeout=timeout, context=context, starttls=starttls))
    assert user.messages() == [], "the probe left a message in the mailbox"
    assert user.password not in json.dumps(result.to_json())
    return result


def cause(result: TripResult) -> str:
    return result.cause or ""


@pytest.mark.parametrize("starttls", ["auto", "never"])
def test_a_good_trip_through_postfix_into_dovecot(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser, starttls: StartTls
) -> None:
    result = trip(mail_servers, mail_user, postfix.url(), starttls=starttls)
    assert result.ok and result.code == 0 and result.cleanup == "deleted", result.cause
    names = [s.name for s in result.steps]
    assert ("smtp.starttls" in names) == (starttls == "auto")
    banner = next(s for s in result.steps if s.name == "smtp.banner")
    assert "ESMTP Postfix" in banner.detail
    data = next(s for s in result.steps if s.name == "smtp.data")
    assert "queued as" in data.detail  # Postfix took it; Dovecot's delivery agent filed it


def test_postfix_relay_rule_needs_a_login_alertsite_cannot_give(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    # Postfix's default relay rule defers (454), which was reported as "refused for now".
    result = trip(mail_servers, mail_user, postfix.url(), email=f"{mail_user.name}@elsewhere.test")
    assert result.kind == "smtp-login-needed" and result.code == 9102 and result.failed_step == "smtp.rcpt"
    assert "454 4.7.1" in cause(result) and "Relay access denied" in cause(result)
    assert "needs a login" in cause(result) and "which AlertSite cannot give" in cause(result)
    assert result.cleanup == "not-sent"


def test_must_issue_starttls_first_is_tls_not_a_login(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, postfix.url("tls_required"), starttls="never")
    assert result.kind == "tls" and result.code == 9101 and result.failed_step == "smtp.mail"
    assert "530 5.7.0 Must issue a STARTTLS command first" in cause(result)
    assert "--starttls auto" in cause(result) and "login" not in cause(result)
    # And that option is the way out: the same server with STARTTLS takes the message.
    assert trip(mail_servers, mail_user, postfix.url("tls_required"), starttls="auto").ok


@pytest.mark.parametrize(("listener", "words"), [
    ("policy", "Recipient address rejected: Message refused by content policy"),
    ("blocklist", "Client host rejected: Service unavailable; client listed on a blocklist"),
])
def test_a_policy_refusal_is_not_a_login_request(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser, listener: str, words: str
) -> None:
    result = trip(mail_servers, mail_user, postfix.url(listener))
    assert result.kind == "smtp-refused" and result.code == 9103 and result.failed_step == "smtp.rcpt"
    assert "554 5.7.1" in cause(result) and words in cause(result)
    assert "by its policy" in cause(result) and "it offers no AUTH" in cause(result)
    assert "needs a login" not in cause(result)


def test_a_refused_starttls_is_a_tls_failure(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    # Postfix offers STARTTLS but cannot load its certificate: 454 4.7.0 TLS not available.
    result = trip(mail_servers, mail_user, postfix.url("tls_broken"))
    assert result.kind == "tls" and result.code == 9101 and result.failed_step == "smtp.starttls"
    assert "offered STARTTLS but refused it (454 4.7.0 TLS not available" in cause(result)
    assert "--starttls never" in cause(result)
    assert result.cleanup == "not-sent"


def test_starttls_required_of_a_server_without_it(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, postfix.url("no_tls"), starttls="always")
    assert result.kind == "tls" and result.failed_step == "smtp.starttls"
    assert "does not offer STARTTLS" in cause(result)


def test_a_refusal_in_place_of_the_greeting_is_a_refusal(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, postfix.url("greeting_refused"))
    assert result.kind == "smtp-refused" and result.code == 9103 and result.failed_step == "smtp.banner"
    assert "refused the connection by its policy (554 5.7.1" in cause(result)
    assert "Client host rejected" in cause(result)
    assert "AUTH" not in cause(result)  # before EHLO, nothing is known of it


def busy_server(conversation: Conversation) -> None:
    conversation.send(b"421 4.3.2 mail.test Service not available, closing transmission channel\r\n")


def test_a_busy_server_refuses_for_now(mail_servers: MailServers, mail_user: MailUser) -> None:
    with RogueServer(busy_server) as busy:
        result = trip(mail_servers, mail_user, busy.url("smtp"))
    assert result.kind == "smtp-refused" and result.failed_step == "smtp.banner"
    assert "refused the connection for now (421 4.3.2" in cause(result)


def test_an_untrusted_certificate_names_the_ways_out(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    # The system's CAs do not include the test CA that signed Postfix's certificate.
    result = trip(mail_servers, mail_user, postfix.url(), verified_by_test_ca=False)
    assert result.kind == "tls" and result.failed_step == "smtp.starttls"
    assert "unable to get local issuer certificate" in cause(result)
    assert "--cafile" in cause(result) and "--starttls never" in cause(result)
