"""The pack's entry points as ``pulumi --policy-pack <pack directory>`` starts them, minus the CLI.

The language host runs the pack directory with the virtualenv's Python; here each directory (the
packaged pack, and the checkout's ``policy/``) is run the same way (``python <pack directory>``)
and asked over gRPC what it holds. The two build one pack from one set of rules.
"""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

from alertsite_pulumi import __version__
from alertsite_pulumi.policy_pack import LAUNCHER

from .policy_testing import POLICY_DIR, policies

#: The checkout's pack: what ``pulumi preview --policy-pack policy`` runs from the repository root.
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "policy"
PACK_DIRS = pytest.mark.parametrize("pack_dir", [POLICY_DIR, CHECKOUT_DIR], ids=["packaged", "checkout"])

# grpc and protobuf ship no type stubs here.
grpc: Any = importlib.import_module("grpc")
empty_pb2: Any = importlib.import_module("google.protobuf.empty_pb2")


@pytest.fixture
def pack_port(pack_dir: Path) -> Iterator[int]:
    process = subprocess.Popen(
        [sys.executable, "-u", str(pack_dir)],
        cwd=pack_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            process.kill()
            _, stderr = process.communicate(timeout=10)
            pytest.fail(f"the pack did not print its port: {line!r}\n{stderr}")
        yield int(line)
    finally:
        process.kill()
        process.communicate(timeout=10)


@PACK_DIRS
def test_the_pack_starts_and_serves_every_rule(pack_port: int) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{pack_port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        stub: Any = analyzer_pb2_grpc.AnalyzerStub(channel)
        info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert info.name == "alertsite-round-trip"
    assert [p.name for p in info.policies] == [p.name for p in policies.ALL_POLICIES]


@PACK_DIRS
def test_policy_pack_is_the_last_statement_of_main(pack_dir: Path) -> None:
    tree = ast.parse((pack_dir / "__main__.py").read_text())
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    assert isinstance(last.value, ast.Call)
    assert isinstance(last.value.func, ast.Name)
    assert last.value.func.id == "PolicyPack"
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert calls == ["check_pack_version", "PolicyPack"], "__main__.py: check its version, build the pack"


def code_of(main: Path) -> str:
    """A ``__main__.py``'s statements without its docstring, as the AST prints them."""
    body = ast.parse(main.read_text()).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return "\n".join(ast.dump(statement) for statement in body)


def test_the_checkout_pack_is_the_packaged_pack() -> None:
    """policy/ holds no rule of its own: its ``__main__.py`` is the packaged one, statement for
    statement (the rules and the pack's arguments imported from the package)."""
    assert code_of(CHECKOUT_DIR / "__main__.py") == code_of(POLICY_DIR / "__main__.py")
    assert not list(CHECKOUT_DIR.glob("*.py"))[1:], "policy/ holds one module, __main__.py"
    for name in ("PulumiPolicy.yaml", "requirements.txt", "README.md"):
        assert (CHECKOUT_DIR / name).is_file(), name


def test_the_checkout_launcher_is_the_packaged_one_and_runs_its_own_directory(tmp_path: Path) -> None:
    """policy/run-policy-pack is a symlink to the packaged launcher, which runs the directory it
    was started from when that is a pack (so policy/__main__.py), else its own."""
    launcher = CHECKOUT_DIR / "run-policy-pack"
    assert launcher.is_symlink() and launcher.resolve() == LAUNCHER
    assert os.access(launcher, os.X_OK)
    # A pack beside a symlink to the launcher, whose __main__.py says where it ran.
    pack = tmp_path / "checkout" / "policy"
    pack.mkdir(parents=True)
    (pack / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text("import pathlib\nprint('ran', pathlib.Path(__file__).parent)\n")
    (pack / "run-policy-pack").symlink_to(LAUNCHER)
    ran = subprocess.run([str(pack / "run-policy-pack"), "127.0.0.1:1"], capture_output=True,
                         text=True, env={**os.environ, "ALERTSITE_POLICY_PYTHON": sys.executable},
                         timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    assert f"ran {pack}" in ran.stdout, ran.stdout + ran.stderr


def test_the_launcher_ignores_cdpath(tmp_path: Path) -> None:
    """Started by a relative path (``--policy-pack policy/run-policy-pack``) with an exported
    CDPATH that holds a ``policy`` directory, the launcher still runs the pack it was started
    from: ``cd policy`` would go to CDPATH's (and print it) instead."""
    checkout = tmp_path / "checkout"
    pack = checkout / "policy"
    elsewhere = tmp_path / "elsewhere" / "policy"
    for directory, said in ((pack, "ran"), (elsewhere, "elsewhere")):
        directory.mkdir(parents=True)
        (directory / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\nversion: 0.0.1\n")
        (directory / "__main__.py").write_text(
            f"import pathlib\nprint('{said}', pathlib.Path(__file__).parent)\n")
    (pack / "run-policy-pack").symlink_to(LAUNCHER)
    env = {**os.environ, "ALERTSITE_POLICY_PYTHON": sys.executable, "CDPATH": str(elsewhere.parent)}
    ran = subprocess.run(["sh", "policy/run-policy-pack", "127.0.0.1:1"], cwd=checkout, capture_output=True,
                         text=True, env=env, timeout=30, check=False)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"ran {pack}", ran.stdout + ran.stderr


def test_a_pack_over_another_release_of_the_package_refuses_to_start(tmp_path: Path) -> None:
    """The CLI shows the version of the PulumiPolicy.yaml beside the pack; the rules that run are
    the installed package's. policy/ over another release (here: its PulumiPolicy.yaml saying
    9.9.9) refuses to start, naming both versions, instead of judging under a version it is not."""
    pack = tmp_path / "policy"
    pack.mkdir()
    for name in ("__main__.py", "requirements.txt"):
        shutil.copy(CHECKOUT_DIR / name, pack / name)
    meta = (CHECKOUT_DIR / "PulumiPolicy.yaml").read_text()
    (pack / "PulumiPolicy.yaml").write_text(meta.replace(f"version: {__version__}", "version: 9.9.9"))
    try:
        ran = subprocess.run([sys.executable, "-u", str(pack)], cwd=tmp_path, capture_output=True, text=True,
                             timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the pack started (and served) under a version that is not its rules'")
    assert ran.returncode != 0 and ran.stdout == "", ran.stdout
    said = f"gives version 9.9.9, but the installed alertsite-pulumi, whose rules would run, is {__version__}"
    assert said in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
