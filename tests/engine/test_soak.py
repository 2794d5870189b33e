"""A reduced fault soak (benchmarks/soak.py): harsher faults, fewer monitors, same invariants."""

from __future__ import annotations

import sys
from pathlib import Path

from .harness import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from soak import Rates, run_soak

MONITORS = 30


def test_soak_under_faults_loses_and_duplicates_nothing(tmp_path: Path, engine_bin: Path) -> None:
    rates = Rates(status_503=0.20, status_429=0.10, commit_then_drop=0.20, token_expiry_every_s=2.0)
    # run_soak asserts the invariants: one up succeeds; AlertSite holds exactly the declared
    # monitors, once each, the same ids as the state; no change in preview; destroy leaves none.
    figures = run_soak(tmp_path / "soak", engine_bin, monitors=MONITORS, seed=20260808, rates=rates,
                       extra_config={"alertsite:maxRetries": "10"})
    up = figures["steps"]["up"]
    fired = up["faults"]
    # The faults really happened, so the invariants above were tested under them.
    assert any(k.startswith("commit_then_drop") for k in fired), fired
    assert any(k.startswith("503") for k in fired), fired
    assert any("429 without" in k for k in fired) and any("429 with " in k for k in fired), fired
    # Tokens really expired during the up, and the provider logged in again after expiries,
    # as counted by the emulator: distinct tokens it was sent, and logins that issued one (a
    # login retried after a 503 issues one token, not two). One login per expiry at most,
    # however many threads met the 401; every token a login issued was used.
    assert up["token_expiries"] >= 1, up
    assert up["tokens_used"] >= 2, up
    assert up["logins"] == up["tokens_used"], up
    assert figures["up_relogins"] <= up["token_expiries"], up
    assert figures["steps"]["destroy"]["faults"], "destroy ran without faults"
    assert figures["after_up"] == {"alertsite_monitors": MONITORS, "state_resources": MONITORS,
                                   "duplicate_names": 0, "duplicate_emails": 0}
    assert figures["after_destroy"] == {"alertsite_monitors": 0, "state_resources": 0}
