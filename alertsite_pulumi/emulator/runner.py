"""``--run-monitors``: the emulator runs each enabled monitor the way AlertSite does.

Every enabled monitor runs at once and then once per ``interval`` (divided by the time
scale, for demos and tests), one run at a time per monitor, with the same probe as
``alertsite-pulumi round-trip`` (:mod:`alertsite_pulumi.mail`: that package imports
nothing of the client or provider). The outcome becomes the monitor's ``last_status`` and
a row of ``GET /report-sitestatus``. The trip's own timeout is not scaled: mail servers do
not get faster with the clock.

Each run has a thread of its own (a daemon: a stuck one never holds up the process's exit)
and a deadline, the monitor's ``timeout`` plus a second of grace for the probe to report its
own timeout. The probe holds its timeout inside every read, so a trip on a server that
trickles, never stops talking or never answers ends by itself with the probe's own code 2.
A run still going at its deadline is abandoned: the monitor gets status 2 (timeout), as
AlertSite reports a trip that outlives its timeout, whatever the probe is stuck in; its
thread is left to end on its own, and its late outcome is dropped. What keeps a run going
past its deadline is the clean-up after a failed trip once the message may have been sent
(a POP3 session with a budget of its own, the probe's ``cleanup_timeout``, 15 s). The trip's
outcome is known before that clean-up (the probe's ``on_outcome``) and is recorded at once:
a run in its clean-up at its deadline keeps the trip's own outcome (an SMTP refusal, the
probe's timeout), not the runner's timeout, and is abandoned like any other run still alive
then (it still counts as the monitor's one run until its thread ends or its deadline). That
monitor is not run again while its abandoned run is alive (a mail server that never stops
talking would otherwise collect one thread per interval), unless it is edited meanwhile
(new servers, login or timeout: it runs at once with them). At most ``max_threads`` runs
started less than ``slow_run_s`` ago are in flight, and at most ``max_threads +
max_abandoned`` runs are alive, slow and abandoned ones included: a hung mail server costs
one thread per monitor that uses it, and keeps the other monitors from running only once
``max_abandoned`` runs are stuck at once (a monitor's ``timeout`` of 300 s keeps no one
waiting 300 s).
Monitors whose last run was abandoned take at most half the runs in flight, so that a server
that hangs every connection past its deadline never keeps the others waiting for a thread.

A monitor that a ``Monitor`` blackout covers (:meth:`.store.Store.active_blackouts`, on the
emulator's clock) is not run: nothing is recorded, its last status stays, and it is due again
(at once) when the blackout ends. (``Alert`` and ``Notifier`` blackouts are the notifier's.)

An outcome is kept only while the monitor still has the servers, login and timeout the run
used: a run that ends after its monitor was edited, or deleted, leaves no status (an edited
monitor runs again at once).

Each recorded outcome is shown to the ``observer`` (:class:`.alerts.AlertNotifier`, which
sends the alerts) as it is recorded, under the runner's lock, so that it sees a monitor's runs in
their order; the observer only decides and queues there, its deliveries run on a thread of its own.

Only monitors whose SMTP and POP3 hosts are on loopback run unless ``allow_remote``: an
emulator must not mail the world by accident. Codes 0, 1 and 2 are AlertSite's; finer
codes (9100 and up) are marked ``"code_origin": "emulator"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from ..mail import (
    CODES,
    KIND_TITLES,
    Mailbox,
    ProbeOptions,
    TripResult,
    parse_server,
    redact_url_userinfo,
    run_trip,
    tls_context,
)
from ..tokens import SECRET_MASK
from .model import ApiError, JsonObject, as_int
from .store import Store

LogFunction = Callable[[str], None]


def monitor_blackouts(store: Store) -> set[int]:
    """The monitors a ``Monitor`` blackout covers now (the emulator's clock): not run."""
    return {b["assoc_id"] for b in store.active_blackouts() if b.get("type") == "Monitor"}


class RunObserver(Protocol):
    """What sees each recorded run (:class:`.alerts.AlertNotifier`): quick, and never raises."""

    def observe(self, monitor: Mapping[str, Any], status: Mapping[str, Any]) -> object: ...

SLOW_RUN_S = 10.0
"""A run in flight longer than this is slow (or stuck): it leaves its slot to the quick ones."""
DEADLINE_GRACE_S = 1.0
"""How long after its ``timeout`` a run is given to report the probe's own outcome."""
STOP_GRACE_S = 1.0
"""How long :meth:`MonitorRunner.stop` waits for cancelled runs to clean up their message."""


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_of(result: TripResult) -> JsonObject:
    """A trip's outcome as AlertSite keeps it (codes as strings, as its answers carry them)."""
    return {
        "code": str(result.code),
        "description": result.description,
        "time": _now_iso(),
        "response_time_ms": str(round(result.elapsed_ms)),
        "failed_step": result.failed_step,
        "code_origin": "alertsite" if result.code_origin == "alertsite" else "emulator",
        "warnings": list(result.warnings),
    }


def _mailbox_of(record: JsonObject) -> Mailbox | JsonObject:
    """The mailbox a monitor's trip goes to, or the status saying why it cannot be made (no
    login, a URL or address the probe cannot read), never with a secret."""
    username = record.get("email_username")
    password = record.get("email_password")
    if not username or not password:
        return _config_status("the monitor has no email_username or email_password to log in with")
    try:
        return Mailbox.from_urls(
            str(record.get("smtp_hostname")), str(record.get("pop3_hostname")),
            str(record.get("email")), str(username), str(password),
        )
    except ValueError as exc:
        return _config_status(_without_secrets(str(exc), record))


def _config_status(cause: str) -> JsonObject:
    return {
        "code": str(CODES["pop3-login"]),
        "description": f"{KIND_TITLES['pop3-login']}: {cause}",
        "time": _now_iso(),
        "response_time_ms": "0",
        "failed_step": "pop3.login",
        "code_origin": "emulator",
        "warnings": [],
    }


def _without_secrets(text: str, record: JsonObject) -> str:
    """``text`` (the reason a monitor cannot be run, which quotes its server URLs) with the
    logins inside those URLs masked and the mailbox password taken out."""
    for name in ("smtp_hostname", "pop3_hostname"):
        url = record.get(name)
        if isinstance(url, str) and url:
            text = text.replace(url, redact_url_userinfo(url))
    password = record.get("email_password")
    if isinstance(password, str) and password:
        text = text.replace(password, SECRET_MASK)
    return text


def _timeout_status(timeout_s: int, elapsed_s: float) -> JsonObject:
    return {
        "code": str(CODES["timeout"]),
        "description": f"{KIND_TITLES['timeout']}: the trip did not end within its timeout of "
        f"{timeout_s} s (the emulator gave up on it)",
        "time": _now_iso(),
        "response_time_ms": str(round(elapsed_s * 1000)),
        "failed_step": None,
        "code_origin": "alertsite",
        "warnings": [],
    }


TRIP_FIELDS = ("smtp_hostname", "pop3_hostname", "email", "email_username", "email_password", "timeout")
"""What a run's outcome depends on: an edit of any of these makes a run in flight stale."""


def _trip_settings(record: JsonObject) -> JsonObject:
    return {name: record.get(name) for name in TRIP_FIELDS}


@dataclass
class _Run:
    """One run in flight: its thread, and when it must have ended."""

    monitor_id: str
    timeout_s: int
    interval_s: float
    started: float
    deadline: float
    settings: JsonObject
    """The monitor's :data:`TRIP_FIELDS` as the run uses them."""
    thread: threading.Thread | None = None
    settled: bool = False
    """Its outcome is decided: the trip's recorded (its clean-up may still run), or given up on
    at the deadline."""
    abandoned: bool = False
    """Still alive at its deadline: left to its thread, whose late result is dropped."""
    cleaning_up: bool = False
    """Abandoned in the clean-up after its trip, whose outcome was recorded."""
    done: threading.Event = field(default_factory=threading.Event)


class MonitorRunner:
    """Runs due monitors from a scheduler thread, each run on a daemon thread of its own."""

    def __init__(
        self,
        store: Store,
        *,
        time_scale: float = 1.0,
        allow_remote: bool = False,
        cafile: str | None = None,
        max_threads: int = 16,
        max_abandoned: int = 64,
        slow_run_s: float = SLOW_RUN_S,
        log: LogFunction | None = None,
        observer: RunObserver | None = None,
    ) -> None:
        if not time_scale > 0:
            raise ValueError("time_scale must be above 0")
        self.store = store
        self.time_scale = time_scale
        self.allow_remote = allow_remote
        self._context = tls_context(cafile)
        self._log = log
        self._observer = observer
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._max_threads = max(1, max_threads)
        self._max_abandoned = max(0, max_abandoned)
        self._slow_run_s = slow_run_s
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._running: dict[str, _Run] = {}
        """Each monitor's run in flight before its deadline."""
        self._abandoned: list[_Run] = []
        """Runs given up on at their deadline whose thread is still alive."""
        self._hung: set[str] = set()
        """Monitors whose last run was abandoned at its deadline."""
        self._hung_slots = max(1, self._max_threads // 2)
        self._skipped: set[str] = set()
        self._full_logged = False
        self._thread: threading.Thread | None = None
        # A tenth of the shortest interval (5 minutes), between 50 ms and 1 s.
        self._tick = min(1.0, max(0.05, 30.0 / time_scale))

    def start(self) -> MonitorRunner:
        self._thread = threading.Thread(target=self._loop, name="monitor-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop scheduling and cancel the runs in flight; wait at most :data:`STOP_GRACE_S`
        for them to clean up their message. A run stuck in a read is left to its daemon
        thread, which ends with the process."""
        self._stop.set()
        self._wake.set()
        end = time.monotonic() + STOP_GRACE_S
        if self._thread is not None:
            self._thread.join(timeout=max(0.0, end - time.monotonic()))
        with self._lock:
            runs = [*self._running.values(), *self._abandoned]
        for run in runs:
            run.done.wait(timeout=max(0.0, end - time.monotonic()))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.abandon_overdue()
            self.run_due()
            self._wake.wait(self._wait_s())
            self._wake.clear()

    def _wait_s(self) -> float:
        """Until the next tick, or sooner when a run reaches its deadline before it."""
        now = time.monotonic()
        with self._lock:
            deadlines = [r.deadline for r in self._running.values()]
        return max(0.01, min([self._tick, *(d - now for d in deadlines)]))

    def run_due(self) -> None:
        """Start a run of every monitor that is due and has no run alive."""
        now = time.monotonic()
        monitors = {m["id"]: m for m in self.store.raw_monitors()}
        blacked_out = monitor_blackouts(self.store)
        with self._lock:
            for gone in set(self._next) - set(monitors):
                del self._next[gone]
            self._hung &= set(monitors)
            stuck: dict[str, list[JsonObject]] = {}
            for run in self._abandoned:
                stuck.setdefault(run.monitor_id, []).append(run.settings)
            # The longest-waiting first (never run: first of all), so that when every
            # thread is taken the ones that free up go round the monitors in turn.
            for monitor_id in sorted(monitors, key=lambda m: self._next.get(m, -1.0)):
                record = monitors[monitor_id]
                if record.get("enabled") is False or monitor_id in self._running:
                    continue
                if as_int(monitor_id) in blacked_out:
                    continue  # a Monitor blackout: no run, nothing recorded; due again when it ends
                if _trip_settings(record) in stuck.get(monitor_id, ()):
                    continue  # stuck as it is: not run again until that run ends or it is edited
                if self._hung_slots_taken(monitor_id):
                    continue
                if self._next.get(monitor_id, now) > now or not self._may_run(monitor_id, record):
                    continue
                if self._stop.is_set():
                    return
                alive = len(self._running) + len(self._abandoned)
                quick = sum(now - r.started < self._slow_run_s for r in self._running.values())
                if quick >= self._max_threads or alive >= self._max_threads + self._max_abandoned:
                    if not self._full_logged:
                        self._full_logged = True
                        self._say(f"{alive} runs alive ({len(self._abandoned)} abandoned after their "
                                  "timeout): due monitors wait for one to end")
                    return
                self._full_logged = False
                self._start_run(monitor_id, record, now)

    def _start_run(self, monitor_id: str, record: JsonObject, now: float) -> None:
        timeout_s = as_int(record.get("timeout")) or 300
        interval_s = (as_int(record.get("interval")) or 15) * 60 / self.time_scale
        run = _Run(monitor_id, timeout_s, interval_s, now, now + timeout_s + DEADLINE_GRACE_S,
                   _trip_settings(record))
        run.thread = threading.Thread(
            target=self._run, args=(run, record), name=f"monitor-run-{monitor_id}", daemon=True
        )
        self._running[monitor_id] = run
        run.thread.start()

    def _hung_slots_taken(self, monitor_id: str) -> bool:
        """The monitor's last run was abandoned, and such monitors have their share of runs."""
        return monitor_id in self._hung and \
            sum(m in self._hung for m in self._running) >= self._hung_slots

    def _settle(self, run: _Run, status: JsonObject | None, *, release: bool = True) -> bool:
        """Decide ``run``'s outcome (under the lock): keep ``status`` unless the monitor was
        edited or deleted meanwhile, and schedule its next run (at once when edited). Unless
        ``release`` (a trip whose clean-up still runs), the run stops being in flight."""
        run.settled = True
        recorded = status is not None and self.store.record_status(
            run.monitor_id, status, only_if=run.settings)
        edited = status is not None and not recorded
        self._next[run.monitor_id] = run.started if edited else run.started + run.interval_s
        if recorded and status is not None:
            self._observe(run.monitor_id, status)
        if release:
            self._release(run)
        return recorded

    def _observe(self, monitor_id: str, status: JsonObject) -> None:
        """Show a recorded run to the observer (under the lock: in the order of the runs)."""
        if self._observer is None:
            return
        try:
            self._observer.observe(self.store.raw_monitor(monitor_id), status)
        except ApiError:
            pass  # deleted since: no alert for a monitor that is gone
        except Exception as exc:  # noqa: BLE001 - alerting must never stop the runs
            self._say(f"monitor {monitor_id}: alerting broke: {type(exc).__name__}")

    def _release(self, run: _Run) -> None:
        """``run`` is no longer the monitor's run in flight (under the lock); when its outcome
        was recorded before an edit of the monitor, the edited monitor is due at once."""
        if self._running.get(run.monitor_id) is run:
            del self._running[run.monitor_id]
        try:
            edited = _trip_settings(self.store.raw_monitor(run.monitor_id)) != run.settings
        except ApiError:
            return  # deleted
        if edited:
            self._next[run.monitor_id] = run.started

    def _outcome(self, run: _Run, result: TripResult) -> None:
        """The probe's ``on_outcome``: the trip is over (a clean-up may follow): record it."""
        if self._stop.is_set():
            return  # stopped with the emulator: no outcome to record
        status = status_of(result)
        with self._lock:
            if run.settled:
                return  # given up on at the deadline already
            recorded = self._settle(run, status, release=False)
        if recorded:
            self._say(f"monitor {run.monitor_id}: {status['code']} {status['description']} "
                      f"({status['response_time_ms']} ms)")

    def abandon_overdue(self) -> None:
        """Report every run past its deadline as a timeout, and stop waiting for it."""
        now = time.monotonic()
        said: list[JsonObject] = []
        with self._lock:
            for run in [r for r in self._running.values() if r.deadline <= now]:
                # Abandoned: its thread may run on, its late result is dropped.
                run.abandoned = True
                self._abandoned.append(run)
                self._hung.add(run.monitor_id)
                if run.settled:
                    run.cleaning_up = True
                    self._release(run)  # in its clean-up: the trip's own outcome stays
                    continue
                status = _timeout_status(run.timeout_s, now - run.started)
                if self._settle(run, status):
                    said.append({"id": run.monitor_id, **status})
        for status in said:
            self._say(f"monitor {status['id']}: {status['code']} {status['description']}")

    def _run(self, run: _Run, record: JsonObject) -> None:
        status: JsonObject | None = None
        try:
            status = self._trip(run, record)
        except Exception as exc:  # noqa: BLE001 - one broken run must not stop the others
            self._say(f"monitor {run.monitor_id}: the run broke: {type(exc).__name__}")
        finally:
            with self._lock:
                abandoned = run.abandoned
                recorded = False
                if abandoned:
                    self._abandoned.remove(run)
                else:
                    self._hung.discard(run.monitor_id)  # this run ended by itself
                    if run.settled:
                        self._release(run)  # recorded when its trip ended, before the clean-up
                    else:
                        # Recorded before the monitor may run again, so runs never overtake.
                        recorded = self._settle(run, status)
            run.done.set()
            self._wake.set()
        if abandoned:
            dropped = "its clean-up's result is dropped (its trip's outcome was recorded)" \
                if run.cleaning_up else "its outcome is dropped"
            self._say(f"monitor {run.monitor_id}: a run abandoned at its timeout ended after "
                      f"{time.monotonic() - run.started:.1f} s; {dropped}")
        elif recorded and status is not None:
            self._say(f"monitor {run.monitor_id}: {status['code']} {status['description']} "
                      f"({status['response_time_ms']} ms)")

    def _trip(self, run: _Run, record: JsonObject) -> JsonObject | None:
        mailbox = _mailbox_of(record)
        if not isinstance(mailbox, Mailbox):
            return mailbox
        timeout = as_int(record.get("timeout")) or 300
        options = ProbeOptions(timeout=float(timeout), context=self._context, cancel=self._stop,
                               on_outcome=lambda result: self._outcome(run, result))
        result = run_trip(mailbox, options)
        if self._stop.is_set():
            return None  # stopped with the emulator: no outcome to record
        return status_of(result)

    def test_once(self, record: JsonObject) -> JsonObject:
        """One trip of ``record`` for a test on demand (:mod:`.on_demand`), with the same probe
        as the runs: its outcome is returned, never recorded as the monitor's status nor shown
        to the observer (a test on demand sends no alert)."""
        mailbox = _mailbox_of(record)
        if not isinstance(mailbox, Mailbox):
            return mailbox
        try:
            hosts = [parse_server(str(record.get(f"{k}_hostname")), k) for k in ("smtp", "pop3")]
        except ValueError as exc:
            return _config_status(_without_secrets(str(exc), record))
        if not self.allow_remote and not all(h.is_loopback for h in hosts):
            return {"code": str(CODES["connect"]), "description": f"{KIND_TITLES['connect']}: not "
                    "tested, its mail servers are not on loopback (--run-monitors-anywhere allows it)"}
        timeout = as_int(record.get("timeout")) or 300
        result = run_trip(mailbox, ProbeOptions(timeout=float(timeout), context=self._context,
                                                cancel=self._stop))
        return status_of(result)

    def _may_run(self, monitor_id: str, record: JsonObject) -> bool:
        if self.allow_remote:
            return True
        try:
            hosts = [parse_server(str(record.get(f"{k}_hostname")), k) for k in ("smtp", "pop3")]
        except ValueError:
            return True  # the run records why the monitor cannot work
        if all(h.is_loopback for h in hosts):
            return True
        if monitor_id not in self._skipped:
            self._skipped.add(monitor_id)
            self._say(f"monitor {monitor_id}: not run, its mail servers are not on loopback "
                      "(--run-monitors-anywhere allows it)")
        return False

    def _say(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "running": sorted(self._running),
                "abandoned": sorted(r.monitor_id for r in self._abandoned),
                "scheduled": len(self._next),
            }
