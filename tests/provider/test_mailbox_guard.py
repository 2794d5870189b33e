"""The mailbox guard through the provider's create and delete, against the emulator.

One listing per provider process however many creates; a mailbox already watched refuses the
create before any POST, naming the monitor and the ways out; two creates of one mailbox in one
process never both go through; a delete frees the mailbox; adoption is never refused; the
setting turns the guard off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import factories
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.errors import ConfigurationError
from alertsite_pulumi.mailbox_guard import MailboxInUseError, mailbox_key
from alertsite_pulumi.provider import EmailRoundTripMonitorProvider

ADMIN = {"alertsite:username": factories.ADMIN[0], "alertsite:password": factories.ADMIN[1]}


def inputs(index: int, **overrides: Any) -> dict[str, Any]:
    return {"billing_plancode": "UBM - A/A", "name": f"Guarded {index}",
            "smtp_hostname": "smtps://smtp.example.com", "pop3_hostname": "pop3s://pop.example.com",
            "email": f"guarded-{index}@example.com", "email_password": "mailbox-secret", "interval": 15,
            **overrides}


@pytest.fixture
def provider(emulator: EmulatorControl,
             monkeypatch: pytest.MonkeyPatch) -> Callable[..., EmailRoundTripMonitorProvider]:
    """A factory of configured providers: each is one provider process's instance."""
    for name in ("ALERTSITE_ALLOW_SHARED_MAILBOX", "ALERTSITE_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def make(**config: str) -> EmailRoundTripMonitorProvider:
        made = EmailRoundTripMonitorProvider()
        made.configure(ConfigureRequest(Config(
            {"alertsite:baseUrl": emulator.api_url, **ADMIN, **config}, "proj")))
        return made

    return make


def calls(emulator: EmulatorControl) -> dict[str, int]:
    counts: dict[str, int] = emulator.requests()["by_endpoint"]
    return counts


def test_mailbox_key_ignores_case_and_surrounding_spaces() -> None:
    assert mailbox_key(" RT-Support@Example.COM ") == mailbox_key("rt-support@example.com")
    assert mailbox_key("rt-support@example.com") != mailbox_key("rt-billing@example.com")


def test_one_listing_serves_every_create_of_a_process(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    emulator.seed_monitor(inputs(99))  # the account holds a monitor the stack does not manage
    made = provider()
    # A read first, so that the login (and a token an earlier test left, refused once) is not
    # counted among the calls below.
    assert made.read("1", {}).id is None
    emulator.reset_requests()
    # Four at a time, as the dynamic provider's servicer calls create.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: made.create(inputs(i)), range(12)))
    assert len({r.id for r in results}) == 12
    counts = calls(emulator)
    # One listing for the process, and one look after each create (another process may have
    # made a monitor on the same mailbox meanwhile).
    assert counts["list"] == 1 + 12, counts
    assert counts["create"] == 12


def test_a_watched_mailbox_refuses_the_create_before_any_post(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    existing = emulator.seed_monitor(inputs(0, name="Left by a killed run", email="Guarded-0@EXAMPLE.com"))
    emulator.reset_requests()
    with pytest.raises(MailboxInUseError) as refused:
        provider().create(inputs(0))
    text = str(refused.value)
    assert f"monitor {existing} ('Left by a killed run') already watches the mailbox" in text
    assert "alertsite-pulumi recover" in text and f'adopt_monitor_id="{existing}"' in text
    assert "alertsite:allowSharedMailbox (ALERTSITE_ALLOW_SHARED_MAILBOX)" in text
    assert "Nothing was created" in text
    assert calls(emulator)["create"] == 0
    assert [m["id"] for m in emulator.monitors()] == [existing]


def test_two_creates_of_one_mailbox_in_one_process_never_both_go_through(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def create(index: int) -> None:
        start.wait()
        try:
            made.create(inputs(index, email="shared@example.com"))
            outcomes.append("created")
        except MailboxInUseError as error:
            assert "created by the same run, watches the same mailbox shared@example.com" in str(error)
            outcomes.append("refused")

    threads = [threading.Thread(target=create, args=(i,)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert len(emulator.monitors()) == 1
    # Once made, the first one is named with its id.
    with pytest.raises(MailboxInUseError, match=r"\(monitor \d+\), created by the same run"):
        made.create(inputs(3, email="SHARED@example.com"))
    assert len(emulator.monitors()) == 1


def test_a_delete_frees_the_mailbox_for_a_replacement(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    listed = emulator.seed_monitor(inputs(0))
    made = provider()
    assert made.read("1", {}).id is None        # logged in: only the calls below are counted
    emulator.reset_requests()
    made.delete(listed, inputs(0))              # a replacement that deletes before it creates
    assert calls(emulator)["delete"] == 1       # one DELETE per delete
    first = made.create(inputs(0))
    made.delete(first.id, first.outs or {})     # the same process deletes its own monitor...
    second = made.create(inputs(0))             # ...and may create it again
    assert [m["id"] for m in emulator.monitors()] == [second.id]
    assert calls(emulator)["list"] == 1 + 2     # the listing, and the look after each create


def test_a_monitor_gone_or_moved_since_the_listing_does_not_refuse(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    gone = emulator.seed_monitor(inputs(0))
    moved = emulator.seed_monitor(inputs(1))
    made = provider()
    made.create(inputs(2))                      # the listing is taken here
    emulator.delete_monitor(gone)               # out of band, after the listing
    emulator.edit_monitor(moved, email="elsewhere@example.com")
    made.create(inputs(0))
    made.create(inputs(1))
    with pytest.raises(MailboxInUseError, match=f"monitor {moved} "):
        made.create(inputs(3, email="elsewhere@example.com"))
    assert len(emulator.monitors()) == 4


def test_adoption_of_the_monitor_on_the_mailbox_is_not_refused(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    by_id = emulator.seed_monitor(inputs(0))
    by_name = emulator.seed_monitor(inputs(1))
    made = provider()
    assert made.create(inputs(0, adopt_monitor_id=by_id)).id == by_id
    assert made.create(inputs(1, adopt_by_name=True)).id == by_name
    assert calls(emulator)["create"] == 0


def test_the_setting_allows_a_shared_mailbox_and_is_parsed_strictly(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl,
        monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.seed_monitor(inputs(0))
    emulator.reset_requests()
    provider(**{"alertsite:allowSharedMailbox": "true"}).create(inputs(0, name="Second on one mailbox"))
    assert len(emulator.monitors()) == 2
    assert calls(emulator)["list"] == 0             # the guard off costs nothing
    monkeypatch.setenv("ALERTSITE_ALLOW_SHARED_MAILBOX", "True")
    provider().create(inputs(0, name="Third on one mailbox"))
    assert len(emulator.monitors()) == 3
    monkeypatch.setenv("ALERTSITE_ALLOW_SHARED_MAILBOX", "yes")
    refusal = "alertsite:allowSharedMailbox / ALERTSITE_ALLOW_SHARED_MAILBOX must be true or false, not 'yes'"
    # Refused at preview (a check failure), and by any call that would reach AlertSite.
    failures = provider().check({}, inputs(0, name="Fourth on one mailbox")).failures
    assert any(refusal in failure.reason for failure in failures), failures
    with pytest.raises(ConfigurationError, match=refusal):
        provider().create(inputs(0, name="Fourth on one mailbox"))
    assert len(emulator.monitors()) == 3


def race(emulator: EmulatorControl, processes: list[EmailRoundTripMonitorProvider],
         mailboxes: list[str]) -> dict[str, list[str]]:
    """Every provider creates a monitor on every mailbox at once (one thread per create):
    each mailbox's outcomes, ``created`` or ``refused``."""
    start = threading.Barrier(len(processes) * len(mailboxes))
    outcomes: dict[str, list[str]] = {m: [] for m in mailboxes}
    lock = threading.Lock()

    def create(process: int, mailbox: str) -> None:
        start.wait(timeout=10)
        try:
            processes[process].create(inputs(process, name=f"From process {process}", email=mailbox))
            outcome = "created"
        except MailboxInUseError as error:
            assert "made earlier, watches the mailbox" in str(error), str(error)
            assert "was deleted again" in str(error)
            outcome = "refused"
        with lock:
            outcomes[mailbox].append(outcome)

    threads = [threading.Thread(target=create, args=(p, m))
               for p in range(len(processes)) for m in mailboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_processes_racing_for_one_mailbox_leave_one_monitor(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    # Two provider processes (each its own mailbox guard, so its own listing), every call held
    # 200 ms: both list an empty account, both POST, and each then looks again.
    emulator.set_faults([{"endpoint": "*", "kind": "latency", "latency_ms": 200}])
    mailboxes = [f"raced-{i}@example.com" for i in range(3)]
    outcomes = race(emulator, [provider(), provider()],
                    [m if i % 2 else m.upper() for i, m in enumerate(mailboxes)])
    assert all(sorted(o) == ["created", "refused"] for o in outcomes.values()), outcomes
    live = emulator.monitors()
    assert sorted(mailbox_key(str(m["email"])) for m in live) == sorted(mailboxes)
    # The older of each pair stayed: the one with the lower id.
    requests = calls(emulator)
    assert requests["create"] == 6 and requests["delete"] == 3, requests


def test_the_newer_monitor_on_a_mailbox_is_removed_by_its_creator(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    made = provider()
    made.create(inputs(0))                      # the process's listing is taken here
    older = emulator.seed_monitor(inputs(1, name="Made by another stack", email="GUARDED-1@example.com"))
    emulator.reset_requests()
    with pytest.raises(MailboxInUseError) as refused:
        made.create(inputs(1))
    text = str(refused.value)
    assert f"AlertSite monitor {older} ('Made by another stack'), made earlier, watches the mailbox" in text
    assert f'adopt_monitor_id="{older}"' in text
    counts = calls(emulator)
    assert counts["create"] == 1 and counts["delete"] == 1, counts
    assert [m["id"] for m in emulator.monitors() if mailbox_key(str(m["email"])) == "guarded-1@example.com"] \
        == [older]
    # A newer monitor on the mailbox (another process lost the race, and will delete it) does
    # not make this one go.
    kept = made.create(inputs(2))
    assert kept.id in {m["id"] for m in emulator.monitors()}


def test_an_update_onto_a_watched_mailbox_is_refused_before_the_patch(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    watched = emulator.seed_monitor(inputs(0, name="Watching it"))
    made = provider()
    mine = made.create(inputs(1))
    olds = mine.outs or {}
    emulator.reset_requests()
    with pytest.raises(MailboxInUseError) as refused:
        made.update(mine.id, olds, inputs(1, email="  Guarded-0@Example.COM"))
    assert f"monitor {watched} ('Watching it') already watches it" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert calls(emulator)["update"] == 0
    assert emulator.monitor(mine.id)["email"] == "guarded-1@example.com"
    # A move to a free mailbox goes through, and that mailbox is then taken.
    made.update(mine.id, olds, inputs(1, email="guarded-7@example.com"))
    assert emulator.monitor(mine.id)["email"] == "guarded-7@example.com"
    with pytest.raises(MailboxInUseError):
        made.create(inputs(7))
    # A change of case only is no move: no listing.
    emulator.reset_requests()
    made.update(mine.id, dict(olds, email="guarded-7@example.com"), inputs(1, email="Guarded-7@example.com"))
    assert calls(emulator)["list"] == 0


def test_two_processes_moving_monitors_onto_one_free_mailbox_never_leave_two(
        provider: Callable[..., EmailRoundTripMonitorProvider], emulator: EmulatorControl) -> None:
    # Two stacks (each its own provider process) each move one of their monitors onto the same
    # free mailbox at once. Every call held 200 ms: both first looks see the mailbox free and
    # both PATCHes go through; each looks again after its PATCH.
    processes = [provider(), provider()]
    made = [processes[i].create(inputs(i)) for i in range(2)]
    emulator.set_faults([{"endpoint": "*", "kind": "latency", "latency_ms": 200}])
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def move(i: int) -> None:
        start.wait(timeout=10)
        try:
            processes[i].update(made[i].id, made[i].outs or {}, inputs(i, email="free@example.com"))
            outcomes.append("moved")
        except MailboxInUseError as error:
            assert "was given its old email back" in str(error), str(error)
            outcomes.append("refused")

    threads = [threading.Thread(target=move, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    emulator.clear_faults()
    assert len(outcomes) == 2
    on_it = [m["id"] for m in emulator.monitors() if mailbox_key(str(m["email"])) == "free@example.com"]
    assert len(on_it) == outcomes.count("moved") <= 1, (on_it, outcomes)
    # A refused move left its monitor on its old mailbox, as the state still has it.
    for i in range(2):
        if emulator.monitor(made[i].id)["email"] != "free@example.com":
            assert emulator.monitor(made[i].id)["email"] == f"guarded-{i}@example.com"
