"""A reduced fault soak (benchmarks/soak.py): the harsh scenario's faults, fewer monitors, same invariants.

run_soak asserts the invariants, measured from the emulator's monitors against the stack's
state: the rounds end with exactly the declared monitors, once each, the same ids as the
state; every failed round failed cleanly (AlertSite errors, which say what to do) and
duplicated nothing; no change in preview; destroy leaves none.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .harness import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from soak import SCENARIOS, Rates, run_soak

MONITORS = 30
ROUNDS = 8
#: Tokens expiring every 2 s and 20% of creates losing their answer after they committed (the
#: harsh scenario), with more 503 and 429 than it has, so that 30 monitors meet them all.
RATES: Rates = replace(SCENARIOS["harsh"], status_503=0.20, status_429=0.10)


def assert_converged(figures: dict[str, Any]) -> None:
    up = figures["steps"]["up"]
    fired = up["faults"]
    # The faults really happened, so the invariants were tested under them.
    assert any(k.startswith("commit_then_drop") for k in fired), fired
    assert any(k.startswith("503") for k in fired), fired
    assert any("429 without" in k for k in fired) and any("429 with " in k for k in fired), fired
    assert figures["steps"]["destroy"]["faults"], "destroy ran without faults"
    assert figures["after_up"] == {"alertsite_monitors": MONITORS, "state_resources": MONITORS, "orphans": 0,
                                   "missing": 0, "duplicate_names": 0, "duplicate_emails": 0}
    assert figures["after_destroy"]["alertsite_monitors"] == 0
    assert figures["after_destroy"]["state_resources"] == 0
    for failure in figures["failures"]:
        assert failure["clean"] and failure["duplicate_emails"] == 0, failure


def test_soak_under_token_churn_logs_in_again_and_loses_and_duplicates_nothing(
        tmp_path: Path, engine_bin: Path) -> None:
    figures = run_soak(tmp_path / "soak", engine_bin, monitors=MONITORS, seed=20260808, rates=RATES,
                       rounds=ROUNDS)
    assert_converged(figures)
    # Tokens really expired during the up, and the provider logged in again after expiries,
    # as counted by the emulator: distinct tokens it was sent, and logins that issued one (a
    # login retried after a 503 issues one token, not two). One login per expiry at most,
    # however many threads met the 401; every token a login issued was used.
    assert figures["up_token_expiries"] >= 1, figures["steps"]
    assert figures["up_relogins"] >= 1, figures["steps"]
    assert figures["up_logins"] == figures["up_tokens_used"], figures["steps"]
    assert figures["up_relogins"] <= figures["up_token_expiries"], figures["steps"]


def test_soak_with_one_retry_converges_through_the_pipeline_recipe(tmp_path: Path, engine_bin: Path) -> None:
    # One retry per call, so that some calls give up and an `up` fails: the pipeline recipe
    # (recover, then up) must then take the stack to convergence.
    figures = run_soak(tmp_path / "soak", engine_bin, monitors=MONITORS, seed=20260808, rates=RATES,
                       extra_config={"alertsite:maxRetries": "1"}, rounds=ROUNDS)
    assert_converged(figures)
    assert figures["failures"], "no command failed: the recipe rounds were not exercised"
