"""The pack's entry point as ``pulumi --policy-pack <pack directory>`` starts it, minus the CLI.

The language host runs the pack directory with the virtualenv's Python; here the directory is
run the same way (``python <pack directory>``) and asked over gRPC what it holds.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

from .policy_testing import POLICY_DIR, policies

# grpc and protobuf ship no type stubs here.
grpc: Any = importlib.import_module("grpc")
empty_pb2: Any = importlib.import_module("google.protobuf.empty_pb2")


@pytest.fixture
def pack_port() -> Iterator[int]:
    process = subprocess.Popen(
        [sys.executable, "-u", str(POLICY_DIR)],
        cwd=POLICY_DIR,
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


def test_the_pack_starts_and_serves_every_rule(pack_port: int) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{pack_port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        stub: Any = analyzer_pb2_grpc.AnalyzerStub(channel)
        info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert info.name == "alertsite-round-trip"
    assert [p.name for p in info.policies] == [p.name for p in policies.ALL_POLICIES]


def test_policy_pack_is_the_last_statement_of_main() -> None:
    tree = ast.parse((POLICY_DIR / "__main__.py").read_text())
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    assert isinstance(last.value, ast.Call)
    assert isinstance(last.value.func, ast.Name)
    assert last.value.func.id == "PolicyPack"
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert len(calls) == 1, "__main__.py should only build the pack"
