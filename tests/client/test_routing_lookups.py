"""get_recipient(), get_recipient_group() and get_monitor_named() for programs: the one object
by name (or id), candidates named when there is none or several, never a password."""

from __future__ import annotations

import pulumi
import pytest
from factories import ADMIN, valid_monitor

from alertsite_pulumi import (
    LookUpError,
    LookUpFailedError,
    NotFound,
    Settings,
    get_monitor_named,
    get_recipient,
    get_recipient_group,
)
from alertsite_pulumi.emulator import EmulatorControl


@pytest.fixture
def settings(emulator: EmulatorControl) -> Settings:
    return Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1])


def test_a_recipient_is_found_by_name_or_id_without_its_password(emulator: EmulatorControl,
                                                                 settings: Settings) -> None:
    hook = emulator.seed_recipient({"name": "DevOps hook", "method_id": 16, "recipient": "https://h.example.com/x",
                                    "username": "u", "password": "hook-secret-41"})
    emulator.seed_recipient({"name": "Desk", "method_id": 12, "recipient": "desk@example.com"})
    found = get_recipient("DevOps hook", settings=settings)
    assert found["id"] == str(hook) and found["method_id"] == 16 and found["method"] == "webhook"
    assert "password" not in found and "hook-secret-41" not in repr(found)
    assert get_recipient(id=str(hook), settings=settings)["name"] == "DevOps hook"


def test_no_match_or_several_name_the_candidates(emulator: EmulatorControl, settings: Settings) -> None:
    first = emulator.seed_recipient({"name": "Twin", "method_id": 12, "recipient": "a@example.com"})
    second = emulator.seed_recipient({"name": "Twin", "method_id": 12, "recipient": "b@example.com"})
    emulator.seed_recipient({"name": "DevOps", "method_id": 12, "recipient": "d@example.com"})
    with pytest.raises(LookUpError) as several:
        get_recipient("Twin", settings=settings)
    assert f"2 recipients are named 'Twin' (ids {first}, {second})" in str(several.value)
    assert isinstance(several.value, pulumi.RunError)
    with pytest.raises(LookUpError) as near:
        get_recipient("devops", settings=settings)
    assert "no recipient is named 'devops' (names differing only in case: 'DevOps')" in str(near.value)
    with pytest.raises(LookUpError) as none:
        get_recipient("Nobody", settings=settings)
    assert "existing names: " in str(none.value) and "'Twin'" in str(none.value)
    with pytest.raises(LookUpError, match="give exactly one of name= and id="):
        get_recipient("Twin", id=str(first), settings=settings)


def test_a_group_and_a_monitor_are_found_by_name(emulator: EmulatorControl, settings: Settings) -> None:
    monitor = emulator.seed_monitor({**valid_monitor(), "name": "Looked-up mailbox",
                                     "email_password": "never-shown-5"})
    recipient = emulator.seed_recipient({"name": "Desk", "method_id": 12, "recipient": "desk@example.com"})
    group = emulator.seed_recipient_group({"name": "Desk group", "monitors": [{"id": int(monitor)}],
                                           "recipients": [{"id": int(recipient)}]})
    found = get_recipient_group("Desk group", settings=settings)
    assert found["id"] == str(group) and found["monitors"] == [str(monitor)]
    assert found["recipients"] == [str(recipient)]
    named = get_monitor_named("Looked-up mailbox", settings=settings)
    assert named["id"] == str(monitor) and "email_password" not in named
    with pytest.raises(LookUpError, match="no recipient group is named 'Other'"):
        get_recipient_group("Other", settings=settings)


def test_a_failed_call_is_the_alertsite_error_it_stands_for(emulator: EmulatorControl,
                                                            settings: Settings) -> None:
    with pytest.raises(NotFound) as missing:
        get_recipient(id="424242", settings=settings)
    assert isinstance(missing.value, LookUpFailedError)
    assert str(missing.value).startswith("alertsite_pulumi.get_recipient('424242') failed: ")
