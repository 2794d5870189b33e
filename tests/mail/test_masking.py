"""A login written where the probe does not take one (``--email``, a server URL) is refused
with the login masked, in every form a user writes it; other bad options are usage errors too."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertsite_pulumi.mail import Mailbox
from alertsite_pulumi.validators import validate_email

from .test_cli_round_trip import invoke

SECRET = "Secr3t-Pw"


@pytest.mark.parametrize("email", [
    f"smtp://rt:{SECRET}@example.com",
    f"rt:{SECRET}@example.com",
    f"rt:{SECRET}@x@example.com",
])
def test_a_login_in_email_is_refused_masked(email: str) -> None:
    result = invoke("round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", "pop3://127.0.0.1:1",
                    "--email", email, "--username", "rt", env={"ALERTSITE_MAILBOX_PASSWORD": "pw"},
                    secrets=(SECRET,))
    assert result.exit_code == 2, result.output
    assert "is not an email address" in result.stderr and "***@example.com" in result.stderr


def test_a_plain_typo_in_email_is_shown_as_written() -> None:
    result = invoke("round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", "pop3://127.0.0.1:1",
                    "--email", "r t@example.com", "--username", "rt",
                    env={"ALERTSITE_MAILBOX_PASSWORD": "pw"})
    assert result.exit_code == 2 and "'r t@example.com' is not an email address" in result.stderr


@pytest.mark.parametrize(("url", "shown"), [
    (f"pop3://rt:{SECRET}@[::1]:110", "pop3://***@[::1]:110"),
    (f"pop3://rt%40x:{SECRET}%3A@host", "pop3://***@host"),
    ("pop3://rt:@host", "pop3://***@host"),
    (f"pop3://rt:{SECRET}@host/x?y#z", "pop3://***@host/x?y#z"),
    (f"POP3://rt:{SECRET}@host", "POP3://***@host"),
])
def test_a_login_in_a_server_url_is_refused_masked(url: str, shown: str) -> None:
    result = invoke("round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", url, "--email", "rt@example.com",
                    "--username", "rt", env={"ALERTSITE_MAILBOX_PASSWORD": "pw"}, secrets=(SECRET, "rt:"))
    assert result.exit_code == 2, result.output
    assert repr(shown) in result.stderr and "must not carry credentials" in result.stderr, result.stderr


@pytest.mark.parametrize("content", [b"", b"not a certificate\n"])
def test_a_cafile_without_a_certificate_is_a_usage_error(tmp_path: Path, content: bytes) -> None:
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(content)
    result = invoke("round-trip", "--smtp", "smtp://127.0.0.1:1", "--pop3", "pop3://127.0.0.1:1",
                    "--email", "rt@example.com", "--username", "rt", "--cafile", str(cafile),
                    env={"ALERTSITE_MAILBOX_PASSWORD": "pw"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "--cafile" in result.stderr and "holds no CA certificate (PEM)" in result.stderr, result.stderr


@pytest.mark.parametrize("email", ["a..b@example.com", ".a@example.com", "a.@example.com"])
def test_the_probe_refuses_the_addresses_the_resource_refuses(email: str) -> None:
    # One reading of a monitor's address, as of its URLs: the probe took these dotted ones.
    assert validate_email(email) is not None
    words = r"the part before '@' must not start or end with '\.' or hold '\.\.'"
    with pytest.raises(ValueError, match=words):
        Mailbox.from_urls("smtp://127.0.0.1:1", "pop3://127.0.0.1:1", email, "rt", "pw")
