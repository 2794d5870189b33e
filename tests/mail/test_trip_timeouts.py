"""The trip's timeout a monitor gives (from the API or a stack's state) is one AlertSite allows,
1 to 300 s: another one is no trip of a negative length, or of a day."""

from __future__ import annotations

from typing import Any

import pytest

from alertsite_pulumi.cli.round_trip import _target

FIELDS = {"smtp_hostname": "smtp://127.0.0.1", "pop3_hostname": "pop3://127.0.0.1", "email": "rt@mail.test",
          "email_username": "rt"}


@pytest.mark.parametrize("timeout", [-5, 0, 100000, "-1", "301"])
def test_a_monitor_timeout_out_of_range_is_not_tried(timeout: Any) -> None:
    target = _target({**FIELDS, "timeout": timeout}, "pw", None, "m", "1", "m")
    assert target.mailbox is None
    assert target.problem == (f"timeout {timeout} is out of AlertSite's range, 1 to 300 s "
                              "(give --trip-timeout)")


@pytest.mark.parametrize(("timeout", "seconds"), [(60, 60.0), ("45", 45.0), (None, 300.0), ("soon", 300.0)])
def test_a_monitor_timeout_in_range_or_absent_is_used(timeout: Any, seconds: float) -> None:
    target = _target({**FIELDS, "timeout": timeout}, "pw", None, "m", "1", "m")
    assert target.problem is None and target.timeout == seconds


def test_trip_timeout_overrides_a_monitor_timeout_out_of_range() -> None:
    target = _target({**FIELDS, "timeout": 100000}, "pw", 20, "m", "1", "m")
    assert target.problem is None and target.timeout == 20.0
