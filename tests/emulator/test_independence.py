"""The emulator restates AlertSite's rules on purpose: its code imports none of the client, the
provider or the field table, and nothing of Pulumi (the README's layout section), so that a
mistake in the field table cannot hide itself in the tests.

Read from the source (the package's own ``__init__`` loads everything at run time; what matters
is what the emulator's code uses): every module the emulator imports, transitively, is checked,
up to the mail probe. The probe (``alertsite_pulumi.mail``), which the runner runs as
``round-trip`` does, reads a monitor's URLs and address by the resource's own rules on purpose
(one reading for both, so that the probe never tries what the resource refuses); the emulator's
own checks of what the API is sent never go through it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "alertsite_pulumi"
#: The client, the provider, the resource, the field table and the native plugin.
FORBIDDEN = ("alertsite_pulumi.client", "alertsite_pulumi.safe_create", "alertsite_pulumi.auth",
             "alertsite_pulumi.transport", "alertsite_pulumi.config", "alertsite_pulumi.errors",
             "alertsite_pulumi.provider", "alertsite_pulumi.dynamic_host", "alertsite_pulumi.mailbox_guard",
             "alertsite_pulumi.resource", "alertsite_pulumi.program", "alertsite_pulumi.fields",
             "alertsite_pulumi.coercion", "alertsite_pulumi.validators", "alertsite_pulumi.rules",
             "alertsite_pulumi.native")


#: Where the closure stops: the probe the runner runs (see the module's docstring).
PROBE = "alertsite_pulumi.mail"


def module_file(name: str) -> Path | None:
    relative = Path(*name.split(".")[1:])
    for candidate in (PACKAGE / relative / "__init__.py", (PACKAGE / relative).with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imports_of(name: str, path: Path) -> set[str]:
    """The absolute names of the modules that ``name`` (at ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            found.add(module)
            # `from . import x` may name a module.
            found.update(f"{module}.{alias.name}" for alias in node.names
                         if module_file(f"{module}.{alias.name}") is not None)
    return found


def emulator_closure() -> dict[str, set[str]]:
    """Every module of the package the emulator's code reaches, with what each imports."""
    todo = [f"alertsite_pulumi.emulator.{p.stem}" if p.name != "__init__.py" else "alertsite_pulumi.emulator"
            for p in sorted((PACKAGE / "emulator").glob("*.py"))]
    seen: dict[str, set[str]] = {}
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = imports_of(name, path)
        todo += [m for m in seen[name] if m.startswith("alertsite_pulumi.") and not m.startswith(PROBE)]
    return seen


def test_the_emulator_imports_neither_the_client_nor_the_provider_nor_the_field_table() -> None:
    closure = emulator_closure()
    assert "alertsite_pulumi.emulator.app" in closure and "alertsite_pulumi.emulator.runner" in closure
    reached = {m for imported in closure.values() for m in imported}
    assert sorted(m for m in reached if m.startswith(FORBIDDEN)) == []
    assert sorted(m for m in reached if m == "pulumi" or m.startswith("pulumi.")) == []


def test_the_check_sees_relative_imports() -> None:
    """The closure would catch a forbidden import: the client's own imports are read right."""
    client = imports_of("alertsite_pulumi.client", PACKAGE / "client.py")
    assert {"alertsite_pulumi.coercion", "alertsite_pulumi.config", "requests"} <= client
    runner = imports_of("alertsite_pulumi.emulator.runner", PACKAGE / "emulator" / "runner.py")
    assert "alertsite_pulumi.mail" in runner


def test_the_handlers_and_routes_do_not_import_the_app() -> None:
    # The handlers serve the store (or, on the control surface, what the app offers by its
    # Protocol): the app imports them, never the other way round, so no import circle.
    for module in ("api_handlers", "control_handlers", "routes"):
        name = f"alertsite_pulumi.emulator.{module}"
        imported = imports_of(name, PACKAGE / "emulator" / f"{module}.py")
        assert "alertsite_pulumi.emulator.app" not in imported, module
    assert "alertsite_pulumi.emulator.api_handlers" not in imports_of(
        "alertsite_pulumi.emulator.routes", PACKAGE / "emulator" / "routes.py")
