"""The round-trip probe: prove a monitor's mail path works, the way AlertSite's monitor does.

``run_trip(Mailbox.from_urls(...), ProbeOptions(timeout=...))`` sends one message through
SMTP without a login, finds it in the POP3 mailbox, deletes it, and reports each step
(DNS, TCP, TLS, SMTP greeting and commands, POP3 login, polling, DELE, QUIT) with its time
and a one-line cause. Used by ``alertsite-pulumi round-trip`` and by the emulator's
``--run-monitors``. Of this package it imports only ``validators`` and ``rules`` (a monitor's
URL and address are read by the resource's own rules, and a URL's login masked the same way);
the emulator's runner takes ``redact_url_userinfo`` from here, so that it reaches those rules
only through the probe it runs.

Modules: ``target`` (URLs, the mailbox, :class:`Secret`), ``result`` (steps, outcome, status
codes), ``net`` (deadline, steps, DNS/TCP/TLS, error causes), ``message`` (the probe message
and its header), ``send`` (SMTP), ``pop3`` (POP3), ``probe`` (the trip itself).
"""

from __future__ import annotations

from ..validators import redact_url_userinfo
from .message import LEFTOVER_AGE_S, PROBE_HEADER
from .probe import ProbeOptions, TripInterrupted, run_trip, tls_context
from .result import ALERTSITE_CODES, CODES, KIND_TITLES, Step, TripFailure, TripResult
from .target import Mailbox, MailServer, Secret, is_loopback_host, parse_server

__all__ = [
    "ALERTSITE_CODES",
    "CODES",
    "KIND_TITLES",
    "LEFTOVER_AGE_S",
    "PROBE_HEADER",
    "MailServer",
    "Mailbox",
    "ProbeOptions",
    "Secret",
    "Step",
    "TripFailure",
    "TripInterrupted",
    "TripResult",
    "is_loopback_host",
    "parse_server",
    "redact_url_userinfo",
    "run_trip",
    "tls_context",
]
