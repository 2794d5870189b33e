"""``--run-monitors``: the emulator runs each enabled monitor the way AlertSite does.

Every enabled monitor runs at once and then once per ``interval`` (divided by the time
scale, for demos and tests), one run at a time per monitor, with the same probe as
``alertsite-pulumi round-trip`` (:mod:`alertsite_pulumi.mail`: that package imports
nothing of the client or provider). The outcome becomes the monitor's ``last_status`` and
a row of ``GET /report-sitestatus``. The trip's own timeout is not scaled: mail servers do
not get faster with the clock.

Only monitors whose SMTP and POP3 hosts are on loopback run unless ``allow_remote``: an
emulator must not mail the world by accident. Codes 0, 1 and 2 are AlertSite's; finer
codes (9100 and up) are marked ``"code_origin": "emulator"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from ..mail import CODES, KIND_TITLES, Mailbox, ProbeOptions, TripResult, parse_server, run_trip, tls_context
from .model import JsonObject, as_int
from .store import Store

LogFunction = Callable[[str], None]


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


class MonitorRunner:
    """Runs due monitors from a scheduler thread on a small pool of probe threads."""

    def __init__(
        self,
        store: Store,
        *,
        time_scale: float = 1.0,
        allow_remote: bool = False,
        cafile: str | None = None,
        workers: int = 4,
        log: LogFunction | None = None,
    ) -> None:
        if not time_scale > 0:
            raise ValueError("time_scale must be above 0")
        self.store = store
        self.time_scale = time_scale
        self.allow_remote = allow_remote
        self._context = tls_context(cafile)
        self._log = log
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="monitor-run")
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._running: dict[str, Future[None]] = {}
        self._skipped: set[str] = set()
        self._thread: threading.Thread | None = None
        # A tenth of the shortest interval (5 minutes), between 50 ms and 1 s.
        self._tick = min(1.0, max(0.05, 30.0 / time_scale))

    def start(self) -> MonitorRunner:
        self._thread = threading.Thread(target=self._loop, name="monitor-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop scheduling; running trips are cancelled, clean up their message, and end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            self.run_due()

    def run_due(self) -> None:
        """Start a run of every monitor that is due and not running already."""
        now = time.monotonic()
        monitors = {m["id"]: m for m in self.store.raw_monitors()}
        with self._lock:
            for gone in set(self._next) - set(monitors):
                del self._next[gone]
            for monitor_id, record in monitors.items():
                if record.get("enabled") is False or monitor_id in self._running:
                    continue
                if self._next.get(monitor_id, now) > now or not self._may_run(monitor_id, record):
                    continue
                if self._stop.is_set():
                    return
                self._running[monitor_id] = self._pool.submit(self._run, monitor_id, record)

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

    def _run(self, monitor_id: str, record: JsonObject) -> None:
        started = time.monotonic()
        try:
            status = self._trip(record)
            if status is None:
                return  # stopped with the emulator: no outcome to record
            self.store.record_status(monitor_id, status)
            self._say(f"monitor {monitor_id}: {status['code']} {status['description']} "
                      f"({status['response_time_ms']} ms)")
        except Exception as exc:  # noqa: BLE001 - one broken run must not stop the scheduler
            self._say(f"monitor {monitor_id}: the run broke: {type(exc).__name__}")
        finally:
            interval_s = (as_int(record.get("interval")) or 15) * 60 / self.time_scale
            with self._lock:
                self._running.pop(monitor_id, None)
                self._next[monitor_id] = started + interval_s

    def _trip(self, record: JsonObject) -> JsonObject | None:
        username = record.get("email_username")
        password = record.get("email_password")
        if not username or not password:
            return _config_status("the monitor has no email_username or email_password to log in with")
        try:
            mailbox = Mailbox.from_urls(
                str(record.get("smtp_hostname")), str(record.get("pop3_hostname")),
                str(record.get("email")), str(username), str(password),
            )
        except ValueError as exc:
            return _config_status(str(exc))
        timeout = as_int(record.get("timeout")) or 300
        options = ProbeOptions(timeout=float(timeout), context=self._context, cancel=self._stop)
        result = run_trip(mailbox, options)
        if result.kind == "interrupted" and self._stop.is_set():
            return None
        return status_of(result)

    def _say(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"running": sorted(self._running), "scheduled": len(self._next)}
