"""The probe message: a unique token in a header of its own, so that the probe finds and
deletes its own message and nothing else.

``X-AlertSite-Pulumi-Probe: <token>; sent=<unix seconds>``. A message carrying the header
with another token is an earlier probe's; it is deleted only when it is older than
:data:`LEFTOVER_AGE_S` (longer than any monitor's timeout, so never a running trip's).
"""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Final

PROBE_HEADER: Final = "X-AlertSite-Pulumi-Probe"
#: An earlier probe's message older than this is a leftover (AlertSite's timeout is at most 300 s).
LEFTOVER_AGE_S: Final = 900.0

_VALUE = re.compile(r"\s*(?P<token>[0-9a-f]{16,64})\s*;\s*sent=(?P<sent>\d{1,12})\s*")


def build_message(email: str, token: str, now: float | None = None) -> bytes:
    """From the monitor's address, to the same address, with the token in its own header."""
    sent = int(time.time() if now is None else now)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = email
    msg["To"] = email
    msg["Subject"] = f"AlertSite round-trip probe {token[:12]}"
    msg["Date"] = formatdate(sent, usegmt=True)
    msg["Message-ID"] = make_msgid("alertsite-probe", domain=email.rpartition("@")[2])
    msg[PROBE_HEADER] = f"{token}; sent={sent}"
    msg.set_content(
        "A test message of an email round-trip check (alertsite-pulumi).\n"
        "The check deletes it again; if it is left over, it is safe to delete.\n"
    )
    return msg.as_bytes()


def probe_header(header_lines: list[bytes]) -> tuple[str, int] | None:
    """(token, sent) from a message's header lines (POP3 ``TOP n 0``), or None when absent."""
    headers = BytesHeaderParser().parsebytes(b"\r\n".join(header_lines) + b"\r\n\r\n")
    value = headers.get(PROBE_HEADER)
    if value is None:
        return None
    found = _VALUE.fullmatch(str(value))
    if not found:
        return None
    return found.group("token"), int(found.group("sent"))
