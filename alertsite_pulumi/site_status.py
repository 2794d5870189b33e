"""A monitor's current status, read from ``GET /report-sitestatus`` in either spelling.

SmartBear does not publish the report's rows. The one real caller found (a Grafana
exporter) reads ``device_name``, ``last_status`` (a string, ``"0"`` is OK),
``last_status_desc``, ``dt_last_status`` and ``info_msg``; this project's emulator 0.1
answered ``monitor_id``, ``monitor_name``, ``last_status_code`` and
``last_status_description``. :func:`read_row` understands both, and the ``last_status``
object of ``GET /monitors/{id}`` (:func:`from_last_status`), so that a real account's report
is read whichever it sends (``docs/alertsite-api.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .validators import redact_url_userinfo

NO_STATUS_YET: Final = "no status yet"
"""What a table shows for a monitor that has not been run yet."""


@dataclass(frozen=True)
class SiteStatus:
    """One monitor's last status; ``code`` is None when it has not been run yet."""

    monitor_id: str | None
    """The monitor's id (``device_id``, ``monitor_id`` or ``id``), None when the row has none."""
    name: str | None
    code: str | None
    """AlertSite's status code as text: ``"0"`` OK, ``"1"`` TCP connection failed, ``"2"`` timeout."""
    description: str | None
    info: str | None
    """``info_msg``: the error text, when the report gives one."""
    time: str | None
    last_error_time: str | None = None
    failed_step: str | None = None
    """The probe step that failed (an emulator extension)."""

    @property
    def has_run(self) -> bool:
        return self.code is not None

    @property
    def ok(self) -> bool:
        return self.code == "0"

    def cell(self) -> str:
        """``0 OK``, ``9104 POP3 login failed at pop3.login``, or ``no status yet``: the code,
        the title of the description (the text before a colon), the failed step; a login
        inside a URL (``smtp://user:password@host``) is masked, whatever the report holds."""
        if self.code is None:
            return NO_STATUS_YET
        title = (self.description or self.info or "").partition(":")[0]
        text = f"{self.code} {title}".strip()
        if self.failed_step:
            text += f" at {redact_url_userinfo(self.failed_step)}"
        return text


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _first(row: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = _text(row.get(name))
        if value is not None:
            return value
    return None


def read_row(row: Mapping[str, Any]) -> SiteStatus:
    """A report row in AlertSite's spelling (``last_status``, ``last_status_desc``) or the
    emulator 0.1 one (``last_status_code``, ``last_status_description``)."""
    code_value = row.get("last_status")
    nested = code_value if isinstance(code_value, Mapping) else {}
    code = _text(nested.get("code")) if nested else _first(row, "last_status", "last_status_code")
    return SiteStatus(
        monitor_id=_first(row, "device_id", "monitor_id", "id"),
        name=_first(row, "device_name", "monitor_name", "name"),
        code=code,
        description=_first(row, "last_status_desc", "last_status_description")
        or _text(nested.get("description")),
        info=_first(row, "info_msg"),
        time=_first(row, "dt_last_status") or _text(nested.get("time")),
        last_error_time=_first(row, "dt_last_error") or _text(nested.get("last_error_time")),
        failed_step=_first(row, "failed_step") or _text(nested.get("failed_step")),
    )


def from_last_status(monitor_id: str | None, last_status: Any) -> SiteStatus:
    """The ``last_status`` object of ``GET /monitors/{id}`` (null: never run)."""
    status: Mapping[str, Any] = last_status if isinstance(last_status, Mapping) else {}
    return SiteStatus(
        monitor_id=monitor_id, name=None, code=_text(status.get("code")),
        description=_text(status.get("description")), info=None, time=_text(status.get("time")),
        last_error_time=_text(status.get("last_error_time")),
        failed_step=_text(status.get("failed_step")),
    )


def by_monitor(statuses: Iterable[SiteStatus]) -> dict[str, SiteStatus]:
    """One status per monitor id; of several rows (one per location), the first failing
    one, else the first that ran, else the first. Rows without an id are left out."""
    chosen: dict[str, SiteStatus] = {}

    def rank(status: SiteStatus) -> int:
        return 2 if status.has_run and not status.ok else 1 if status.has_run else 0

    for status in statuses:
        if status.monitor_id is None:
            continue
        current = chosen.get(status.monitor_id)
        if current is None or rank(status) > rank(current):
            chosen[status.monitor_id] = status
    return chosen
