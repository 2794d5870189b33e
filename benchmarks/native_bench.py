"""The native plugin's scenario of ``benchmarks/run.py --native`` (see benchmarks/README.md).

For N monitors (default 300):

* zero latency, the five commands of run.py for: the engine's floor (no secret); the
  same-payload floors (a secret input and a monitor's output keys; a dynamic one and a
  native one, ``floor_plugin.py``); ours as the dynamic resource and as the native one;
* with every API call delayed (default 200 ms), ``pulumi up --parallel 32`` of ours as the
  dynamic resource and as the native one, against the bound of each one's concurrency; and,
  to attribute the native one's distance from its bound, the native one once more with the
  engine's per-step checkpoints turned off (``PULUMI_SKIP_CHECKPOINTS``: a measurement only,
  never a setting to recommend, since a killed ``up`` then loses the record of what it made).
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.harness import VENV
from engine.native_support import NATIVE_SPEC_PROGRAM
from engine.support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    MAILBOX_PASSWORD,
    SPEC_PROGRAM,
    SpecProject,
    monitor_args,
)
from measure import SERVICER_WORKERS, api_calls, children_cpu

from alertsite_pulumi.config import DEFAULT_MAX_CONCURRENCY
from alertsite_pulumi.emulator import EmulatorServer

HERE = Path(__file__).resolve().parent

_SAME_PAYLOAD_HEAD = '''
import json
import pulumi

with open("spec.json") as f:
    spec = json.load(f)
password = pulumi.Config().require_secret("mailboxPassword")
OUTPUT_KEYS = ("email_username", "timeout", "enabled", "locations", "home_location", "mode", "note",
               "alert_note", "allow_internal_testing", "custom_properties", "monitor_id", "monitor_type",
               "access_type")
'''

DYNAMIC_FLOOR_PROGRAM = _SAME_PAYLOAD_HEAD + '''
from floor_provider import SamePayloadFloorResource
for entry in spec["monitors"]:
    args = dict(entry)
    name = args.pop("resource_name")
    props = {**{k: None for k in OUTPUT_KEYS}, **args, "email_password": password}
    SamePayloadFloorResource(name, props)
'''

NATIVE_FLOOR_PROGRAM = _SAME_PAYLOAD_HEAD + '''

class Floor(pulumi.CustomResource):
    # A class of its own, as an SDK's: the engine then keeps the same stack trace in state.
    def __init__(self, name, props):
        opts = pulumi.ResourceOptions(additional_secret_outputs=["email_password"])
        super().__init__("benchfloor:index:Floor", name, props, opts)


for entry in spec["monitors"]:
    args = dict(entry)
    name = args.pop("resource_name")
    Floor(name, {**{k: None for k in OUTPUT_KEYS}, **args, "email_password": password})
'''

#: The engine's experimental switch that writes the state once at the end of an update.
NO_CHECKPOINTS = {"PULUMI_EXPERIMENTAL": "true", "PULUMI_SKIP_CHECKPOINTS": "true"}

#: latency run -> (kind of project, extra environment)
LATENCY_RUNS: dict[str, tuple[str, dict[str, str]]] = {
    "ours-dynamic": ("ours-dynamic", {}),
    "ours-native": ("ours-native", {}),
    "ours-native-no-checkpoints": ("ours-native", NO_CHECKPOINTS),
}

#: kind -> (program, needs the emulator, uses the native floor plugin)
KINDS: dict[str, tuple[str, bool, bool]] = {
    "floor-dynamic-same-payload": (DYNAMIC_FLOOR_PROGRAM, False, False),
    "ours-dynamic": (SPEC_PROGRAM, True, False),
    "floor-native-same-payload": (NATIVE_FLOOR_PROGRAM, False, True),
    "ours-native": (NATIVE_SPEC_PROGRAM, True, False),
}


def floor_plugin_bin(work: Path) -> Path:
    """A directory holding ``pulumi-resource-benchfloor`` (floor_plugin.main), for PATH."""
    bin_dir = work / "floor-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "pulumi-resource-benchfloor"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(HERE)!r})\n"
                      "from floor_plugin import main\nraise SystemExit(main())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def make_project(kind: str, root: Path, bin_dir: Path, api_url: str, work: Path) -> SpecProject:
    program, needs_api, native_floor = KINDS[kind]
    project = SpecProject(root=root, bin_dir=bin_dir, name=f"bench-{kind}")
    project.env["PYTHONPATH"] = str(HERE)
    if native_floor:
        path = f"{floor_plugin_bin(work)}{os.pathsep}{bin_dir}{os.pathsep}{VENV / 'bin'}"
        project.env["PATH"] = f"{path}{os.pathsep}{os.environ.get('PATH', '')}"
    project.write(program)
    project.set_monitors([])
    config = {"alertsite:baseUrl": api_url, "alertsite:username": ADMIN_USER} if needs_api else {}
    secrets = {"alertsite:password": ADMIN_PASSWORD} if needs_api else {}
    project.init(config=config, secrets={**secrets, "mailboxPassword": MAILBOX_PASSWORD})
    return project


def up_at_latency(run: str, n: int, root: Path, bin_dir: Path, server: EmulatorServer,
                  latency_ms: float, parallel: int, work: Path) -> dict[str, Any]:
    """``pulumi up --parallel P`` of N monitors with every API call delayed; its bound."""
    kind, extra_env = LATENCY_RUNS[run]
    control = server.control
    control.reset()
    control.set_faults([{"endpoint": "*", "kind": "latency", "latency_ms": latency_ms}])
    project = make_project(kind, root, bin_dir, server.api_url, work)
    project.env.update(extra_env)
    project.set_monitors([monitor_args(i) for i in range(n)])
    control.reset_requests()
    cpu = children_cpu()
    started = time.perf_counter()
    project.up("--parallel", str(parallel))
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu
    calls = dict(control.requests()["by_endpoint"])
    concurrency = min(parallel, DEFAULT_MAX_CONCURRENCY if kind == "ours-native" else SERVICER_WORKERS)
    # Each login is a call nothing else overlaps; the rest spread over the calls in flight.
    bound = (calls.get("login", 0) + api_calls(calls) / concurrency) * latency_ms / 1000
    print(f"  up@{latency_ms:g}ms --parallel {parallel} {run:28} {seconds:8.2f} s "
          f"(bound {bound:.2f} s at concurrency {concurrency})", file=sys.stderr, flush=True)
    control.clear_faults()
    project.destroy("--parallel", str(parallel))
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "calls": calls,
            "concurrency": concurrency, "bound_s": round(bound, 3),
            "ratio_to_bound": round(seconds / bound, 3)}


def run_native(n: int, work: Path, bin_dir: Path, server: EmulatorServer, *, repeat: int,
               latency_ms: float, parallel: int,
               zero_latency: Callable[[str, int, Path], dict[str, Any]],
               best_of: Callable[[int, Callable[[int], dict[str, Any]], str], dict[str, Any]],
               ) -> dict[str, Any]:
    """Every figure of the native scenario for N monitors.

    ``zero_latency(kind, n, root)`` runs run.py's five commands for a project of ``kind``
    ("floor" is run.py's own floor); ``best_of`` is run.py's.
    """
    results: dict[str, Any] = {"n": n, "zero_latency": {}, "latency": {}}
    for kind in ("floor", *KINDS):
        results["zero_latency"][kind] = best_of(
            repeat, lambda r, kind=kind: zero_latency(kind, n, work / f"{kind}-{n}-{r}"),  # type: ignore[misc]
            f"N={n}: {kind}")
    for name in LATENCY_RUNS:
        runs = [up_at_latency(name, n, work / f"lat-{name}-{n}-{r}", bin_dir, server, latency_ms,
                              parallel, work)
                for r in range(max(1, repeat))]
        results["latency"][name] = min(runs, key=lambda run: float(run["seconds"]))
    return results


def native_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    zero, lat, n = results["zero_latency"], results["latency"], results["n"]
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float, limit: float, met: bool) -> None:
        checks.append({"target": f"N={n}: {name}", "value": round(value, 3), "limit": limit, "met": met})

    native, dynamic = lat["ours-native"], lat["ours-dynamic"]
    add("native up@latency / bound", native["ratio_to_bound"], 1.3, native["ratio_to_bound"] <= 1.3)
    speedup = dynamic["seconds"] / native["seconds"]
    add("dynamic up@latency / native up@latency", speedup, 3.0, speedup >= 3.0)
    for ours, floor in (("ours-dynamic", "floor-dynamic-same-payload"),
                        ("ours-native", "floor-native-same-payload")):
        ratio = zero[ours]["seconds"]["up"] / zero[floor]["seconds"]["up"]
        add(f"{ours} up / {floor} up (zero latency)", ratio, 1.05, ratio <= 1.05)
    return checks


def native_markdown(results: dict[str, Any], latency_ms: float, parallel: int) -> str:
    zero, lat, n = results["zero_latency"], results["latency"], results["n"]
    ops = list(zero["floor"]["seconds"])
    lines = [f"Native scenario, N={n}, zero latency (seconds; default --parallel):", "",
             "| scenario | " + " | ".join(ops) + " | state bytes/resource |",
             "|---|" + "---:|" * (len(ops) + 1)]
    for kind, run in zero.items():
        cells = [f"{run['seconds'][op]:.2f}" for op in ops]
        lines.append(f"| {kind} | " + " | ".join(cells) + f" | {round(run['state_bytes'] / n)} |")
    pairs = (("ours-dynamic", "floor-dynamic-same-payload"), ("ours-dynamic", "floor"),
             ("ours-native", "floor-native-same-payload"))
    for ours, floor in pairs:
        cells = [f"{zero[ours]['seconds'][op] / zero[floor]['seconds'][op]:.2f}" for op in ops]
        lines.append(f"| {ours} / {floor} | " + " | ".join(cells) + " | |")
    lines += ["", "CPU seconds of the commands' processes (CLI, language host, plugins):", "",
              "| scenario | " + " | ".join(ops) + " |", "|---|" + "---:|" * len(ops)]
    for kind, run in zero.items():
        lines.append(f"| {kind} | " + " | ".join(f"{run['cpu_seconds'][op]:.2f}" for op in ops) + " |")
    for ours, floor in pairs:
        cells = [f"{zero[ours]['cpu_seconds'][op] / zero[floor]['cpu_seconds'][op]:.2f}" for op in ops]
        lines.append(f"| {ours} / {floor} | " + " | ".join(cells) + " |")
    lines += ["", f"`pulumi up --parallel {parallel}` of N={n} with {latency_ms:g} ms per API call:", "",
              "| resource | up s | CPU s | logins | API calls | concurrency | bound s | up/bound "
              "| (up - up at zero latency)/bound |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, run in lat.items():
        kind, extra_env = LATENCY_RUNS[name]
        # Only a run with the engine as at zero latency has a zero-latency time to subtract.
        added = "" if extra_env else f"{(run['seconds'] - zero[kind]['seconds']['up']) / run['bound_s']:.2f}"
        lines.append(f"| {name} | {run['seconds']:.2f} | {run['cpu_seconds']:.2f} | "
                     f"{run['calls'].get('login', 0)} | {api_calls(run['calls'])} | {run['concurrency']} | "
                     f"{run['bound_s']:.2f} | {run['ratio_to_bound']:.2f} | {added} |")
    lines += ["", "| target | value | limit | met |", "|---|---:|---:|---|"]
    for t in native_targets(results):
        lines.append(f"| {t['target']} | {t['value']} | {t['limit']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


__all__ = ["KINDS", "make_project", "native_markdown", "native_targets", "run_native"]
