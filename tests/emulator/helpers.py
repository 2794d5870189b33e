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
REQUIRED = "required and is empty"
"""The one documented field-level message (``POST /notifier-groups``)."""


def valid_recipient(index: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A recipient create body (an e-mail recipient), plus ``overrides``."""
    suffix = "" if index is None else f"-{index}"
    return {"name": f"DevOps{suffix}", "recipient": f"devops{suffix}@example.com", **overrides}


def field_errors(response: requests.Response) -> list[tuple[list[str], str]]:
    """The (fields, message) of each entry of a 400 with field-level errors, after checking
    the shape: every entry has code 400, a ``fields`` list and a message."""
    assert response.status_code == 400, response.text
    entries = response.json()["errors"]
    assert entries
    for entry in entries:
        assert set(entry) == {"code", "fields", "message"}
        assert entry["code"] == 400 and isinstance(entry["fields"], list)
    return [(e["fields"], e["message"]) for e in entries]



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

    def create_recipient(self, index: int | None = None, **fields: Any) -> int:
        """``POST /recipients`` of a valid recipient; its id (answered as a string) as an int."""
        response = self.request("POST", "/recipients", json=valid_recipient(index, **fields))
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"id"} and isinstance(response.json()["id"], str)
        return int(response.json()["id"])

    def recipient(self, recipient_id: int | str) -> dict[str, Any]:
        response = self.request("GET", f"/recipients/{recipient_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_group(self, monitors: list[int], recipients: list[int], **fields: Any) -> int:
        """``POST /notifier-groups``; its id (answered as a string) as an int."""
        body = {"name": "alerts", "monitors": [{"id": m} for m in monitors],
                "recipients": [{"id": r} for r in recipients], **fields}
        response = self.request("POST", "/notifier-groups", json=body)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"id"} and isinstance(response.json()["id"], str)
        return int(response.json()["id"])

    def group(self, group_id: int | str) -> dict[str, Any]:
        response = self.request("GET", f"/notifier-groups/{group_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def messages(self, response: requests.Response) -> list[str]:
        """The messages of an errors body, after checking each code matches the status."""
        entries = response.json()["errors"]
        assert entries and all(e["code"] == response.status_code for e in entries)
        return [e["message"] for e in entries]
