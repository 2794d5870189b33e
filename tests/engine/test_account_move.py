"""A monitor moved to another account is a replacement, shown at preview, never a re-point.

Two emulator processes are two accounts (two API roots); one emulator with two users is one
account seen through two logins. Account B holds a monitor of its own under the id that A's
monitor has (both emulators count ids from the same start), so a re-point would PATCH, tie or
delete another stack's monitor: each test checks it is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE
from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer

from .native_support import native_project
from .support import ADMIN_PASSWORD, ADMIN_USER, SpecProject, monitor_args

pytestmark = pytest.mark.engine

OPS_USER = "ops@example.com"
OPS_PASSWORD = "ops-user-password-5e1b"


@pytest.fixture
def account_b() -> Iterator[EmulatorControl]:
    """Another account: a second emulator process, on its own port."""
    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server.control


def others_monitor(account: EmulatorControl, wanted_id: str) -> dict[str, Any]:
    """Seed ``account`` until it holds a monitor of its own under ``wanted_id`` (the fillers on
    the way are deleted again, so that the account holds that one monitor only)."""
    for index in range(5000):
        seeded = account.seed_monitor(monitor_args(90 + index, name="Another stack's monitor",
                                                   email=f"theirs-{index}@example.com"))
        if seeded == wanted_id:
            return account.monitor(seeded)
        account.delete_monitor(seeded)
    raise AssertionError(f"account B never reached id {wanted_id}")


def test_native_move_to_another_account_is_a_replacement(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, account_b: EmulatorControl) -> None:
    providers = {name: {"base_url": url, "username": ADMIN_USER, "password_key": "adminPassword"}
                 for name, url in (("a", emulator.api_url), ("b", account_b.api_url))}
    project = native_project(tmp_path / "move", engine_bin, emulator.api_url, name="account-move",
                             secrets={"adminPassword": ADMIN_PASSWORD})
    project.set_spec([{**monitor_args(0), "options": {"provider": "a"}}], providers)
    project.up()
    (made,) = emulator.monitors()
    theirs = others_monitor(account_b, str(made["id"]))

    # Moved to B, with a field changed in the same up.
    project.set_spec([{**monitor_args(0, interval=30), "options": {"provider": "b"}}], providers)
    preview = project.preview("--diff")
    assert "1 to replace" in preview.output, preview.output[-4000:]
    # The plan shows why: the provider, and the account the monitor goes to.
    assert "pulumi:providers:alertsite::a::" in preview.output
    assert f'base_url: "{emulator.api_url.rstrip("/")}" => "{account_b.api_url.rstrip("/")}"' \
        in preview.output, preview.output[-4000:]
    account_b.reset_requests()
    up = project.up()
    assert "1 replaced" in up.output, up.output[-4000:]
    assert emulator.monitors() == [], "account A keeps an orphan"
    assert account_b.monitor(str(theirs["id"])) == theirs, "another stack's monitor was changed"
    assert account_b.requests()["by_endpoint"]["update"] == 0
    (state,) = project.monitors()
    mine = [m for m in account_b.monitors() if m["id"] != theirs["id"]]
    assert [str(m["id"]) for m in mine] == [str(state["id"])]
    assert str(mine[0]["interval"]) == "30"
    project.refresh()
    project.preview("--expect-no-changes")


def test_native_move_between_two_users_of_one_account_changes_nothing(
        tmp_path: Path, engine_bin: Path, emulator: EmulatorControl) -> None:
    emulator.add_user(OPS_USER, OPS_PASSWORD, role="admin")
    providers = {"admin": {"base_url": emulator.api_url, "username": ADMIN_USER,
                           "password_key": "adminPassword"},
                 "ops": {"base_url": emulator.api_url, "username": OPS_USER, "password_key": "opsPassword"}}
    project = native_project(tmp_path / "users", engine_bin, emulator.api_url, name="user-move",
                             secrets={"adminPassword": ADMIN_PASSWORD, "opsPassword": OPS_PASSWORD})
    project.set_spec([{**monitor_args(0), "options": {"provider": "admin"}}], providers)
    project.up()
    (before,) = emulator.monitors()
    project.set_spec([{**monitor_args(0), "options": {"provider": "ops"}}], providers)
    emulator.reset_requests()
    preview = project.preview()
    assert "replace" not in preview.output and "to update" not in preview.output, preview.output[-4000:]
    project.up()
    calls = emulator.requests()["by_endpoint"]
    assert calls["create"] == 0 and calls["delete"] == 0 and calls["update"] == 0, calls
    assert emulator.monitors() == [before]
    assert [str(r["id"]) for r in project.monitors()] == [str(before["id"])]


def test_dynamic_stack_pointed_at_another_base_url_is_a_replacement(
        spec_project: Callable[..., SpecProject], emulator: EmulatorControl,
        account_b: EmulatorControl) -> None:
    project = spec_project([monitor_args(0)])
    project.up()
    (made,) = emulator.monitors()
    theirs = others_monitor(account_b, str(made["id"]))
    project.run("config", "set", "alertsite:baseUrl", account_b.api_url)
    preview = project.preview("--diff")
    assert "1 to replace" in preview.output, preview.output[-4000:]
    assert account_b.api_url.rstrip("/") in preview.output     # the plan shows where it goes
    up = project.up()
    assert "1 replaced" in up.output, up.output[-4000:]
    # B's own monitor under that id was neither deleted nor changed; A's is named, not guessed at.
    assert account_b.monitor(str(theirs["id"])) == theirs
    assert f"monitor {made['id']} was NOT deleted there" in up.output, up.output[-4000:]
    (state,) = project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)
    assert str(state["id"]) in {str(m["id"]) for m in account_b.monitors()} - {str(theirs["id"])}
    project.preview("--expect-no-changes")
