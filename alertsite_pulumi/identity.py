"""What makes a monitor the one a resource made: the one definition that the safe create (a
create whose answer was lost), ``recover`` (a create cut short by a killed `pulumi up`) and the
mailbox rule share.

A mailbox is its address trimmed and case-folded (see ``mailbox_guard`` for why); a monitor a
create made is the one with the create's name, mailbox and mail servers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

#: The fields that identify the monitor a create made, when its answer was lost.
CREATE_MATCH_KEYS: Final = ("name", "email", "smtp_hostname", "pop3_hostname")


def mailbox_key(email: str) -> str:
    """What identifies a mailbox: the address trimmed and case-folded."""
    return email.strip().casefold()


def identity(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """What ties a monitor to the create that made it: name, mailbox and mail servers."""
    return tuple(mailbox_key(str(values.get(k) or "")) if k == "email" else values.get(k)
                 for k in CREATE_MATCH_KEYS)


__all__ = ["CREATE_MATCH_KEYS", "identity", "mailbox_key"]
