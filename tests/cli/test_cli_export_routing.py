"""`alertsite-pulumi export` of an account's alert routing: recipients and groups adopted by id,
groups referring to the exported monitors and recipients (the engine test runs the result)."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import yaml

from alertsite_pulumi.client import AlertSiteClient
from alertsite_pulumi.config import resolve_settings
from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.export_routing import MONITOR_IDS, RECIPIENT_IDS
from alertsite_pulumi.program import group_specs, recipient_specs
from alertsite_pulumi.provider import AlertRecipientProvider, RecipientGroupProvider
from alertsite_pulumi.resource_types import ALERT_RECIPIENT, RECIPIENT_GROUP

from .cli_helpers import Run, monitor_body, seed

WEBHOOK_PASSWORD = "hook-secret-5c1d"


@pytest.fixture
def account(admin_env: EmulatorControl) -> dict[str, list[str]]:
    """Two monitors, three recipients (one a PagerDuty one, which the API cannot create) and
    two groups, one of them naming a monitor id that is not a round-trip monitor's."""
    monitors = seed(admin_env, [monitor_body(1), monitor_body(2)])
    recipients = [
        admin_env.seed_recipient({"name": "DevOps list", "method_id": 12, "recipient": "devops@example.com",
                                  "notify_on_clear": True}),
        admin_env.seed_recipient({"name": "Chat hook", "method_id": 16, "username": "bot",
                                  "recipient": "https://hooks.example.com/services/T0/B0",
                                  "password": WEBHOOK_PASSWORD}),
        admin_env.seed_recipient({"name": "On call", "method_id": 14, "recipient": "pd-key-1"}),
    ]
    groups = [
        admin_env.seed_recipient_group({"name": "Mail ops", "monitors": [int(monitors[0]), int(monitors[1])],
                                        "recipients": [int(recipients[0]), int(recipients[1])]}),
        admin_env.seed_recipient_group({"name": "Paging", "monitors": [int(monitors[1]), 424242],
                                        "recipients": [int(recipients[2])], "errortypes": [1, 5]}),
    ]
    return {"monitors": monitors, "recipients": recipients, "groups": groups}


def calls_of(source: str, func: str) -> list[tuple[str, dict[str, ast.expr]]]:
    """(resource name, keyword expressions) of every ``func(...)`` call of the program."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == func:
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            out.append((ast.literal_eval(node.args[0]), keywords))
    return out


def assigned(source: str) -> dict[str, str]:
    """variable -> the adopted id of the resource assigned to it."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            (target,) = node.targets
            for keyword in node.value.keywords:
                if keyword.arg in ("adopt_monitor_id", "adopt_recipient_id"):
                    assert isinstance(target, ast.Name)
                    out[target.id] = ast.literal_eval(keyword.value)
    return out


def resolved(expr: ast.expr, variables: dict[str, str]) -> list[str]:
    """A group's list as ids: ``monitor_0.id`` is the id that variable's resource adopts."""
    assert isinstance(expr, ast.List)
    out = []
    for item in expr.elts:
        if isinstance(item, ast.Attribute):
            assert isinstance(item.value, ast.Name) and item.attr == "id"
            out.append(variables[item.value.id])
        else:
            out.append(ast.literal_eval(item))
    return sorted(out)


def test_python_declares_recipients_and_groups_referring_to_the_exported_resources(
        account: dict[str, list[str]], run: Run) -> None:
    result = run("export", "--format", "python")

    assert result.exit_code == 0, result.output
    source = result.stdout
    compile(source, "__main__.py", "exec")
    assert "from alertsite_pulumi import AlertRecipient, EmailRoundTripMonitor, RecipientGroup" in source
    recipients = calls_of(source, "AlertRecipient")
    # The PagerDuty recipient cannot be declared (the API cannot create one): left out, named.
    assert [ast.literal_eval(k["adopt_recipient_id"]) for _, k in recipients] == account["recipients"][:2]
    pagerduty = account["recipients"][2]
    assert (f"warning: recipient {pagerduty} (on-call) is not exported: method_id 14 (pagerduty)"
            in result.stderr)
    for resource_name, keywords in recipients:
        # Never a password: looked up by resource name in the secret config, with a comment why.
        assert ast.unparse(keywords["password"]) == f"recipient_passwords.get({resource_name!r})"
    assert "set it if the recipient has one" in source
    hook = dict(recipients)["chat-hook"]
    assert ast.literal_eval(hook["username"]) == "bot" and ast.literal_eval(hook["method_id"]) == 16

    variables = assigned(source)
    groups = dict(calls_of(source, "RecipientGroup"))
    assert sorted(groups) == ["mail-ops", "paging"]
    m, r = account["monitors"], account["recipients"]
    assert resolved(groups["mail-ops"]["monitors"], variables) == sorted(m)
    assert resolved(groups["mail-ops"]["recipients"], variables) == sorted(r[:2])
    # Ids the export declares nothing for stay literal ids.
    assert resolved(groups["paging"]["monitors"], variables) == sorted([m[1], "424242"])
    assert ast.literal_eval(groups["paging"]["recipients"]) == [pagerduty]
    assert ast.literal_eval(groups["paging"]["errortypes"]) == [1, 5]
    assert WEBHOOK_PASSWORD not in result.output
    assert "exported 2/3 alert recipients, 2/2 recipient groups" in result.stderr


def test_stack_config_names_the_exported_resources_and_keeps_other_ids_apart(
        account: dict[str, list[str]], run: Run) -> None:
    result = run("export", "--stack", "dev")

    assert result.exit_code == 0, result.output
    config = yaml.safe_load(result.stdout)["config"]
    monitor_names = {e["adopt_monitor_id"]: e["resource_name"] for e in config["alertsite-monitors:monitors"]}
    recipients = config["alertsite-monitors:recipients"]
    assert [e["adopt_recipient_id"] for e in recipients] == account["recipients"][:2]
    assert all("password" not in e for e in recipients)
    groups = {e["resource_name"]: e for e in config["alertsite-monitors:recipientGroups"]}
    m = account["monitors"]
    assert sorted(groups["mail-ops"]["monitors"]) == sorted(monitor_names[i] for i in m)
    assert groups["mail-ops"]["recipients"] == ["devops-list", "chat-hook"]
    assert MONITOR_IDS not in groups["mail-ops"] and RECIPIENT_IDS not in groups["mail-ops"]
    assert groups["paging"]["monitors"] == [monitor_names[m[1]]]
    assert groups["paging"][MONITOR_IDS] == ["424242"]
    assert groups["paging"]["recipients"] == []
    assert groups["paging"][RECIPIENT_IDS] == [account["recipients"][2]]
    assert "recipientPasswords.<resource_name>" in result.stdout
    # The root project's program takes every entry as it is.
    specs = group_specs(config["alertsite-monitors:recipientGroups"], set(monitor_names.values()),
                        {e["resource_name"] for e in recipients})
    assert len(specs) == 2 and len(recipient_specs(recipients)) == 2


def test_adopting_the_exported_routing_writes_nothing(account: dict[str, list[str]], run: Run,
                                                      admin_env: EmulatorControl) -> None:
    config = yaml.safe_load(run("export").stdout)["config"]
    ids = {e["resource_name"]: e["adopt_monitor_id"] for e in config["alertsite-monitors:monitors"]}
    ids.update({e["resource_name"]: e["adopt_recipient_id"] for e in config["alertsite-monitors:recipients"]})
    client = AlertSiteClient(resolve_settings(), share_login=False)
    admin_env.reset_requests()
    cases: list[tuple[Any, Any, dict[str, Any]]] = []
    for spec in recipient_specs(config["alertsite-monitors:recipients"]):
        cases.append((AlertRecipientProvider(), ALERT_RECIPIENT, spec))
    for spec in config["alertsite-monitors:recipientGroups"]:
        # What routing_from_config makes of an entry: resource names become those resources' ids.
        spec = {**spec, "monitors": [ids[n] for n in spec["monitors"]] + spec.pop(MONITOR_IDS, []),
                "recipients": [ids[n] for n in spec["recipients"]] + spec.pop(RECIPIENT_IDS, [])}
        cases.append((RecipientGroupProvider(), RECIPIENT_GROUP, spec))

    for provider, kind, spec in cases:
        inputs = {k: v for k, v in spec.items() if k != "resource_name"}
        checked = provider.check({}, inputs)
        assert checked.failures == []
        # The steps of the provider's create when it adopts: read, then PATCH what differs.
        adopted = kind.behaviour.adopt(client, checked.inputs)
        assert adopted is not None
        assert kind.behaviour.adoption_body(adopted[1], checked.inputs) == {}

    counts = admin_env.requests()["by_method_path"]
    assert not [call for call in counts if not call.startswith("GET ") and "access-tokens" not in call]


def test_monitors_only_leaves_the_routing_out(account: dict[str, list[str]], run: Run) -> None:
    for fmt in ("python", "stack-config"):
        result = run("export", "--format", fmt, "--monitors-only")
        assert result.exit_code == 0, result.output
        assert "AlertRecipient" not in result.stdout and "recipientGroups" not in result.stdout
        assert "alert recipients" not in result.stderr


def test_a_group_naming_an_undeclared_resource_is_refused_with_where_ids_go() -> None:
    with pytest.raises(ValueError, match=r"recipientGroups\[0\]\.monitors: \['nope'\] name no resource "
                                         r"of the monitors list .* go in monitor_ids"):
        group_specs([{"name": "g", "monitors": ["nope"], "recipients": ["r"]}], {"m"}, {"r"})
    with pytest.raises(ValueError, match=r"recipients\[0\]: unknown keys \['password'\] \(passwords go "
                                         r"in the secret recipientPasswords map\)"):
        recipient_specs([{"name": "r", "method_id": 12, "recipient": "a@example.com", "password": "x"}])


def test_a_group_alertsite_would_refuse_as_it_stands_is_named_and_not_exported(
        admin_env: EmulatorControl, run: Run) -> None:
    """Deleting a group's last recipient leaves it empty (AlertSite does not cascade); the
    resource refuses an empty list, so the group is left to AlertSite, with a warning."""
    (monitor,) = seed(admin_env, [monitor_body(1)])
    empty = admin_env.seed_recipient_group({"name": "Orphaned", "monitors": [int(monitor)], "recipients": []})

    result = run("export", "--format", "python")

    assert result.exit_code == 0, result.output
    assert calls_of(result.stdout, "RecipientGroup") == []
    assert (f"warning: recipient group {empty} (orphaned) is not exported: recipients must hold at "
            "least one recipient id") in result.stderr
    # The program says so too, where a reviewer reads it.
    assert f"# warning: recipient group {empty} (orphaned) is not exported" in result.stdout
    compile(result.stdout, "__main__.py", "exec")
