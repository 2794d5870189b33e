"""Turn the monitors of an AlertSite account into Pulumi code: a stack config or a program.

Each exported monitor is adopted by id and carries exactly the values AlertSite reports
(coerced through ``fields.coerce``), so the first ``pulumi up`` of the result writes
nothing and the next preview finds no change. A value the resource would refuse is left out
(AlertSite keeps it), except a name or a server URL with a login, which cannot be kept and
is replaced; ``ExportedMonitor.warnings`` says which, and what the first ``up`` will write.
A URL's login is never shown (``validators.redact_url_userinfo``). ``email_password`` is write-only in
AlertSite: it is never exported, and both formats say how to add it as a secret. The
account's recipients and recipient groups are written beside the monitors
(``export_routing``), their groups referring to the exported resources.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import yaml

from .client import AlertSiteClient
from .coercion import coerce
from .errors import NotFound
from .fields import ADOPT_MONITOR_ID, FIELDS, SECRET_FIELDS, URL_FIELDS, validate_inputs
from .rules import NAME_MAX
from .tokens import MONITORS_KEY, PASSWORDS_KEY, RECIPIENT_PASSWORDS_KEY
from .validators import control_character, redact_url_userinfo, shown, strip_url_userinfo

if TYPE_CHECKING:
    from .export_routing import Routing

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
    """Fields AlertSite reported with a value the resource would refuse, left out of the
    program so that AlertSite keeps them: (field, what and why, masked and cut short)."""
    changed: list[tuple[str, str]] = field(default_factory=list)
    """Fields whose live value cannot be kept and is written replaced, so that the first
    ``up`` changes them: (field, the value, why, and what it becomes, masked and cut short)."""

    def warnings(self) -> list[str]:
        """One line per value the export could not write as AlertSite holds it."""
        where = f"monitor {self.monitor_id} ({self.resource_name})"
        lines = [*((name, f"{where}: {what}") for name, what in self.changed),
                 *((name, f"{where}: {what}; left out of the program, so AlertSite keeps it and the "
                          f"first `up` does not change it (Pulumi does not manage {name})")
                   for name, what in self.left_out)]
        order = list(FIELDS)
        return [line for _name, line in sorted(lines, key=lambda item: order.index(item[0]))]


def check_project_name(project: str) -> str:
    if not _PROJECT_RE.match(project):
        raise ValueError(
            f"{project!r} is not a Pulumi project name (letters, digits, '-', '_' and '.')")
    return project


def slugify(name: str, fallback: str = "monitor") -> str:
    """A resource name from an object's name: lowercase ASCII words joined by '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or fallback


def id_order(monitor_id: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order, any others after them."""
    return (0, int(monitor_id), "") if monitor_id.isdigit() else (1, 0, monitor_id)


def resource_names(monitors: Sequence[Mapping[str, Any]], *, fallback: str = "monitor") -> list[str]:
    """A unique resource name per monitor (or other object; in the given order, which should be
    by id; ``fallback`` names one whose name has no letter or digit).

    The first monitor with a slug keeps it; later ones get ``-<id>`` appended, so the
    oldest monitor's name does not change when a namesake is added in AlertSite.
    """
    taken: set[str] = set()
    out = []
    for monitor in monitors:
        base = slugify(str(monitor.get("name") or ""), fallback)
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


def _shown(name: str, value: Any) -> str:
    """A live value as a warning or comment may repeat it: cut short, its URL login masked."""
    if name in URL_FIELDS and isinstance(value, str):
        value = redact_url_userinfo(value)
    return shown(value)


def _replacement(name: str, value: Any, resource_name: str) -> tuple[Any, str] | None:
    """A valid value to write instead of a live one the resource refuses, and how it differs;
    None when the field is better left out (AlertSite then keeps it).

    Only two fields are replaced: ``name``, which cannot be left out (the resource would
    name the monitor after its resource name), and a mail server URL carrying a login,
    which the resource refuses and which should not stay in AlertSite.
    """
    if name == "name":
        text = value if isinstance(value, str) else ""
        # A lone surrogate (JSON can carry "\ud800") is no text Pulumi can send: dropped too.
        unicode = "".join(ch for ch in text if not "\ud800" <= ch <= "\udfff")
        printable = "".join(ch for ch in unicode if control_character(ch) is None).strip()
        kept = printable[:NAME_MAX].strip()
        if not kept:
            return resource_name, f"rename it to {resource_name!r} (its resource name)"
        how = [*(["without its lone surrogates"] if len(unicode) < len(text) else []),
               *(["without its control characters"] if len(printable) < len(unicode.strip()) else []),
               *([f"keeping its first {len(kept)} characters"] if len(kept) < len(printable) else [])]
        return kept, f"rename it to {shown(kept)}, {' and '.join(how)}"
    if name in URL_FIELDS and isinstance(value, str) and "@" in value:
        bare = strip_url_userinfo(value)
        if FIELDS[name].validate(bare) is None:
            return bare, (f"change it to {shown(bare)}, without the login; put the login in "
                          "email_username and the password in mailboxPasswords (a secret)")
    return None


def exportable_values(monitor: Mapping[str, Any], resource_name: str = "monitor"
                      ) -> tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]]]:
    """The monitor's fields as the resource takes them, those left out and those replaced.

    A value the resource's ``check`` would refuse (say an interval this version does not
    know) is left out rather than written: AlertSite keeps it, the program stays valid and
    the first ``up`` writes nothing. A name or a URL with a login cannot be kept that way:
    it is replaced by a valid value (see :func:`_replacement`), which the first ``up`` writes.
    """
    values = {
        name: coerce(name, monitor[name])
        for name in FIELDS
        if name not in SECRET_FIELDS and monitor.get(name) is not None
    }
    if "name" not in values:
        values["name"] = monitor.get("name")
    left_out: list[tuple[str, str]] = []
    changed: list[tuple[str, str]] = []
    # Cross-field rules may name a field only once another is gone: repeat until clean.
    for _ in range(len(FIELDS) + 1):
        problems = [(name, why) for name, why in
                    validate_inputs({**values, ADOPT_MONITOR_ID: str(monitor.get("id"))})
                    if name in values]
        if not problems:
            break
        for name, why in problems:
            if name not in values:
                continue
            live = values.pop(name)
            replaced = _replacement(name, live, resource_name)
            value = _shown(name, live)
            if replaced is None:
                # Most messages start with the value; the others get it in front.
                said = f"{name} {why}" if why.startswith(value) else f"{name} {value}: {why}"
                left_out.append((name, said))
            else:
                values[name], how = replaced
                changed.append((name, f"{name} {value} cannot be kept ({why}); the first `up` will {how}"))
    ordered = {name: values[name] for name in FIELDS if name in values}
    return ordered, left_out, changed


def prepare(monitors: Iterable[Mapping[str, Any]]) -> list[ExportedMonitor]:
    """The monitors ordered by id, each with a unique resource name and its values."""
    ordered = sorted(monitors, key=lambda m: id_order(str(m.get("id"))))
    out = []
    for monitor, resource_name in zip(ordered, resource_names(ordered), strict=True):
        values, left_out, changed = exportable_values(monitor, resource_name)
        out.append(ExportedMonitor(resource_name, str(monitor.get("id")), values, left_out, changed))
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

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        # PyYAML writes bidirectional overrides and zero-width marks raw (YAML counts them as
        # printable): escaped here, so that the file shows what it holds to whoever reviews it.
        if text.isprintable():
            super().write_double_quoted(text, split)
            return
        allow_unicode, self.allow_unicode = self.allow_unicode, False
        try:
            super().write_double_quoted(text, split)
        finally:
            self.allow_unicode = allow_unicode


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


#: Text that starts like a number. PyYAML quotes what YAML 1.1 reads as a number, but the engine
#: reads stack files with Go's YAML, which also takes ``1e3``, ``-1E-3``, ``+.5`` and ``0o17`` for
#: numbers: such text is always quoted, so that it stays text.
_NUMBER_LIKE: Final = re.compile(r"[-+]?\.?[0-9]")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line text (notes) reads best as a literal block; PyYAML falls back to a quoted
    # style by itself when a literal block cannot hold the text exactly.
    style: str | None = None
    if "\n" in data and all(c.isprintable() or c == "\n" for c in data):
        style = "|"
    elif not data.isprintable():
        style = '"'  # the one style with escapes (see _Dumper.write_double_quoted)
    elif _NUMBER_LIKE.match(data):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)


def _yaml_value(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, int | str | bool) for v in value):
        return _FlowList(value)
    return value


_LINE_BREAKS: Final = str.maketrans({"\n": "\\n", "\r": "\\r", "\x85": "\\x85",
                                     "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _warning_comments(monitor: ExportedMonitor | Routing, prefix: str) -> list[str]:
    # A comment is one line: nothing in it (values are repr'd already) may end it early.
    return [f"{prefix}{line.translate(_LINE_BREAKS)}" for line in monitor.warnings()]


def _first_up(monitors: Sequence[ExportedMonitor]) -> str:
    """What the first ``pulumi up`` of the export writes, in words."""
    changed = sum(len(m.changed) for m in monitors)
    if not changed:
        return "so the first `pulumi up` changes nothing in AlertSite."
    return (f"so the first `pulumi up` changes nothing in AlertSite but the {changed} "
            "replaced value(s) listed below.")


def render_stack_config(monitors: Sequence[ExportedMonitor], *, project: str = DEFAULT_PROJECT,
                        stack: str | None = None, routing: Routing | None = None) -> str:
    """``Pulumi.<stack>.yaml`` of the root project: ``<project>:monitors`` lists every monitor
    (and ``recipients`` and ``recipientGroups`` the routing, when there is any)."""
    check_project_name(project)
    entries = [
        {"resource_name": m.resource_name, ADOPT_MONITOR_ID: m.monitor_id,
         **{k: _yaml_value(v) for k, v in m.values.items()}}
        for m in monitors
    ]
    config: dict[str, Any] = {f"{project}:{MONITORS_KEY}": entries}
    if routing:
        names = {m.monitor_id: m.resource_name for m in monitors}
        for key, listed in routing.config_entries(names).items():
            config[f"{project}:{key}"] = [{k: _yaml_value(v) for k, v in entry.items()} for entry in listed]
    body = yaml.dump({"config": config}, Dumper=_Dumper,
                     sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    file_name = f"Pulumi.{stack}.yaml" if stack else "Pulumi.<stack>.yaml"
    header = [
        f"# {file_name} of Pulumi project {project!r}, written by `alertsite-pulumi export`:",
        f"# {len(monitors)} AlertSite round-trip monitors, each adopted by id (adopt_monitor_id),",
        f"# with the values AlertSite reports, {_first_up(monitors)}",
        "#",
        "# Mailbox passwords (email_password) are write-only in AlertSite and are never exported.",
        "# To manage one, run in the project directory:",
        f"#   pulumi config set --secret --path '{PASSWORDS_KEY}.<resource_name>' '<password>'",
        "# The provider's own login: pulumi config set alertsite:username <email>;",
        "#   pulumi config set --secret alertsite:password <password> (or ALERTSITE_* variables).",
    ]
    if routing:
        header += ["#", *(f"# {line}" for line in routing.header())]
    warned = [line for m in monitors for line in _warning_comments(m, "#   ")]
    if routing is not None:
        warned += _warning_comments(routing, "#   ")
    if warned:
        header += ["#", "# Values the resource would refuse as AlertSite holds them: left out (AlertSite",
                   "# keeps them; set a valid value here to manage one), or replaced (the first `up`",
                   "# writes the replacement):", *warned]
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
        # JSON string escapes are a subset of Python's, with the same meaning. What is not
        # printable (bidirectional overrides, zero-width marks, C1 controls) is escaped too, so
        # that the source shows what it holds (no "Trojan Source" reordering of the line).
        text = json.dumps(value, ensure_ascii=False)
        return text if text.isprintable() else "".join(
            ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{python_literal(str(k))}: {python_literal(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} as a Python literal")


def render_python(monitors: Sequence[ExportedMonitor], *, project: str = DEFAULT_PROJECT,
                  routing: Routing | None = None) -> str:
    """A Pulumi program (``__main__.py``) declaring one EmailRoundTripMonitor per monitor (and
    an AlertRecipient per recipient and a RecipientGroup per group, when there are any)."""
    check_project_name(project)
    referenced = routing.referenced_monitors() if routing else set()
    variables = {m.monitor_id: f"monitor_{index}" for index, m in enumerate(monitors)
                 if m.monitor_id in referenced}
    lines = [
        f'"""Pulumi program of project {project!r}, written by `alertsite-pulumi export`.',
        "",
        f"{len(monitors)} AlertSite round-trip monitors, each adopted by id (adopt_monitor_id) with",
        f"the values AlertSite reports, {_first_up(monitors)}",
        "",
        "Mailbox passwords (email_password) are write-only in AlertSite and are never exported.",
        "To manage one, run in the project directory:",
        f"    pulumi config set --secret --path '{PASSWORDS_KEY}.<resource_name>' '<password>'",
        *(["", *routing.header()] if routing else []),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "import pulumi",
        "",
        "from alertsite_pulumi import " + ("AlertRecipient, EmailRoundTripMonitor, RecipientGroup"
                                          if routing else "EmailRoundTripMonitor"),
        "",
        "config = pulumi.Config()",
        "# A monitor without a password here keeps the one AlertSite has.",
        f"mailbox_passwords: dict[str, Any] = config.get_object({python_literal(PASSWORDS_KEY)}) or {{}}",
    ]
    if routing:
        lines += ["# A recipient without a password here keeps the one AlertSite has.",
                  "recipient_passwords: dict[str, Any] = "
                  f"config.get_object({python_literal(RECIPIENT_PASSWORDS_KEY)}) or {{}}"]
    for monitor in monitors:
        lines += ["", f"# AlertSite monitor {monitor.monitor_id}"]
        lines += _warning_comments(monitor, "# warning: ")
        variable = variables.get(monitor.monitor_id)
        lines += [
            f"{variable} = EmailRoundTripMonitor(" if variable else "EmailRoundTripMonitor(",
            f"    {python_literal(monitor.resource_name)},",
            f"    {ADOPT_MONITOR_ID}={python_literal(monitor.monitor_id)},",
            *(f"    {name}={python_literal(value)}," for name, value in monitor.values.items()),
            *(f"    {secret}=mailbox_passwords.get({python_literal(monitor.resource_name)}),"
              for secret in SECRET_FIELDS),
            ")",
        ]
    if routing is not None:
        lines += [line.translate(_LINE_BREAKS) if line.lstrip().startswith("#") else line
                  for line in routing.python_lines(variables)]
    source = "\n".join(lines) + "\n"
    compile(source, "__main__.py", "exec")
    return source


def render(monitors: Sequence[ExportedMonitor], fmt: str, *, project: str = DEFAULT_PROJECT,
           stack: str | None = None, routing: Routing | None = None) -> str:
    if fmt == "stack-config":
        return render_stack_config(monitors, project=project, stack=stack, routing=routing)
    if fmt == "python":
        return render_python(monitors, project=project, routing=routing)
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
