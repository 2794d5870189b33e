"""A real SMTP server for the tests (aiosmtpd) that delivers into Dovecot's Maildirs.

Variants: plain, implicit TLS (``smtps``), STARTTLS, one that demands AUTH after STARTTLS
(``530``), one
that refuses to relay, and one that accepts and drops mail (a message that never arrives).
Each listens on port 0 of loopback from an event loop in a thread of its own.
"""

from __future__ import annotations

import asyncio
import mailbox
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


@dataclass
class Delivery:
    """Where mail goes: recipient address -> Maildir (unknown recipients are refused)."""

    maildirs: dict[str, Path] = field(default_factory=dict)
    drop: bool = False
    refuse_relay: bool = False
    received: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_relay:
            return f"554 5.7.1 <{address}>: Relay access denied"
        if address not in self.maildirs:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        if not self.drop:
            content = envelope.original_content or b""
            for address in envelope.rcpt_tos:
                mailbox.Maildir(self.maildirs[address], create=False).add(content)
        return "250 2.0.0 Ok: queued"


def _refuse_every_login(*args: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


class SmtpServer:
    """One aiosmtpd server on ``127.0.0.1:{port}``."""

    def __init__(
        self,
        delivery: Delivery,
        *,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        auth_required: bool = False,
    ) -> None:
        self.delivery = delivery
        self._implicit = implicit_tls
        self._starttls = starttls
        self._auth_required = auth_required
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-test-server", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    def _protocol(self) -> SMTP:
        return SMTP(
            self.delivery,
            hostname="mail.test",
            tls_context=self._starttls,
            auth_required=self._auth_required,
            authenticator=_refuse_every_login if self._auth_required else None,
            loop=self._loop,
        )

    def start(self) -> SmtpServer:
        self._thread.start()
        create = self._loop.create_server(self._protocol, "127.0.0.1", 0, ssl=self._implicit)
        self._server = asyncio.run_coroutine_threadsafe(create, self._loop).result(timeout=10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def url(self, scheme: str = "smtp") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"
