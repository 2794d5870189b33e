"""A small client for the emulator's control surface (``/_emulator/...``), for tests and
benchmarks. It never touches the AlertSite paths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

JsonObject = dict[str, Any]


class EmulatorControl:
    """Drive an emulator at ``base_url`` (``http://127.0.0.1:PORT``, no API prefix).

    Every method raises ``requests.HTTPError`` when the emulator refuses the call.
    """

    def __init__(self, base_url: str, api_url: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/") if api_url else f"{self.base_url}/api/v3"
        """The AlertSite API root served by the same emulator."""
        self.timeout = timeout
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"EmulatorControl({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, body: object = None) -> Any:
        response = self._session.request(
            method,
            f"{self.base_url}/_emulator{path}",
            json=body,
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def health(self) -> JsonObject:
        """``GET /_emulator/health``."""
        result: JsonObject = self._call("GET", "/health")
        return result

    def reset(self) -> None:
        """``POST /_emulator/reset``: monitors, recipients, groups, tokens, counters, faults,
        settings and the alert log back to the startup state; users back to the startup users.
        Ids keep counting up."""
        self._call("POST", "/reset")

    def set_faults(
        self,
        rules: Sequence[Mapping[str, Any]],
        seed: int | None = None,
        token_expiry_every_s: float | None = None,
    ) -> JsonObject:
        """``PUT /_emulator/faults``: replace the fault rules (see ``faults.FaultRule``)."""
        body = {"seed": seed, "rules": list(rules), "token_expiry_every_s": token_expiry_every_s}
        result: JsonObject = self._call("PUT", "/faults", body)
        return result

    def faults(self) -> JsonObject:
        """``GET /_emulator/faults``: the rules with their remaining counts."""
        result: JsonObject = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        """``DELETE /_emulator/faults``."""
        self._call("DELETE", "/faults")

    def expire_tokens(self) -> int:
        """``POST /_emulator/expire-tokens``: every token is now invalid; returns how many."""
        return int(self._call("POST", "/expire-tokens")["expired"])

    def settings(self) -> JsonObject:
        """``GET /_emulator/settings``."""
        result: JsonObject = self._call("GET", "/settings")
        return result

    def update_settings(self, **changes: Any) -> JsonObject:
        """``PATCH /_emulator/settings``; returns the settings now in force."""
        result: JsonObject = self._call("PATCH", "/settings", changes)
        return result

    def monitors(self) -> list[JsonObject]:
        """``GET /_emulator/monitors``: stored monitors, canonical values; a password set shows
        as ``[secret]`` (see :meth:`password_matches`)."""
        return list(self._call("GET", "/monitors")["monitors"])

    def monitor(self, monitor_id: str) -> JsonObject:
        """``GET /_emulator/monitors/{id}``: one stored monitor, its password ``[secret]``."""
        result: JsonObject = self._call("GET", f"/monitors/{monitor_id}")
        return result

    def edit_monitor(self, monitor_id: str, **fields: Any) -> JsonObject:
        """``PATCH /_emulator/monitors/{id}``: an out-of-band edit (no validation; a None
        value removes the field)."""
        result: JsonObject = self._call("PATCH", f"/monitors/{monitor_id}", fields)
        return result

    def password_matches(self, monitor_id: str, password: str) -> bool:
        """``POST /_emulator/monitors/{id}/password-check``: whether the stored mailbox password
        is ``password`` (the control surface never shows it)."""
        return bool(self._call("POST", f"/monitors/{monitor_id}/password-check",
                               {"email_password": password})["matches"])

    def delete_monitor(self, monitor_id: str) -> None:
        """``DELETE /_emulator/monitors/{id}``: an out-of-band delete."""
        self._call("DELETE", f"/monitors/{monitor_id}")

    def seed_monitor(self, monitor: Mapping[str, Any]) -> str:
        """``POST /_emulator/monitors``: store a monitor as given; returns its id."""
        return str(self._call("POST", "/monitors", dict(monitor))["id"])

    def recipients(self) -> list[JsonObject]:
        """``GET /_emulator/recipients``: stored recipients, integer ids, canonical values; a
        password set shows as ``[secret]`` (see :meth:`recipient_password_matches`)."""
        return list(self._call("GET", "/recipients")["recipients"])

    def recipient(self, recipient_id: str | int) -> JsonObject:
        """``GET /_emulator/recipients/{id}``: one stored recipient, its password ``[secret]``."""
        result: JsonObject = self._call("GET", f"/recipients/{recipient_id}")
        return result

    def edit_recipient(self, recipient_id: str | int, **fields: Any) -> JsonObject:
        """``PATCH /_emulator/recipients/{id}``: an out-of-band edit (no validation; a None
        value removes the field)."""
        result: JsonObject = self._call("PATCH", f"/recipients/{recipient_id}", fields)
        return result

    def delete_recipient(self, recipient_id: str | int) -> None:
        """``DELETE /_emulator/recipients/{id}``: an out-of-band delete (out of its groups too)."""
        self._call("DELETE", f"/recipients/{recipient_id}")

    def seed_recipient(self, recipient: Mapping[str, Any]) -> str:
        """``POST /_emulator/recipients``: store a recipient as given (defaults filled, nothing
        checked, a PagerDuty one too); returns its id."""
        return str(self._call("POST", "/recipients", dict(recipient))["id"])

    def recipient_password_matches(self, recipient_id: str | int, password: str) -> bool:
        """``POST /_emulator/recipients/{id}/password-check``: whether the stored password is
        ``password``."""
        return bool(self._call("POST", f"/recipients/{recipient_id}/password-check",
                               {"password": password})["matches"])

    def recipient_groups(self) -> list[JsonObject]:
        """``GET /_emulator/recipient-groups``: stored groups, every array a list of integer ids
        (``monitor_steps`` keeps the step numbers)."""
        return list(self._call("GET", "/recipient-groups")["groups"])

    def recipient_group(self, group_id: str | int) -> JsonObject:
        """``GET /_emulator/recipient-groups/{id}``."""
        result: JsonObject = self._call("GET", f"/recipient-groups/{group_id}")
        return result

    def edit_recipient_group(self, group_id: str | int, **fields: Any) -> JsonObject:
        """``PATCH /_emulator/recipient-groups/{id}``: an out-of-band edit, nothing checked
        (arrays as ids or ``{"id"}`` objects; a None value removes the field)."""
        result: JsonObject = self._call("PATCH", f"/recipient-groups/{group_id}", fields)
        return result

    def delete_recipient_group(self, group_id: str | int) -> None:
        """``DELETE /_emulator/recipient-groups/{id}``."""
        self._call("DELETE", f"/recipient-groups/{group_id}")

    def seed_recipient_group(self, group: Mapping[str, Any]) -> str:
        """``POST /_emulator/recipient-groups``: store a group as given; returns its id."""
        return str(self._call("POST", "/recipient-groups", dict(group))["id"])

    def clock(self) -> JsonObject:
        """``GET /_emulator/clock``: the emulator's clock (``now`` UTC, ``offset_seconds``,
        ``time_zone`` and ``local_now`` as blackout times are read)."""
        result: JsonObject = self._call("GET", "/clock")
        return result

    def advance_clock(self, seconds: float) -> JsonObject:
        """``POST /_emulator/clock``: move the emulator's clock forward (not the tokens')."""
        result: JsonObject = self._call("POST", "/clock", {"advance_seconds": seconds})
        return result

    def blackouts(self) -> JsonObject:
        """``GET /_emulator/blackouts``: every stored blackout, and those active now."""
        result: JsonObject = self._call("GET", "/blackouts")
        return result

    def requests(self) -> JsonObject:
        """``GET /_emulator/requests``: counts of AlertSite calls since the last reset."""
        result: JsonObject = self._call("GET", "/requests")
        return result

    def reset_requests(self) -> None:
        """``DELETE /_emulator/requests``."""
        self._call("DELETE", "/requests")

    def users(self) -> list[JsonObject]:
        """``GET /_emulator/users``: emails and roles (no passwords)."""
        return list(self._call("GET", "/users")["users"])

    def add_user(self, email: str, password: str, role: str = "admin") -> JsonObject:
        """``POST /_emulator/users``: add (or replace) a user."""
        result: JsonObject = self._call(
            "POST", "/users", {"email": email, "password": password, "role": role}
        )
        return result

    def alerts(self) -> list[JsonObject]:
        """``GET /_emulator/alerts``: the alerts ``--run-monitors`` sent, failed to send or only
        recorded, oldest first (no password; a login in a webhook URL masked)."""
        return list(self._call("GET", "/alerts")["alerts"])

    def clear_alerts(self) -> None:
        """``DELETE /_emulator/alerts``."""
        self._call("DELETE", "/alerts")

    def openapi(self) -> JsonObject:
        """``GET /_emulator/openapi.json``: the OpenAPI description of the AlertSite subset."""
        result: JsonObject = self._call("GET", "/openapi.json")
        return result
