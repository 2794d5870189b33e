"""Fault soak: `pulumi up` of many monitors while the emulator misbehaves, losing nothing.

    .venv/bin/python benchmarks/soak.py [--monitors 200] [--seed 8] [--out FILE]

The emulator answers 10% of API calls with 503, 5% with 429 (half of them without
``Retry-After``), drops the connection after committing 2% of creates, and expires every
token every 20 s. Then: one `pulumi up` must succeed; AlertSite must hold exactly the
declared monitors, each once (unique names and emails) and each the one the state holds;
`pulumi preview --expect-no-changes` must pass; `pulumi destroy` (under the same faults)
must leave none. Prints the figures (durations, faults fired by kind, API calls, logins)
and writes them as JSON. tests/engine/test_soak.py runs a smaller, harsher version.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from engine.harness import engine_bin_dir  # noqa: E402
from engine.support import (  # noqa: E402
    ADMIN_PASSWORD,
    ADMIN_USER,
    MAILBOX_PASSWORD,
    SPEC_PROGRAM,
    SpecProject,
    monitor_args,
)

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE  # noqa: E402
from alertsite_pulumi.emulator import EmulatorServer  # noqa: E402
from alertsite_pulumi.emulator.faults import FaultDecision, FaultPlan  # noqa: E402


@dataclass(frozen=True)
class Rates:
    """Chance of each fault per API call (marginal rates, whatever the rule order)."""

    status_503: float = 0.10
    status_429: float = 0.05
    """Half of these carry ``Retry-After: 1``, half carry no ``Retry-After``."""
    commit_then_drop: float = 0.02
    """Per create: the monitor is made, then the connection is dropped with no answer."""
    token_expiry_every_s: float = 20.0

    def rules(self) -> list[dict[str, Any]]:
        # Rules are tried in order and the first that fires decides: each probability is
        # conditional on the earlier rules not firing, so the marginal rates are the ones above.
        rules = []
        left = 1.0
        for rule, rate in (
            ({"endpoint": "*", "kind": "status", "status": 503}, self.status_503),
            ({"endpoint": "*", "kind": "status", "status": 429, "retry_after": 1}, self.status_429 / 2),
            ({"endpoint": "*", "kind": "status", "status": 429}, self.status_429 / 2),
            ({"endpoint": "create", "kind": "commit_then_drop"}, self.commit_then_drop),
        ):
            rules.append({**rule, "probability": min(1.0, rate / left)})
            left -= rate
        return rules


class CountingFaultPlan(FaultPlan):
    """The emulator's fault plan, counting the faults it injects by kind."""

    def __init__(self, default_seed: int | None = None) -> None:
        super().__init__(default_seed)
        self.fired: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def decide(self, endpoint: str) -> FaultDecision:
        decision = super().decide(endpoint)
        if decision.action is not None:
            kind = decision.action
            if kind == "status":
                kind = f"{decision.status}"
                if decision.status == 429:
                    has_header = decision.retry_after is not None
                    kind += " with Retry-After" if has_header else " without Retry-After"
            with self._count_lock:
                self.fired[f"{kind} on {endpoint}"] += 1
        return decision

    def take(self) -> dict[str, int]:
        with self._count_lock:
            fired, self.fired = dict(self.fired), Counter()
        return dict(sorted(fired.items()))


def run_soak(root: Path, bin_dir: Path, *, monitors: int = 200, seed: int = 8,
             rates: Rates | None = None, extra_config: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the soak in ``root``; returns the figures. Raises AssertionError when an invariant fails."""
    rates = rates or Rates()
    figures: dict[str, Any] = {"monitors": monitors, "seed": seed, "rates": asdict(rates),
                               "rules": rates.rules(), "steps": {}}
    server = EmulatorServer(host="127.0.0.1", port=0, seed=seed)
    plan = CountingFaultPlan(seed)
    server.app.faults = plan
    with server:
        control = server.control
        project = SpecProject(root=root, bin_dir=bin_dir, name="soak")
        project.write(SPEC_PROGRAM)
        project.set_monitors([monitor_args(i) for i in range(monitors)])
        project.init(config={"alertsite:baseUrl": server.api_url, "alertsite:username": ADMIN_USER,
                             **(extra_config or {})},
                     secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})

        def step(name: str, *args: str, faults: bool = True) -> None:
            control.reset_requests()
            faults_set = time.perf_counter()
            if faults:
                control.set_faults(rates.rules(), seed=seed, token_expiry_every_s=rates.token_expiry_every_s)
            plan.take()
            started = time.perf_counter()
            result = project.run(*args, check=False)
            ended = time.perf_counter()
            seconds = ended - started
            control.clear_faults()
            requests = control.requests()
            calls = requests["by_endpoint"]
            fired = plan.take()
            # Tokens expire at each multiple of the period since the faults were set (at most
            # this many times); a login answered 503 or 429 issued no token.
            expiries = math.floor((ended - faults_set) / rates.token_expiry_every_s) if faults else 0
            failed_logins = sum(n for kind, n in fired.items() if kind.endswith(" on login"))
            figures["steps"][name] = {"seconds": round(seconds, 2), "exit": result.returncode,
                                      "calls": calls, "faults": fired, "token_expiries": expiries,
                                      "logins": calls.get("login", 0) - failed_logins,
                                      "tokens_used": len(requests["by_token"])}
            print(f"{name:8} {seconds:7.2f} s  exit {result.returncode}  calls {calls}",
                  file=sys.stderr, flush=True)
            if result.returncode != 0:
                raise AssertionError(f"`pulumi {' '.join(args)}` failed:\n{result.output[-6000:]}")

        step("up", "up", "--yes", "--skip-preview")
        live = control.monitors()
        state = project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)
        names = Counter(m["name"] for m in live)
        emails = Counter(m["email"] for m in live)
        figures["after_up"] = {
            "alertsite_monitors": len(live),
            "state_resources": len(state),
            "duplicate_names": sum(c - 1 for c in names.values()),
            "duplicate_emails": sum(c - 1 for c in emails.values()),
        }
        assert len(live) == monitors, f"AlertSite holds {len(live)} monitors, not {monitors}"
        assert figures["after_up"]["duplicate_names"] == 0 and figures["after_up"]["duplicate_emails"] == 0
        assert set(names) == {f"Round trip {i}" for i in range(monitors)}
        assert sorted(str(r["id"]) for r in state) == sorted(str(m["id"]) for m in live), \
            "the state and AlertSite hold different monitors"
        # A preview makes no API call, so faults would not change it; it runs without them.
        step("preview", "preview", "--expect-no-changes", faults=False)
        step("destroy", "destroy", "--yes", "--skip-preview")
        left = control.monitors()
        figures["after_destroy"] = {"alertsite_monitors": len(left),
                                    "state_resources": len(project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE))}
        assert left == [], f"destroy left {len(left)} monitors"
        assert figures["after_destroy"]["state_resources"] == 0
    up = figures["steps"]["up"]
    minimum = 1 + 2 * monitors  # one login, a POST and a GET per monitor
    figures["up_extra_calls"] = sum(up["calls"].values()) - minimum
    # Logins that issued a token, beyond the first: each follows a token expiry (the
    # emulator's tokens otherwise live an hour), whatever 503s the login itself met.
    figures["up_relogins"] = up["logins"] - 1
    return figures


def report(figures: dict[str, Any]) -> str:
    lines = [f"Soak: {figures['monitors']} monitors, seed {figures['seed']}, rates {figures['rates']}", "",
             "| step | seconds | API calls by endpoint | faults injected |", "|---|---:|---|---|"]
    for name, step in figures["steps"].items():
        calls = ", ".join(f"{k} {v}" for k, v in step["calls"].items() if v)
        faults = ", ".join(f"{k}: {v}" for k, v in step["faults"].items()) or "-"
        lines.append(f"| {name} | {step['seconds']} | {calls or '-'} | {faults} |")
    lines += ["", f"after up: {figures['after_up']}", f"after destroy: {figures['after_destroy']}",
              f"up: {figures['up_extra_calls']} calls beyond the minimum (retries and look-ups), "
              f"{figures['up_relogins']} re-logins for {figures['steps']['up']['token_expiries']} "
              f"token expiries, {figures['steps']['up']['tokens_used']} tokens used"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fault soak of pulumi up/preview/destroy.")
    parser.add_argument("--monitors", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "soak.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alertsite-soak-") as tmp:
        figures = run_soak(Path(tmp) / "soak", engine_bin_dir(), monitors=args.monitors, seed=args.seed)
    print(report(figures))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
