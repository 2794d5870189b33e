"""Fault soak: `pulumi up` of many monitors while the emulator misbehaves, losing nothing.

    .venv/bin/python benchmarks/soak.py [--scenario default|harsh] [--monitors 200] [--seed 8]
                                        [--rounds N] [--out FILE]

``default``: the emulator answers 10% of API calls with 503, 5% with 429 (half of them
without ``Retry-After``), drops the connection after committing 2% of creates, and expires
every token every 20 s; one `pulumi up` must succeed. ``harsh``: the same, but 20% of creates
commit and then lose their answer, and every token expires every 2 s; a `pulumi up` may then
fail, but only cleanly (every error an AlertSite error that says what to do, and nothing
duplicated), and the pipeline recipe of the README (`alertsite-pulumi recover`, then
`pulumi up`, under the same faults) is repeated until the stack converges, at most
``--rounds`` times.

Then, measured from the emulator's monitors against the stack's state: AlertSite must hold
exactly the declared monitors, each once (unique names and emails) and each the one the state
holds (0 orphans, 0 duplicates); `pulumi preview --expect-no-changes` must pass; `pulumi
destroy` (under the same faults, repeated like `up`) must leave none. Prints the figures
(durations, faults fired by kind, API calls, logins, failures by error class) and writes them
as JSON. tests/engine/test_soak.py runs a smaller version.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from engine.harness import VENV, Result, engine_bin_dir  # noqa: E402
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


SCENARIOS: Final = {
    "default": Rates(),
    # Tokens that live 2 s, and a fifth of the creates committed but answered with a dropped
    # connection: a client that re-logs in once per call, or a lost create looked for too
    # early, shows here.
    "harsh": Rates(commit_then_drop=0.20, token_expiry_every_s=2.0),
}
#: Rounds of the recipe (recover, then up) a scenario may take to converge.
DEFAULT_ROUNDS: Final = {"default": 1, "harsh": 4}

#: In pulumi's "Diagnostics" section, the line of a provider traceback that names the exception
#: (indented like the "error: Traceback" line that opens it; its File and code lines are deeper).
_EXCEPTION_LINE = re.compile(r"^    ([A-Za-z_][\w.]*): (.*)$")
_TRACEBACK_START = "error: Traceback (most recent call last):"


def failure_summary(output: str) -> dict[str, Any]:
    """The errors a failed command reported, by class, and whether each is one of ours.

    Clean means every provider traceback ends in an AlertSite error (whose text says what to
    do), not in some other exception. A traceback's error is its last exception line (an
    earlier one is the exception it was raised while handling).
    """
    diagnostics = output.split("\nDiagnostics:\n", 1)[-1].split("\nResources:\n", 1)[0]
    finals: list[tuple[str, str]] = []
    current: tuple[str, str] | None = None
    for line in diagnostics.splitlines():
        if _TRACEBACK_START in line or not line.startswith("    "):
            if current is not None:
                finals.append(current)
            current = None
            if _TRACEBACK_START in line:
                current = ("", "")
            continue
        found = _EXCEPTION_LINE.match(line)
        if found and current is not None:
            current = (found[1], found[2])
    if current is not None:
        finals.append(current)
    by_class: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for name, message in finals:
        kind = name.rsplit(".", 1)[-1] if name.startswith("alertsite_pulumi.") else f"unclean {name or '?'}"
        by_class[kind] += 1
        examples.setdefault(kind, message[:400])
    return {"errors": dict(by_class), "examples": examples,
            "clean": not any(k.startswith("unclean") for k in by_class)}


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


def state_against_alertsite(project: SpecProject, live: list[dict[str, Any]]) -> dict[str, int]:
    """What the stack's state and AlertSite's monitors say together: orphans (monitors no
    resource holds), duplicates (a second monitor on a name or a mailbox), resources whose
    monitor is gone."""
    state_ids = {str(r["id"]) for r in project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE)}
    live_ids = {str(m["id"]) for m in live}
    names = Counter(m["name"] for m in live)
    emails = Counter(str(m["email"]).casefold() for m in live)
    return {
        "alertsite_monitors": len(live),
        "state_resources": len(state_ids),
        "orphans": len(live_ids - state_ids),
        "missing": len(state_ids - live_ids),
        "duplicate_names": sum(c - 1 for c in names.values()),
        "duplicate_emails": sum(c - 1 for c in emails.values()),
    }


def run_soak(root: Path, bin_dir: Path, *, monitors: int = 200, seed: int = 8,
             rates: Rates | None = None, extra_config: dict[str, str] | None = None,
             rounds: int = 1) -> dict[str, Any]:
    """Run the soak in ``root``; returns the figures. Raises AssertionError when an invariant fails.

    ``rounds`` > 1 lets a failed `up` (or `destroy`) be followed by the README's pipeline
    recipe (`alertsite-pulumi recover`, then `up` again) that many times in all, provided
    every failure is clean and duplicates nothing.
    """
    rates = rates or Rates()
    figures: dict[str, Any] = {"monitors": monitors, "seed": seed, "rates": asdict(rates),
                               "rules": rates.rules(), "rounds_allowed": rounds, "steps": {},
                               "failures": []}
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

        def step(name: str, *args: str, faults: bool = True, recover: bool = False) -> Result:
            control.reset_requests()
            faults_set = time.perf_counter()
            if faults:
                # Each step its own seed: a round repeated with the very same faults in the same
                # order would fail the same way again, which a real network does not do.
                control.set_faults(rates.rules(), seed=seed + len(figures["steps"]),
                                   token_expiry_every_s=rates.token_expiry_every_s)
            plan.take()
            started = time.perf_counter()
            result = run_recover(project) if recover else project.run(*args, check=False)
            ended = time.perf_counter()
            seconds = ended - started
            control.clear_faults()
            counts = control.requests()
            calls = counts["by_endpoint"]
            fired = plan.take()
            # Tokens expire at each multiple of the period since the faults were set (at most
            # this many times); a login answered 503 or 429 issued no token.
            expiries = math.floor((ended - faults_set) / rates.token_expiry_every_s) if faults else 0
            failed_logins = sum(n for kind, n in fired.items() if kind.endswith(" on login"))
            figures["steps"][name] = {"seconds": round(seconds, 2), "exit": result.returncode,
                                      "calls": calls, "faults": fired, "token_expiries": expiries,
                                      "logins": calls.get("login", 0) - failed_logins,
                                      "tokens_used": len(counts["by_token"])}
            print(f"{name:9} {seconds:7.2f} s  exit {result.returncode}  calls {calls}",
                  file=sys.stderr, flush=True)
            return result

        def until_done(name: str, *args: str) -> str:
            """Run the command; after a clean failure, the recipe again, up to ``rounds`` in all."""
            for attempt in range(1, rounds + 1):
                label = name if attempt == 1 else f"{name}#{attempt}"
                if attempt > 1 and name == "up":
                    step(f"recover#{attempt}", recover=True)
                result = step(label, *args)
                if result.returncode == 0:
                    return label
                failure = {"step": label, **failure_summary(result.output),
                           **state_against_alertsite(project, control.monitors())}
                figures["failures"].append(failure)
                print(f"{label}: failed: {failure['errors']}", file=sys.stderr, flush=True)
                assert failure["clean"], \
                    f"`pulumi {' '.join(args)}` failed uncleanly:\n{result.output[-6000:]}"
                assert failure["duplicate_emails"] == 0 and failure["duplicate_names"] == 0, \
                    f"`pulumi {' '.join(args)}` duplicated a monitor: {failure}"
            raise AssertionError(f"`pulumi {' '.join(args)}` did not succeed in {rounds} round(s):\n"
                                 f"{result.output[-6000:]}")

        figures["up_step"] = until_done("up", "up", "--yes", "--skip-preview")
        live = control.monitors()
        figures["after_up"] = state_against_alertsite(project, live)
        after = figures["after_up"]
        assert after["alertsite_monitors"] == monitors, f"AlertSite holds {len(live)}, not {monitors}"
        assert after["orphans"] == 0 and after["missing"] == 0, f"the state and AlertSite disagree: {after}"
        assert after["duplicate_names"] == 0 and after["duplicate_emails"] == 0, after
        assert after["state_resources"] == monitors, after
        assert {m["name"] for m in live} == {f"Round trip {i}" for i in range(monitors)}
        # A preview makes no API call, so faults would not change it; it runs without them.
        if step("preview", "preview", "--expect-no-changes", faults=False).returncode != 0:
            raise AssertionError("the preview after up found changes")
        figures["destroy_step"] = until_done("destroy", "destroy", "--yes", "--skip-preview")
        figures["after_destroy"] = state_against_alertsite(project, control.monitors())
        assert figures["after_destroy"]["alertsite_monitors"] == 0, figures["after_destroy"]
        assert figures["after_destroy"]["state_resources"] == 0, figures["after_destroy"]
    rounds_of_up = [k for k in figures["steps"] if k == "up" or k.startswith(("up#", "recover#"))]
    minimum = 1 + 2 * monitors  # one login, a POST and a GET per monitor
    up_steps = [k for k in rounds_of_up if not k.startswith("recover#")]
    figures["up_calls"] = sum(sum(figures["steps"][k]["calls"].values()) for k in rounds_of_up)
    figures["up_extra_calls"] = figures["up_calls"] - minimum
    figures["up_logins"] = sum(figures["steps"][k]["logins"] for k in up_steps)
    figures["up_tokens_used"] = sum(figures["steps"][k]["tokens_used"] for k in up_steps)
    figures["up_token_expiries"] = sum(figures["steps"][k]["token_expiries"] for k in up_steps)
    # Logins that issued a token, beyond each round's first: each follows a token expiry (the
    # emulator's tokens otherwise live an hour), whatever 503s the login itself met.
    figures["up_relogins"] = figures["up_logins"] - len(up_steps)
    return figures


def run_recover(project: SpecProject) -> Result:
    """`alertsite-pulumi recover` on the soak's stack, as a pipeline runs it before `up`."""
    argv = [str(VENV / "bin" / "alertsite-pulumi"), "recover", "--stack", project.stack,
            "--cwd", str(project.root)]
    done = subprocess.run(argv, env=project.base_env(), capture_output=True, text=True, check=False,
                          timeout=900)
    return Result(argv, done.returncode, done.stdout, done.stderr)


def report(figures: dict[str, Any]) -> str:
    lines = [f"Soak: {figures['monitors']} monitors, seed {figures['seed']}, rates {figures['rates']}", "",
             "| step | seconds | exit | API calls by endpoint | faults injected |", "|---|---:|---:|---|---|"]
    for name, step in figures["steps"].items():
        calls = ", ".join(f"{k} {v}" for k, v in step["calls"].items() if v)
        faults = ", ".join(f"{k}: {v}" for k, v in step["faults"].items()) or "-"
        lines.append(f"| {name} | {step['seconds']} | {step['exit']} | {calls or '-'} | {faults} |")
    for failure in figures["failures"]:
        lines.append(f"\n{failure['step']} failed cleanly: {failure['errors']}; then {failure['orphans']} "
                     f"orphan(s), {failure['duplicate_emails']} duplicate(s); e.g. {failure['examples']}")
    lines += ["", f"after up: {figures['after_up']}", f"after destroy: {figures['after_destroy']}",
              f"up: {figures['up_calls']} calls, {figures['up_extra_calls']} beyond the minimum (retries and "
              f"look-ups), {figures['up_logins']} logins: {figures['up_relogins']} re-logins for "
              f"{figures['up_token_expiries']} token expiries, {figures['up_tokens_used']} tokens used"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fault soak of pulumi up/preview/destroy.")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="default")
    parser.add_argument("--monitors", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of recover + up allowed (default: 1 for default, 4 for harsh)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON figures (default: benchmarks/results/soak[-SCENARIO].json)")
    args = parser.parse_args(argv)
    rounds = args.rounds or DEFAULT_ROUNDS[args.scenario]
    suffix = "" if args.scenario == "default" else f"-{args.scenario}"
    out = args.out or HERE / "results" / f"soak{suffix}.json"
    with tempfile.TemporaryDirectory(prefix="alertsite-soak-") as tmp:
        figures = run_soak(Path(tmp) / "soak", engine_bin_dir(), monitors=args.monitors, seed=args.seed,
                           rates=SCENARIOS[args.scenario], rounds=rounds)
    figures["scenario"] = args.scenario
    print(report(figures))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
