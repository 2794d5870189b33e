"""The SDK's dynamic provider host shows an AlertSiteError as its message, a bug with its traceback."""

from __future__ import annotations

import importlib.machinery
import sys
import traceback
from types import ModuleType

from alertsite_pulumi import dynamic_host
from alertsite_pulumi.errors import AdoptionError


def host_module(name: str = dynamic_host.HOST_MODULE) -> ModuleType:
    """A module that looks to install() like the host run as ``python -m pulumi.dynamic``."""
    main = ModuleType("__main__")
    main.__spec__ = importlib.machinery.ModuleSpec(name, None)
    main.traceback = traceback  # type: ignore[attr-defined]
    return main


def formatted(main: ModuleType, failure: Exception) -> str:
    try:
        raise failure
    except Exception:  # noqa: BLE001 - formatting whatever was raised is the point
        text: str = main.traceback.format_exc()
        return text


def test_the_host_shows_an_alertsite_error_as_its_message_and_a_bug_with_its_traceback() -> None:
    main = host_module()
    assert dynamic_host.install(main) is True
    refused = AdoptionError("adopt_monitor_id: AlertSite has no monitor 42")
    assert formatted(main, refused) == str(refused)
    bug = formatted(main, KeyError("oops"))
    assert bug.startswith("Traceback (most recent call last):") and "KeyError: 'oops'" in bug
    # Installing twice changes nothing; other modules' traceback is the real one.
    assert dynamic_host.install(main) is True
    assert sys.modules["traceback"] is traceback


def test_any_other_process_is_left_as_it_was() -> None:
    other = host_module("somebody.else")
    assert dynamic_host.install(other) is False
    assert other.traceback is traceback
    assert dynamic_host.install() is False  # pytest's own __main__
