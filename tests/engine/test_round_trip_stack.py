"""``alertsite-pulumi round-trip`` on every monitor of a real stack: the mailbox passwords come
from ``pulumi stack export --show-secrets``, and a monitor without one is reported, not tried."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from mail.conftest import MailServers, mail_servers, new_mail_user

from alertsite_pulumi.emulator import EmulatorControl

from .harness import VENV
from .native_support import native_project
from .support import MAILBOX_PASSWORD, SpecProject, monitor_args

pytestmark = pytest.mark.engine
__all__ = ["mail_servers"]  # the fixture, used by name


def test_every_monitor_of_the_stack(
    spec_project: Callable[..., SpecProject], mail_servers: MailServers
) -> None:
    user = new_mail_user(mail_servers, MAILBOX_PASSWORD)
    project = spec_project([
        monitor_args(0, smtp_hostname=mail_servers.starttls.url(), pop3_hostname=mail_servers.pop3s,
                     email=user.email, email_username=user.name, timeout=10),
        monitor_args(1, with_password=False),
    ])
    project.up()
    ids = project.stack_outputs()["ids"]
    done = subprocess.run(
        [str(VENV / "bin" / "alertsite-pulumi"), "round-trip", "--stack", project.stack,
         "--cwd", str(project.root), "--cafile", str(mail_servers.ca_file), "--json"],
        env=project.base_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert MAILBOX_PASSWORD not in done.stdout + done.stderr
    assert done.returncode == 1, done.stderr  # one monitor could not be tried
    trips = {t["name"]: t for t in json.loads(done.stdout)["trips"]}
    assert trips["mon-0"]["ok"] is True and trips["mon-0"]["code"] == 0
    assert trips["mon-0"]["monitor_id"] == ids["mon-0"] and trips["mon-0"]["timeout_s"] == 10
    assert trips["mon-1"]["ok"] is False and "no mailbox password" in trips["mon-1"]["not_tried"]
    assert "this machine's view, not AlertSite's" in done.stderr
    assert user.messages() == []


def test_the_monitors_of_a_native_only_stack(
    tmp_path: Path, engine_bin: Path, emulator: EmulatorControl, mail_servers: MailServers
) -> None:
    # A stack of native monitors only (alertsite:index:EmailRoundTripMonitor) was said to hold
    # "no round-trip monitor".
    user = new_mail_user(mail_servers, MAILBOX_PASSWORD)
    project = native_project(tmp_path / "native", engine_bin, emulator.api_url, name="native-rt", monitors=[
        monitor_args(0, smtp_hostname=mail_servers.starttls.url(), pop3_hostname=mail_servers.pop3s,
                     email=user.email, email_username=user.name, timeout=10),
    ])
    project.up()
    ids = project.stack_outputs()["ids"]
    done = subprocess.run(
        [str(VENV / "bin" / "alertsite-pulumi"), "round-trip", "--stack", project.stack,
         "--cwd", str(project.root), "--cafile", str(mail_servers.ca_file), "--json"],
        env=project.base_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert MAILBOX_PASSWORD not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    (trip,) = json.loads(done.stdout)["trips"]
    assert trip["name"] == "mon-0" and trip["ok"] is True and trip["code"] == 0
    assert trip["monitor_id"] == ids["mon-0"] and trip["timeout_s"] == 10
    assert user.messages() == []
