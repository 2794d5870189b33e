"""What the plugin adds around the monitor lifecycle: Cancel, custom timeouts, and its clients.

The lifecycle (``lifecycle.MonitorLifecycle``) is used as it is; only where its clients come
from is the plugin's. The plugin's clients wait between retries through
``OperationControl.sleep``, which returns at once with an error after the engine's Cancel,
and refuses a wait that would run past the deadline a resource's ``customTimeouts`` set for
the call in progress; each attempt's request timeout is cut to what is left of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import requests

from ..auth import SharedClients
from ..client import AlertSiteClient
from ..config import Settings
from ..errors import AlertSiteError
from ..transport import RetryPolicy

#: However little of a custom timeout is left, one attempt gets this long: the clean-up
#: delete after a failed create must still be sent.
MIN_ATTEMPT_SECONDS: Final = 2.0


class OperationCancelled(AlertSiteError):
    """The engine cancelled the operation (Ctrl-C) while it waited to retry."""

    hint = "Nothing was retried after the cancel; run the command again to finish."


class OperationTimedOut(AlertSiteError):
    """A retry would have run past the resource's custom timeout."""

    hint = "Raise the resource's customTimeouts, or find out why AlertSite is slow or failing."


class OperationControl:
    """The process's cancel switch, and the deadline of the call each thread is serving."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._cancelled = threading.Event()
        self._local = threading.local()
        self._clock = clock

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @contextmanager
    def deadline(self, seconds: float | None) -> Iterator[None]:
        """Run the body with a deadline ``seconds`` from now (None or 0: the settings' budget only)."""
        previous = getattr(self._local, "deadline", None)
        self._local.deadline = (self._clock() + seconds, seconds) if seconds else None
        try:
            yield
        finally:
            self._local.deadline = previous

    def remaining(self) -> float | None:
        """Seconds left before this thread's deadline, or None when it has none."""
        deadline: tuple[float, float] | None = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline[0] - self._clock()

    def sleep(self, seconds: float) -> None:
        """Wait before a retry, unless the engine cancelled or the deadline would pass."""
        if self.cancelled:
            raise OperationCancelled("Cancelled by the Pulumi engine before a retry")
        left = self.remaining()
        if left is not None and seconds >= left:
            timeout = self._local.deadline[1]
            raise OperationTimedOut(
                f"Gave up: the next retry would start after the custom timeout of {timeout:g} s")
        if self._cancelled.wait(seconds):
            raise OperationCancelled("Cancelled by the Pulumi engine while waiting to retry")

    def attempt_timeout(self, timeout: Any) -> Any:
        """A request timeout cut to what is left of the deadline (never below MIN_ATTEMPT_SECONDS)."""
        left = self.remaining()
        if left is None or not isinstance(timeout, int | float):
            return timeout
        return min(float(timeout), max(left, MIN_ATTEMPT_SECONDS))


class _DeadlineSession(requests.Session):
    """A session whose request timeouts respect the deadline of the calling thread."""

    def __init__(self, control: OperationControl) -> None:
        super().__init__()
        self._control = control

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if "timeout" in kwargs:
            kwargs["timeout"] = self._control.attempt_timeout(kwargs["timeout"])
        return super().request(*args, **kwargs)


def client_registry(control: OperationControl) -> SharedClients[AlertSiteClient]:
    """One client per settings for the plugin process, waiting through ``control``."""

    def build(settings: Settings) -> AlertSiteClient:
        retry = RetryPolicy(max_retries=settings.max_retries, budget=settings.retry_budget,
                            sleep=control.sleep)
        return AlertSiteClient(settings, retry=retry, session=_DeadlineSession(control))

    return SharedClients(build)


__all__ = ["OperationCancelled", "OperationControl", "OperationTimedOut",
           "client_registry"]
