"""``lookups.one_named``, the one rule by which the program look-ups and the plugin's functions
match a name, and the answers of a declared function (in-process: no server needed)."""

from __future__ import annotations

import pytest

from alertsite_pulumi.lookups import GET_MONITOR, GET_RECIPIENT, SHOWN_CANDIDATES, NoSingleMatch, one_named
from alertsite_pulumi.routing_resources import LookUpError


def test_one_match_is_the_answer_even_beside_a_name_differing_in_case() -> None:
    found = one_named("recipient", "get()", [{"id": "1", "name": "Ops"}, {"id": "2", "name": "ops"}], "ops")
    assert found["id"] == "2"


def test_many_candidates_are_counted_beyond_the_shown_ones() -> None:
    candidates = [{"id": str(i), "name": f"r{i}"} for i in range(SHOWN_CANDIDATES + 3)]
    with pytest.raises(NoSingleMatch) as caught:
        one_named("recipient", "get('x')", candidates, "x")
    text = str(caught.value)
    assert text.startswith("get('x') failed: no recipient is named 'x' (existing names: 'r0', ")
    assert f"'r{SHOWN_CANDIDATES - 1}' and 3 more)" in text and f"'r{SHOWN_CANDIDATES}'" not in text


def test_the_program_look_ups_raise_their_own_error_class() -> None:
    with pytest.raises(LookUpError, match=r"2 monitors are named 'm' \(ids 1, 2\)"):
        one_named("monitor", "get_monitor_named('m')", [{"id": "1", "name": "m"}, {"id": "2", "name": "m"}],
                  "m", error=LookUpError)


def test_an_answer_holds_the_declared_outputs_and_never_a_password() -> None:
    live = {"id": "7", "name": "Ops", "method_id": 16, "recipient": "https://h.example.com",
            "password": "pw-7", "username": "u", "unmodelled": 1}
    answer = GET_RECIPIENT.answer(live)
    assert answer["id"] == answer["recipient_id"] == "7" and answer["method"] == "webhook"
    assert "password" not in answer and "unmodelled" not in answer
    assert set(answer) <= set(GET_RECIPIENT.output_names())
    monitor = GET_MONITOR.answer({"id": 9, "name": "m", "email": "a@example.com", "email_password": "pw-9"})
    assert monitor["id"] == monitor["monitor_id"] == "9" and "email_password" not in monitor
