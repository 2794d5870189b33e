"""AlertRecipient and RecipientGroup through their dynamic providers, against the emulator:
the same lifecycle as the monitor's (check with no call, safe create, drift, out-of-band
delete, adoption), sets that never show an order as a change, a write-only password, and one
object per identity whatever fails or races."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from factories import ADMIN, WEBHOOK_PASSWORD, valid_monitor
from factories import email_recipient as email
from factories import webhook_recipient as webhook
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import AdoptionError, AlertSiteError
from alertsite_pulumi.provider import (
    AlertRecipientProvider,
    EmailRoundTripMonitorProvider,
    KernelProvider,
    RecipientGroupProvider,
)
from alertsite_pulumi.resource_types import ALERT_RECIPIENT
from alertsite_pulumi.routing_kind import DuplicateError, IdentityRule


def configured(provider: KernelProvider, emulator: EmulatorControl) -> Any:
    provider.configure(ConfigureRequest(Config({
        "alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN[0],
        "alertsite:password": ADMIN[1], "alertsite:maxRetries": "4"}, "alertsite")))
    return provider


@pytest.fixture
def recipients(emulator: EmulatorControl,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[AlertRecipientProvider]:
    for name in ("ALERTSITE_ACCESS_TOKEN", "ALERTSITE_RETRY_BUDGET", "ALERTSITE_MAX_RETRIES",
                 "ALERTSITE_REQUEST_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    made = configured(AlertRecipientProvider(), emulator)
    made._lifecycle().client().login()
    yield made


@pytest.fixture
def groups(emulator: EmulatorControl, recipients: AlertRecipientProvider) -> RecipientGroupProvider:
    made: RecipientGroupProvider = configured(RecipientGroupProvider(), emulator)
    return made


@pytest.fixture
def monitor_id(emulator: EmulatorControl, recipients: AlertRecipientProvider) -> str:
    monitors: EmailRoundTripMonitorProvider = configured(EmailRoundTripMonitorProvider(), emulator)
    made = monitors.create(monitors.check({}, valid_monitor()).inputs)
    return str(made.id)


def create(provider: KernelProvider, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    checked = provider.check({}, news)
    assert checked.failures == [], checked.failures
    made = provider.create(checked.inputs)
    assert made.outs is not None
    return str(made.id), made.outs


def no_change(provider: KernelProvider, object_id: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
    diffed = provider.diff(object_id, olds, provider.check(olds, news).inputs)
    return diffed.changes is False


def test_a_bad_recipient_is_refused_at_check_with_no_call(recipients: AlertRecipientProvider,
                                                          emulator: EmulatorControl) -> None:
    emulator.reset_requests()
    checked = recipients.check({}, {"name": "Pager", "method": "pagerduty", "recipient": "key"})
    reasons = [f.reason for f in checked.failures]
    assert any(r.startswith("method: ") and "PagerDuty" in r for r in reasons), reasons
    checked = recipients.check({}, webhook(method_id=12, recipient="not an address"))
    reasons = [f.reason for f in checked.failures]
    assert any(r.startswith("recipient: ") for r in reasons), reasons
    assert all(WEBHOOK_PASSWORD not in r for r in reasons)
    assert emulator.requests()["total"] == 0


def test_a_recipient_goes_through_its_lifecycle(recipients: AlertRecipientProvider,
                                                emulator: EmulatorControl) -> None:
    recipient_id, outs = create(recipients, email())
    assert outs["recipient_id"] == recipient_id and outs["method_id"] == 12
    assert outs["availability_alert"] is True  # AlertSite's default, reported
    # The address in another case is the same address; the defaults are no change.
    assert no_change(recipients, recipient_id, outs, email(recipient="devops@example.com"))
    news = recipients.check(outs, email(stop_threshold=3, notify_on_clear=False)).inputs
    diffed = recipients.diff(recipient_id, outs, news)
    assert diffed.changes is True
    updated = recipients.update(recipient_id, outs, news).outs
    assert updated is not None and updated["stop_threshold"] == 3
    assert emulator.recipient(recipient_id)["notify_on_clear"] is False
    # A refresh right after finds what the state holds.
    read = recipients.read(recipient_id, updated)
    assert read.id == recipient_id and read.outs == updated
    recipients.delete(recipient_id, updated)
    assert emulator.recipients() == []
    recipients.delete(recipient_id, updated)  # already gone is success


def test_the_webhook_password_is_write_only_and_a_change_is_applied(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    recipient_id, outs = create(recipients, webhook())
    assert emulator.recipient_password_matches(recipient_id, WEBHOOK_PASSWORD)
    # AlertSite never reads it back: the state keeps the program's (a secret, see the resource).
    assert outs["password"] == WEBHOOK_PASSWORD
    read = recipients.read(recipient_id, outs)
    assert read.outs is not None and read.outs["password"] == WEBHOOK_PASSWORD
    assert WEBHOOK_PASSWORD not in repr(emulator.recipient(recipient_id))
    news = recipients.check(outs, webhook(password="rotated-8")).inputs
    assert recipients.diff(recipient_id, outs, news).changes is True
    recipients.update(recipient_id, outs, news)
    assert emulator.recipient_password_matches(recipient_id, "rotated-8")


def test_drift_and_an_out_of_band_delete_are_seen_on_refresh(recipients: AlertRecipientProvider,
                                                             emulator: EmulatorControl) -> None:
    recipient_id, outs = create(recipients, email())
    emulator.edit_recipient(recipient_id, recipient="someone-else@example.com")
    read = recipients.read(recipient_id, outs)
    assert read.outs is not None and read.outs["recipient"] == "someone-else@example.com"
    assert not no_change(recipients, recipient_id, read.outs, email())
    emulator.delete_recipient(recipient_id)
    assert recipients.read(recipient_id, outs).id is None


def test_a_group_is_a_set_and_its_lists_are_sent_whole(groups: RecipientGroupProvider,
                                                       recipients: AlertRecipientProvider,
                                                       monitor_id: str, emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    second, _ = create(recipients, webhook())
    group_id, outs = create(groups, {"name": "On call", "monitors": [monitor_id],
                                     "recipients": [second, first]})
    assert outs["group_id"] == group_id and sorted(outs["recipients"]) == sorted([first, second])
    # Another order, a repeat and ids as numbers are the same set.
    assert no_change(groups, group_id, outs, {"name": "On call", "monitors": [int(monitor_id), monitor_id],
                                              "recipients": [first, int(second)]})
    news = groups.check(outs, {"name": "On call", "monitors": [monitor_id], "recipients": [first]}).inputs
    updated = groups.update(group_id, outs, news).outs
    assert updated is not None and updated["recipients"] == [first]
    assert emulator.recipient_group(group_id)["recipients"] == [int(first)]
    assert groups.read(group_id, updated).outs == updated


def test_an_empty_group_is_refused_at_check(groups: RecipientGroupProvider,
                                           emulator: EmulatorControl) -> None:
    emulator.reset_requests()
    checked = groups.check({}, {"name": "Empty", "monitors": [], "recipients": ["1"]})
    reasons = [f.reason for f in checked.failures]
    assert any(r.startswith("monitors: ") and "AlertSite refuses" in r for r in reasons), reasons
    assert emulator.requests()["total"] == 0


def test_a_lost_create_answer_is_found_again_never_duplicated(recipients: AlertRecipientProvider,
                                                              emulator: EmulatorControl) -> None:
    emulator.set_faults([{"endpoint": "recipient_create", "kind": "commit_then_drop", "count": 1}])
    recipient_id, outs = create(recipients, email())
    (only,) = emulator.recipients()
    assert str(only["id"]) == recipient_id == outs["recipient_id"]


def test_a_second_create_of_the_same_recipient_is_refused_before_its_post(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    emulator.reset_requests()
    with pytest.raises(DuplicateError) as refused:
        create(recipients, email(recipient="devops@EXAMPLE.com"))
    assert f"recipient {first}" in str(refused.value) and "Nothing was created" in str(refused.value)
    assert f'adopt_recipient_id="{first}"' in str(refused.value)
    assert emulator.requests()["by_endpoint"].get("recipient_create", 0) == 0
    assert len(emulator.recipients()) == 1


def test_of_two_racing_creates_the_older_recipient_stays(recipients: AlertRecipientProvider,
                                                         emulator: EmulatorControl) -> None:
    client = recipients._lifecycle().client()
    behaviour = ALERT_RECIPIENT.behaviour
    inputs = recipients.check({}, email()).inputs
    rule = IdentityRule(behaviour, client, inputs)  # type: ignore[arg-type]
    # Another pipeline makes the same recipient between this create's look and its POST.
    twin = emulator.seed_recipient({"name": "DevOps", "method_id": 12, "recipient": "devops@example.com"})
    mine = behaviour.create(client, behaviour.to_api(inputs))
    with pytest.raises(DuplicateError, match=f"so recipient {mine}, made by this create, was deleted"):
        rule.confirm(client, mine)
    # The lifecycle deletes its own on that error: through the provider, one is left.
    emulator.delete_recipient(mine)
    assert [str(r["id"]) for r in emulator.recipients()] == [str(twin)]


def test_two_pipelines_at_once_leave_one_recipient(recipients: AlertRecipientProvider,
                                                   emulator: EmulatorControl) -> None:
    other = configured(AlertRecipientProvider(), emulator)
    errors: list[BaseException] = []

    def run(provider: AlertRecipientProvider) -> None:
        try:
            create(provider, email())
        except AlertSiteError as failed:
            errors.append(failed)

    threads = [threading.Thread(target=run, args=(p,)) for p in (recipients, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(emulator.recipients()) == 1
    assert len(errors) == 1 and isinstance(errors[0], DuplicateError)


def test_adoption_takes_an_existing_recipient_over(recipients: AlertRecipientProvider,
                                                   emulator: EmulatorControl) -> None:
    seeded = emulator.seed_recipient({"name": "Shared", "method_id": 12, "recipient": "shared@example.com"})
    emulator.reset_requests()
    recipient_id, outs = create(recipients, {"name": "Shared", "method_id": 12,
                                             "recipient": "shared@example.com",
                                             "adopt_recipient_id": str(seeded)})
    assert recipient_id == str(seeded) and outs["adopt_recipient_id"] == str(seeded)
    counts = emulator.requests()["by_endpoint"]
    assert counts.get("recipient_create", 0) == 0 and counts.get("recipient_update", 0) == 0
    with pytest.raises(AdoptionError, match="adopt_recipient_id: AlertSite has no recipient 999999"):
        create(recipients, email(adopt_recipient_id="999999"))


def test_a_deleted_monitor_leaves_its_group_for_the_next_up_to_mend(
        groups: RecipientGroupProvider, recipients: AlertRecipientProvider, monitor_id: str,
        emulator: EmulatorControl) -> None:
    first, _ = create(recipients, email())
    group_id, outs = create(groups, {"name": "Mended", "monitors": [monitor_id], "recipients": [first]})
    emulator.delete_monitor(monitor_id)
    read = groups.read(group_id, outs)
    # AlertSite takes a deleted monitor out of its groups: a refresh shows the group without it.
    assert read.outs is not None and read.outs["monitors"] == []
    assert not no_change(groups, group_id, read.outs, {"name": "Mended", "monitors": [monitor_id],
                                                       "recipients": [first]})


def test_a_recipient_moved_to_another_account_is_replaced_never_re_pointed(
        recipients: AlertRecipientProvider, emulator: EmulatorControl) -> None:
    from alertsite_pulumi.emulator import EmulatorServer
    from alertsite_pulumi.lifecycle import ACCOUNT_KEY

    recipient_id, outs = create(recipients, email())
    with EmulatorServer(host="127.0.0.1", port=0) as other:   # another account, empty
        elsewhere = configured(AlertRecipientProvider(), other.control)
        news = elsewhere.check(outs, email()).inputs
        diffed = elsewhere.diff(recipient_id, outs, news)
        assert diffed.changes is True and diffed.replaces == [ACCOUNT_KEY]
        # Its delete is never sent where the id may be another account's recipient.
        elsewhere.delete(recipient_id, outs)
        assert other.control.requests()["by_endpoint"].get("recipient_delete", 0) == 0
        assert [str(r["id"]) for r in emulator.recipients()] == [recipient_id]
    # Through a host name of the same API root, the same recipient is read: no replacement.
    same = configured(AlertRecipientProvider(), emulator)
    same.configure(ConfigureRequest(Config({
        "alertsite:baseUrl": emulator.api_url.replace("127.0.0.1", "localhost"),
        "alertsite:username": ADMIN[0], "alertsite:password": ADMIN[1]}, "alertsite")))
    assert same.diff(recipient_id, outs, same.check(outs, email()).inputs).changes is False
