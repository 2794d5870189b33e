"""`alertsite-pulumi export`: every monitor as Pulumi code that adopts it without a write."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import resolve_settings
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.export import slugify
from alertsite_pulumi.fields import FIELDS, SECRET_FIELDS
from alertsite_pulumi.monitor_kind import adopt, changed_against, changed_fields, outputs
from alertsite_pulumi.program import monitor_specs
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

from .cli_helpers import Run, monitor_body, seed

MONITORS = 50


def live_values(emulator: EmulatorControl) -> dict[str, dict[str, Any]]:
    """What AlertSite reports for every monitor, coerced, as the provider reads it."""
    client = AlertSiteClient(resolve_settings(), share_login=False)
    out = {}
    for listed in client.list_monitors():
        monitor = client.get_monitor(str(listed["id"]))
        out[str(monitor["id"])] = {k: v for k, v in monitor.items()
                                  if k in FIELDS and k not in SECRET_FIELDS}
    return out


def stack_entries(text: str, project: str = "alertsite-monitors") -> list[dict[str, Any]]:
    document = yaml.safe_load(text)
    assert list(document) == ["config"]
    entries = document["config"][f"{project}:monitors"]
    assert isinstance(entries, list)
    return entries


def program_calls(source: str) -> list[tuple[str, dict[str, Any], ast.expr | None]]:
    """(resource name, literal keyword values, the email_password expression) per monitor."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "EmailRoundTripMonitor":
            password = None
            values = {}
            for keyword in node.keywords:
                assert keyword.arg is not None
                if keyword.arg == "email_password":
                    password = keyword.value
                else:
                    values[keyword.arg] = ast.literal_eval(keyword.value)
            calls.append((ast.literal_eval(node.args[0]), values, password))
    return calls


@pytest.fixture
def fifty(admin_env: EmulatorControl) -> list[str]:
    return seed(admin_env, [monitor_body(i) for i in range(MONITORS)])


def test_stack_config_holds_every_monitor_with_its_coerced_values(
    admin_env: EmulatorControl, fifty: list[str], run: Run
) -> None:
    result = run("export", "--stack", "dev")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Pulumi.dev.yaml of Pulumi project 'alertsite-monitors'")
    assert "pulumi config set --secret --path 'mailboxPasswords.<resource_name>'" in result.stdout
    entries = stack_entries(result.stdout)
    live = live_values(admin_env)
    assert sorted(e["adopt_monitor_id"] for e in entries) == sorted(fifty)
    for entry in entries:
        assert isinstance(entry["adopt_monitor_id"], str)
        values = {k: v for k, v in entry.items() if k not in ("resource_name", "adopt_monitor_id")}
        assert values == live[entry["adopt_monitor_id"]]
        assert isinstance(values["interval"], int) and isinstance(values["timeout"], int)
        assert all(isinstance(loc, int) for loc in values["locations"])
        assert "email_password" not in entry
    assert len({e["resource_name"] for e in entries}) == MONITORS
    assert "mailbox-secret" not in result.output
    assert f"exported {MONITORS}/{MONITORS} round-trip monitors" in result.stderr


def test_python_program_compiles_and_declares_every_monitor(
    admin_env: EmulatorControl, fifty: list[str], run: Run
) -> None:
    result = run("export", "--format", "python")

    assert result.exit_code == 0, result.output
    compile(result.stdout, "__main__.py", "exec")
    assert "from alertsite_pulumi import EmailRoundTripMonitor" in result.stdout
    calls = program_calls(result.stdout)
    live = live_values(admin_env)
    assert sorted(values["adopt_monitor_id"] for _, values, _ in calls) == sorted(fifty)
    for resource_name, values, password in calls:
        monitor_id = values.pop("adopt_monitor_id")
        assert values == live[monitor_id]
        # The password is looked up by resource name in the secret stack config, never written.
        assert password is not None
        assert ast.unparse(password) == f"mailbox_passwords.get({resource_name!r})"
    assert len({name for name, _, _ in calls}) == MONITORS
    assert "mailbox-secret" not in result.output


def test_adopting_the_export_writes_nothing_and_finds_no_change(
    admin_env: EmulatorControl, fifty: list[str], run: Run
) -> None:
    entries = stack_entries(run("export").stdout)
    specs = monitor_specs({}, entries)  # what the root project's program makes of them
    provider = EmailRoundTripMonitorProvider()
    client = AlertSiteClient(resolve_settings(), share_login=False)
    admin_env.reset_requests()

    for spec in specs:
        inputs = {k: v for k, v in spec.items() if k != "resource_name"}
        checked = provider.check({}, inputs)
        assert checked.failures == []
        # The steps of the provider's create when it adopts: read, compare, store.
        adopted = adopt(client, checked.inputs)
        assert adopted is not None
        monitor_id, live = adopted
        assert monitor_id == spec["adopt_monitor_id"]
        assert changed_against(live, checked.inputs) == {}
        assert changed_fields(outputs(live, checked.inputs), checked.inputs) == []

    counts = admin_env.requests()["by_endpoint"]
    assert counts["update"] == 0 and counts["create"] == 0
    assert counts["get"] == MONITORS


def test_clashing_names_get_the_monitor_id_appended(admin_env: EmulatorControl, run: Run) -> None:
    ids = seed(admin_env, [
        monitor_body(1, name="Support mailbox"),
        monitor_body(2, name="Support mailbox"),
        monitor_body(3, name="support -- MAILBOX!"),
        monitor_body(4, name="Ünïcödé mailbox"),
        monitor_body(5, name="!!!"),
    ])

    entries = stack_entries(run("export").stdout)

    names = {e["adopt_monitor_id"]: e["resource_name"] for e in entries}
    assert names == {
        ids[0]: "support-mailbox",
        ids[1]: f"support-mailbox-{ids[1]}",
        ids[2]: f"support-mailbox-{ids[2]}",
        ids[3]: "unicode-mailbox",
        ids[4]: "monitor",
    }
    python_names = [name for name, _, _ in program_calls(run("export", "--format", "python").stdout)]
    assert python_names == [names[i] for i in ids]


def test_slugs_are_lowercase_words_joined_by_dashes() -> None:
    assert slugify("Support mailbox (EU) #2") == "support-mailbox-eu-2"
    assert slugify("  ") == "monitor"
    assert len(slugify("x" * 300)) == 60


def test_refuses_to_overwrite_a_file_without_force(admin_env: EmulatorControl, run: Run,
                                                   tmp_path: Path) -> None:
    seed(admin_env, [monitor_body(1)])
    target = tmp_path / "Pulumi.dev.yaml"
    target.write_text("keep me\n")
    admin_env.reset_requests()

    refused = run("export", "--output", str(target))

    assert refused.exit_code == 1
    assert "exists; pass --force" in refused.stderr
    assert target.read_text() == "keep me\n"
    assert admin_env.requests()["total"] == 0  # refused before reading the account

    forced = run("export", "--output", str(target), "--force")

    assert forced.exit_code == 0, forced.output
    assert forced.stdout == ""
    assert [e["name"] for e in stack_entries(target.read_text())] == ["Mailbox 001"]
    assert target.read_text().startswith("# Pulumi.dev.yaml of Pulumi project")  # stack from file name
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_a_directory_output_names_the_file_after_the_stack(admin_env: EmulatorControl, run: Run,
                                                           tmp_path: Path) -> None:
    seed(admin_env, [monitor_body(1)])

    nameless = run("export", "--output", str(tmp_path))
    yaml_result = run("export", "--output", str(tmp_path), "--stack", "prod", "--project", "mail")
    python_result = run("export", "--output", str(tmp_path), "--format", "python")

    assert nameless.exit_code == 2 and "--stack" in nameless.stderr
    assert yaml_result.exit_code == 0 and python_result.exit_code == 0
    assert len(stack_entries((tmp_path / "Pulumi.prod.yaml").read_text(), project="mail")) == 1
    assert len(program_calls((tmp_path / "__main__.py").read_text())) == 1


def test_values_the_resource_would_refuse_are_left_out_with_a_warning(
    admin_env: EmulatorControl, run: Run
) -> None:
    [monitor_id] = seed(admin_env, [monitor_body(1, interval=7, mode="Sideways")])

    result = run("export")

    assert result.exit_code == 0, result.output
    [entry] = stack_entries(result.stdout)
    assert "interval" not in entry and "mode" not in entry
    assert entry["timeout"] == monitor_body(1)["timeout"]
    assert (f"warning: monitor {monitor_id} (mailbox-001): interval 7 is not one of 5, 10" in result.stderr)
    assert ("mode 'Sideways' is not one of Primary" in result.stderr)
    assert result.stderr.count("left out of the program, so AlertSite keeps it and the first `up` "
                               "does not change it") == 2
    assert "changes nothing in AlertSite." in result.stdout  # nothing replaced
    checked = EmailRoundTripMonitorProvider().check(
        {}, {k: v for k, v in entry.items() if k != "resource_name"})
    assert checked.failures == []


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_names_that_cannot_be_kept_are_replaced_and_each_rename_is_announced(
    admin_env: EmulatorControl, run: Run, fmt: str
) -> None:
    odd = ["", "   ", "x" * 256, "y" * 10_240, "Mail\x00box"]
    ids = seed(admin_env, [monitor_body(i, name=name) for i, name in enumerate(odd)])

    result = run("export", "--format", fmt)

    assert result.exit_code == 0, result.output
    if fmt == "python":
        written = {values["adopt_monitor_id"]: (rname, values["name"])
                   for rname, values, _ in program_calls(result.stdout)}
    else:
        written = {e["adopt_monitor_id"]: (e["resource_name"], e["name"])
                   for e in stack_entries(result.stdout)}
    assert written == {
        ids[0]: ("monitor", "monitor"),
        ids[1]: (f"monitor-{ids[1]}", f"monitor-{ids[1]}"),
        ids[2]: ("x" * 60, "x" * 255),
        ids[3]: ("y" * 60, "y" * 255),
        ids[4]: ("mail-box", "Mailbox"),
    }
    lines = warnings(result.stderr)
    assert lines == [
        f"warning: monitor {ids[0]} (monitor): name '' cannot be kept (must not be empty); the first "
        "`up` will rename it to 'monitor' (its resource name)",
        f"warning: monitor {ids[1]} (monitor-{ids[1]}): name '   ' cannot be kept (must not be empty); "
        f"the first `up` will rename it to 'monitor-{ids[1]}' (its resource name)",
        f"warning: monitor {ids[2]} ({'x' * 60}): name '{'x' * 59}... (256 characters) cannot be kept "
        "(is 256 characters long; at most 255 are allowed); the first `up` will rename it to "
        f"'{'x' * 59}... (255 characters), keeping its first 255 characters",
        f"warning: monitor {ids[3]} ({'y' * 60}): name '{'y' * 59}... (10240 characters) cannot be kept "
        "(is 10240 characters long; at most 255 are allowed); the first `up` will rename it to "
        f"'{'y' * 59}... (255 characters), keeping its first 255 characters",
        f"warning: monitor {ids[4]} (mail-box): name 'Mail\\x00box' cannot be kept (holds the control "
        "character U+0000 at character 5; only tab and line breaks are allowed); the first `up` will "
        "rename it to 'Mailbox', without its control characters",
    ]
    assert "\x00" not in result.output
    assert "changes nothing in AlertSite but the 5 replaced value(s) listed below" in result.stdout
    # The same lines in the written file, as comments.
    assert sum(line.split("warning: ", 1)[1] in result.stdout for line in lines) == 5


def test_every_field_that_cannot_be_kept_is_left_out_and_named_with_a_short_value(
    admin_env: EmulatorControl, run: Run
) -> None:
    [monitor_id] = seed(admin_env, [monitor_body(
        1, note="n" * 300, alert_note="a" * 10_240, email="a..b@example.com", email_username="rt\x01",
        billing_plancode="UBM - A/A\x00", custom_properties=[{"id": "1", "bogus": "x"}])])

    result = run("export")

    assert result.exit_code == 0, result.output
    [entry] = stack_entries(result.stdout)
    left_out = ("note", "alert_note", "email", "email_username", "billing_plancode", "custom_properties")
    assert not set(left_out) & set(entry)
    lines = warnings(result.stderr)
    assert len(lines) == len(left_out)
    for name, line in zip(sorted(left_out, key=list(FIELDS).index), lines, strict=True):
        assert line.startswith(f"warning: monitor {monitor_id} (mailbox-001): {name} "), line
        assert line.endswith(f"left out of the program, so AlertSite keeps it and the first `up` does "
                             f"not change it (Pulumi does not manage {name})"), line
        assert len(line) < 400, line
    assert "(10240 characters)" in result.stderr and "\x00" not in result.output
    checked = EmailRoundTripMonitorProvider().check(
        {}, {k: v for k, v in entry.items() if k != "resource_name"})
    assert checked.failures == []


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_a_login_in_a_server_url_is_masked_and_removed(admin_env: EmulatorControl, run: Run,
                                                      fmt: str) -> None:
    [monitor_id] = seed(admin_env, [monitor_body(
        1, pop3_hostname="pop3://rt1:TopSecret99@pop.example.com:1",
        smtp_hostname="smtp://relay-user:Hunter2@bad host")])

    result = run("export", "--format", fmt)

    assert result.exit_code == 0, result.output
    assert "TopSecret99" not in result.output and "Hunter2" not in result.output
    assert "rt1" not in result.output and "relay-user" not in result.output
    lines = warnings(result.stderr)
    assert lines == [
        f"warning: monitor {monitor_id} (mailbox-001): smtp_hostname 'smtp://***@bad host': "
        "must not carry credentials in the URL; use email_username and email_password; left out of "
        "the program, so AlertSite keeps it and the first `up` does not change it (Pulumi does not "
        "manage smtp_hostname)",
        f"warning: monitor {monitor_id} (mailbox-001): pop3_hostname 'pop3://***@pop.example.com:1' "
        "cannot be kept (must not carry credentials in the URL; use email_username and "
        "email_password); the first `up` will change it to 'pop3://pop.example.com:1', without the "
        "login; put the login in email_username and the password in mailboxPasswords (a secret)",
    ]
    if fmt == "python":
        [(_, values, _)] = program_calls(result.stdout)
    else:
        [values] = stack_entries(result.stdout)
    assert values["pop3_hostname"] == "pop3://pop.example.com:1"
    assert "smtp_hostname" not in values


def test_multiline_and_quoted_text_survives_both_formats(admin_env: EmulatorControl, run: Run) -> None:
    tricky = "line one\n  indented: value\n- dash\n\"double\" 'single' \\back\ttab ünï"
    seed(admin_env, [monitor_body(1, alert_note=tricky, note="# not a comment")])

    [entry] = stack_entries(run("export").stdout)
    [(_, values, _)] = program_calls(run("export", "--format", "python").stdout)

    assert entry["alert_note"] == tricky and values["alert_note"] == tricky
    assert entry["note"] == "# not a comment" and values["note"] == "# not a comment"


def test_progress_lines_for_a_large_account(admin_env: EmulatorControl, run: Run) -> None:
    seed(admin_env, [monitor_body(i) for i in range(120)])

    result = run("export", "--parallel", "8")

    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("exported ")]
    assert progress == ["exported 50/120", "exported 100/120", "exported 120/120 round-trip monitors"]
    assert len(stack_entries(result.stdout)) == 120


def unwritable_targets(tmp_path: Path) -> dict[str, list[str]]:
    """Output places the export cannot write to, even as root, with the options naming them."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory\n")
    (tmp_path / "project" / "__main__.py").mkdir(parents=True)
    return {
        "under a regular file": ["-o", str(a_file / "Pulumi.dev.yaml")],
        "in a missing directory": ["-o", str(tmp_path / "missing" / "Pulumi.dev.yaml")],
        "a directory where the file goes": ["--format", "python", "-o", str(tmp_path / "project"),
                                            "--force"],
        # procfs (Linux, where the tests run) takes no new file, whoever asks: a place whose
        # parent exists and is not writable, even for root.
        "a directory that takes no file": ["-o", "/proc/alertsite-export-test.yaml"],
    }


@pytest.mark.parametrize("case", ["under a regular file", "in a missing directory",
                                  "a directory where the file goes", "a directory that takes no file"])
def test_an_unwritable_output_is_one_line_before_any_request(admin_env: EmulatorControl, run: Run,
                                                             tmp_path: Path, case: str) -> None:
    seed(admin_env, [monitor_body(1)])
    targets = unwritable_targets(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    admin_env.reset_requests()

    result = run("export", *targets[case])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, no temporary file left
    assert admin_env.requests()["total"] == 0  # refused before reading the account


def test_a_failed_export_leaves_the_existing_file_whole(admin_env: EmulatorControl, run: Run,
                                                        tmp_path: Path) -> None:
    seed(admin_env, [monitor_body(1)])
    target = tmp_path / "Pulumi.dev.yaml"
    target.write_text("keep me\n")
    admin_env.set_faults([{"endpoint": "list", "kind": "status", "status": 403}])

    result = run("export", "-o", str(target), "--force")

    assert result.exit_code == 1
    assert target.read_text() == "keep me\n"
    assert list(tmp_path.iterdir()) == [target]


def test_an_output_through_a_symlink_writes_the_linked_file(admin_env: EmulatorControl, run: Run,
                                                            tmp_path: Path) -> None:
    seed(admin_env, [monitor_body(1)])
    real = tmp_path / "shared" / "Pulumi.dev.yaml"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "Pulumi.dev.yaml"
    link.symlink_to(real)

    result = run("export", "-o", str(link), "--force")

    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert [e["name"] for e in stack_entries(real.read_text())] == ["Mailbox 001"]


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_a_login_a_url_parser_would_not_see_is_never_written(admin_env: EmulatorControl, run: Run,
                                                             fmt: str) -> None:
    # '/', '#' or a third slash end the userinfo for a URL parser; the password is still there.
    [monitor_id] = seed(admin_env, [monitor_body(
        1, pop3_hostname="pop3://rt1:Top/Secret#99@pop.example.com:1",
        smtp_hostname="smtp:///relay:Hunter2@smtp.example.com")])

    result = run("export", "--format", fmt)

    assert result.exit_code == 0, result.output
    assert "Secret" not in result.output and "rt1" not in result.output
    assert "Hunter2" not in result.output and "relay" not in result.output
    lines = warnings(result.stderr)
    assert len(lines) == 2 and all(line.startswith(f"warning: monitor {monitor_id} ") for line in lines)
    assert "smtp_hostname 'smtp://***@smtp.example.com'" in lines[0]
    assert "pop3_hostname 'pop3://***@pop.example.com:1'" in lines[1]


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_a_name_with_a_lone_surrogate_is_replaced_once(admin_env: EmulatorControl, run: Run,
                                                       fmt: str) -> None:
    # JSON can carry "\ud800"; the resource refuses it (not valid Unicode), and so must the export.
    ids = seed(admin_env, [monitor_body(1, name="Mail\ud800box", note="n\udfff")])

    result = run("export", "--format", fmt)

    assert result.exit_code == 0, result.output
    lines = warnings(result.stderr)
    assert len(lines) == 2, lines
    assert lines[0] == (
        f"warning: monitor {ids[0]} (mailbox): name 'Mail\\ud800box' cannot be kept (holds a lone "
        "surrogate (text that is not valid Unicode)); the first `up` will rename it to 'Mailbox', "
        "without its lone surrogates")
    assert lines[1].startswith(f"warning: monitor {ids[0]} (mailbox): note 'n\\udfff': holds a lone")
    if fmt == "python":
        [(_, values, _)] = program_calls(result.stdout)
    else:
        [values] = stack_entries(result.stdout)
    assert values["name"] == "Mailbox" and "note" not in values
    checked = EmailRoundTripMonitorProvider().check(
        {}, {k: v for k, v in values.items() if k != "resource_name"})
    assert checked.failures == []


#: Live POP3 URLs with a login: (url, what the export writes, or None when it leaves it out).
ODD_LOGIN_URLS = [
    ("pop3://rt1:@pop.example.com", "pop3://pop.example.com"),  # empty password
    ("pop3://rt1%40corp:Top%3ASecret99@x@pop.example.com", "pop3://pop.example.com"),
    ("pop3s://rt1:TopSecret99@[2001:db8::1]:995", "pop3s://[2001:db8::1]:995"),
    ("POP3S://rt1:TopSecret99@pop.example.com", None),  # upper case: no valid URL without it
]


def test_odd_logins_in_a_url_are_removed_or_left_out_and_never_shown(
        admin_env: EmulatorControl, run: Run) -> None:
    ids = seed(admin_env, [monitor_body(i, pop3_hostname=url) for i, (url, _) in enumerate(ODD_LOGIN_URLS)])

    for fmt in ("stack-config", "python"):
        result = run("export", "--format", fmt)

        assert result.exit_code == 0, result.output
        assert "Secret99" not in result.output and "rt1" not in result.output
        entries = ([v for _, v, _ in program_calls(result.stdout)] if fmt == "python"
                   else stack_entries(result.stdout))
        written = {e["adopt_monitor_id"]: e.get("pop3_hostname") for e in entries}
        assert written == {i: after for i, (_, after) in zip(ids, ODD_LOGIN_URLS, strict=True)}
        assert len(warnings(result.stderr)) == len(ODD_LOGIN_URLS)


@pytest.mark.parametrize("fmt", ["stack-config", "python"])
def test_bidi_and_zero_width_characters_are_written_escaped(admin_env: EmulatorControl, run: Run,
                                                            fmt: str) -> None:
    # A right-to-left override in a string reverses how the rest of the line reads in a review
    # ("Trojan Source"); the file must show it as an escape and still hold the same text.
    name = "Mailbox \u202e)\"lanigiro\"(\u202c \u200b\u200f"
    note = "é ünï \U0001f4ec, line\u2028separator"
    seed(admin_env, [monitor_body(1, name=name, note=note)])

    result = run("export", "--format", fmt)

    assert result.exit_code == 0, result.output
    for char in "\u202e\u202c\u200b\u200f\u2028":
        assert char not in result.stdout, repr(char)
    [values] = ([v for _, v, _ in program_calls(result.stdout)] if fmt == "python"
                else stack_entries(result.stdout))
    assert values["name"] == name and values["note"] == note
