"""Logins, tokens, roles: POST /access-tokens and the 401/403 answers."""

from __future__ import annotations

import re
import time

import requests

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import AUTH_FAILED_BODY, INVALID_TOKEN_BODY, Api


def test_login_answers_a_32_hex_bearer_token(api: Api) -> None:
    response = api.login()
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["access_token"])
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600


def test_each_login_gives_a_new_token(api: Api) -> None:
    first = api.login().json()["access_token"]
    second = api.login().json()["access_token"]
    assert first != second


def test_wrong_password_is_400_with_alertsite_message(api: Api) -> None:
    response = api.login(password="not-the-password")
    assert response.status_code == 400
    assert response.json() == AUTH_FAILED_BODY


def test_unknown_user_and_missing_fields_are_400(api: Api) -> None:
    assert api.login(username="nobody@example.com").json() == AUTH_FAILED_BODY
    response = api.session.post(f"{api.url}/access-tokens", json={"username": "x"}, timeout=5)
    assert response.status_code == 400
    assert response.json() == AUTH_FAILED_BODY


def test_missing_unknown_or_non_bearer_token_is_401(api: Api) -> None:
    url = f"{api.url}/monitors"
    for headers in ({}, {"Authorization": "Bearer " + "0" * 32}, {"Authorization": "Basic eDp5"}):
        response = requests.get(url, headers=headers, timeout=5)
        assert response.status_code == 401, headers
        assert response.json() == INVALID_TOKEN_BODY


def test_token_expires_after_its_lifetime(emulator: EmulatorControl, api: Api) -> None:
    emulator.update_settings(token_lifetime_s=0.4)
    assert api.login().json()["expires_in"] == 1
    assert api.list_monitors().status_code == 200
    time.sleep(0.6)
    expired = api.list_monitors()
    assert expired.status_code == 401
    assert expired.json() == INVALID_TOKEN_BODY
    assert api.login().status_code == 200
    assert api.list_monitors().status_code == 200


def test_expire_tokens_now(emulator: EmulatorControl, api: Api) -> None:
    api.login()
    assert api.list_monitors().status_code == 200
    assert emulator.expire_tokens() == 1
    assert api.list_monitors().status_code == 401


def test_periodic_token_expiry(emulator: EmulatorControl, api: Api) -> None:
    emulator.set_faults([], token_expiry_every_s=0.5)
    assert emulator.faults()["token_expiry_every_s"] == 0.5
    api.login()
    assert api.list_monitors().status_code == 200
    time.sleep(0.6)
    assert api.list_monitors().status_code == 401
    api.login()
    assert api.list_monitors().status_code == 200


def test_read_only_user_can_read_but_not_write(api: Api, viewer: Api) -> None:
    monitor_id = api.create_id()
    assert viewer.get(monitor_id).status_code == 200
    assert viewer.monitor(monitor_id)["access_type"] == "View"
    assert api.monitor(monitor_id)["access_type"] == "Edit"
    for response in (
        viewer.create(),
        viewer.create(name=""),  # the role is checked before the body
        viewer.patch(monitor_id, {"name": "renamed"}),
        viewer.delete(monitor_id),
    ):
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == 403
        assert "role" in response.json()["errors"][0]["message"]
    assert api.monitor(monitor_id)["name"] == "mail round trip"


def test_added_users_log_in_with_their_role(emulator: EmulatorControl) -> None:
    emulator.add_user("power@example.com", "power-password", "power-user")
    emulator.add_user("ro@example.com", "ro-password", "read-only")
    assert {"email": "power@example.com", "role": "power-user"} in emulator.users()
    assert all("password" not in u for u in emulator.users())
    assert Api(emulator.api_url, ("power@example.com", "power-password")).create().status_code == 200
    assert Api(emulator.api_url, ("ro@example.com", "ro-password")).create().status_code == 403


def test_add_user_refuses_an_unknown_role(emulator: EmulatorControl) -> None:
    response = requests.post(
        f"{emulator.base_url}/_emulator/users",
        json={"email": "x@example.com", "password": "p", "role": "owner"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "role" in response.json()["errors"][0]["message"]
