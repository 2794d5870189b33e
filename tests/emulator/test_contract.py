"""Contract: generated requests (valid and invalid) against the OpenAPI description the
emulator serves; every answer must conform to it, and none may be a 5xx.

The schemathesis pytest loader ``from_fixture`` does not work with pytest 9 (it writes
``node._nodeid``), so each operation's hypothesis strategy is run directly.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from factories import ADMIN
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import Api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 20


def _run(
    strategy: Any, base_url: str, session: requests.Session, statuses: list[int]
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, timeout=10)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code < 500

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_answers_conform_to_the_served_openapi(emulator: EmulatorControl, mode: Any) -> None:
    api = Api(emulator.api_url)
    monitor_id = api.create_id()
    recipient = api.request("POST", "/recipients", json={"name": "ops", "recipient": "ops@example.com"})
    recipient_id = recipient.json()["id"]
    group = api.request("POST", "/notifier-groups", json={
        "name": "ops", "monitors": [{"id": int(monitor_id)}], "recipients": [{"id": int(recipient_id)}]})
    assert group.status_code == 200, group.text
    test = api.request("GET", "/tests", params={"monitor_id": monitor_id})
    assert test.status_code == 200, test.text
    blackout = api.request("POST", "/blackouts", json={
        "assoc_id": int(monitor_id), "type": "Monitor", "start_day": 2, "start_time": "01:00",
        "end_day": 2, "end_time": "02:00"})
    assert blackout.status_code == 200, blackout.text
    ids = {"/monitors": monitor_id, "/recipients": recipient_id, "/notifier-groups": group.json()["id"],
           "/tests": test.json()["id"], "/blackouts": blackout.json()["id"]}
    assert api.token is not None
    schema = schemathesis.openapi.from_url(f"{emulator.base_url}/_emulator/openapi.json")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.token}"
    statuses: list[int] = []
    results: list[Any] = list(schema.get_all_operations())
    operations = [result.ok() for result in results]
    assert len(operations) == 26
    for operation in operations:
        _run(operation.as_strategy(generation_mode=mode), emulator.api_url, session, statuses)
        if mode == GenerationMode.POSITIVE and "{id}" in operation.path:
            stored = next(i for prefix, i in ids.items() if operation.path.startswith(prefix))
            fixed = operation.as_strategy(path_parameters={"id": stored})
            _run(fixed, emulator.api_url, session, statuses)
        if mode == GenerationMode.POSITIVE and operation.path == "/access-tokens":
            login = {"username": ADMIN[0], "password": ADMIN[1]}
            _run(operation.as_strategy(body=login), emulator.api_url, session, statuses)
    assert 400 in statuses
    if mode == GenerationMode.POSITIVE:
        assert {200, 204, 404} <= set(statuses)


def test_the_checks_catch_an_answer_that_breaks_the_description(
    emulator: EmulatorControl,
) -> None:
    api = Api(emulator.api_url)
    monitor_id = api.create_id()
    emulator.edit_monitor(monitor_id, interval=[15])  # no longer an integer or a string
    schema = schemathesis.openapi.from_url(f"{emulator.base_url}/_emulator/openapi.json")
    operation = schema["/monitors/{id}"]["GET"]
    case = operation.Case(path_parameters={"id": monitor_id})
    response = case.call(
        base_url=emulator.api_url, headers={"Authorization": f"Bearer {api.token}"}, timeout=10
    )
    assert response.status_code == 200
    with pytest.raises(FailureGroup) as caught:
        case.validate_response(response, checks=CHECKS)
    failures: list[Any] = list(caught.value.exceptions)
    assert [type(f).__name__ for f in failures] == ["JsonSchemaError"]
    assert list(failures[0].instance_path) == ["interval"]
