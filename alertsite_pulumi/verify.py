"""AlertSite's test on demand as a pipeline gate, and its test notifications.

``alertsite-pulumi verify`` (``cli.verify``) asks AlertSite to run each monitor of a stack now
(``GET /tests?monitor_id=``, then ``GET /tests/{id}`` until ``progress`` is not 1) and, with
``--alerts``, to send a test alert to each recipient of the stack (``POST /test-notifiers``).
This module decides what is tested and what each answer means; it prints nothing.

What is assumed where AlertSite's documentation is silent (``../shared/alertsite-api-more.md``
§4 and §1.6), each said in the output too (:data:`ASSUMPTIONS`):

- The start's answer carries the test's id as ``id`` (or ``test_id``), a string or a number.
- Polling is documented for browser monitors only. A poll that answers ``progress`` 0 ("Test
  Not Found") for a test just started means its result cannot be read: the monitor's outcome
  is *unconfirmed*, never assumed to have passed.
- AlertSite's own timeout of a test (a failed test with status code 2) is reported as *timed
  out*, with AlertSite's code, as is a test still running at the overall deadline.
- A test notification answered with a 2xx was accepted; a ``status`` in its answer other than
  "sent" (the emulator's; AlertSite's answer body is not documented) means it was not.

Which monitors ``--changed`` takes (:func:`changed_since`): those whose state entry Pulumi
stamped ``created`` or ``modified`` at or after the start of the stack's last update (``pulumi
stack history``). Pulumi stamps ``modified`` whenever a step changes the resource's state
(create, update, replace, and an import or refresh that changed it); a resource the update left
alone keeps its older stamps.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

from .client import AlertSiteClient
from .errors import AlertSiteError, NotFound, UnconfirmedTestStart
from .mail.result import CODES
from .safe_create import parse_instant
from .tokens import ALERT_RECIPIENT_TYPES
from .tokens import EMAIL_ROUND_TRIP_MONITOR_TYPES as MONITOR_TYPES

PASSED: Final = "passed"
FAILED: Final = "failed"
TIMED_OUT: Final = "timed out"
UNCONFIRMED: Final = "unconfirmed"
OUTCOMES: Final = (PASSED, FAILED, TIMED_OUT, UNCONFIRMED)
#: AlertSite's status code of a round-trip that did not end within its timeout.
TIMEOUT_CODE: Final = CODES["timeout"]
#: The version of the ``--json`` document's shape; raised on an incompatible change.
JSON_VERSION: Final = 1

ASSUMPTIONS: Final = (
    "a test's id is read from the start's answer ('id' or 'test_id'); its shape is not documented",
    "AlertSite documents polling for browser monitors only: a test it answers 'Test Not Found' "
    "for is reported unconfirmed (its result could not be read), never as passed",
    "AlertSite's timeout of a test (status 2) is reported as timed out",
)
ALERT_ASSUMPTION: Final = ("a test alert answered 2xx is accepted unless the answer's 'status' says "
                           "otherwise (AlertSite's answer body is not documented)")

# A secret in `pulumi stack export --show-secrets`: {SIG: SECRET_SIG, "plaintext": json}.
_SECRET_SIG: Final = "4dabf18193072939515e22adb298388d"  # noqa: S105 - a marker, not a password


@dataclass(frozen=True)
class Target:
    """A monitor to test: its resource name and AlertSite id."""

    name: str
    monitor_id: str


@dataclass
class TestResult:
    """One monitor's test on demand, as ``verify`` prints it (and as ``--json`` gives it)."""

    name: str
    monitor_id: str
    outcome: str
    code: int | None
    """AlertSite's status code (0 OK; None: AlertSite gave none)."""
    description: str
    location: str
    started_at: str
    """When the test was started (UTC, ISO 8601)."""
    seconds: float
    test_id: str | None = None


@dataclass
class AlertResult:
    """One recipient's test notification."""

    name: str
    recipient_id: str
    method_id: int | None
    accepted: bool
    detail: str


@dataclass
class Report:
    tests: list[TestResult] = field(default_factory=list)
    alerts: list[AlertResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.outcome == PASSED for t in self.tests) and all(a.accepted for a in self.alerts)

    def counts(self) -> dict[str, int]:
        counts = {o.replace(" ", "_"): sum(t.outcome == o for t in self.tests) for o in OUTCOMES}
        counts["alerts_accepted"] = sum(a.accepted for a in self.alerts)
        counts["alerts_not_accepted"] = sum(not a.accepted for a in self.alerts)
        return counts

    def as_json(self, *, stack: str, location: int | None, alerts: bool) -> str:
        document: dict[str, Any] = {
            "version": JSON_VERSION, "stack": stack, "location_id": location, "ok": self.ok,
            "assumptions": [*ASSUMPTIONS, *([ALERT_ASSUMPTION] if alerts else [])],
            "monitors": [asdict(t) for t in self.tests],
            "alerts": [asdict(a) for a in self.alerts], "summary": self.counts(),
        }
        return json.dumps(document, indent=2)


# --- what the stack holds ---------------------------------------------------------------------


def _name(resource: Mapping[str, Any]) -> str:
    return str(resource.get("urn", "")).rsplit("::", 1)[-1]


def monitors_of(deployment: Mapping[str, Any]) -> list[Target]:
    """The stack's round-trip monitors (dynamic and native) that AlertSite holds, in state order."""
    return [Target(_name(r), str(r["id"])) for r in deployment.get("resources") or []
            if r.get("type") in MONITOR_TYPES and r.get("id") and not r.get("delete")]


def last_update_start(history: Sequence[Mapping[str, Any]]) -> datetime | None:
    """When the newest `pulumi up` in ``pulumi stack history --json`` began (None: there is none)."""
    starts = [_when(u.get("startTime")) for u in history if u.get("kind") == "update"]
    known = [s for s in starts if s is not None]
    return max(known) if known else None


def changed_since(deployment: Mapping[str, Any], since: datetime) -> list[Target]:
    """The monitors whose state entry was created or modified at or after ``since``."""
    by_urn = {str(r.get("urn")): r for r in deployment.get("resources") or []}
    changed = []
    for target in monitors_of(deployment):
        resource = next(r for r in by_urn.values() if str(r.get("id")) == target.monitor_id
                        and r.get("type") in MONITOR_TYPES)
        stamps = [_when(resource.get(k)) for k in ("created", "modified")]
        if any(s is not None and s >= since for s in stamps):
            changed.append(target)
    return changed


def _when(value: Any) -> datetime | None:
    if isinstance(value, (int, float)):  # older CLIs: seconds since the epoch
        return datetime.fromtimestamp(value, timezone.utc)
    return parse_instant(value)


@dataclass(frozen=True)
class Recipient:
    """A recipient of the stack and what a test notification to it needs (its password too:
    never printed, never in a repr)."""

    name: str
    recipient_id: str
    method_id: int | None
    recipient: str
    username: str | None
    password: str | None = field(default=None, repr=False)

    def body(self, location: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"method_id": self.method_id, "recipient": self.recipient}
        if self.username:
            body["username"] = self.username
        if self.password:
            body["password"] = self.password
        if location is not None:
            body["location_id"] = location
        return body


def _plain(value: Any) -> Any:
    """A value of `pulumi stack export --show-secrets`, its secret wrapper taken off."""
    if isinstance(value, Mapping) and value.get(_SECRET_SIG) and "plaintext" in value:
        try:
            return json.loads(str(value["plaintext"]))
        except ValueError:
            return None
    return value


def recipients_of(deployment: Mapping[str, Any]) -> list[Recipient]:
    """The stack's alert recipients (dynamic and native), from an export with secrets shown."""
    found = []
    for r in deployment.get("resources") or []:
        if r.get("type") not in ALERT_RECIPIENT_TYPES or not r.get("id") or r.get("delete"):
            continue
        values = {**(r.get("inputs") or {}), **(r.get("outputs") or {})}
        method = _plain(values.get("method_id"))
        found.append(Recipient(
            name=_name(r), recipient_id=str(r["id"]),
            method_id=_int(method),
            recipient=str(_plain(values.get("recipient")) or ""),
            username=_plain(values.get("username")) or None,
            password=_plain(values.get("password")) or None))
    return found


# --- running the tests ------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def run_tests(client: AlertSiteClient, targets: Sequence[Target], *, location: int | None,
              parallel: int, timeout_s: float, poll_interval_s: float,
              on_done: Callable[[TestResult], None] | None = None) -> list[TestResult]:
    """Each target's test on demand, ``parallel`` at a time, all within ``timeout_s``; results in
    the order of ``targets``."""
    deadline = time.monotonic() + timeout_s
    lock = threading.Lock()

    def one(target: Target) -> TestResult:
        result = test_monitor(client, target, location=location, deadline=deadline,
                              poll_interval_s=poll_interval_s)
        if on_done is not None:
            with lock:
                on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="verify") as pool:
        return list(pool.map(one, targets))


def test_monitor(client: AlertSiteClient, target: Target, *, location: int | None, deadline: float,
                 poll_interval_s: float) -> TestResult:
    """Start one test and poll it until it ends or ``deadline`` (monotonic) passes."""
    where = str(location) if location is not None else "primary"
    began = time.monotonic()
    result = TestResult(target.name, target.monitor_id, UNCONFIRMED, None, "", where, _now(), 0.0)

    def done(outcome: str, code: int | None, description: str) -> TestResult:
        result.outcome, result.code, result.description = outcome, code, description
        result.seconds = round(time.monotonic() - began, 1)
        return result

    if began >= deadline:
        return done(TIMED_OUT, None, "not started: the overall --timeout had passed")
    try:
        answer = client.start_test(target.monitor_id, location)
    except UnconfirmedTestStart:
        return done(UNCONFIRMED, None, "the start of the test got no clear answer (lost or 5xx); "
                                       "it was not started again, its result is not known")
    except NotFound:
        return done(FAILED, None, f"AlertSite has no monitor {target.monitor_id} (run `pulumi refresh`)")
    except AlertSiteError as error:
        return done(FAILED, None, f"the test could not be started: {error}")
    test_id = answer.get("id", answer.get("test_id"))
    if test_id in (None, ""):
        return done(UNCONFIRMED, None, "AlertSite's answer to the start carried no test id; "
                                       "its result cannot be read")
    result.test_id = str(test_id)
    polls = 0
    while True:
        polls += 1
        try:
            progress = client.poll_test(result.test_id)
        except AlertSiteError as error:
            return done(UNCONFIRMED, None, f"the test's progress could not be read: {error}")
        state = _int(progress.get("progress"))
        code = _int(progress.get("status"))
        text = str(progress.get("status_desc") or progress.get("progress_desc") or "")
        if state == 2:
            return done(PASSED, code if code is not None else 0, text)
        if state == 3:
            return done(TIMED_OUT if code == TIMEOUT_CODE else FAILED, code, text)
        if state == 0:
            return done(UNCONFIRMED, None, "AlertSite started the test but answers 'Test Not Found' "
                                           "to its id (polling is documented for browser monitors "
                                           "only): its result is not known")
        if state != 1:
            return done(UNCONFIRMED, None,
                        f"AlertSite answered an unknown progress {progress.get('progress')!r}")
        left = deadline - time.monotonic()
        if left <= 0:
            return done(TIMED_OUT, None, f"still running at the overall --timeout (polled {polls} times)")
        time.sleep(min(poll_interval_s, left))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def send_alerts(client: AlertSiteClient, recipients: Iterable[Recipient], *,
                location: int | None) -> list[AlertResult]:
    """One test notification per recipient, one after the other (each a POST never sent twice)."""
    results = []
    for r in recipients:
        if r.method_id is None or not r.recipient:
            results.append(AlertResult(r.name, r.recipient_id, r.method_id, False,
                                       "the state holds no method_id or recipient for it"))
            continue
        try:
            answer = client.send_test_notification(r.body(location))
        except AlertSiteError as error:
            results.append(AlertResult(r.name, r.recipient_id, r.method_id, False, str(error)))
            continue
        status = answer.get("status")
        accepted = status in (None, "sent", "ok", "success", True)
        reason = answer.get("reason")
        detail = str(status or "accepted") + (f": {reason}" if reason else "")
        results.append(AlertResult(r.name, r.recipient_id, r.method_id, accepted, detail))
    return results


__all__ = [
    "ASSUMPTIONS",
    "FAILED",
    "OUTCOMES",
    "PASSED",
    "TIMED_OUT",
    "UNCONFIRMED",
    "AlertResult",
    "Recipient",
    "Report",
    "Target",
    "TestResult",
    "changed_since",
    "last_update_start",
    "monitors_of",
    "recipients_of",
    "run_tests",
    "send_alerts",
    "test_monitor",
]
