"""The alert routing of an account (recipients and recipient groups) for ``export``.

``export`` writes monitors (``export.py``); this module adds where their alerts go, so that a
whole account's alerting can be adopted. Each recipient and group is adopted by id
(``adopt_recipient_id``, ``adopt_group_id``) with the values AlertSite reports, read as the
provider reads them (``GET {collection}/{id}``, the declaration's ``coerce`` and
``import_inputs``), so that the first ``pulumi up`` writes nothing. A group's monitors and
recipients refer to the exported resources (``monitor_0.id`` in a program, resource names in
stack config); an id the export does not declare (another monitor type, a PagerDuty
recipient) stays a literal id. A value the resource would refuse is left out (AlertSite keeps
it); an object that cannot be declared at all (a required field refused: a PagerDuty
recipient, a group without monitors) is not exported, and a warning says so. A recipient's
password is write-only in AlertSite and never exported: both formats say how to set it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Final

from .client import AlertSiteClient
from .errors import NotFound
from .export import id_order, python_literal, resource_names
from .resource_types import ALERT_RECIPIENT, RECIPIENT_GROUP, ResourceType
from .routing_kind import ADOPT_GROUP_ID, ADOPT_RECIPIENT_ID
from .tokens import GROUPS_KEY, RECIPIENT_PASSWORDS_KEY, RECIPIENTS_KEY

#: Keys of a group's stack-config entry beside ``monitors`` and ``recipients`` (which name
#: resources declared in the same config): AlertSite ids of objects the config does not declare.
MONITOR_IDS: Final = "monitor_ids"
RECIPIENT_IDS: Final = "recipient_ids"


@dataclass
class ExportedObject:
    """One recipient or group as it will be written: its resource name and field values."""

    kind: ResourceType
    resource_name: str
    object_id: str
    values: dict[str, Any]
    """The fields to write, in the declaration's order; never a secret."""
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """Fields AlertSite reported with a value the resource would refuse: (field, why)."""

    @property
    def noun(self) -> str:
        return self.kind.behaviour.noun

    def warnings(self) -> list[str]:
        where = f"{self.noun} {self.object_id} ({self.resource_name})"
        return [f"{where}: {name} {why}; left out of the program, so AlertSite keeps it and the first "
                f"`up` does not change it (Pulumi does not manage {name})" for name, why in self.left_out]


def _exportable(kind: ResourceType, live: Mapping[str, Any], resource_name: str) -> ExportedObject | str:
    """The object as its resource takes it, or why it cannot be declared (in words)."""
    behaviour = kind.behaviour
    coerced = behaviour.coerce(live)
    object_id = str(coerced.get("id"))
    values = behaviour.import_inputs(coerced, resource_name)
    why = dict(behaviour.validate({k: v for k, v in coerced.items() if k in kind.fields}))
    # A required value the resource refuses (a PagerDuty method) cannot be declared: the
    # import inputs keep it, so that a native import's preview says why; export leaves it out.
    missing = [name for name in kind.required if name not in values or name in why]
    if missing:
        reasons = "; ".join(f"{name} {why.get(name, 'is missing')}" for name in missing)
        return (f"{behaviour.noun} {object_id} ({resource_name}) is not exported: {reasons}; "
                "AlertSite keeps it, unmanaged" + (" (groups refer to it by id)"
                                                   if kind is ALERT_RECIPIENT else ""))
    left_out = [(name, why.get(name, "is refused")) for name in kind.fields
                if coerced.get(name) is not None and name not in values and not kind.fields[name].secret]
    ordered = {name: values[name] for name in kind.fields if name in values}
    return ExportedObject(kind, resource_name, object_id, ordered, left_out)


@dataclass
class Routing:
    """The recipients and groups of an account, ready to be written next to its monitors."""

    recipients: list[ExportedObject] = field(default_factory=list)
    groups: list[ExportedObject] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """One line per object that could not be declared (it is left as it is)."""

    def __bool__(self) -> bool:
        return bool(self.recipients or self.groups)

    def warnings(self) -> list[str]:
        return [*self.skipped, *(line for obj in (*self.recipients, *self.groups) for line in obj.warnings())]

    def referenced_monitors(self) -> set[str]:
        return {str(i) for group in self.groups for i in group.values.get("monitors") or []}

    # -- the formats -------------------------------------------------------------------------

    def header(self) -> list[str]:
        """What the export says of its recipients and groups, as comment text (no '#')."""
        if not self:
            return []
        return [
            f"{len(self.recipients)} alert recipients ({ADOPT_RECIPIENT_ID}) and {len(self.groups)} "
            f"recipient groups ({ADOPT_GROUP_ID}),",
            "adopted by id the same way; a group's monitors and recipients are the exported ones.",
            "Recipient passwords (webhook, Splunk, ServiceNow logins) are write-only in AlertSite and",
            "are never exported: a recipient that has one must get it set (Splunk and ServiceNow",
            "recipients need one), or the first `up` leaves AlertSite's as it is:",
            f"    pulumi config set --secret --path '{RECIPIENT_PASSWORDS_KEY}.<resource_name>' '<password>'",
        ]

    def config_entries(self, monitor_names: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
        """The stack-config lists (``recipients``, ``recipientGroups``); ``monitor_names`` maps
        an exported monitor's id to its resource name."""
        recipient_names = {r.object_id: r.resource_name for r in self.recipients}
        out: dict[str, list[dict[str, Any]]] = {}
        if self.recipients:
            out[RECIPIENTS_KEY] = [{"resource_name": r.resource_name, ADOPT_RECIPIENT_ID: r.object_id,
                                    **r.values} for r in self.recipients]
        if self.groups:
            entries = []
            for group in self.groups:
                entry: dict[str, Any] = {"resource_name": group.resource_name,
                                         ADOPT_GROUP_ID: group.object_id}
                for name, value in group.values.items():
                    names = {"monitors": monitor_names, "recipients": recipient_names}.get(name)
                    if names is None:
                        entry[name] = value
                        continue
                    literal_key = MONITOR_IDS if name == "monitors" else RECIPIENT_IDS
                    entry[name] = [names[i] for i in value if i in names]
                    literal = [i for i in value if i not in names]
                    if literal:
                        entry[literal_key] = literal
                entries.append(entry)
            out[GROUPS_KEY] = entries
        return out

    def python_lines(self, monitor_variables: Mapping[str, str]) -> list[str]:
        """The program's recipients and groups; ``monitor_variables`` maps an exported
        monitor's id to the variable holding its resource."""
        lines: list[str] = ["", *(f"# warning: {line}" for line in self.skipped)] if self.skipped else []
        variables = {r.object_id: f"recipient_{index}" for index, r in enumerate(self.recipients)}
        for recipient in self.recipients:
            lines += ["", f"# AlertSite recipient {recipient.object_id}",
                      *(f"# warning: {line}" for line in recipient.warnings()),
                      f"{variables[recipient.object_id]} = AlertRecipient(",
                      f"    {python_literal(recipient.resource_name)},",
                      f"    {ADOPT_RECIPIENT_ID}={python_literal(recipient.object_id)},",
                      *(f"    {k}={python_literal(v)}," for k, v in recipient.values.items()),
                      "    # Write-only in AlertSite, never exported: set it if the recipient has one.",
                      f"    password=recipient_passwords.get({python_literal(recipient.resource_name)}),",
                      ")"]
        for group in self.groups:
            lines += ["", f"# AlertSite recipient group {group.object_id}",
                      *(f"# warning: {line}" for line in group.warnings()),
                      "RecipientGroup(",
                      f"    {python_literal(group.resource_name)},",
                      f"    {ADOPT_GROUP_ID}={python_literal(group.object_id)},"]
            for name, value in group.values.items():
                known = {"monitors": monitor_variables, "recipients": variables}.get(name)
                if known is None:
                    lines.append(f"    {name}={python_literal(value)},")
                    continue
                items = [f"{known[i]}.id" if i in known else python_literal(i) for i in value]
                lines.append(f"    {name}=[{', '.join(items)}],")
            lines.append(")")
        return lines


def fetch_objects(client: AlertSiteClient, kind: ResourceType, *, parallel: int,
                  on_gone: Callable[[str], None] = lambda _id: None) -> list[dict[str, Any]]:
    """Every object of a routing type, each read with ``GET {collection}/{id}`` (as the
    provider adopts it); one deleted while the export runs is skipped."""
    endpoint = kind.behaviour.endpoint
    if endpoint is None:
        raise TypeError(f"{kind.name} declares no endpoint")
    ids = [str(o["id"]) for o in client.list_objects(endpoint) if o.get("id") is not None]

    def read(object_id: str) -> dict[str, Any] | None:
        try:
            return client.get_object(endpoint, object_id)
        except NotFound:
            on_gone(object_id)
            return None

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(read, object_id) for object_id in ids]
        try:
            return [found for future in as_completed(futures) if (found := future.result()) is not None]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _prepare(kind: ResourceType, objects: Sequence[Mapping[str, Any]], skipped: list[str],
             fallback: str) -> list[ExportedObject]:
    ordered = sorted(objects, key=lambda o: id_order(str(o.get("id"))))
    out = []
    for live, resource_name in zip(ordered, resource_names(ordered, fallback=fallback), strict=True):
        exported = _exportable(kind, live, resource_name)
        if isinstance(exported, str):
            skipped.append(exported)
        else:
            out.append(exported)
    return out


def prepare_routing(recipients: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]]) -> Routing:
    """The recipients and groups ordered by id, each with a unique resource name and its values."""
    routing = Routing()
    routing.recipients = _prepare(ALERT_RECIPIENT, recipients, routing.skipped, "recipient")
    routing.groups = _prepare(RECIPIENT_GROUP, groups, routing.skipped, "group")
    return routing


__all__ = ["MONITOR_IDS", "RECIPIENT_IDS", "ExportedObject", "Routing", "fetch_objects",
           "prepare_routing"]
