"""The Python SDK (pulumi_alertsite) holds to the schema: the same inputs, outputs and settings."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pulumi_alertsite
from alertsite_pulumi.config import DEFAULT_MAX_CONCURRENCY, SETTINGS, Settings
from alertsite_pulumi.fields import FIELDS
from alertsite_pulumi.native import build_schema, package_version
from alertsite_pulumi.tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE
from pulumi_alertsite import (
    EmailRoundTripMonitor,
    EmailRoundTripMonitorArgs,
    Provider,
    ProviderArgs,
    _utilities,
)

SCHEMA = build_schema()
RESOURCE = SCHEMA["resources"][NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE]


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def keyword_names(function: object) -> set[str]:
    return {name for name, p in inspect.signature(function).parameters.items()  # type: ignore[arg-type]
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_args_take_every_schema_input() -> None:
    assert keyword_names(EmailRoundTripMonitorArgs.__init__) == set(RESOURCE["inputProperties"])
    assert set(FIELDS) <= set(RESOURCE["inputProperties"])


def test_resource_has_an_output_for_every_schema_property() -> None:
    getters = {name for name, value in vars(EmailRoundTripMonitor).items() if isinstance(value, property)}
    assert getters == set(RESOURCE["properties"])


def test_provider_takes_every_setting() -> None:
    expected = {snake(k) for k in SCHEMA["provider"]["inputProperties"]}
    assert keyword_names(ProviderArgs.__init__) == expected
    assert "base_url" in expected and "password" in expected


def test_sdk_version_and_plugin_file_match_the_package() -> None:
    assert _utilities.get_version() == package_version()  # type: ignore[no-untyped-call]
    plugin = json.loads((Path(pulumi_alertsite.__file__).parent / "pulumi-plugin.json").read_text())
    assert plugin == {"resource": True, "name": "alertsite", "version": package_version()}


def test_every_function_has_a_look_up_taking_name_or_id_and_a_result_property_per_output() -> None:
    for token, function in SCHEMA["functions"].items():
        module = snake(token.rsplit(":", 1)[-1])  # getRecipientGroup -> get_recipient_group
        for call in (getattr(pulumi_alertsite, module), getattr(pulumi_alertsite, f"{module}_output")):
            assert set(inspect.signature(call).parameters) == {"name", "id", "opts"}, token
        function_name = token.rsplit(":", 1)[-1]
        result = getattr(pulumi_alertsite, function_name[:1].upper() + function_name[1:] + "Result")
        getters = {name for name, value in vars(result).items() if isinstance(value, property)}
        assert getters == set(function["outputs"]["properties"]), token
    assert {"get_recipient", "get_recipient_group", "get_monitor"} <= set(dir(pulumi_alertsite))


def test_sdk_conventions() -> None:
    params = list(inspect.signature(EmailRoundTripMonitor.__init__).parameters)
    assert params[:2] == ["__self__", "resource_name"]
    assert list(inspect.signature(EmailRoundTripMonitor.get).parameters)[:2] == ["resource_name", "id"]
    provider_source = inspect.getsource(Provider._internal_init)
    assert "pulumi.Output.secret(password)" in provider_source
    assert "pulumi.Output.secret(access_token)" in provider_source


def test_schema_marks_secrets_and_makes_name_optional() -> None:
    assert RESOURCE["inputProperties"]["email_password"]["secret"] is True
    assert RESOURCE["properties"]["email_password"]["secret"] is True
    assert "name" not in RESOURCE["requiredInputs"]
    assert {"billing_plancode", "email", "smtp_hostname", "pop3_hostname"} <= set(RESOURCE["requiredInputs"])
    assert SCHEMA["config"]["variables"]["password"]["secret"] is True
    assert "password" not in SCHEMA["provider"]["properties"]  # never an output of the provider


def test_the_checked_in_sdk_is_what_the_schema_generates() -> None:
    # scripts/gen-sdk builds the pinned release's Python code generator (engine/sdkgen) with
    # `go`, which the engine's own build needs too, and compares its output with pulumi_alertsite/.
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(["bash", str(repo / "scripts" / "gen-sdk"), "--check"], capture_output=True,
                          text=True, timeout=900, check=False,
                          env={**os.environ, "PYTHON": sys.executable})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "matches the schema" in done.stdout


def test_setting_descriptions_and_defaults_come_from_the_settings_table() -> None:
    """Each provider setting's schema entry is made from ``config.SETTINGS`` (its doc, its keys)
    and ``Settings`` (its default and type), so that a setting changed there changes the schema."""
    settings = build_schema()["provider"]["inputProperties"]
    defaults = Settings()
    for setting in SETTINGS:
        prop = settings[setting.config_key.split(":", 1)[1]]
        description = prop["description"]
        assert setting.doc and description.startswith(setting.doc.removesuffix("."))
        assert f"`{setting.config_key}`" in description and f"`{setting.env}`" in description
        default = getattr(defaults, setting.attr)
        if default is not None:
            shown = str(default).lower() if isinstance(default, bool) else (
                f"{default:g}" if isinstance(default, float) else str(default))
            assert f"(default {shown})" in description
        expected = {bool: "boolean", int: "integer", float: "number", str: "string"}
        if default is not None:
            assert prop["type"] == expected[type(default)]
    assert settings["maxConcurrency"]["description"].startswith(
        f"API calls the plugin serves at once (default {DEFAULT_MAX_CONCURRENCY})")
