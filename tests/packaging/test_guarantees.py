"""docs/guarantees.md, the register of the README's promises: every row names the tests that
attack its promise, every named test exists, and the README links the register.

Fast and engine-free: the test files are parsed, never imported.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "docs" / "guarantees.md"
TEST_REF = re.compile(r"`(tests/[^`]+?\.py)::([^`]+)`")
HEADER = ("promise", "README section", "tests")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def register_rows(text: str) -> list[tuple[int, list[str]]]:
    """The body rows of the register's tables, with their line numbers.

    Every table must have the three columns of HEADER; a table of another shape is an error, so
    that a row cannot escape the checks by sitting in a table they do not read.
    """
    rows: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    in_code = False
    in_table = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if not in_table:
            assert tuple(cells) == HEADER, f"line {number}: a table's header must be {HEADER}, not {cells}"
            in_table = True
            continue
        if all(set(cell) <= set("-: ") for cell in cells):
            continue  # the separator
        assert len(cells) == len(HEADER), f"line {number}: {len(cells)} cells, not {len(HEADER)}"
        rows.append((number, cells))
    return rows


@cache
def _definitions(path: Path) -> frozenset[str]:
    """Module-level functions as ``name`` and methods of module-level classes as ``Class::name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{item.name}" for item in node.body if isinstance(item, functions))
    return frozenset(names)


def missing_tests(cell: str) -> list[str]:
    """The references of a tests cell that name no test of the repository."""
    missing = []
    for path_text, name in TEST_REF.findall(cell):
        path = ROOT / path_text
        test_name = name.rsplit("::", 1)[-1]
        if not test_name.startswith("test"):
            missing.append(f"{path_text}::{name} (not a test name)")
        elif not path.is_file():
            missing.append(f"{path_text}::{name} (no such file)")
        elif name not in _definitions(path):
            missing.append(f"{path_text}::{name} (not defined there)")
    return missing


def test_every_line_names_tests_that_exist() -> None:
    rows = register_rows(REGISTER.read_text(encoding="utf-8"))
    assert len(rows) > 50, "the register lost its tables"
    problems = []
    for number, (promise, section, tests) in rows:
        if not promise or not section:
            problems.append(f"line {number}: a promise and its README section are both needed")
        if not TEST_REF.findall(tests):
            problems.append(f"line {number}: names no test ({promise[:60]!r})")
        leftover = TEST_REF.sub("", tests).replace(",", "").strip()
        if leftover:
            problems.append(f"line {number}: not a `tests/path.py::name` reference: {leftover[:60]!r}")
        problems += [f"line {number}: {ref}" for ref in missing_tests(tests)]
    assert problems == []


def test_the_checks_catch_a_bad_line(tmp_path: Path) -> None:
    """The checks above can fail: a row with no test, or one naming a test that is not there."""
    table = "| promise | README section | tests |\n| --- | --- | --- |\n"
    (number, cells), = register_rows(table + "| p | s | `tests/packaging/test_guarantees.py::test_nope` |\n")
    assert number == 3
    assert missing_tests(cells[2]) == ["tests/packaging/test_guarantees.py::test_nope (not defined there)"]
    assert missing_tests("`tests/nowhere.py::test_x`") == ["tests/nowhere.py::test_x (no such file)"]
    assert missing_tests("`tests/packaging/test_guarantees.py::register_rows`") == [
        "tests/packaging/test_guarantees.py::register_rows (not a test name)"]
    assert missing_tests("`tests/packaging/test_guarantees.py::test_the_checks_catch_a_bad_line`") == []
    source = tmp_path / "test_sample.py"
    source.write_text("class TestA:\n    def test_b(self) -> None: ...\n", encoding="utf-8")
    assert _definitions(source) == frozenset({"TestA::test_b"})
    try:
        register_rows("| promise | tests |\n| --- | --- |\n| p | t |\n")
    except AssertionError as refused:
        assert "header" in str(refused)
    else:
        raise AssertionError("a table of another shape was read without complaint")


def test_the_readme_links_the_register() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    contents = readme.split("## Contents", 1)[1].split("\n## ", 1)[0]
    assert "(docs/guarantees.md)" in contents
    layout = readme.split("## Layout", 1)[1]
    assert "docs/guarantees.md" in layout
