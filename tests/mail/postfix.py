"""A real MTA for the tests: Debian's Postfix 3.7, from a configuration in a temporary directory,
delivering into the Dovecot Maildirs of :mod:`.dovecot` (through Dovecot's own delivery agent,
``dovecot-lda``, as a Postfix + Dovecot server is commonly set up).

One master process with one ``smtpd`` listener per behaviour (each a ``master.cf`` line with
``-o`` overrides, on a free loopback port), so a session starts Postfix once. ``mynetworks``
holds only a documentation address: the probe connects as an outside sender, as AlertSite
does, so Postfix's relay rule applies to it. Postfix's master must start as root (it switches
to the ``postfix`` user that the Debian package creates); a missing Postfix, or a run without
root, fails the tests: ``scripts/bootstrap --test-servers`` installs it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import smtplib
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .dovecot import Dovecot, free_port

POSTFIX = "/usr/sbin/postfix"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"
START_ATTEMPTS = 3
READY_TIMEOUT_S = 20.0
#: The mail domain Postfix receives for (the test users' addresses, rtN@mail.test).
DOMAIN = "mail.test"


@dataclass(frozen=True)
class Listener:
    """One smtpd service: its name and its ``-o`` overrides of main.cf."""

    name: str
    overrides: tuple[str, ...] = ()


#: The behaviours the tests need, each a listener of its own.
LISTENERS = (
    Listener("good"),
    # 530 5.7.0 Must issue a STARTTLS command first (to a client that does not use it).
    Listener("tls_required", ("smtpd_tls_security_level=encrypt",)),
    # No STARTTLS offered at all.
    Listener("no_tls", ("smtpd_tls_security_level=none",)),
    # STARTTLS offered, then 454 4.7.0 TLS not available (the certificate cannot be loaded).
    Listener("tls_broken", ("smtpd_tls_cert_file={conf}/missing-cert.pem",
                            "smtpd_tls_key_file={conf}/missing-cert.pem")),
    # A policy refusal of the recipient (a content or spam rule): 554 5.7.1.
    Listener("policy", ("smtpd_recipient_restrictions=check_recipient_access,"
                        "regexp:{conf}/refuse-recipients",)),
    # A blocklist of client addresses, checked at RCPT (smtpd_delay_reject=yes): 554 5.7.1.
    Listener("blocklist", ("smtpd_client_restrictions=check_client_access,"
                           "cidr:{conf}/blocked-clients",)),
    # The same refusal at once, in place of the greeting: 554 5.7.1 (smtpd_delay_reject=no).
    Listener("greeting_refused", ("smtpd_client_restrictions=reject", "smtpd_delay_reject=no")),
    # Greylisting as postgrey answers (450 4.2.0), and as other greylisters do (451 4.7.1).
    Listener("greylist", ("smtpd_recipient_restrictions=check_recipient_access,regexp:{conf}/greylist",)),
    Listener("try_later", ("smtpd_recipient_restrictions=check_recipient_access,regexp:{conf}/try-later",)),
    # A message size limit below the probe's message: 552 5.3.4 after the message.
    Listener("size_limit", ("message_size_limit=200", "header_size_limit=200")),
    # HELO required, and the probe's (an address literal) refused by a HELO rule: at RCPT.
    Listener("helo_refused", ("smtpd_helo_required=yes",
                              "smtpd_helo_restrictions=check_helo_access,regexp:{conf}/refuse-helo")),
)


class PostfixError(RuntimeError):
    pass


class Postfix:
    """``smtp://127.0.0.1:{ports[name]}`` for every listener of :data:`LISTENERS`."""

    def __init__(self, dovecot: Dovecot, cert_pem: bytes, key_pem: bytes) -> None:
        if not os.access(POSTFIX, os.X_OK) or not os.access(DOVECOT_LDA, os.X_OK):
            raise PostfixError(
                f"{POSTFIX} or {DOVECOT_LDA} is missing: the mail tests need Postfix (Debian package "
                "postfix) and Dovecot (dovecot-core); `bash scripts/bootstrap --test-servers` installs them "
                "(as root, or with password-less sudo)"
            )
        if os.geteuid() != 0:
            raise PostfixError("Postfix's master must be started as root: run the mail tests as root")
        self.dovecot = dovecot
        self.root = Path(tempfile.mkdtemp(prefix="alertsite-postfix-"))
        self.root.chmod(0o755)  # Postfix's own processes run as the postfix user
        self.config = self.root / "conf"
        self.config.mkdir()
        (self.root / "queue").mkdir()
        (self.root / "data").mkdir()
        postfix = pwd.getpwnam("postfix")
        os.chown(self.root / "data", postfix.pw_uid, postfix.pw_gid)
        (self.config / "cert.pem").write_bytes(cert_pem + key_pem)
        (self.config / "cert.pem").chmod(0o600)
        self.ports: dict[str, int] = {}
        self.started = False

    @property
    def log_path(self) -> Path:
        return self.root / "maillog"

    def url(self, listener: str = "good") -> str:
        return f"smtp://127.0.0.1:{self.ports[listener]}"

    def _main_cf(self) -> str:
        return f"""
compatibility_level = 3.6
queue_directory = {self.root}/queue
data_directory = {self.root}/data
maillog_file = {self.log_path}
maillog_file_prefixes = {self.root}
myhostname = {DOMAIN}
mydomain = {DOMAIN}
myorigin = {DOMAIN}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# Only a documentation address (RFC 5737): the probe, on 127.0.0.1, is an outside sender.
mynetworks = 192.0.2.1/32
smtpd_banner = $myhostname ESMTP Postfix
biff = no
alias_maps =
alias_database =
smtputf8_enable = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = {self.config}/cert.pem
smtpd_tls_key_file = $smtpd_tls_cert_file
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_maps = regexp:{self.config}/mailboxes
virtual_transport = dovecot
dovecot_destination_recipient_limit = 1
# Stray mail (bounces of the tests' refusals) is never sent anywhere.
default_transport = error:outside mail is not sent from the tests
relay_transport = $default_transport
"""

    def _master_cf(self) -> str:
        lines = [
            f"127.0.0.1:{self.ports[listener.name]} inet n - n - - smtpd"
            + "".join(f" -o {override.format(conf=self.config)}" for override in listener.overrides)
            for listener in LISTENERS
        ]
        lda = self.dovecot.account.pw_name
        lines += [
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "tlsmgr unix - - n 1000? 1 tlsmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
            f"dovecot unix - n n - - pipe flags=DRhu user={lda} argv={DOVECOT_LDA} "
            f"-c {self.dovecot.config_path} -f ${{sender}} -d ${{user}}",
        ]
        return "\n".join(lines) + "\n"

    def _write_config(self) -> None:
        (self.config / "main.cf").write_text(self._main_cf())
        (self.config / "master.cf").write_text(self._master_cf())
        (self.config / "mailboxes").write_text(f"/^rt[0-9]+@{DOMAIN.replace('.', '[.]')}$/ OK\n")
        (self.config / "refuse-recipients").write_text("/./ REJECT 5.7.1 Message refused by content policy\n")
        (self.config / "greylist").write_text(
            "/./ 450 4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/mail.test.html\n")
        (self.config / "try-later").write_text("/./ 451 4.7.1 Please try again later\n")
        (self.config / "refuse-helo").write_text("/^\\[/ REJECT Host not found\n")
        (self.config / "blocked-clients").write_text(
            "127.0.0.0/8 REJECT 5.7.1 Service unavailable; client listed on a blocklist\n"
        )

    def _postfix(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [POSTFIX, "-c", str(self.config), command], capture_output=True, text=True, timeout=60,
            check=False,
        )

    def start(self) -> Postfix:
        problems = []
        for _ in range(START_ATTEMPTS):
            self.ports = {listener.name: free_port() for listener in LISTENERS}
            self._write_config()
            done = self._postfix("start")
            if done.returncode == 0:
                problem = self._wait_ready()
                if problem is None:
                    self.started = True
                    return self
            else:
                problem = (done.stdout + done.stderr + self._log()).strip()[-800:]
            problems.append(problem)
            self._postfix("stop")
            if "in use" not in problem:
                break
        raise PostfixError("Postfix did not start: " + " | ".join(problems))

    def _log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _wait_ready(self) -> str | None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.ports["good"], timeout=2) as client:
                    if client.noop()[0] == 250:
                        return None
            except (OSError, smtplib.SMTPException):
                pass
            time.sleep(0.05)
        return f"no SMTP greeting within {READY_TIMEOUT_S:g} s: {self._log()[-500:]}"

    def stop(self) -> None:
        if self.started:
            self._postfix("stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
