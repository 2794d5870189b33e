"""`alertsite-pulumi monitors list`: a table or JSON of every round-trip monitor."""

from __future__ import annotations

import json

import pytest
from factories import ADMIN

from alertsite_pulumi.cli.monitors import TABLE_COLUMNS
from alertsite_pulumi.emulator import EmulatorControl

from .cli_helpers import WRONG_PASSWORD, Run, monitor_body, seed


def test_table_lists_every_monitor_by_id_with_coerced_values(admin_env: EmulatorControl, run: Run) -> None:
    ids = seed(admin_env, [monitor_body(i) for i in (3, 1, 2)])

    result = run("monitors", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == list(TABLE_COLUMNS)
    assert [line.split()[0] for line in lines[1:]] == sorted(ids, key=int)
    first = lines[1]
    # monitor_body(3): interval 10, timeout 300... as the emulator stores it, shown coerced.
    assert "Mailbox 003" in first and "probe3@example.com" in first
    assert "smtps://smtp3.example.com:465" in first and "pop3s://pop3.example.com" in first
    assert " false " in first  # enabled is off for index 3
    assert "10,20,30,40" in first  # locations 1 + 3 % 5 = 4 of them
    assert "3 round-trip monitors" in result.stderr
    assert "mailbox-secret" not in result.output


def test_json_is_a_list_of_coerced_objects_without_the_password(admin_env: EmulatorControl,
                                                                 run: Run) -> None:
    ids = seed(admin_env, [monitor_body(i) for i in range(4)])

    result = run("monitors", "list", "--format", "json")

    assert result.exit_code == 0, result.output
    monitors = json.loads(result.stdout)
    assert [m["id"] for m in monitors] == ids
    for index, monitor in enumerate(monitors):
        expected = monitor_body(index)
        assert "email_password" not in monitor
        assert monitor["interval"] == expected["interval"] and isinstance(monitor["interval"], int)
        assert monitor["timeout"] == expected["timeout"]
        assert monitor["enabled"] is expected["enabled"]
        assert monitor["locations"] == [loc["id"] for loc in expected["locations"]]
        assert monitor["home_location"] == expected["home_location"]
        assert monitor["name"] == expected["name"]
    assert "mailbox-secret" not in result.output


def test_an_empty_account_lists_nothing(admin_env: EmulatorControl, run: Run) -> None:
    table = run("monitors", "list")
    as_json = run("monitors", "list", "--format", "json")

    assert table.exit_code == 0 and as_json.exit_code == 0
    assert table.stdout.splitlines() == ["  ".join(TABLE_COLUMNS)]
    assert "0 round-trip monitors" in table.stderr
    assert json.loads(as_json.stdout) == []


def test_password_from_stdin_and_options_override_the_environment(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(admin_env, [monitor_body(1)])
    monkeypatch.setenv("ALERTSITE_PASSWORD", WRONG_PASSWORD)
    monkeypatch.setenv("ALERTSITE_USERNAME", "nobody@example.com")
    monkeypatch.setenv("ALERTSITE_BASE_URL", "http://127.0.0.1:9/api/v3")

    result = run("--base-url", admin_env.api_url, "--username", ADMIN[0], "--password-stdin",
                 "monitors", "list", input=ADMIN[1] + "\n")

    assert result.exit_code == 0, result.output
    assert "Mailbox 001" in result.stdout


def test_a_refused_login_is_one_line_with_a_hint_and_exit_code_1(
    admin_env: EmulatorControl, run: Run
) -> None:
    result = run("--password-stdin", "monitors", "list", input=WRONG_PASSWORD + "\n")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "refused the login" in result.stderr
    assert "ALERTSITE_PASSWORD" in result.stderr and "alertsite:password" in result.stderr
    assert result.stdout == ""


def test_an_unreachable_url_is_reported_without_a_traceback(
    admin_env: EmulatorControl, run: Run, closed_port_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTSITE_MAX_RETRIES", "0")

    result = run("--base-url", closed_port_url, "monitors", "list")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "connection refused" in result.stderr
    assert "ALERTSITE_BASE_URL" in result.stderr


def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    admin_env: EmulatorControl, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator is the proxy for every host, so a request sent to any host reaches it and is
    # counted: a client that let the plain-http URL through would be seen.
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name in ("http_proxy", "https_proxy"):
        monkeypatch.setenv(name, admin_env.base_url)
    monkeypatch.setenv("ALERTSITE_MAX_RETRIES", "0")
    remote = "alertsite.example.com/api/v3"
    admin_env.reset_requests()
    # The control: https to the same host is allowed, goes out through the proxy and is counted.
    allowed = run("--base-url", f"https://{remote}", "monitors", "list")
    assert allowed.exit_code == 1 and "only https:// is allowed" not in allowed.stderr
    assert admin_env.requests()["total"] >= 1
    admin_env.reset_requests()

    result = run("--base-url", f"http://{remote}", "monitors", "list")

    assert result.exit_code == 1
    assert f"'http://{remote}' uses plain http://" in result.stderr
    assert "only https:// is allowed" in result.stderr
    assert admin_env.requests()["total"] == 0


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_login_in_a_server_url_is_masked(admin_env: EmulatorControl, run: Run, fmt: str) -> None:
    seed(admin_env, [monitor_body(1, pop3_hostname="pop3://rt1:TopSecret99@pop.example.com:1",
                                  smtp_hostname="smtp://relay@smtp.example.com")])

    result = run("monitors", "list", "--format", fmt)

    assert result.exit_code == 0, result.output
    assert "TopSecret99" not in result.output and "rt1" not in result.output
    assert "relay@" not in result.output
    assert "pop3://***@pop.example.com:1" in result.stdout
    assert "smtp://***@smtp.example.com" in result.stdout


def _status_column(stdout: str) -> dict[str, str]:
    header, *rows = stdout.splitlines()
    start = header.index("status")
    return {row.split()[0]: row[start:].strip() for row in rows}


@pytest.mark.parametrize("names", ["alertsite", "emulator-0.1"])
def test_the_status_column_reads_the_report_in_either_spelling(
    admin_env: EmulatorControl, run: Run, names: str
) -> None:
    never, ok, failed = seed(admin_env, [monitor_body(i) for i in range(3)])
    admin_env.edit_monitor(ok, last_status={"code": "0", "description": "OK", "time": "2026-01-02T03:04:05Z",
                                            "code_origin": "alertsite"})
    admin_env.edit_monitor(failed, last_status={"code": "9104", "description": "POP3 login failed: no",
                                                "time": "2026-01-02T03:04:05Z", "failed_step": "pop3.login"})
    admin_env.update_settings(site_status_names=names)

    result = run("monitors", "list")

    assert result.exit_code == 0, result.output
    assert _status_column(result.stdout) == {
        never: "no status yet", ok: "0 OK", failed: "9104 POP3 login failed at pop3.login",
    }
    assert admin_env.requests()["by_endpoint"]["report"] == 1


def test_without_the_report_the_status_comes_from_last_status(admin_env: EmulatorControl, run: Run) -> None:
    never, failed = seed(admin_env, [monitor_body(i) for i in range(2)])
    admin_env.edit_monitor(failed, last_status={"code": "2", "description": "Timeout: too slow",
                                                "time": "2026-01-02T03:04:05Z"})
    admin_env.set_faults([{"endpoint": "report", "kind": "status", "status": 403}])

    result = run("monitors", "list")

    assert result.exit_code == 0, result.output
    assert _status_column(result.stdout) == {never: "no status yet", failed: "2 Timeout"}
    assert "the site-status report could not be read" in result.stderr
    assert "showing each monitor's last_status instead" in result.stderr


def test_line_breaks_and_terminal_escapes_in_account_data_stay_in_their_cell(
    admin_env: EmulatorControl, run: Run
) -> None:
    # What a real account may hold: a name and a status text nobody validated.
    named, status = seed(admin_env, [monitor_body(i) for i in range(2)])
    admin_env.edit_monitor(named, name="shop\x1b[2J\u202eevil\nfake 1 row")
    admin_env.edit_monitor(status, last_status={"code": "1\r\n999 fake", "description": "Down\x07: x",
                                                "time": "2026-01-02T03:04:05Z"})

    result = run("monitors", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:]] == [named, status]
    assert not any(c in result.stdout for c in "\x1b\u202e\r\x07")
    assert "shop\\x1b[2J\\u202eevil\\nfake 1 row" in lines[1]
    assert _status_column(result.stdout)[status] == "1\\r\\n999 fake Down\\x07"


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_login_a_url_parser_would_not_see_is_masked_too(admin_env: EmulatorControl, run: Run,
                                                          fmt: str) -> None:
    seed(admin_env, [monitor_body(1, pop3_hostname="pop3://rt1:Top/Secret#99@pop.example.com:1",
                                  smtp_hostname="smtp:///relay:Hunter2@smtp.example.com")])

    result = run("monitors", "list", "--format", fmt)

    assert result.exit_code == 0, result.output
    assert "Secret" not in result.output and "rt1" not in result.output
    assert "Hunter2" not in result.output and "relay" not in result.output
    assert "pop3://***@pop.example.com:1" in result.stdout


#: A name made out of band to take over the terminal of whoever lists the monitors: clear the
#: screen, set the window title, a C1 escape (CSI), a carriage return that overwrites the line,
#: a right-to-left override that reverses what follows.
HOSTILE_NAME = "\x1b[2J\x1b]0;pwned\x07ok\rfake\x9b31m\u202eevil"


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_control_and_bidi_characters_in_a_name_reach_the_terminal_escaped(
        admin_env: EmulatorControl, run: Run, fmt: str) -> None:
    seed(admin_env, [monitor_body(1, name=HOSTILE_NAME, note="é ünï \U0001f4ec")])

    result = run("monitors", "list", "--format", fmt)

    assert result.exit_code == 0, result.output
    for char in "\x1b\x07\r\x9b\u202e":
        assert char not in result.stdout, repr(char)
    if fmt == "json":
        [listed] = json.loads(result.stdout)
        assert listed["name"] == HOSTILE_NAME and listed["note"] == "é ünï \U0001f4ec"
        assert "é ünï \U0001f4ec" in result.stdout  # printable text stays readable
    else:
        assert "\\x1b[2J\\x1b]0;pwned\\x07ok\\rfake\\x9b31m\\u202eevil" in result.stdout
        assert len(result.stdout.splitlines()) == 2  # the header and one row
