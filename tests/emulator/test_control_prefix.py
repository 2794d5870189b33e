"""The control surface lives under /_emulator/ and never under the API prefix: a client given
the API's base URL can neither reach nor trigger it (the README's emulator section)."""

from __future__ import annotations

import requests

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import Api


def test_the_control_surface_is_never_under_the_api_prefix(emulator: EmulatorControl, api: Api) -> None:
    monitor_id = api.create_id()
    token = api.login().json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    attempts = [("GET", "/_emulator/health"), ("GET", "/_emulator/monitors"),
                ("DELETE", "/_emulator/requests"), ("POST", "/_emulator/reset"),
                ("DELETE", f"/_emulator/monitors/{monitor_id}")]
    for method, path in attempts:
        answer = requests.request(method, f"{emulator.api_url}{path}", headers=headers, timeout=5)
        assert answer.status_code in (404, 405), (method, path, answer.status_code)
        assert "errors" in answer.json()
        # The same path under the emulator's root is the control surface (reads only here).
        if method == "GET":
            assert requests.get(f"{emulator.base_url}{path}", timeout=5).status_code == 200
    assert [str(m["id"]) for m in emulator.monitors()] == [monitor_id]  # nothing reset or deleted
