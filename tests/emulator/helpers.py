"""A thin AlertSite API caller for the emulator tests (plain ``requests``, no mocks)."""

from __future__ import annotations

from typing import Any

import requests
from factories import ADMIN, valid_monitor

INVALID_TOKEN_BODY = {
    "errors": [
        {"code": 401, "message": "invalid_token - The access token is invalid or has expired."}
    ]
}
AUTH_FAILED_BODY = {
    "errors": [{"code": 400, "message": "invalid_request - User authentication failed."}]
}
NOT_FOUND_BODY = {"errors": [{"code": 404, "message": "Record not found"}]}



class Api:
    """Calls the AlertSite paths of an emulator with one session and one token."""

    def __init__(self, api_url: str, credentials: tuple[str, str] = ADMIN) -> None:
        self.url = api_url
        self.session = requests.Session()
        self.credentials = credentials
        self.token: str | None = None

    def login(self, username: str | None = None, password: str | None = None) -> requests.Response:
        body = {
            "username": username if username is not None else self.credentials[0],
            "password": password if password is not None else self.credentials[1],
        }
        response = self.session.post(f"{self.url}/access-tokens", json=body, timeout=10)
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.token is None:
            assert self.login().status_code == 200
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs
        )

    def create(self, **fields: Any) -> requests.Response:
        return self.request("POST", "/monitors/email-round-trip", json=valid_monitor(**fields))

    def create_id(self, **fields: Any) -> str:
        response = self.create(**fields)
        assert response.status_code == 200, response.text
        monitor_id = response.json()["id"]
        assert isinstance(monitor_id, str)
        return monitor_id

    def get(self, monitor_id: str, **params: str) -> requests.Response:
        return self.request("GET", f"/monitors/{monitor_id}", params=params)

    def monitor(self, monitor_id: str, **params: str) -> dict[str, Any]:
        response = self.get(monitor_id, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def patch(self, monitor_id: str, body: Any) -> requests.Response:
        return self.request("PATCH", f"/monitors/email-round-trip/{monitor_id}", json=body)

    def delete(self, monitor_id: str) -> requests.Response:
        return self.request("DELETE", f"/monitors/{monitor_id}")

    def list_monitors(self, **params: str) -> requests.Response:
        return self.request("GET", "/monitors", params=params)

    def messages(self, response: requests.Response) -> list[str]:
        """The messages of an errors body, after checking each code matches the status."""
        entries = response.json()["errors"]
        assert entries and all(e["code"] == response.status_code for e in entries)
        return [e["message"] for e in entries]
