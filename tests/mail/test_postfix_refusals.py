"""Odd but common Postfix configurations, each refusal named for what it is: never "needs a
login" unless the server refused to relay, and never more than the answer says."""

from __future__ import annotations

import pytest

from .conftest import MailServers, MailUser
from .postfix import DOMAIN, Postfix
from .test_postfix import cause, trip


def test_a_recipient_unknown_in_the_local_domain_is_a_refusal_not_a_login(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    email = f"nobody@{DOMAIN}"
    result = trip(mail_servers, mail_user, postfix.url(), email=email)
    assert result.kind == "smtp-refused" and result.code == 9103 and result.failed_step == "smtp.rcpt"
    assert cause(result).startswith(f"{postfix.url()} refused RCPT TO:<{email}> (550 5.1.1 <{email}>:")
    assert "User unknown" in cause(result)
    assert "login" not in cause(result) and "policy" not in cause(result)
    assert result.cleanup == "not-sent"


@pytest.mark.parametrize(("listener", "answer"), [
    ("greylist", "450 4.2.0 <{email}>: Recipient address rejected: Greylisted"),
    ("try_later", "451 4.7.1 <{email}>: Recipient address rejected: Please try again later"),
])
def test_greylisting_refuses_for_now(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser, listener: str, answer: str
) -> None:
    result = trip(mail_servers, mail_user, postfix.url(listener))
    assert result.kind == "smtp-refused" and result.failed_step == "smtp.rcpt", cause(result)
    expected = f"refused RCPT TO:<{mail_user.email}> for now ({answer.format(email=mail_user.email)}"
    assert expected in cause(result)
    assert "login" not in cause(result) and "policy" not in cause(result)


def test_a_message_over_the_size_limit_is_a_refusal_of_the_message(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, postfix.url("size_limit"))
    assert result.kind == "smtp-refused" and result.failed_step == "smtp.data", cause(result)
    assert "refused the message (552 5.3.4 Error: message file too big)" in cause(result)
    assert "login" not in cause(result)


def test_a_refused_helo_name_is_a_policy_refusal(
    mail_servers: MailServers, postfix: Postfix, mail_user: MailUser
) -> None:
    result = trip(mail_servers, mail_user, postfix.url("helo_refused"))
    assert result.kind == "smtp-refused" and result.failed_step == "smtp.rcpt", cause(result)
    assert "by its policy (554 5.7.1 <[127.0.0.1]>: Helo command rejected: Host not found)" in cause(result)
    assert "needs a login" not in cause(result)
