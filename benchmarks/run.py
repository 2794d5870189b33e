"""Benchmarks of EmailRoundTripMonitor against the Pulumi engine's own floor.

    .venv/bin/python benchmarks/run.py [--sizes 10,100,300] [--latency-ms 50]
                                       [--out benchmarks/results/latest.json]

For each size N: the wall time of `pulumi up` (create), a no-change `pulumi preview`,
`pulumi refresh`, an `up` that changes every resource (update) and `pulumi destroy`, for

* floor: N trivial dynamic resources whose provider calls nothing (floor_provider.py),
* ours:  N monitors against an in-process emulator with no latency,
* ours@latency: the same with every API call delayed by --latency-ms,

plus the API calls each command made (the emulator's counters) and the state bytes per
resource. Prints markdown tables and writes the figures as JSON. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

import native_bench as native  # noqa: E402  (the native plugin's scenario)
from engine.harness import PulumiProject, engine_bin_dir  # noqa: E402
from engine.support import (  # noqa: E402
    ADMIN_PASSWORD,
    ADMIN_USER,
    MAILBOX_PASSWORD,
    SPEC_PROGRAM,
    SpecProject,
    monitor_args,
)
from measure import SERVICER_WORKERS, api_calls, children_cpu  # noqa: E402

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer  # noqa: E402

OPERATIONS = ("up", "preview", "refresh", "update", "destroy")
DEFAULT_SIZES = "10,100,300"
DEFAULT_LATENCY_MS = 50.0
#: Monitors per page of a listing (the client's page size).
LIST_PAGE = 100

FLOOR_PROGRAM = '''
import json
from floor_provider import FloorResource

with open("spec.json") as f:
    spec = json.load(f)
for entry in spec["monitors"]:
    args = dict(entry)
    FloorResource(args.pop("resource_name"), args)
'''


# --- machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def engine_parallelism(bin_dir: Path) -> int:
    """The default of `pulumi up --parallel` (it depends on the number of CPUs)."""
    out = subprocess.run([str(bin_dir / "pulumi"), "up", "--help"], capture_output=True, text=True,
                         check=False, env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}).stdout
    found = re.search(r"--parallel int32 .*\(default (\d+)\)", out)
    return int(found.group(1)) if found else 8


def machine(bin_dir: Path) -> dict[str, Any]:
    version = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True,
                             check=False, env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "pulumi": version.stdout.strip(),
        "engine_parallel": engine_parallelism(bin_dir),
        "servicer_workers": SERVICER_WORKERS,
    }


# --- one scenario ----------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def state_bytes(project: PulumiProject) -> int:
    return len(project.run("stack", "export").stdout.encode())


def run_scenario(project: SpecProject, n: int,
                 control: EmulatorControl | None) -> dict[str, Any]:
    """Time the five commands; with ``control``, also count the API calls of each."""
    specs = [monitor_args(i) for i in range(n)]
    project.set_monitors(specs)
    result: dict[str, Any] = {"seconds": {}, "calls": {}}

    def step(name: str, action: Callable[[], object]) -> None:
        if control is not None:
            control.reset_requests()
        cpu = children_cpu()
        result["seconds"][name] = round(timed(action), 3)
        # CPU of the CLI, language host and plugins: unlike wall time, not inflated by
        # whatever else the machine runs.
        result.setdefault("cpu_seconds", {})[name] = round(children_cpu() - cpu, 3)
        if control is not None:
            result["calls"][name] = dict(control.requests()["by_endpoint"])
        print(f"  {name:8} {result['seconds'][name]:8.2f} s", file=sys.stderr, flush=True)

    step("up", project.up)
    result["state_bytes"] = state_bytes(project)
    step("preview", lambda: project.preview("--expect-no-changes"))
    step("refresh", lambda: project.refresh("--expect-no-changes"))
    project.set_monitors([dict(s, interval=30) for s in specs])
    step("update", project.up)
    step("destroy", project.destroy)
    if control is not None:
        left = control.monitors()
        if left:
            raise AssertionError(f"destroy left {len(left)} monitors")
    return result


def make_project(root: Path, bin_dir: Path, *, floor: bool, api_url: str | None) -> SpecProject:
    project = SpecProject(root=root, bin_dir=bin_dir, name="bench-floor" if floor else "bench-ours")
    if floor:
        project.env["PYTHONPATH"] = str(HERE)
        project.write(FLOOR_PROGRAM)
        project.set_monitors([])
        project.init()
    else:
        project.write(SPEC_PROGRAM)
        project.set_monitors([])
        assert api_url is not None
        project.init(config={"alertsite:baseUrl": api_url, "alertsite:username": ADMIN_USER},
                     secrets={"alertsite:password": ADMIN_PASSWORD, "mailboxPassword": MAILBOX_PASSWORD})
    return project


def fresh(control: EmulatorControl, faults: list[dict[str, Any]] | None = None) -> EmulatorControl:
    """The emulator after a reset, with these fault rules."""
    control.reset()
    if faults:
        control.set_faults(faults)
    return control


def scenario(kind: str, n: int, work: Path, bin_dir: Path, server: EmulatorServer,
             latency_ms: float) -> Callable[[int], dict[str, Any]]:
    """One run of the floor (``floor``) or of ours (``ours``, ``lat``) for N resources."""

    def run(r: int) -> dict[str, Any]:
        root = work / f"{kind}-{n}-{r}"
        if kind == "floor":
            return run_scenario(make_project(root, bin_dir, floor=True, api_url=None), n, None)
        faults = [{"endpoint": "*", "kind": "latency", "latency_ms": latency_ms}] if latency_ms else None
        control = fresh(server.control, faults)
        return run_scenario(make_project(root, bin_dir, floor=False, api_url=server.api_url), n, control)

    return run


def best_of(repeat: int, scenario: Callable[[int], dict[str, Any]], label: str) -> dict[str, Any]:
    """Run a scenario ``repeat`` times; keep the fastest time of each command (calls of the first)."""
    runs = []
    for r in range(max(1, repeat)):
        print(f"{label} (run {r + 1}/{max(1, repeat)})", file=sys.stderr, flush=True)
        runs.append(scenario(r))
    best = runs[0]
    best["all_seconds"] = [run["seconds"] for run in runs]
    best["seconds"] = {op: min(run["seconds"][op] for run in runs) for op in best["seconds"]}
    return best


# --- figures ---------------------------------------------------------------------------------


def derive(n: int, floor: dict[str, Any], ours: dict[str, Any], lat: dict[str, Any] | None,
           latency_ms: float, parallel: int) -> dict[str, Any]:
    concurrency = min(parallel, SERVICER_WORKERS)
    out: dict[str, Any] = {"n": n, "ops": {}}
    for op in OPERATIONS:
        calls = ours["calls"][op]
        row: dict[str, Any] = {
            "floor_s": floor["seconds"][op],
            "ours_s": ours["seconds"][op],
            "ratio_to_floor": round(ours["seconds"][op] / floor["seconds"][op], 3),
            "calls": calls,
            "logins": calls.get("login", 0),
            "api_calls_per_resource": round(api_calls(calls) / n, 3),
        }
        if lat is not None:
            lat_calls = lat["calls"][op]
            # Each login is a call no other call can overlap; the rest spread over the workers.
            bound = (lat_calls.get("login", 0) + api_calls(lat_calls) / concurrency) * latency_ms / 1000
            bound_parallel = (lat_calls.get("login", 0) + api_calls(lat_calls) / parallel) * latency_ms / 1000
            row.update({
                "latency_s": lat["seconds"][op],
                "latency_calls": lat_calls,
                "bound_s": round(bound, 3),
                "bound_if_engine_parallel_s": round(bound_parallel, 3),
                "ratio_to_bound": round(lat["seconds"][op] / bound, 3) if bound else None,
                # The time latency added over the zero-latency run, against the bound.
                "added_s": round(lat["seconds"][op] - ours["seconds"][op], 3),
                "added_ratio_to_bound": (round((lat["seconds"][op] - ours["seconds"][op]) / bound, 3)
                                         if bound else None),
            })
        out["ops"][op] = row
    out["state_bytes_per_resource"] = {
        "floor": round(floor["state_bytes"] / n),
        "ours": round(ours["state_bytes"] / n),
        "ratio": round(ours["state_bytes"] / floor["state_bytes"], 3),
    }
    return out


def targets(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of issue #8, met or missed, with the figure that decides it."""
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float, limit: float, met: bool) -> None:
        checks.append({"target": name, "value": value, "limit": limit, "met": met})

    for r in results:
        n, ops = r["n"], r["ops"]
        logins = max(ops[op]["logins"] for op in OPERATIONS if op != "preview")
        add(f"N={n}: logins per command", logins, 1, logins <= 1)
        # Each up lists the account once, for the mailbox check (one page: the account starts
        # empty), and each create looks again after its POST (one listing: one page per 100
        # monitors the account holds by then, so at most ceil(n / 100)); the rest is the
        # creates' own calls (POST, GET).
        listings = ops["up"]["calls"].get("list", 0)
        look_pages = max(1, math.ceil(n / LIST_PAGE))
        per_create = round(ops["up"]["api_calls_per_resource"] - 1 / n, 3)
        add(f"N={n}: API calls per create (POST, GET, the look after it)", per_create,
            2 + look_pages, per_create <= 2 + look_pages)
        add(f"N={n}: list pages per up (1 listing + 1 look per create)", listings,
            1 + n * look_pages, listings <= 1 + n * look_pages)
        add(f"N={n}: API calls per update", ops["update"]["api_calls_per_resource"], 2,
            ops["update"]["api_calls_per_resource"] <= 2)
        add(f"N={n}: API calls per delete", ops["destroy"]["api_calls_per_resource"], 1,
            ops["destroy"]["api_calls_per_resource"] <= 1)
        add(f"N={n}: API calls per refresh", ops["refresh"]["api_calls_per_resource"], 1,
            ops["refresh"]["api_calls_per_resource"] <= 1)
        preview_calls = sum(ops["preview"]["calls"].values())
        add(f"N={n}: calls of a no-change preview", preview_calls, 0, preview_calls == 0)
        if n >= 300:
            ratio = ops["up"]["ratio_to_floor"]
            add(f"N={n}: up / floor (zero latency)", ratio, 1.25, ratio <= 1.25)
    return checks


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lat = report["latency_ms"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, pulumi {m['pulumi']}, "
        f"engine --parallel {m['engine_parallel']}, servicer workers {m['servicer_workers']} "
        f"(effective concurrency {min(m['engine_parallel'], m['servicer_workers'])}).",
        "",
        "| N | command | floor s | ours s | ours/floor | logins | API calls/resource |"
        + (f" ours@{lat:g}ms s | bound s | ours/bound | (ours@{lat:g}ms - ours)/bound |" if lat else ""),
        "|---:|---|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if lat else ""),
    ]
    for r in report["results"]:
        for op, row in r["ops"].items():
            cells = [str(r["n"]), op, f"{row['floor_s']:.2f}", f"{row['ours_s']:.2f}",
                     f"{row['ratio_to_floor']:.2f}", str(row["logins"]),
                     f"{row['api_calls_per_resource']:.2f}"]
            if lat:
                ratio = row["ratio_to_bound"]
                added = row["added_ratio_to_bound"]
                cells += [f"{row['latency_s']:.2f}", f"{row['bound_s']:.2f}",
                          f"{ratio:.2f}" if ratio is not None else "-",
                          f"{added:.2f}" if added is not None else "-"]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| N | state bytes/resource: floor | ours | ours/floor |", "|---:|---:|---:|---:|"]
    for r in report["results"]:
        s = r["state_bytes_per_resource"]
        lines.append(f"| {r['n']} | {s['floor']} | {s['ours']} | {s['ratio']:.2f} |")
    lines += ["", "| target | value | limit | met |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['value']} | {t['limit']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated numbers of resources (default 10,100,300)")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_LATENCY_MS,
                        help="emulator latency per API call for the latency runs (0: skip them)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json",
                        help="where to write the JSON figures")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each scenario this many times and keep the fastest time of each command")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project directories")
    parser.add_argument("--native", action="store_true",
                        help="the native plugin's scenario instead (benchmarks/native_bench.py): "
                             "sizes default to 300, --latency-ms to 200")
    parser.add_argument("--parallel", type=int, default=32,
                        help="`pulumi up --parallel` of the native scenario's latency runs (default 32)")
    args = parser.parse_args(argv)
    if args.native:
        args.sizes = "300" if args.sizes == DEFAULT_SIZES else args.sizes
        args.latency_ms = 200.0 if args.latency_ms == DEFAULT_LATENCY_MS else args.latency_ms
        if args.out == HERE / "results" / "latest.json":
            args.out = HERE / "results" / "native.json"
    return args


def main_native(args: argparse.Namespace, bin_dir: Path, info: dict[str, Any], work: Path) -> dict[str, Any]:
    """The native plugin's scenario (benchmarks/native_bench.py) for each size."""
    results = []
    with EmulatorServer(host="127.0.0.1", port=0) as server:

        def zero_latency(kind: str, n: int, root: Path) -> dict[str, Any]:
            if kind == "floor":
                return run_scenario(make_project(root, bin_dir, floor=True, api_url=None), n, None)
            control = fresh(server.control) if native.KINDS[kind][1] else None
            return run_scenario(native.make_project(kind, root, bin_dir, server.api_url, work), n, control)

        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            results.append(native.run_native(n, work, bin_dir, server, repeat=args.repeat,
                                             latency_ms=args.latency_ms, parallel=args.parallel,
                                             zero_latency=zero_latency, best_of=best_of))
    for r in results:
        print(native.native_markdown(r, args.latency_ms, args.parallel) + "\n")
    return {"machine": info, "latency_ms": args.latency_ms, "parallel": args.parallel, "results": results,
            "targets": [t for r in results for t in native.native_targets(r)]}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.native:
        bin_dir = engine_bin_dir()
        work = Path(tempfile.mkdtemp(prefix="alertsite-bench-native-"))
        started = time.perf_counter()
        try:
            report = main_native(args, bin_dir, machine(bin_dir), work)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        report["total_seconds"] = round(time.perf_counter() - started, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    bin_dir = engine_bin_dir()
    info = machine(bin_dir)
    parallel = int(info["engine_parallel"])
    work = Path(tempfile.mkdtemp(prefix="alertsite-bench-"))
    results: list[dict[str, Any]] = []
    raw: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        with EmulatorServer(host="127.0.0.1", port=0) as server:
            control = server.control
            for n in sizes:
                floor = best_of(args.repeat, scenario("floor", n, work, bin_dir, server, 0),
                                f"N={n}: floor")
                ours = best_of(args.repeat, scenario("ours", n, work, bin_dir, server, 0),
                               f"N={n}: ours")
                lat = None
                if args.latency_ms > 0:
                    lat = best_of(args.repeat, scenario("lat", n, work, bin_dir, server, args.latency_ms),
                                  f"N={n}: ours with {args.latency_ms:g} ms latency")
                    control.reset()
                raw.append({"n": n, "floor": floor, "ours": ours, "latency": lat})
                results.append(derive(n, floor, ours, lat, args.latency_ms, parallel))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "machine": info,
        "latency_ms": args.latency_ms,
        "sizes": sizes,
        "results": results,
        "targets": targets(results),
        "raw": raw,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    print(markdown(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
