"""Real mail servers for the probe's tests: Dovecot (POP3, pop3s with a test CA's
certificate), aiosmtpd variants and Postfix (a real MTA delivering into Dovecot's Maildirs),
started once per session; a fresh mailbox per test."""

from __future__ import annotations

import itertools
import secrets
import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trustme

from alertsite_pulumi.mail import Mailbox

from .dovecot import Dovecot
from .postfix import Postfix
from .smtp_server import Delivery, SmtpServer

_user_numbers = itertools.count(1)


@dataclass
class MailUser:
    """A Dovecot user of its own, and the address the test SMTP servers deliver to it."""

    name: str
    password: str
    email: str
    maildir: Path

    def messages(self) -> list[Path]:
        return sorted(p for sub in ("new", "cur") for p in (self.maildir / sub).iterdir())


@dataclass
class MailServers:
    ca: trustme.CA
    ca_file: Path
    dovecot: Dovecot
    delivery: Delivery
    plain: SmtpServer
    starttls: SmtpServer
    smtps: SmtpServer
    auth: SmtpServer
    relay_refused: SmtpServer
    blackhole: SmtpServer
    start_smtps: Callable[..., SmtpServer]

    @property
    def pop3(self) -> str:
        return f"pop3://127.0.0.1:{self.dovecot.pop3_port}"

    @property
    def pop3s(self) -> str:
        return f"pop3s://127.0.0.1:{self.dovecot.pop3s_port}"

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture(scope="session")
def mail_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServers]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("mail-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    good = ca.issue_cert("127.0.0.1", "localhost")
    with ExitStack() as stack:
        dovecot = Dovecot(good.cert_chain_pems[0].bytes(), good.private_key_pem.bytes()).start()
        stack.callback(dovecot.stop)
        delivery = Delivery()

        def start(which: Delivery = delivery, **kwargs: object) -> SmtpServer:
            server = SmtpServer(which, **kwargs).start()  # type: ignore[arg-type]
            stack.callback(server.stop)
            return server

        def start_smtps(cert: trustme.LeafCert) -> SmtpServer:
            return start(implicit_tls=server_context(cert))

        yield MailServers(
            ca=ca,
            ca_file=ca_file,
            dovecot=dovecot,
            delivery=delivery,
            plain=start(),
            starttls=start(starttls=server_context(good)),
            smtps=start_smtps(good),
            auth=start(starttls=server_context(good), auth_required=True),
            relay_refused=start(Delivery(delivery.maildirs, refuse_relay=True)),
            blackhole=start(Delivery(delivery.maildirs, drop=True)),
            start_smtps=start_smtps,
        )


@pytest.fixture(scope="session")
def postfix(mail_servers: MailServers) -> Iterator[Postfix]:
    """One Postfix for the session, with a listener per behaviour (see :data:`.postfix.LISTENERS`)."""
    cert = mail_servers.ca.issue_cert("127.0.0.1", "localhost")
    server = Postfix(mail_servers.dovecot, cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes())
    try:
        yield server.start()
    finally:
        server.stop()


def new_mail_user(servers: MailServers, password: str | None = None) -> MailUser:
    """A Dovecot user of its own, with a password that appears nowhere else."""
    name = f"rt{next(_user_numbers)}"
    password = password or f"Mailbox-{secrets.token_hex(8)}-Pw"
    maildir = servers.dovecot.add_user(name, password)
    email = f"{name}@mail.test"
    servers.delivery.maildirs[email] = maildir
    return MailUser(name, password, email, maildir)


@pytest.fixture
def mail_user(mail_servers: MailServers) -> MailUser:
    return new_mail_user(mail_servers)


def mailbox_for(user: MailUser, smtp: str, pop3: str, password: str | None = None) -> Mailbox:
    return Mailbox.from_urls(smtp, pop3, user.email, user.name, password or user.password)


def expired_cert(ca: trustme.CA) -> trustme.LeafCert:
    now = datetime.now(timezone.utc)
    return ca.issue_cert("127.0.0.1", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1))


def expiring_cert(ca: trustme.CA, days: float) -> trustme.LeafCert:
    now = datetime.now(timezone.utc)
    return ca.issue_cert(
        "127.0.0.1", not_before=now - timedelta(days=1), not_after=now + timedelta(days=days)
    )
