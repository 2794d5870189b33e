"""Turn the monitors of an AlertSite account into Pulumi code: a stack config or a program.

Each exported monitor is adopted by id and carries exactly the values AlertSite reports
(coerced through ``fields.coerce``), so the first ``pulumi up`` of the result writes
nothing and the next preview finds no change. ``email_password`` is write-only in
AlertSite: it is never exported, and both formats say how to add it as a secret.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from .client import AlertSiteClient
from .coercion import coerce
from .errors import NotFound
from .fields import ADOPT_MONITOR_ID, FIELDS, SECRET_FIELDS, validate_inputs
from .tokens import MONITORS_KEY, PASSWORDS_KEY

DEFAULT_PROJECT: Final = "alertsite-monitors"
FORMATS: Final = ("stack-config", "python")
_PROJECT_RE: Final = re.compile(r"^[A-Za-z0-9_.-]+$")
_SLUG_MAX: Final = 60


@dataclass
class ExportedMonitor:
    """One monitor as it will be written: its Pulumi resource name and its field values."""

    resource_name: str
    monitor_id: str
    values: dict[str, Any]
    """The fields to write, in ``FIELDS`` order, coerced; never a secret field."""
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """Fields AlertSite reported with a value the resource would refuse: (field, why)."""


def check_project_name(project: str) -> str:
    if not _PROJECT_RE.match(project):
        raise ValueError(
            f"{project!r} is not a Pulumi project name (letters, digits, '-', '_' and '.')")
    return project


def slugify(name: str) -> str:
    """A resource name from a monitor name: lowercase ASCII words joined by '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "monitor"


def id_order(monitor_id: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order, any others after them."""
    return (0, int(monitor_id), "") if monitor_id.isdigit() else (1, 0, monitor_id)


def resource_names(monitors: Sequence[Mapping[str, Any]]) -> list[str]:
    """A unique resource name per monitor (in the given order, which should be by id).

    The first monitor with a slug keeps it; later ones get ``-<id>`` appended, so the
    oldest monitor's name does not change when a namesake is added in AlertSite.
    """
    taken: set[str] = set()
    out = []
    for monitor in monitors:
        base = slugify(str(monitor.get("name") or ""))
        candidate = base
        if candidate in taken:
            candidate = f"{base}-{monitor.get('id')}"
        counter = 2
        while candidate in taken:
            candidate = f"{base}-{monitor.get('id')}-{counter}"
            counter += 1
        taken.add(candidate)
        out.append(candidate)
    return out


def exportable_values(monitor: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The monitor's fields as the resource takes them, and those left out (with why).

    A value the resource's ``check`` would refuse (say an interval this version does not
    know) is left out rather than written: AlertSite keeps it, and the program stays valid.
    """
    values = {
        name: coerce(name, monitor[name])
        for name in FIELDS
        if name not in SECRET_FIELDS and monitor.get(name) is not None
    }
    left_out: list[tuple[str, str]] = []
    # Cross-field rules may name a field only once another is gone: repeat until clean.
    for _ in range(len(FIELDS)):
        problems = [(name, why) for name, why in
                    validate_inputs({**values, ADOPT_MONITOR_ID: str(monitor.get("id"))})
                    if name in values]
        if not problems:
            break
        for name, why in problems:
            if name in values:
                left_out.append((name, f"{values.pop(name)!r}: {why}"))
    return values, left_out


def prepare(monitors: Iterable[Mapping[str, Any]]) -> list[ExportedMonitor]:
    """The monitors ordered by id, each with a unique resource name and its values."""
    ordered = sorted(monitors, key=lambda m: id_order(str(m.get("id"))))
    out = []
    for monitor, resource_name in zip(ordered, resource_names(ordered), strict=True):
        values, left_out = exportable_values(monitor)
        out.append(ExportedMonitor(resource_name, str(monitor.get("id")), values, left_out))
    return out


# --- reading the account --------------------------------------------------------------------


def fetch_monitors(client: AlertSiteClient, *, parallel: int,
                   on_done: Callable[[], None] = lambda: None,
                   on_total: Callable[[int], None] = lambda _n: None,
                   on_gone: Callable[[str], None] = lambda _id: None) -> list[dict[str, Any]]:
    """Every round-trip monitor, each read with ``GET /monitors/{id}``.

    The provider adopts a monitor by reading it this way, so the values exported are the
    values it will compare against. A monitor deleted while the export runs is skipped.
    """
    ids = [str(m["id"]) for m in client.iter_monitors() if m.get("id") is not None]
    on_total(len(ids))

    def read(monitor_id: str) -> dict[str, Any] | None:
        try:
            return client.get_monitor(monitor_id)
        except NotFound:
            on_gone(monitor_id)
            return None

    found: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(read, monitor_id) for monitor_id in ids]
        try:
            for future in as_completed(futures):
                monitor = future.result()
                if monitor is not None:
                    found.append(monitor)
                on_done()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return found


# --- stack config (YAML) ---------------------------------------------------------------------


class _FlowList(list[Any]):
    """A list written inline (``[10, 20]``), for short lists of scalars."""


class _Dumper(yaml.SafeDumper):
    """Block YAML with list items indented under their key, as people write it."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line text (notes) reads best as a literal block; PyYAML falls back to a quoted
    # style by itself when a literal block cannot hold the text exactly.
    style = "|" if "\n" in data and all(c.isprintable() or c == "\n" for c in data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)


def _yaml_value(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, int | str | bool) for v in value):
        return _FlowList(value)
    return value


def _left_out_comment(monitor: ExportedMonitor) -> list[str]:
    return [f"#   {monitor.resource_name} (monitor {monitor.monitor_id}): {name} {why}"
            for name, why in monitor.left_out]


def render_stack_config(monitors: Sequence[ExportedMonitor], *, project: str = DEFAULT_PROJECT,
                        stack: str | None = None) -> str:
    """``Pulumi.<stack>.yaml`` of the root project: ``<project>:monitors`` lists every monitor."""
    check_project_name(project)
    entries = [
        {"resource_name": m.resource_name, ADOPT_MONITOR_ID: m.monitor_id,
         **{k: _yaml_value(v) for k, v in m.values.items()}}
        for m in monitors
    ]
    body = yaml.dump({"config": {f"{project}:{MONITORS_KEY}": entries}}, Dumper=_Dumper,
                     sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    file_name = f"Pulumi.{stack}.yaml" if stack else "Pulumi.<stack>.yaml"
    header = [
        f"# {file_name} of Pulumi project {project!r}, written by `alertsite-pulumi export`:",
        f"# {len(monitors)} AlertSite round-trip monitors, each adopted by id (adopt_monitor_id),",
        "# with the values AlertSite reports, so the first `pulumi up` changes nothing in AlertSite.",
        "#",
        "# Mailbox passwords (email_password) are write-only in AlertSite and are never exported.",
        "# To manage one, run in the project directory:",
        f"#   pulumi config set --secret --path '{PASSWORDS_KEY}.<resource_name>' '<password>'",
        "# The provider's own login: pulumi config set alertsite:username <email>;",
        "#   pulumi config set --secret alertsite:password <password> (or ALERTSITE_* variables).",
    ]
    left_out = [line for m in monitors for line in _left_out_comment(m)]
    if left_out:
        header += ["#", "# Left out because the resource would refuse the value AlertSite holds",
                   "# (AlertSite keeps it; set a valid value here to manage it):", *left_out]
    return "\n".join(header) + "\n" + body


# --- Pulumi program (Python) -------------------------------------------------------------------


def python_literal(value: Any) -> str:
    """Python source for a JSON-like value; strings in double quotes."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(value, ensure_ascii=True)
        # JSON string escapes are a subset of Python's, with the same meaning.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{python_literal(str(k))}: {python_literal(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} as a Python literal")


def render_python(monitors: Sequence[ExportedMonitor], *, project: str = DEFAULT_PROJECT) -> str:
    """A Pulumi program (``__main__.py``) declaring one EmailRoundTripMonitor per monitor."""
    check_project_name(project)
    lines = [
        f'"""Pulumi program of project {project!r}, written by `alertsite-pulumi export`.',
        "",
        f"{len(monitors)} AlertSite round-trip monitors, each adopted by id (adopt_monitor_id) with",
        "the values AlertSite reports, so the first `pulumi up` changes nothing in AlertSite.",
        "",
        "Mailbox passwords (email_password) are write-only in AlertSite and are never exported.",
        "To manage one, run in the project directory:",
        f"    pulumi config set --secret --path '{PASSWORDS_KEY}.<resource_name>' '<password>'",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "import pulumi",
        "",
        "from alertsite_pulumi import EmailRoundTripMonitor",
        "",
        "config = pulumi.Config()",
        "# A monitor without a password here keeps the one AlertSite has.",
        f"mailbox_passwords: dict[str, Any] = config.get_object({python_literal(PASSWORDS_KEY)}) or {{}}",
    ]
    for monitor in monitors:
        lines += ["", f"# AlertSite monitor {monitor.monitor_id}"]
        lines += [line.replace("#   ", "# left out: ", 1) for line in _left_out_comment(monitor)]
        lines += [
            "EmailRoundTripMonitor(",
            f"    {python_literal(monitor.resource_name)},",
            f"    {ADOPT_MONITOR_ID}={python_literal(monitor.monitor_id)},",
            *(f"    {name}={python_literal(value)}," for name, value in monitor.values.items()),
            *(f"    {secret}=mailbox_passwords.get({python_literal(monitor.resource_name)}),"
              for secret in SECRET_FIELDS),
            ")",
        ]
    source = "\n".join(lines) + "\n"
    compile(source, "__main__.py", "exec")
    return source


def render(monitors: Sequence[ExportedMonitor], fmt: str, *, project: str = DEFAULT_PROJECT,
           stack: str | None = None) -> str:
    if fmt == "stack-config":
        return render_stack_config(monitors, project=project, stack=stack)
    if fmt == "python":
        return render_python(monitors, project=project)
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
