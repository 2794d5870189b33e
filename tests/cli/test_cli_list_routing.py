"""`alertsite-pulumi recipients list` and `recipient-groups list`: where the account's alerts go."""

from __future__ import annotations

import json

from alertsite_pulumi.cli.routing import GROUP_COLUMNS, RECIPIENT_COLUMNS
from alertsite_pulumi.emulator import EmulatorControl

from .cli_helpers import Run, monitor_body, seed

HOOK_PASSWORD = "hook-secret-91ab"
HOOK_PATH = "/services/T0/B0/sekret-path"


def seed_routing(emulator: EmulatorControl) -> tuple[list[str], list[str], list[str]]:
    monitors = seed(emulator, [monitor_body(1), monitor_body(2)])
    recipients = [
        emulator.seed_recipient({"name": "Chat hook", "method_id": 16, "username": "bot",
                                 "recipient": f"https://hooks.example.com{HOOK_PATH}",
                                 "password": HOOK_PASSWORD}),
        emulator.seed_recipient({"name": "DevOps\x1b[31m list", "method_id": 12,
                                 "recipient": "devops@example.com", "performance_alert": True}),
    ]
    groups = [emulator.seed_recipient_group({"name": "Mail ops", "monitors": [int(i) for i in monitors],
                                             "recipients": [int(i) for i in recipients],
                                             "errortypes": [5, 1]})]
    return monitors, recipients, groups


def test_recipients_table_shows_where_alerts_go_without_a_password_or_webhook_path(
        admin_env: EmulatorControl, run: Run) -> None:
    _, recipients, groups = seed_routing(admin_env)

    result = run("recipients", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == list(RECIPIENT_COLUMNS)
    assert [line.split()[0] for line in lines[1:]] == sorted(recipients, key=int)
    hook, devops = lines[1], lines[2]
    assert "webhook" in hook and "https://hooks.example.com/..." in hook and groups[0] in hook
    assert "email_html" in devops and "devops@example.com" in devops and " true " in devops
    # A terminal escape in a name is shown escaped, never sent to the terminal.
    assert "\x1b" not in result.stdout and "DevOps\\x1b[31m list" in devops
    assert HOOK_PATH not in result.stdout and HOOK_PASSWORD not in result.output
    assert "2 alert recipients" in result.stderr


def test_recipients_json_has_every_field_but_the_password(admin_env: EmulatorControl, run: Run) -> None:
    _, recipients, groups = seed_routing(admin_env)

    result = run("recipients", "list", "--format", "json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [r["id"] for r in listed] == recipients
    assert all("password" not in r for r in listed)
    assert listed[0]["recipient"] == f"https://hooks.example.com{HOOK_PATH}"
    assert listed[0]["username"] == "bot"
    assert listed[0]["method_id"] == 16 and listed[0]["method"] == "webhook"
    assert listed[1]["notifier_groups"] == groups and listed[1]["performance_alert"] is True
    assert HOOK_PASSWORD not in result.output and "\x1b" not in result.stdout


def test_groups_list_their_monitors_and_recipients_by_id(admin_env: EmulatorControl, run: Run) -> None:
    monitors, recipients, groups = seed_routing(admin_env)

    table = run("recipient-groups", "list")
    as_json = run("recipient-groups", "list", "--format", "json")

    assert table.exit_code == 0 and as_json.exit_code == 0, table.output + as_json.output
    header, row = table.stdout.splitlines()
    assert header.split() == list(GROUP_COLUMNS)
    assert row.split() == [groups[0], "Mail", "ops", "false", ",".join(sorted(monitors, key=int)),
                           ",".join(sorted(recipients, key=int)), "1,5"]
    assert "1 recipient group" in table.stderr
    (group,) = json.loads(as_json.stdout)
    assert group["monitors"] == sorted(monitors, key=int) and group["errortypes"] == [1, 5]


def test_an_account_without_routing_lists_nothing(admin_env: EmulatorControl, run: Run) -> None:
    for command in ("recipients", "recipient-groups"):
        table = run(command, "list")
        as_json = run(command, "list", "--format", "json")
        assert table.exit_code == 0 and as_json.exit_code == 0
        assert len(table.stdout.splitlines()) == 1 and json.loads(as_json.stdout) == []
        assert table.stderr.startswith("0 ")
