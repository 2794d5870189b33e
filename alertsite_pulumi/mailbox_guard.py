"""One round-trip monitor per mailbox: the check a create makes before its POST.

AlertSite requires a dedicated mailbox per round-trip monitor: monitors that share one read
and delete each other's test mail and raise false alarms. The same rule keeps a killed
`pulumi up`, re-run with a plain `pulumi up`, from duplicating monitors: a create that had
committed before the kill left a monitor watching its mailbox, so the second create of that
resource is refused before any POST, naming the monitor and the ways out.

A provider process lists the account's round-trip monitors once, on its first create (one
listing for a whole stack, however many monitors), and keeps that picture current with its
own creates and deletes. A mailbox a create of this process has claimed is refused to every
other create of the process, so two resources of one stack with one `email` cannot race each
other. A refusal is checked first with a GET of the monitor it would name (it may have been
deleted, or moved to another mailbox, since the listing), so a stale picture never refuses a
create wrongly.

Across processes (two stacks of one account applied at once, or two providers of one stack
for one account: each is its own process), the picture can miss a monitor another process
made while this one runs. So once a create has made its monitor, it looks again (one listing
of the round-trip monitors: the API has no filter by mailbox) and keeps its monitor only if no
*older* round-trip monitor watches the mailbox: of monitors on one mailbox, the one AlertSite
made first (the lowest id; ids grow with every create) stays, and the creator of each newer
one deletes it and fails with ``MailboxInUseError``. Both racers read the same account, so they
agree on which stays, and whichever order their looks come in, one monitor is left: a create
that committed later than the other's look has the higher id, and its own look sees the
other. The look also refreshes the picture, so the next create of the process starts from it.
An update that moves a monitor's ``email`` onto a watched mailbox is refused the same way,
after one listing, before its PATCH; after the PATCH it looks again and, if any other monitor
watches the mailbox by then, puts the old ``email`` back and fails (see ``confirm_move``).

Mailboxes are compared case-insensitively, after trimming spaces (as the policy pack's
``alertsite-dedicated-mailbox`` rule does). The domain part of an address is
case-insensitive (RFC 5321, 2.4); the local part may in theory be case-sensitive, but no
mainstream mail server treats it so. A false "same mailbox" costs a clear error and a setting
to turn the check off (``alertsite:allowSharedMailbox``); a false "different mailbox" costs a
duplicate monitor that deletes the other's mail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from .auth import credentials_key
from .client import AlertSiteClient
from .errors import AlertSiteError, NotFound
from .identity import mailbox_key

_SHARE_SETTING = "alertsite:allowSharedMailbox (ALERTSITE_ALLOW_SHARED_MAILBOX)"
#: What a look needs of each monitor (``select``: a server that ignores it sends every field).
LOOK_FIELDS: Final = ("id", "name", "email")


class MailboxInUseError(AlertSiteError):
    """A create refused before its POST: another round-trip monitor watches the same mailbox."""

    hint = ""  # the message itself says what to do


@dataclass(frozen=True)
class Watcher:
    """A monitor that watches a mailbox, or a create of this process that claimed it."""

    monitor_id: str | None
    """None while a create of this process has not made its monitor (in flight, or failed)."""
    name: str
    this_run: bool = False
    """Claimed by a create of this process (else found in AlertSite's monitor list)."""


class _Account:
    """Which mailboxes one account's monitors watch, as this process knows it (guarded by the
    MailboxGuard's lock; ``load_lock`` serialises the one listing)."""

    def __init__(self) -> None:
        self.loaded = False
        self.load_lock = threading.Lock()
        self.watchers: dict[str, list[Watcher]] = {}

    def add(self, key: str, watcher: Watcher) -> None:
        self.watchers.setdefault(key, []).append(watcher)

    def remove(self, key: str, watcher: Watcher) -> None:
        left = [w for w in self.watchers.get(key, []) if w != watcher]
        if left:
            self.watchers[key] = left
        else:
            self.watchers.pop(key, None)

    def forget(self, monitor_id: str) -> None:
        for key, watchers in list(self.watchers.items()):
            for watcher in watchers:
                if watcher.monitor_id == monitor_id:
                    self.remove(key, watcher)

    def relist(self, monitors: Iterable[Mapping[str, Any]]) -> None:
        """Replace what the listing knew with a newer listing (this process's claims stay)."""
        claims = {key: [w for w in watchers if w.this_run] for key, watchers in self.watchers.items()}
        self.watchers = {key: kept for key, kept in claims.items() if kept}
        claimed_ids = {w.monitor_id for kept in claims.values() for w in kept}
        for monitor in monitors:
            listed = monitor.get("email") and monitor.get("id") is not None
            if listed and str(monitor["id"]) not in claimed_ids:
                self.add(mailbox_key(str(monitor["email"])),
                         Watcher(str(monitor["id"]), str(monitor.get("name") or "")))


class Claim:
    """A mailbox claimed for one create; ``made`` records the monitor the create made, and
    ``confirm`` checks, once it is made, that no older monitor watches the mailbox."""

    def __init__(self, lock: threading.Lock, account: _Account | None, key: str, watcher: Watcher,
                 email: str = "") -> None:
        self._lock = lock
        self._account = account
        self._key = key
        self._watcher = watcher
        self._email = email

    def confirm(self, client: AlertSiteClient, monitor_id: str) -> None:
        """Look again once the create made ``monitor_id``: refuse it if an older round-trip
        monitor watches the same mailbox (see the module's docstring). Costs one listing.

        The caller deletes the monitor when this raises (a create is all-or-nothing).

        Raises:
            MailboxInUseError: an older monitor (lower id) watches the mailbox.
            AlertSiteError: the listing failed (as for any call of the client).
        """
        if self._account is None:
            return
        monitors = client.list_monitors(select=LOOK_FIELDS)
        with self._lock:
            self._account.relist(monitors)
        mine = str(monitor_id)
        older = sorted(
            ((str(m["id"]), str(m.get("name") or "")) for m in monitors
             if m.get("id") is not None and str(m["id"]) != mine
             and mailbox_key(str(m.get("email") or "")) == self._key
             and made_before(str(m["id"]), mine)),
            key=lambda found: _id_order(found[0]))
        if older:
            raise MailboxInUseError(_lost_race(self._watcher.name, mine, self._email, older))

    def made(self, monitor_id: str) -> None:
        """The create made ``monitor_id``: a later delete of it frees the mailbox again."""
        if self._account is None:
            return
        with self._lock:
            self._account.remove(self._key, self._watcher)
            self._watcher = replace(self._watcher, monitor_id=str(monitor_id))
            self._account.add(self._key, self._watcher)


class MailboxGuard:
    """The mailboxes each account's round-trip monitors watch, for one provider process.

    Thread-safe: the provider serves several calls at once. Built at run time, never pickled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[tuple[str, str, str], _Account] = {}

    def claim(self, client: AlertSiteClient, inputs: Mapping[str, Any]) -> Claim:
        """Claim the mailbox of a monitor about to be created, or refuse the create.

        Claims nothing when ``allow_shared_mailbox`` is set. A claim whose create fails is
        kept for the life of the process: the failed create may still have made its monitor,
        so the mailbox stays taken (fail closed).

        Raises:
            MailboxInUseError: a round-trip monitor watches the mailbox (checked with a GET),
                or another create of this process claimed it.
            AlertSiteError: the listing or the check failed (as for any call of the client).
        """
        email = str(inputs["email"])
        name = str(inputs.get("name") or "")
        key = mailbox_key(email)
        mine = Watcher(None, name, this_run=True)
        if client.settings.allow_shared_mailbox:
            return Claim(self._lock, None, key, mine)
        account = self._account(client)
        self._load(client, account)
        with self._lock:
            watchers = list(account.watchers.get(key, ()))
            rival = next((w for w in watchers if w.this_run), None)
            if rival is None:
                account.add(key, mine)
        if rival is not None:
            made = f" (monitor {rival.monitor_id})" if rival.monitor_id else ""
            raise MailboxInUseError(
                f"Refusing to create monitor {name!r}: {rival.name!r}{made}, created by the same "
                f"run, watches the same mailbox {email}, and AlertSite requires a dedicated "
                "mailbox per round-trip monitor. Nothing was created. Give each monitor its own "
                f"email, or if this account shares mailboxes on purpose set {_SHARE_SETTING} to true.")
        listed = [w.monitor_id for w in watchers if w.monitor_id is not None]
        try:
            holders = self._still_watching(client, account, key, listed)
        except BaseException:
            self._release(account, key, mine)
            raise
        if holders:
            self._release(account, key, mine)
            raise MailboxInUseError(_refusal(name, email, holders))
        return Claim(self._lock, account, key, mine, email)

    def check_move(self, client: AlertSiteClient, monitor_id: str, name: str, email: str) -> None:
        """Refuse an update that would move monitor ``monitor_id`` onto a watched mailbox.

        Costs one listing (only updates that change ``email``; nothing when the guard is off).
        On success the picture records the monitor on its new mailbox.

        Raises:
            MailboxInUseError: another round-trip monitor watches ``email``, or a create of this
                process claimed it.
            AlertSiteError: the listing failed (as for any call of the client).
        """
        if client.settings.allow_shared_mailbox:
            return
        key = mailbox_key(email)
        account = self._account(client)
        monitors = client.list_monitors(select=LOOK_FIELDS)
        with self._lock:
            account.relist(monitors)
            account.loaded = True
            rival = next((w for w in account.watchers.get(key, ())
                          if w.this_run and w.monitor_id != str(monitor_id)), None)
        holders = _others_on(monitors, key, str(monitor_id))
        if rival is not None and not holders:
            holders = [(rival.monitor_id or "not made yet", rival.name)]
        if holders:
            raise MailboxInUseError(_move_refusal(name, email, holders))

    def confirm_move(self, client: AlertSiteClient, monitor_id: str, name: str, email: str) -> None:
        """Look again once monitor ``monitor_id`` was moved onto ``email``: refuse the move if
        any other round-trip monitor watches the mailbox now. Costs one listing.

        A move, unlike a create, keeps its monitor only when it is alone on the mailbox: a
        monitor on it may have been made (or moved there) after this update's first look and
        before its PATCH, and its own look then saw a free mailbox. So of two moves at once
        onto one mailbox both may be refused (none is left there, never two). The caller puts
        the monitor's old ``email`` back when this raises.

        Raises:
            MailboxInUseError: another round-trip monitor watches ``email``.
            AlertSiteError: the listing failed (as for any call of the client).
        """
        if client.settings.allow_shared_mailbox:
            return
        key = mailbox_key(email)
        account = self._account(client)
        monitors = client.list_monitors(select=LOOK_FIELDS)
        with self._lock:
            account.relist(monitors)
        others = _others_on(monitors, key, str(monitor_id))
        if others:
            raise MailboxInUseError(_lost_move(name, str(monitor_id), email, others))

    def moved(self, client: AlertSiteClient, monitor_id: str, name: str, email: str) -> None:
        """Monitor ``monitor_id`` now watches ``email`` (its update went through)."""
        account = self._account(client)
        with self._lock:
            account.forget(str(monitor_id))
            account.add(mailbox_key(email), Watcher(str(monitor_id), name))

    def forget(self, client: AlertSiteClient, monitor_id: str) -> None:
        """A monitor this process deleted no longer watches its mailbox."""
        account = self._account(client)
        with self._lock:
            account.forget(str(monitor_id))

    def _account(self, client: AlertSiteClient) -> _Account:
        with self._lock:
            return self._accounts.setdefault(credentials_key(client.settings), _Account())

    def _load(self, client: AlertSiteClient, account: _Account) -> None:
        """List the account's round-trip monitors once; concurrent first callers wait for it."""
        if account.loaded:
            return
        with account.load_lock:
            if account.loaded:
                return
            monitors = client.list_monitors()
            with self._lock:
                for monitor in monitors:
                    if monitor.get("email") and monitor.get("id") is not None:
                        account.add(mailbox_key(str(monitor["email"])),
                                    Watcher(str(monitor["id"]), str(monitor.get("name") or "")))
                account.loaded = True

    def _still_watching(self, client: AlertSiteClient, account: _Account, key: str,
                        monitor_ids: Iterable[str]) -> list[tuple[str, str]]:
        """Of the listed monitors, those that still watch the mailbox, as (id, name)."""
        holders = []
        for monitor_id in monitor_ids:
            try:
                live = client.get_monitor(monitor_id)
            except NotFound:
                with self._lock:
                    account.forget(monitor_id)
                continue
            name = str(live.get("name") or "")
            email = str(live.get("email") or "")
            if mailbox_key(email) == key:
                holders.append((monitor_id, name))
                continue
            with self._lock:  # moved to another mailbox since the listing
                account.forget(monitor_id)
                if email:
                    account.add(mailbox_key(email), Watcher(monitor_id, name))
        return holders

    def _release(self, account: _Account, key: str, claim: Watcher) -> None:
        with self._lock:
            account.remove(key, claim)


def _others_on(monitors: Iterable[Mapping[str, Any]], key: str, monitor_id: str) -> list[tuple[str, str]]:
    """The listed monitors other than ``monitor_id`` that watch mailbox ``key``, as (id, name)."""
    return [(str(m["id"]), str(m.get("name") or "")) for m in monitors
            if m.get("id") is not None and str(m["id"]) != monitor_id
            and mailbox_key(str(m.get("email") or "")) == key]


def made_before(one: str, other: str) -> bool:
    """Whether monitor ``one`` was made before ``other``: AlertSite's ids grow with every create
    (numeric ids compare as numbers; ids of any other form, never seen, as text)."""
    return _id_order(one) < _id_order(other)


def _id_order(monitor_id: str) -> tuple[int, int, str]:
    digits = monitor_id.isascii() and monitor_id.isdigit()
    return (0, int(monitor_id), "") if digits else (1, 0, monitor_id)


def _lost_race(name: str, mine: str, email: str, older: list[tuple[str, str]]) -> str:
    found = ", ".join(f"{monitor_id} ({their_name!r})" for monitor_id, their_name in older)
    which = (f"monitor {found}, made earlier, watches" if len(older) == 1
             else f"monitors {found}, made earlier, watch")
    return (f"Refusing to keep monitor {mine} ({name!r}): AlertSite {which} the mailbox {email} "
            "(made or moved there after this run listed the account: another `pulumi up` or "
            "provider of this account may have created it at the same time), and AlertSite requires "
            f"a dedicated mailbox per round-trip monitor. Monitor {mine} was deleted again: of "
            "monitors on one mailbox the oldest stays. To take that one over, set "
            f'adopt_monitor_id="{older[0][0]}" on this resource; if this account shares mailboxes '
            f"on purpose, set {_SHARE_SETTING} to true.")


def _lost_move(name: str, mine: str, email: str, others: list[tuple[str, str]]) -> str:
    found = ", ".join(f"{monitor_id} ({their_name!r})" for monitor_id, their_name in others)
    which = f"monitor {found} watches" if len(others) == 1 else f"monitors {found} watch"
    return (f"Refusing to keep monitor {mine} ({name!r}) on the mailbox {email}: AlertSite {which} "
            "it too (made or moved there during this move: another `pulumi up` or provider "
            "of this account may have done it at the same time), and AlertSite requires a "
            f"dedicated mailbox per round-trip monitor. Monitor {mine} was given its old email "
            "back. Give this monitor another email, or if this account shares mailboxes on "
            f"purpose set {_SHARE_SETTING} to true.")


def _move_refusal(name: str, email: str, holders: list[tuple[str, str]]) -> str:
    found = ", ".join(f"{monitor_id} ({their_name!r})" for monitor_id, their_name in holders)
    which = f"monitor {found} already watches" if len(holders) == 1 else f"monitors {found} already watch"
    return (f"Refusing to move monitor {name!r} to the mailbox {email}: {which} it, and AlertSite "
            "requires a dedicated mailbox per round-trip monitor. Nothing was changed. Give this "
            f"monitor another email, or if this account shares mailboxes on purpose set "
            f"{_SHARE_SETTING} to true.")


def _refusal(name: str, email: str, holders: list[tuple[str, str]]) -> str:
    found = ", ".join(f"{monitor_id} ({their_name!r})" for monitor_id, their_name in holders)
    which = f"monitor {found} already watches" if len(holders) == 1 else f"monitors {found} already watch"
    adopt = (f'set adopt_monitor_id="{holders[0][0]}" on this resource' if len(holders) == 1
             else "delete all but one of them and set adopt_monitor_id to its id on this resource")
    return (f"Refusing to create monitor {name!r}: AlertSite {which} the mailbox {email}, and "
            "AlertSite requires a dedicated mailbox per round-trip monitor. Nothing was created. "
            "If an interrupted `pulumi up` of this stack made it, run "
            "`alertsite-pulumi recover --stack <stack>`, then `pulumi up` again; to take it over "
            f"instead, {adopt}. If this account shares mailboxes on purpose, set {_SHARE_SETTING} "
            "to true.")


__all__ = ["LOOK_FIELDS", "Claim", "MailboxGuard", "MailboxInUseError", "Watcher", "made_before",
           "mailbox_key"]
