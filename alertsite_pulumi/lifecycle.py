"""The lifecycle of a round-trip monitor (check, diff, create, read, update, delete), as plain
calls on a client and inputs: the one logic both front-ends serve.

It knows nothing of Pulumi. The dynamic provider (``provider.EmailRoundTripMonitorProvider``)
and the native plugin (``native.servicer``) each build a :class:`MonitorLifecycle` for a call,
telling it where its settings and clients come from, and turn its plain answers into their
engine's types. The safe create (``safe_create``), the mailbox rule (``mailbox_guard``) and the
clean-up after a failed create are reached from here only, so they hold for both front-ends.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from .client import AlertSiteClient
from .coercion import coerce_monitor, field_equal, loosely_equal, normalize_inputs, to_api
from .config import Settings
from .errors import (
    AdoptionError,
    AlertSiteError,
    AuthenticationError,
    ConfigurationError,
    NotFound,
    UnfinishedCreateError,
)
from .fields import (
    ADOPT_BY_NAME,
    ADOPT_MONITOR_ID,
    CONTROL_INPUTS,
    EXTRA_FIELDS,
    FIELDS,
    SECRET_FIELDS,
    validate_inputs,
)
from .mailbox_guard import MailboxGuard, MailboxInUseError, mailbox_key
from .validators import is_unknown

log = logging.getLogger("alertsite_pulumi.provider")

#: Read-only values AlertSite computes that are kept as outputs. Volatile ones (last status)
#: are left out so that a refresh right after an update finds nothing to report.
COMPUTED_OUTPUTS: Final = ("monitor_id", "monitor_type", "access_type")
#: Which account a monitor belongs to, as far as the provider can tell: the API root and the
#: login that made (or last updated or read) it. Kept in the state (inputs and outputs) so that
#: a resource moved to another account is a replacement, not a silent re-point; never a secret.
ACCOUNT_KEY: Final = "alertsite_account"
STALE_CREDENTIALS_HINT: Final = (
    "`pulumi refresh` and `pulumi destroy` use the alertsite:* config stored at the last "
    "`pulumi up`; after a password change, run them with --run-program (or "
    "PULUMI_RUN_PROGRAM=true) so that they use the current stack config, or set the new "
    "password in ALERTSITE_PASSWORD."
)

#: The settings of a call, and whether their credentials may be the stale ones of the state.
SettingsSource = Callable[[], tuple[Settings, bool]]


@dataclass
class Checked:
    """What ``check`` gives back: the inputs to store, and every (field, problem) found."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)

    def reasons(self) -> list[str]:
        """Each failure as the engine is to show it. No failure is tied to a property: the
        engine would print the property's value beside it, a secret's included (in clear),
        however large; the reason names the field instead ("" for a setting)."""
        return [f"{name}: {message}" if name else message for name, message in self.failures]


@dataclass
class Diffed:
    """What ``diff`` finds: whether anything changes, and what forces a replacement."""

    changes: bool
    replaces: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class Made:
    """A monitor created (or adopted): its id and the state to keep."""

    id: str
    outputs: dict[str, Any]


class MonitorLifecycle:
    """Round-trip monitors of one account, reached through ``settings`` and ``client``.

    ``settings`` resolves the call's settings (raising ConfigurationError for a bad one);
    ``client`` gives the client for them; ``mailboxes`` is the process's mailbox picture;
    ``account_known`` is False while the settings are not known to be the account's (a native
    provider configured at preview with its ``baseUrl`` or login still unknown).
    """

    def __init__(self, settings: SettingsSource, client: Callable[[Settings], AlertSiteClient],
                 mailboxes: Callable[[], MailboxGuard], *, account_known: bool = True) -> None:
        self._settings = settings
        self._client_for = client
        self._mailboxes = mailboxes
        self.account_known = account_known

    def client(self) -> AlertSiteClient:
        settings, _ = self._settings()
        settings.require_credentials()
        return self._client_for(settings)

    @contextmanager
    def _stale_login_explained(self) -> Iterator[None]:
        """Add to a refused login, met with stored credentials, how to pass the current ones."""
        try:
            yield
        except AuthenticationError as exc:
            if self._settings()[1]:
                exc.hint = f"{exc.hint} {STALE_CREDENTIALS_HINT}"
            raise

    # -- preview-time work: no API calls ------------------------------------------------------

    def check(self, news: Mapping[str, Any]) -> Checked:
        # The account is the provider's to record, never an input (a raw or YAML program could
        # pass one).
        inputs = normalize_inputs({k: v for k, v in news.items() if v is not None and k != ACCOUNT_KEY})
        failures = list(validate_inputs(inputs))
        try:
            # A malformed setting is refused at preview, before any call; missing credentials
            # are not (a preview needs none).
            settings, _ = self._settings()
        except ConfigurationError as wrong:
            failures.append(("", str(wrong)))
        else:
            # Where the monitor is to live: the plan shows it beside where it was made.
            if self.account_known:
                inputs[ACCOUNT_KEY] = account_of(settings)
        return Checked(inputs, failures)

    def diff(self, monitor_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        moved = self.account_move(monitor_id, olds)
        if moved is not None:
            log.warning("%s", moved)
            return Diffed(changes=True, replaces=[ACCOUNT_KEY], changed=[ACCOUNT_KEY])
        changed = changed_fields(olds, news)
        return Diffed(changes=bool(changed), changed=changed)

    def account_move(self, monitor_id: str, olds: Mapping[str, Any]) -> str | None:
        """Why monitor ``monitor_id`` (stored ``olds``) now belongs to another account, or None.

        Decided from what can be verified. The same API root and login is the same account.
        Another login may be another user of the same account, and another API root may reach
        the same account (the emulator restarted on another port with the same database, a
        proxy, another name of the host): replacing would throw away AlertSite's history of the
        monitor, so the monitor is read through the new root and login. Missing, or another
        monitor under that id (another mailbox or servers), means another account; the same
        monitor means the same account. A state written before the account was recorded is
        taken as the same account.

        Raises:
            AlertSiteError: the read through the new settings failed (as any call of the client).
        """
        made = olds.get(ACCOUNT_KEY)
        if not isinstance(made, Mapping) or not made.get("base_url") or not self.account_known:
            return None
        settings, _ = self._settings()
        here = account_of(settings)
        then = (str(made.get("base_url")), str(made.get("username") or ""))
        now = (here["base_url"], here["username"])
        if then == now:
            return None
        moved_root = then[0] != now[0]
        was = f"through {then[0]} by login {then[1]!r}" if moved_root else f"by login {then[1]!r}"
        reader = f"{now[0]} with login {now[1]!r}" if moved_root else f"login {now[1]!r} on the same API"
        try:
            live = self.client().get_monitor(monitor_id)
        except NotFound:
            return (f"Monitor {monitor_id} was made {was}; {reader} reads no monitor {monitor_id}, "
                    "so it is another account's: the monitor is replaced, never re-pointed.")
        if same_monitor(live, olds):
            return None
        return (f"Monitor {monitor_id} was made {was}; {reader} reads another monitor under that "
                "id (another mailbox or servers), so it is another account's: the monitor is "
                "replaced, never re-pointed.")

    def _outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                 previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``outputs``, with the account the monitor was reached through."""
        out = outputs(live, inputs, previous)
        out[ACCOUNT_KEY] = account_of(self._settings()[0])
        return out

    # -- changes ------------------------------------------------------------------------------

    def create(self, props: Mapping[str, Any]) -> Made:
        client = self.client()
        inputs = user_inputs(props)
        adopted = adopt(client, inputs)
        if adopted is not None:
            # Taking over an existing monitor: write only what differs, never create.
            monitor_id, live = adopted
            body = to_api(changed_against(live, inputs))
            if body:
                client.update_round_trip_monitor(monitor_id, body)
                live = client.get_monitor(monitor_id)
            return Made(monitor_id, self._outputs(live, inputs))
        # AlertSite's one-monitor-per-mailbox rule, checked before any POST (fails closed).
        mailbox = self._mailboxes().claim(client, inputs)
        monitor_id = client.create_round_trip_monitor(to_api(inputs))
        mailbox.made(monitor_id)
        try:
            # Another process (stack, provider) may have made a monitor on the same mailbox
            # meanwhile: the older one stays, and this one is deleted below if it is newer.
            mailbox.confirm(client, monitor_id)
            live = client.get_monitor(monitor_id)
            return Made(monitor_id, self._outputs(live, inputs))
        except BaseException as failed:
            # All or nothing: whatever fails once the monitor exists, it must not be left in
            # AlertSite outside the stack.
            undo_create(client, monitor_id, inputs.get("name"), failed)
            raise

    def update(self, monitor_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        client = self.client()
        inputs = user_inputs(news)
        changed = changed_fields(olds, news)
        body = to_api({k: inputs[k] for k in changed if k in FIELDS})
        if EXTRA_FIELDS in changed:
            body.update(inputs.get(EXTRA_FIELDS) or {})
        moves = ("email" in changed
                 and mailbox_key(str(inputs["email"])) != mailbox_key(str(olds.get("email") or "")))
        name, email = str(inputs.get("name") or ""), str(inputs.get("email") or "")
        if moves:
            # One monitor per mailbox holds for updates too: refused before the PATCH.
            self._mailboxes().check_move(client, monitor_id, name, email)
        if body:
            client.update_round_trip_monitor(monitor_id, body)
        if moves:
            try:
                # Another process may have put a monitor on that mailbox meanwhile.
                self._mailboxes().confirm_move(client, monitor_id, name, email)
            except MailboxInUseError:
                client.update_round_trip_monitor(monitor_id, to_api({"email": olds.get("email")}))
                raise
            self._mailboxes().moved(client, monitor_id, name, email)
        live = client.get_monitor(monitor_id)
        return self._outputs(live, inputs)

    def delete(self, monitor_id: str, props: Mapping[str, Any]) -> None:
        # Already gone is success: the goal was for it not to exist.
        client = self.client()
        moved = self.account_move(monitor_id, props)
        if moved is not None:
            # This provider cannot reach the account the monitor is in, and the id may name
            # another account's monitor here: never delete that. The user is told what is left.
            tell_user(f"{moved} This provider cannot reach that account, so monitor {monitor_id} "
                      "was NOT deleted there: delete it in that account (AlertSite's UI, or "
                      "`alertsite-pulumi` with its credentials).")
            return
        with self._stale_login_explained():
            client.delete_monitor(monitor_id, missing_ok=True)
        self._mailboxes().forget(client, monitor_id)

    def read(self, monitor_id: str, props: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
        """The monitor's id and state as AlertSite has it; (None, {}) when it is gone."""
        client = self.client()
        moved = self.account_move(monitor_id, props)
        if moved is not None:
            # Reading that id here would tie another account's monitor (or its absence) to
            # this resource: the state is kept as it was, and the next `up` replaces it.
            tell_user(f"{moved} Refresh kept monitor {monitor_id} as the state had it.")
            return monitor_id, dict(props)
        try:
            with self._stale_login_explained():
                live = client.get_monitor(monitor_id)
        except NotFound:
            return None, {}
        return monitor_id, self._outputs(live, user_inputs(props), previous=props)


# -- adoption -----------------------------------------------------------------------------------


def adopt(client: AlertSiteClient, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The monitor to take over (id and live values), or None to create a new one."""
    monitor_id = inputs.get(ADOPT_MONITOR_ID)
    if monitor_id:
        try:
            return str(monitor_id), client.get_monitor(str(monitor_id))
        except NotFound:
            raise AdoptionError(f"adopt_monitor_id: AlertSite has no monitor {monitor_id}") from None
    if inputs.get(ADOPT_BY_NAME):
        name = inputs.get("name")
        matches = [m for m in client.list_monitors() if m.get("name") == name]
        if len(matches) != 1:
            ids = ", ".join(str(m.get("id")) for m in matches)
            found = f"{len(matches)} ({ids})" if matches else "none"
            raise AdoptionError(
                f"adopt_by_name: exactly one round-trip monitor named {name!r} must exist; "
                f"found {found}")
        return str(matches[0]["id"]), matches[0]
    return None


# -- plain functions of values ---------------------------------------------------------------------


def account_of(settings: Settings) -> dict[str, str]:
    """The account marker of ``settings``: the API root (scheme and host case-folded, the
    scheme's default port left out, no trailing slash) and the login ("" for an access token).
    Never a secret."""
    parts = urlsplit(settings.base_url)
    scheme, host = parts.scheme.lower(), parts.netloc.lower()
    # The scheme's default port is the same server: spelled out or not, the same account.
    default_port = {"https": ":443", "http": ":80"}.get(scheme)
    if default_port:
        host = host.removesuffix(default_port)
    root = urlunsplit((scheme, host, parts.path.rstrip("/"), "", ""))
    return {"base_url": root, "username": (settings.username or "").strip()}


def same_monitor(live: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether a monitor read from AlertSite is the one ``stored`` describes: same mailbox and
    servers (the name may have been edited in the UI)."""
    return (mailbox_key(str(live.get("email") or "")) == mailbox_key(str(stored.get("email") or ""))
            and all(field_equal(k, live.get(k), stored.get(k)) for k in ("smtp_hostname", "pop3_hostname")))


def tell_user(message: str) -> None:
    """A warning in the command's output: the engine prints what a provider writes to stderr."""
    log.warning("%s", message)
    if not logging.getLogger("alertsite_pulumi").handlers and not logging.getLogger().handlers:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def user_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """What the user manages: the AlertSite fields and control inputs they set."""
    return normalize_inputs({k: v for k, v in props.items()
                             if (k in FIELDS or k in CONTROL_INPUTS) and v is not None})


def changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The fields the user set whose stored value differs (unknown values count as changed)."""
    changed = []
    for name, wanted in news.items():
        if name not in FIELDS or wanted is None:
            continue
        if is_unknown(wanted) or not field_equal(name, olds.get(name), wanted):
            changed.append(name)
    extra = news.get(EXTRA_FIELDS)
    if extra is not None:
        stored = olds.get(EXTRA_FIELDS) or {}
        if is_unknown(extra) or not isinstance(stored, Mapping) or any(
            is_unknown(v) or not loosely_equal(stored.get(k), v) for k, v in extra.items()
        ):
            changed.append(EXTRA_FIELDS)
    return changed


def changed_against(live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that differ from a live monitor (for adopting without needless writes)."""
    out = {k: v for k, v in inputs.items()
           if k in FIELDS and (k in SECRET_FIELDS or not field_equal(k, live.get(k), v))}
    extra = inputs.get(EXTRA_FIELDS) or {}
    changed_extra = {k: v for k, v in extra.items() if not loosely_equal(live.get(k), v)}
    if changed_extra:
        out[EXTRA_FIELDS] = changed_extra
    return out


def outputs(live: Mapping[str, Any], inputs: Mapping[str, Any],
            previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The state to store: every field as AlertSite reports it, plus what it cannot report.

    Secrets AlertSite never returns in clear are kept from the inputs (or the previous
    state); extra fields keep the user's keys with their live values.
    """
    live = coerce_monitor(live)
    previous = previous or {}
    out: dict[str, Any] = {}
    for name, field_ in FIELDS.items():
        if field_.secret:
            value = inputs.get(name, previous.get(name))
        else:
            value = live.get(name, inputs.get(name, previous.get(name)))
        if value is not None:
            out[name] = value
    extra = inputs.get(EXTRA_FIELDS)
    if isinstance(extra, Mapping):
        out[EXTRA_FIELDS] = {k: live.get(k, v) for k, v in extra.items()}
    for name in (ADOPT_MONITOR_ID, ADOPT_BY_NAME):
        if inputs.get(name) is not None:
            out[name] = inputs[name]
    out["monitor_id"] = str(live.get("id", previous.get("monitor_id", "")))
    if live.get("type") is not None:
        out["monitor_type"] = live["type"]
    if live.get("access_type") is not None:
        out["access_type"] = live["access_type"]
    return out


def undo_create(client: AlertSiteClient, monitor_id: str, name: object, failed: BaseException) -> None:
    """Delete the monitor a failed create made; UnfinishedCreateError naming it if that fails."""
    try:
        client.discard_monitor(monitor_id)
    except AlertSiteError as cleanup:
        what = failed.brief() if isinstance(failed, AlertSiteError) else type(failed).__name__
        raise UnfinishedCreateError(
            f"Monitor {monitor_id} ({name!r}) was created, then the create failed ({what}), and "
            f"deleting the monitor again failed too ({cleanup.brief()}): it is in AlertSite but "
            "not in the stack", monitor_id=monitor_id) from failed
    log.warning("deleted monitor %s again after its create failed", monitor_id)


__all__ = [
    "ACCOUNT_KEY",
    "COMPUTED_OUTPUTS",
    "Checked",
    "Diffed",
    "Made",
    "MonitorLifecycle",
    "account_of",
    "adopt",
    "changed_against",
    "changed_fields",
    "outputs",
    "same_monitor",
    "tell_user",
]
