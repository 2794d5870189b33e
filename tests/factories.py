"""Test factories: valid inputs of every resource type, and the emulator's default users.

``valid_monitor()`` is a create body (the five required fields); ``full_monitor()`` also sets
the usual optional fields. ``email_recipient()`` and ``webhook_recipient()`` are recipients of
the two methods the emulator delivers; ``valid_group()`` routes monitors to recipients. All
take overrides, so a test states only what it varies.
"""

from __future__ import annotations

from typing import Any

from alertsite_pulumi.emulator.model import DEFAULT_USERS

# Taken from the emulator, not restated, so tests follow its defaults.
ADMIN: tuple[str, str] = next((u.email, u.password) for u in DEFAULT_USERS if u.role == "admin")
VIEWER: tuple[str, str] = next((u.email, u.password) for u in DEFAULT_USERS if u.role == "read-only")


def valid_monitor(index: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A create body with the required fields (varied by ``index`` when given), plus ``overrides``."""
    suffix = "" if index is None else f"-{index}"
    body: dict[str, Any] = {
        "billing_plancode": "UBM - A/A",
        "name": f"mail round trip{suffix}",
        "smtp_hostname": "smtps://mail.example.com:465",
        "pop3_hostname": "pop3s://mail.example.com:995",
        "email": f"roundtrip{suffix}@example.com",
    }
    body.update(overrides)
    return body


def full_monitor(index: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A monitor with the usual optional fields too: login, schedule, two locations."""
    suffix = "" if index is None else f"-{index}"
    body = valid_monitor(index)
    body.update({
        "email_username": f"roundtrip{suffix}",
        "email_password": "s3cret-pop3",
        "interval": 15,
        "timeout": 300,
        "enabled": True,
        "locations": [10, 20],
        "mode": "Primary",
    })
    body.update(overrides)
    return body


#: The password of ``webhook_recipient()`` (a test value, never shown by what is tested).
WEBHOOK_PASSWORD = "hook-pass-7"


def email_recipient(**overrides: Any) -> dict[str, Any]:
    """An e-mail (HTML) recipient, told when an error clears."""
    return {"name": "DevOps", "method": "email_html", "recipient": "DevOps@Example.com",
            "notify_on_clear": True, **overrides}


def webhook_recipient(**overrides: Any) -> dict[str, Any]:
    """A JSON webhook recipient with HTTP Basic auth."""
    return {"name": "Hook", "method_id": 16, "recipient": "https://hooks.example.com/alertsite",
            "username": "hook", "password": WEBHOOK_PASSWORD, **overrides}


def valid_group(monitors: list[str], recipients: list[str], **overrides: Any) -> dict[str, Any]:
    """A recipient group routing ``monitors`` to ``recipients`` (ids)."""
    return {"name": "On call", "monitors": monitors, "recipients": recipients, **overrides}
