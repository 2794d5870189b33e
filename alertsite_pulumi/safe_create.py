"""The safe create: a create that never makes a duplicate and never guesses.

A create (``POST /monitors/email-round-trip``, ``POST /recipients``...) is never sent again
while the first may still be made. When its POST gets no clear answer, the object it may have
made is looked for: one with the same identity (a monitor's name, mailbox and hostnames,
``identity.identity``; each resource type declares its own), created since the call began
(less ``CREATE_CLOCK_SLACK`` for clock skew; for types whose objects carry a creation time)
and not already claimed by another create of the same client. A single match is adopted.

* After a 500, 502 or 503 (the server is done with the request) it looks once, and sends the
  POST again only when nothing was made.
* After a timeout, a connection lost after sending or a 504, and after a success whose answer
  holds no id, it keeps looking for the settle window (one more request timeout), then fails
  closed with ``UnfinishedCreateError``, never sending the POST again.
* Several matches stop it with ``AmbiguousCreateError``, naming the ids; a failed look-up stops
  it with ``UnfinishedCreateError``. An error says nothing was created only when a look-up
  verified it.

The client owns one ``SafeCreate`` per kind of object and hands it the POST and the listing;
this module knows nothing else of the client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final

import requests

from .errors import AlertSiteError, AmbiguousCreateError, UnfinishedCreateError
from .identity import identity as made_identity
from .transport import LostAnswer, RetryPolicy, read_json

# These lines are part of the client's calls, under the logger name the README documents.
log = logging.getLogger("alertsite_pulumi.client")

#: How far back a monitor's creation time may lie and still count as "made by this create"
#: (allows for clock skew between this machine and AlertSite).
CREATE_CLOCK_SLACK: Final = 120.0

#: Answers after which a create may still be made later: none came (a timeout or a
#: connection lost after sending), or a gateway gave up waiting for AlertSite (504). A 500,
#: 502 or 503 came from a server that is done with the request, so one look tells.
_MAY_STILL_COMMIT: Final = frozenset({None, 504})


class SafeCreate:
    """The creates of one kind of object by one client, and the ids they returned, so that no
    two adopt one object.

    ``post`` sends one create within the call's deadline and raises ``LostAnswer`` when it
    may have been applied; ``listing`` lists the objects of the kind. ``noun`` and ``path``
    name the kind and its create in errors; ``identity`` is what ties an object to the create
    that made it.
    """

    def __init__(
        self,
        post: Callable[[Mapping[str, Any], float], requests.Response],
        listing: Callable[[], list[dict[str, Any]]],
        *,
        retry: RetryPolicy,
        request_timeout: float,
        settle_window: float,
        wall_clock: Callable[[], float],
        noun: str = "monitor",
        path: str = "/monitors/email-round-trip",
        identity: Callable[[Mapping[str, Any]], tuple[Any, ...]] = made_identity,
    ) -> None:
        self._post = post
        self._listing = listing
        self.noun = noun
        self.path = path
        self._identity = identity
        self.retry = retry
        self.request_timeout = request_timeout
        #: How long to keep looking for the object a create with a lost answer may still
        #: make: AlertSite already had one request timeout, and gets as long again.
        self.settle_window = settle_window
        self._wall_clock = wall_clock
        self._claimed_lock = threading.Lock()
        self._claimed: set[str] = set()

    def create(self, body: Mapping[str, Any]) -> str:
        """Create the object ``body`` describes and return its id (see the module docstring).

        Raises: as ``AlertSiteClient.create_round_trip_monitor``.
        """
        began = self._wall_clock()
        deadline = self.retry.deadline(self.request_timeout)
        attempt = 0
        while True:
            try:
                response = self._post(body, deadline)
            except LostAnswer as lost:
                status = lost.failure.status
                log.warning("create of %r got no clear answer (%s); looking for the %s",
                            body.get("name"), status or "no answer", self.noun)
                if status in _MAY_STILL_COMMIT:
                    made_id = self._await_lost_create(body, lost.error, since=began)
                else:
                    found = self._look_for_lost_create(body, lost.error, since=began)
                    if found is None:
                        # Verified: nothing was made, so the POST is safe to send again.
                        wait = self.retry.delay(attempt=attempt, deadline=deadline, status=status,
                                                replay_safe=True)
                        if wait is None:
                            raise _nothing_made(lost.error, self.noun) from None
                        attempt += 1
                        self.retry.sleep(wait)
                        continue
                    made_id = found
            else:
                answered = _created_id(response)
                if answered is None:
                    log.warning("create of %r succeeded but its answer held no id; looking for "
                                "the %s", body.get("name"), self.noun)
                    error = AlertSiteError(f"AlertSite's answer to the create held no {self.noun} id",
                                           method="POST", path=self.path,
                                           status=response.status_code)
                    answered = self._await_lost_create(body, error, since=began)
                made_id = answered
            self._claim(made_id)
            return made_id

    def _look_for_lost_create(self, body: Mapping[str, Any], lost: AlertSiteError, *,
                              since: float) -> str | None:
        """One look for the object a create with a lost answer made: its id, or None."""
        try:
            return self._made_by_lost_create(body, since=since)
        except AmbiguousCreateError:
            raise
        except AlertSiteError as failed:
            raise UnfinishedCreateError(
                f"The create of {self.noun} {body.get('name')!r} got no clear answer: "
                f"{_reason(lost)}. Looking for the {self.noun} it may have made failed too: "
                f"{failed.brief()}. Whether AlertSite made it is unknown", method="POST",
                path=self.path, noun=self.noun) from failed

    def _await_lost_create(self, body: Mapping[str, Any], lost: AlertSiteError, *,
                           since: float) -> str:
        """The id of the object a create with a lost answer made, looked for over the settle
        window; UnfinishedCreateError when it does not appear (the POST is not sent again)."""
        ends = self.retry.clock() + self.settle_window
        look = 0
        while True:
            found = self._look_for_lost_create(body, lost, since=since)
            if found is not None:
                return found
            left = ends - self.retry.clock()
            if left <= 0:
                raise UnfinishedCreateError(
                    f"The create of {self.noun} {body.get('name')!r} got no clear answer: "
                    f"{_reason(lost)}. No {self.noun} it made appeared within "
                    f"{self.settle_window:g} s, and the create was not sent again, because "
                    f"AlertSite may still make it: whether the {self.noun} exists is unknown",
                    method="POST", path=self.path, noun=self.noun) from None
            self.retry.sleep(min(left, self.retry.backoff(look)))
            look += 1

    def _made_by_lost_create(self, body: Mapping[str, Any], *, since: float) -> str | None:
        """The id of the one object a create whose answer was lost made, or None if none."""
        candidates = self.find_created(body, since=since)
        if len(candidates) > 1:
            ids = ", ".join(str(c["id"]) for c in candidates)
            raise AmbiguousCreateError(
                f"A create of {self.noun} {body.get('name')!r} got no clear answer and "
                f"{len(candidates)} {self.noun}s match it (ids {ids}); refusing to guess",
                method="POST", path=self.path) from None
        if not candidates:
            return None
        made_id = str(candidates[0]["id"])
        log.warning("adopting %s %s, made by the create whose answer was lost", self.noun, made_id)
        return made_id

    def find_created(self, body: Mapping[str, Any], *, since: float) -> list[dict[str, Any]]:
        """The objects ``body`` may have made, from the listing.

        Those with ``body``'s identity (for a monitor its name, mailbox and servers), created
        since ``since`` (epoch seconds) when the listing says when, and not already claimed by
        a create of this client.

        Raises:
            AlertSiteError: the list had an unexpected shape, or as for any call (see
                ``AlertSiteClient``).
        """
        wanted = self._identity(body)
        out = []
        with self._claimed_lock:
            claimed = set(self._claimed)
        for candidate in self._listing():
            if self._identity(candidate) != wanted:
                continue
            if str(candidate.get("id")) in claimed:
                continue
            created = _parse_time(candidate.get("created"))
            if created is not None and created < since - CREATE_CLOCK_SLACK:
                continue
            out.append(candidate)
        return out

    def _claim(self, made_id: str) -> None:
        with self._claimed_lock:
            self._claimed.add(made_id)


def _created_id(response: requests.Response) -> str | None:
    """The new object's id from a successful create's answer, or None if it holds none."""
    try:
        body = read_json(response)
    except AlertSiteError:
        return None
    made_id = body.get("id") if isinstance(body, Mapping) else None
    if isinstance(made_id, bool) or not isinstance(made_id, str | int) or made_id == "":
        return None
    return str(made_id)


def _reason(error: AlertSiteError) -> str:
    """What came back instead of a clear answer, in a few words."""
    text = str(error.args[0]) if error.args else type(error).__name__
    return text if error.status is None or str(error.status) in text else f"{text} (HTTP {error.status})"


def _nothing_made(error: AlertSiteError, noun: str) -> AlertSiteError:
    """The last 5xx of a create that gave up, saying what the look-ups verified."""
    error.hint = (f"A look-up after each failed attempt found no {noun} made by it: nothing was "
                  "created or duplicated. Run the command again later.")
    return error


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; none is UTC) as an aware datetime; None for
    anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _parse_time(value: Any) -> float | None:
    parsed = parse_instant(value)
    return None if parsed is None else parsed.timestamp()


__all__ = [
    "CREATE_CLOCK_SLACK",
    "SafeCreate",
    "parse_instant",
]
