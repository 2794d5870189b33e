# ruff: noqa: F811 (the fixtures are imported from the tests they extend)
"""Attacks on alert recipients and recipient groups through their dynamic providers, against
the emulator over real HTTP: what a hostile or unlucky user can do to the README's promises
(a webhook URL never repeated in a message, an imported object that passes its own preview,
faults around a create that never duplicate, a refusal that names its field)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from factories import ADMIN, email_recipient, valid_monitor
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi import LookUpError, Settings, get_recipient
from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer
from alertsite_pulumi.emulator.store import FIRST_MONITOR_ID
from alertsite_pulumi.errors import AlertSiteError
from alertsite_pulumi.lifecycle import ACCOUNT_KEY
from alertsite_pulumi.provider import AlertRecipientProvider, KernelProvider, RecipientGroupProvider
from alertsite_pulumi.routing_kind import DuplicateError

from .test_routing_provider import create, groups, monitor_id, recipients  # noqa: F401

email = email_recipient
SECRET_PATH = "T0KEN-in-the-path-1f2e"


def imported(provider: KernelProvider, object_id: str, resource_name: str) -> tuple[dict[str, Any], Any]:
    """What `pulumi import` does with a live object: read it (no state), take the inputs the
    provider says a program would write, and check them as that program's preview would."""
    read = provider.read(object_id, {})
    assert read.outs is not None
    inputs = provider._lifecycle().import_inputs(read.outs, resource_name)
    return read.outs, provider.check({}, inputs)


def test_a_webhook_url_alertsite_would_refuse_is_refused_at_check_never_repeated(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    # A port of 6 digits (000443) passed check; AlertSite refused it at `up`, and its refusal,
    # passed on verbatim by the client, repeated the whole URL, its secret path included.
    url = f"https://hooks.example.com:000443/services/{SECRET_PATH}"
    emulator.reset_requests()
    checked = recipients.check({}, {"name": "Hook", "method_id": 16, "recipient": url})
    reasons = [f.reason for f in checked.failures]
    assert any(r.startswith("recipient: ") and "port" in r for r in reasons), reasons
    assert all(SECRET_PATH not in r for r in reasons)
    assert emulator.requests()["total"] == 0


def test_an_imported_pagerduty_recipient_says_why_it_cannot_pass(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    seeded = emulator.seed_recipient({"name": "PD", "method_id": 14, "recipient": "0123456789abcdef"})
    _outs, checked = imported(recipients, str(seeded), "pd")
    reasons = [f.reason for f in checked.failures]
    assert reasons, "an imported PagerDuty recipient cannot be managed: its check must say so"
    assert any("PagerDuty" in r for r in reasons), reasons


def test_an_imported_recipient_with_a_long_name_is_not_silently_renamed(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    long_name = "N" * 140
    seeded = emulator.seed_recipient({"name": long_name, "method_id": 12, "recipient": "ops@example.com"})
    lifecycle = recipients._lifecycle()
    _found, outs = lifecycle.read(str(seeded), {})
    inputs = lifecycle.import_inputs(outs, "ops")
    # The native front-end's check: the name defaults to the resource name of the URN.
    checked = lifecycle.check(inputs, resource_name="ops")
    if checked.failures:
        assert any(name == "name" for name, _why in checked.failures)
        return
    diffed = lifecycle.diff(str(seeded), outs, checked.inputs)
    assert "name" not in diffed.changed, "the first up would rename the recipient to 'ops'"


def test_an_imported_email_recipient_passes_its_own_preview_with_no_diff(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    seeded = emulator.seed_recipient({"name": "Ünïcødé ops ✓", "method_id": 1,
                                      "recipient": "Ops@Example.com", "stop_threshold": 7})
    outs, checked = imported(recipients, str(seeded), "ops")
    assert checked.failures == []
    assert recipients.diff(str(seeded), outs, checked.inputs).changes is False


def test_a_group_patch_alertsite_refuses_names_the_field(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    group_id, outs = create(groups, {"name": "G", "monitors": [monitor_id], "recipients": [first]})
    news = groups.check(outs, {"name": "G", "monitors": [monitor_id, "987654"], "recipients": [first]}).inputs
    with pytest.raises(AlertSiteError) as refused:
        groups.update(group_id, outs, news)
    assert "monitors" in str(refused.value)
    assert emulator.recipient_group(group_id)["monitors"] == [int(monitor_id)]


@pytest.mark.parametrize("fault", [
    {"kind": "commit_then_drop"}, {"kind": "commit_then_garble"},
    {"kind": "status", "status": 504}, {"kind": "status", "status": 500}])
def test_a_group_create_fault_never_duplicates(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl, fault: dict[str, Any]) -> None:
    first, _ = create(recipients, email())
    emulator.set_faults([{"endpoint": "group_create", "count": 1, **fault}])
    checked = groups.check({}, {"name": "Faulty", "monitors": [monitor_id], "recipients": [first]})
    try:
        made = groups.create(checked.inputs)
    except AlertSiteError as failed:
        # A failure is fine only when it is true: nothing left behind, or it says so.
        assert len(emulator.recipient_groups()) <= 1
        assert emulator.recipient_groups() == [] or "unknown" in str(failed)
        return
    (only,) = emulator.recipient_groups()
    assert str(only["id"]) == str(made.id)


@pytest.mark.parametrize("fault", [
    {"kind": "commit_then_garble"}, {"kind": "status", "status": 504}, {"kind": "status", "status": 500}])
def test_a_recipient_create_fault_never_duplicates(
        recipients: AlertRecipientProvider, emulator: EmulatorControl, fault: dict[str, Any]) -> None:
    emulator.set_faults([{"endpoint": "recipient_create", "count": 1, **fault}])
    checked = recipients.check({}, email())
    try:
        made = recipients.create(checked.inputs)
    except AlertSiteError:
        assert len(emulator.recipients()) <= 1
        return
    (only,) = emulator.recipients()
    assert str(only["id"]) == str(made.id)


def test_a_group_update_survives_two_token_expiries(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    second, _ = create(recipients, email(name="Second", recipient="second@example.com"))
    group_id, outs = create(groups, {"name": "G", "monitors": [monitor_id], "recipients": [first]})
    emulator.expire_tokens()
    emulator.set_faults([{"endpoint": "group_update", "kind": "status", "status": 401, "count": 2}])
    news = groups.check(outs, {"name": "G", "monitors": [monitor_id], "recipients": [first, second]}).inputs
    updated = groups.update(group_id, outs, news).outs
    assert updated is not None and updated["recipients"] == sorted([first, second], key=int)


def test_a_login_taken_out_of_a_webhook_is_cleared(recipients: AlertRecipientProvider,
                                                   emulator: EmulatorControl) -> None:
    hook = {"name": "Hook", "method_id": 16, "recipient": "https://hooks.example.com/alertsite"}
    recipient_id, outs = create(recipients, {**hook, "username": "hook", "password": "old-pass-1"})
    news = recipients.check(outs, hook).inputs
    diffed = recipients.diff(recipient_id, outs, news)
    if diffed.changes:
        outs = recipients.update(recipient_id, outs, news).outs or {}
    assert emulator.recipient(recipient_id).get("username") in (None, "")
    assert not emulator.recipient_password_matches(recipient_id, "old-pass-1")
    assert not outs.get("password") and not outs.get("username")


def test_a_second_default_group_is_not_a_silent_tug_of_war(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    stack_a, outs_a = create(groups, {"name": "A", "monitors": [monitor_id], "recipients": [first],
                                      "is_default": True})
    try:
        create(groups, {"name": "B", "monitors": [monitor_id], "recipients": [first], "is_default": True})
    except AlertSiteError as refused:
        assert "is_default" in str(refused)
        return
    read = groups.read(stack_a, outs_a)
    assert read.outs is not None and read.outs["is_default"] is True, \
        "stack A's default group was taken over by stack B's create, silently"


def test_a_rename_onto_another_groups_name_is_refused(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    create(groups, {"name": "Taken", "monitors": [monitor_id], "recipients": [first]})
    other, outs = create(groups, {"name": "Other", "monitors": [monitor_id], "recipients": [first]})
    news = groups.check(outs, {"name": "Taken", "monitors": [monitor_id], "recipients": [first]}).inputs
    with pytest.raises(AlertSiteError, match="Taken"):
        groups.update(other, outs, news)
    assert sorted(g["name"] for g in emulator.recipient_groups()) == ["Other", "Taken"]


def test_a_group_moved_to_another_api_root_with_coinciding_ids_is_replaced(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    group_id, outs = create(groups, {"name": "Mine", "monitors": [monitor_id], "recipients": [first]})
    with EmulatorServer(host="127.0.0.1", port=0) as other:
        # Another account whose objects happen to carry the same ids.
        def filler() -> str:
            return other.control.seed_recipient({"name": "filler", "method_id": 12,
                                                 "recipient": "filler@example.com"})

        last = [FIRST_MONITOR_ID - 1]  # a new emulator's ids start there

        def at(wanted: str, seed: Callable[[], str]) -> str:
            # The other account's ids count from its own start (one counter for every kind):
            # fill up to the one before the wanted id, then make the object.
            for _ in range(int(wanted) - last[0] - 1):
                filler()
            made = seed()
            last[0] = int(made)
            return made

        theirs_monitor = at(monitor_id, lambda: other.control.seed_monitor(valid_monitor(7)))
        theirs_recipient = at(first, lambda: other.control.seed_recipient(
            {"name": "Theirs", "method_id": 12, "recipient": "theirs@example.com"}))
        theirs = at(group_id, lambda: other.control.seed_recipient_group(
            {"name": "Theirs", "monitors": [int(theirs_monitor)], "recipients": [int(theirs_recipient)]}))
        assert (theirs_monitor, theirs_recipient, theirs) == (monitor_id, first, group_id)
        elsewhere = RecipientGroupProvider()
        elsewhere.configure(ConfigureRequest(Config({
            "alertsite:baseUrl": other.control.api_url, "alertsite:username": ADMIN[0],
            "alertsite:password": ADMIN[1]}, "alertsite")))
        news = elsewhere.check(outs, {"name": "Mine", "monitors": [monitor_id], "recipients": [first]}).inputs
        diffed = elsewhere.diff(group_id, outs, news)
        assert diffed.replaces == [ACCOUNT_KEY], "another account's group would be re-pointed"


def test_a_look_up_by_an_id_that_is_no_id_is_refused_before_any_call(
        emulator: EmulatorControl) -> None:
    settings = Settings(base_url=emulator.api_url, username=ADMIN[0], password=ADMIN[1])
    for odd in ("..", ".", " 100001", "100001.0"):
        emulator.reset_requests()
        with pytest.raises(LookUpError, match="id"):
            get_recipient(id=odd, settings=settings)
        assert emulator.requests()["total"] == 0


def test_two_pipelines_at_once_leave_one_group(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    others = [groups, RecipientGroupProvider()]
    others[1].configure(ConfigureRequest(Config({
        "alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN[0],
        "alertsite:password": ADMIN[1]}, "alertsite")))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=30)

    def run(provider: RecipientGroupProvider) -> None:
        checked = provider.check({}, {"name": "Raced", "monitors": [monitor_id], "recipients": [first]})
        barrier.wait()
        try:
            provider.create(checked.inputs)
        except AlertSiteError as failed:
            errors.append(failed)

    threads = [threading.Thread(target=run, args=(p,)) for p in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(emulator.recipient_groups()) == 1
    assert len(errors) == 1 and isinstance(errors[0], DuplicateError), errors


@pytest.mark.parametrize("list_count", ["total", "page"])
def test_a_duplicate_past_the_first_pages_is_still_refused(
        recipients: AlertRecipientProvider, emulator: EmulatorControl, list_count: str) -> None:
    emulator.update_settings(list_count=list_count)
    for index in range(230):
        emulator.seed_recipient({"name": f"R{index}", "method_id": 12, "recipient": f"r{index}@example.com"})
    twin = emulator.seed_recipient({"name": "DevOps", "method_id": 12, "recipient": "devops@example.com"})
    with pytest.raises(DuplicateError, match=f"recipient {twin}"):
        create(recipients, email())
    assert len(emulator.recipients()) == 231
