"""A real Dovecot POP3 server for the tests: unprivileged, on free loopback ports, with
passwd-file users whose Maildirs live in a temporary directory.

Dovecot cannot listen on port 0, so a free port is chosen first and the start is tried
again (with new ports) when another process took the port meanwhile. Run by root (as in a
container), Dovecot runs as the ``dovecot`` user that its Debian package creates, since its
login processes refuse root. A missing Dovecot fails the tests: ``scripts/bootstrap
--test-servers`` (which ``scripts/test`` runs) installs it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
START_ATTEMPTS = 5
READY_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DovecotError(RuntimeError):
    pass


class Dovecot:
    """``pop3://127.0.0.1:{pop3_port}`` and, with a certificate, ``pop3s://...:{pop3s_port}``."""

    def __init__(self, cert_pem: bytes | None = None, key_pem: bytes | None = None) -> None:
        if not os.access(DOVECOT, os.X_OK):
            raise DovecotError(
                f"{DOVECOT} is missing: the mail tests need Dovecot's POP3 server "
                "(Debian package dovecot-pop3d); `bash scripts/bootstrap --test-servers` installs it "
                "(as root, or with password-less sudo)"
            )
        self.root = Path(tempfile.mkdtemp(prefix="alertsite-dovecot-"))
        self._account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self._cert = (cert_pem, key_pem) if cert_pem and key_pem else None
        self._users: dict[str, str] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.pop3_port = 0
        self.pop3s_port = 0
        (self.root / "run").mkdir()
        (self.root / "users").mkdir()
        self._write_passwd()

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def account(self) -> pwd.struct_passwd:
        """The account Dovecot's processes and the Maildirs belong to."""
        return self._account

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self._account.pw_uid, self._account.pw_gid)

    def _chown_tree(self) -> None:
        for path in [self.root, *self.root.rglob("*")]:
            self._chown(path)

    # users ---------------------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> Path:
        """A user with an empty Maildir; returns the Maildir."""
        maildir = self.maildir(name)
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._users[name] = password
        self._write_passwd()
        self._chown_tree()
        return maildir

    def set_password(self, name: str, password: str) -> None:
        self._users[name] = password
        self._write_passwd()

    def maildir(self, name: str) -> Path:
        return self.root / "users" / name / "Maildir"

    def _write_passwd(self) -> None:
        # One passwd-file per user: Dovecot re-reads a changed file at most once a second, but
        # a file it has not seen yet is read at once, so a new user can log in straight away.
        uid, gid = self._account.pw_uid, self._account.pw_gid
        folder = self.root / "passwd.d"
        folder.mkdir(exist_ok=True)
        self._chown(folder)
        for name, password in self._users.items():
            line = f"{name}:{{PLAIN}}{password}:{uid}:{gid}::{self.root / 'users' / name}::\n"
            path = folder / name
            if path.exists() and path.read_text() == line:
                continue
            before = path.stat().st_mtime if path.exists() else None
            temp = folder / f".{name}.tmp"
            temp.write_text(line)
            self._chown(temp)
            os.replace(temp, path)
            # Dovecot sees a change by the file's mtime (whole seconds) and size: a password of
            # the same length written within the second would go unseen, so the mtime moves on.
            if before is not None and int(path.stat().st_mtime) <= int(before):
                os.utime(path, (before + 1, before + 1))

    # the server ------------------------------------------------------------------------------

    def _config(self) -> str:
        user, group = self._account.pw_name, _group_name(self._account.pw_gid)
        ssl = "ssl = no"
        if self._cert:
            (self.root / "cert.pem").write_bytes(self._cert[0])
            (self.root / "key.pem").write_bytes(self._cert[1])
            ssl = f"ssl = yes\nssl_cert = <{self.root}/cert.pem\nssl_key = <{self.root}/key.pem"
        return f"""
protocols = pop3
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/run/state
log_path = {self.log_path}
info_log_path = {self.log_path}
{ssl}
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {self._account.pw_uid}
last_valid_uid = {self._account.pw_uid}
first_valid_gid = {self._account.pw_gid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd.d/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd.d/%u
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = {self.pop3s_port}
  }}
}}
service anvil {{
  chroot =
  # No growing delay for an address after failed logins: the tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    def start(self) -> Dovecot:
        problems = []
        for _ in range(START_ATTEMPTS):
            self.pop3_port = free_port()
            self.pop3s_port = free_port() if self._cert else 0
            (self.root / "dovecot.conf").write_text(self._config())
            (self.root / "run" / "state").mkdir(parents=True, exist_ok=True)
            self.log_path.write_text("")
            self._chown_tree()
            extra: dict[str, object] = {}
            if os.geteuid() == 0:
                extra = {"user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **extra,  # type: ignore[call-overload]
            )
            problem = self._wait_ready()
            if problem is None:
                return self
            problems.append(problem)
            self._terminate()
            if "in use" not in problem:
                break
        raise DovecotError("Dovecot did not start: " + " | ".join(problems))

    def _wait_ready(self) -> str | None:
        assert self.proc is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                return (err + self.log_path.read_text(errors="replace")).strip()[-500:]
            try:
                with socket.create_connection(("127.0.0.1", self.pop3_port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"+OK"):
                        return None
            except OSError:
                pass
            time.sleep(0.05)
        log = self.log_path.read_text(errors="replace")[-300:]
        return f"no POP3 greeting within {READY_TIMEOUT_S:g} s: {log}"

    def _terminate(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()

    def stop(self) -> None:
        self._terminate()
        shutil.rmtree(self.root, ignore_errors=True)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
