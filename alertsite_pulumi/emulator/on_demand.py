"""Tests on demand (``GET /tests``, ``GET /tests/{id}``) and test notifications
(``POST /test-notifiers``), ``/work/shared/alertsite-api-more.md`` §4 and §1.6.

A test on demand runs its monitor once, on a daemon thread of its own, with the probe that
``--run-monitors`` uses (:meth:`.runner.MonitorRunner.test_once`, wired in by the process):
its outcome is kept with the test only, never as the monitor's last status, and it sends no
alert ("not included in your monitor run history, do not trigger alerts"). A test is given the
monitor's ``timeout`` plus a second; one still running then is reported failed with AlertSite's
timeout code 2 and its thread left to end on its own (its late outcome is dropped). Starting a
test never waits for it: the handler answers at once and the caller polls.

Without a probe (no ``--run-monitors``), or with the ``tod_outcome`` switch set, the outcome is
forced: ``ok``, ``fail``, ``timeout`` after ``tod_latency_s``, or ``never-ends`` (in progress
forever, as a stuck AlertSite test). ``real`` without a probe acts as ``ok``.

A test notification goes through the same :class:`.alerts.Delivery` as real alerts (e-mail
through ``--alert-smtp``, a webhook POST with Basic auth), synchronously: a delivery has a
deadline of its own (:data:`.alerts.DELIVERY_TIMEOUT_S`). It is logged in the alert log marked
``"test": true``, never with its password.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from ..mail import CODES, KIND_TITLES
from .alerts import Alert, AlertLog, Delivery
from .model import ApiError, FieldError, JsonObject, as_int
from .routing import METHODS

Probe = Callable[[JsonObject], JsonObject]
"""One trip of a monitor's record: its AlertSite-style status (``code``, ``description``)."""

FIRST_TEST_ID: Final = 700001
MAX_KEPT: Final = 1000
"""How many tests are remembered (the newest); an older id polls as "Test Not Found"."""
MAX_RUNNING: Final = 16
"""Tests whose thread is alive at once; one more is refused with 429."""
GRACE_S: Final = 1.0
"""How long after the monitor's ``timeout`` a test is given to report the probe's outcome."""
TOD_OUTCOMES: Final = ("real", "ok", "fail", "timeout", "never-ends")

OK_TEXT: Final = "Site is OK Now!"
TEST_MONITOR_NAME: Final = "AlertSite Test Notification"
TEST_STATUS_TEXT: Final = "This is a test alert"

_NOT_FOUND: Final[JsonObject] = {"progress": 0, "progress_desc": "Test Not Found", "status": -1,
                                 "status_desc": ""}
_IN_PROGRESS: Final[JsonObject] = {"progress": 1, "progress_desc": "Test In Progress", "status": -1,
                                   "status_desc": ""}


@dataclass
class _Test:
    monitor_id: str
    location_id: int
    deadline: float | None
    """When it is given up on (None: never, the ``never-ends`` switch)."""
    pollable: bool = True
    ready_at: float | None = None
    """A forced outcome: when it is known."""
    status: JsonObject | None = None
    thread: threading.Thread | None = None


def _forced(outcome: str) -> JsonObject:
    if outcome == "fail":
        return {"code": str(CODES["pop3-login"]),
                "description": f"{KIND_TITLES['pop3-login']}: forced by the tod_outcome switch"}
    if outcome == "timeout":
        return _timeout()
    return {"code": "0", "description": OK_TEXT}


def _timeout() -> JsonObject:
    return {"code": str(CODES["timeout"]),
            "description": f"{KIND_TITLES['timeout']}: the test did not end within its timeout"}


def _answer(status: Mapping[str, Any]) -> JsonObject:
    code = as_int(status.get("code"))
    if code == 0:
        return {"progress": 2, "progress_desc": "Test Successful", "status": 0, "status_desc": OK_TEXT}
    return {"progress": 3, "progress_desc": "Test Failed", "status": code if code is not None else 1,
            "status_desc": str(status.get("description") or "")}


class OnDemand:
    """The tests on demand of one emulator and the wiring test notifications use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tests: OrderedDict[str, _Test] = OrderedDict()
        self._next = FIRST_TEST_ID
        self.probe: Probe | None = None
        """The real trip (``--run-monitors``); None: outcomes are forced."""
        self.delivery: Delivery = Delivery()
        """How a test notification leaves (the process sets the relay)."""
        self.alerts: AlertLog | None = None
        """Where test notifications are logged (the app's alert log)."""

    def clear(self) -> None:
        with self._lock:
            self._tests.clear()

    def start(self, record: JsonObject, location_id: int, *, outcome: str, latency_s: float,
              pollable: bool) -> str:
        """Start a test of the monitor ``record`` and answer its id at once."""
        monitor_id = str(record["id"])
        now = time.monotonic()
        timeout_s = as_int(record.get("timeout")) or 300
        with self._lock:
            alive = sum(t.thread is not None and t.thread.is_alive() for t in self._tests.values())
            if alive >= MAX_RUNNING:
                raise ApiError(429, f"{alive} tests on demand are running; try again later",
                               {"Retry-After": "5"})
            test_id = str(self._next)
            self._next += 1
            test = _Test(monitor_id, location_id, now + timeout_s + GRACE_S, pollable)
            real = outcome == "real" and self.probe is not None
            if outcome == "never-ends":
                test.deadline = None
            elif not real:
                test.ready_at = now + latency_s
                test.status = _forced("ok" if outcome == "real" else outcome)
            self._tests[test_id] = test
            while len(self._tests) > MAX_KEPT:
                self._tests.popitem(last=False)
            if real and pollable:
                assert self.probe is not None
                test.thread = threading.Thread(target=self._run, args=(test, self.probe, dict(record)),
                                               name=f"test-on-demand-{test_id}", daemon=True)
                test.thread.start()
        return test_id

    def _run(self, test: _Test, probe: Probe, record: JsonObject) -> None:
        try:
            status = probe(record)
        except Exception as exc:  # noqa: BLE001 - a broken trip is a failed test, never a crash
            status = {"code": str(CODES["protocol"]), "description": f"the test broke: {type(exc).__name__}"}
        with self._lock:
            if test.status is None and (test.deadline is None or time.monotonic() < test.deadline):
                test.status = status

    def poll(self, test_id: str) -> JsonObject:
        now = time.monotonic()
        with self._lock:
            test = self._tests.get(test_id)
            if test is None or not test.pollable:
                return dict(_NOT_FOUND)
            if test.status is None and test.deadline is not None and now >= test.deadline:
                test.status = _timeout()  # given up on: the thread's late outcome is dropped
            if test.status is None or (test.ready_at is not None and now < test.ready_at):
                return dict(_IN_PROGRESS)
            return _answer(test.status)

    def notify(self, body: Mapping[str, Any], locations: Mapping[int, str],
               default_location: int) -> JsonObject:
        """Send one test alert as ``body`` asks (§1.6) and log it; answer how it went."""
        problems: list[tuple[str, str]] = []
        method_id = as_int(body.get("method_id"))
        if body.get("method_id") in (None, ""):
            problems.append(("method_id", "required and is empty"))
        elif method_id not in METHODS:
            problems.append(("method_id", f"must be one of {', '.join(str(m) for m in sorted(METHODS))}"))
        recipient = body.get("recipient")
        if recipient in (None, ""):
            problems.append(("recipient", "required and is empty"))
        elif not isinstance(recipient, str):
            problems.append(("recipient", "must be a string"))
        for name in ("username", "password"):
            if body.get(name) is not None and not isinstance(body.get(name), str):
                problems.append((name, "must be a string"))
        location_id = default_location
        if body.get("location_id") not in (None, ""):
            given = as_int(body.get("location_id"))
            if given is None or given not in locations:
                problems.append(("location_id", "must be the id of a known location"))
            else:
                location_id = given
        if problems:
            raise FieldError(problems)
        assert method_id is not None and isinstance(recipient, str)
        alert = Alert(
            notify_type="error", monitor_id="", monitor_name=TEST_MONITOR_NAME, status="0",
            status_text=TEST_STATUS_TEXT, errcount=0, time=datetime.now(timezone.utc),
            location_id=location_id, location=locations.get(location_id, ""), recipient_id=0,
            recipient_name="test notification", method_id=method_id, target=recipient,
            username=body.get("username") or None, password=body.get("password") or None, test=True,
        )
        done = self.delivery.deliver(alert)
        if self.alerts is not None:
            self.alerts.add(done)
        answer: JsonObject = {"status": done.outcome}
        if done.reason:
            answer["reason"] = done.reason
        return answer
