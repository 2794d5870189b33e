"""The ResourceProvider of EmailRoundTripMonitor: check, diff, create, read, update, delete, configure.

The provider object is pickled (by reference) into every resource's state, and refresh
and destroy run that stored copy: so ``__init__`` stores nothing, and everything that
holds a connection, a lock or a credential is built at run time (see ``_client``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import dynamic_host
from .client import AlertSiteClient, shared_client
from .coercion import coerce_monitor, field_equal, loosely_equal, normalize_inputs, to_api
from .config import SETTINGS, Settings, resolve_settings
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
#: Turns on the provider's own log lines (see log_to_stderr).
LOG_LEVEL_ENV: Final = "ALERTSITE_LOG_LEVEL"
_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
STALE_CREDENTIALS_HINT: Final = (
    "`pulumi refresh` and `pulumi destroy` use the alertsite:* config stored at the last "
    "`pulumi up`; after a password change, run them with --run-program (or "
    "PULUMI_RUN_PROGRAM=true) so that they use the current stack config, or set the new "
    "password in ALERTSITE_PASSWORD."
)


class EmailRoundTripMonitorProvider(ResourceProvider):
    """Creates, reads, updates and deletes AlertSite round-trip email monitors."""

    # Nothing secret is captured by pickling (credentials arrive through configure or the
    # environment), so the pickled provider need not be encrypted in state.
    serialize_as_secret_always = False

    # Set in the provider process only, after unpickling; never part of the pickle.
    _configured: Mapping[str, Any] | None = None
    _resolved: dict[bool, Settings]
    #: Set by the first check or diff: the engine calls them only while the program runs,
    #: and then configure() got the current stack config.
    _program_running = False
    _settings_lock: Final = threading.Lock()
    _mailboxes: MailboxGuard | None = None
    _mailboxes_lock: Final = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # Whatever configure() learned (credentials included) stays out of every pickle.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the ``alertsite:*`` stack config the engine hands over; see :meth:`_current_settings`."""
        log_to_stderr(os.environ.get(LOG_LEVEL_ENV))
        dynamic_host.install()
        self._configured = {
            setting.config_key: value for setting in SETTINGS
            if (value := req.config.get(setting.config_key)) is not None
        }
        with self._settings_lock:
            self._resolved = {}

    def _current_settings(self) -> tuple[Settings, bool]:
        """The settings for a call, and whether they may be the stale ones stored in the state.

        The engine configures the provider with the current stack config only when the
        program runs (``up``, ``preview``, ``--run-program``); ``refresh`` and ``destroy``
        get the config stored at the last ``up``, and the provider process gets no other
        sight of the current ``alertsite:*`` keys (``PULUMI_CONFIG`` holds only the
        ``pulumi-python:*`` namespace). A check or diff call is the sign that the program
        runs: until one arrives, the environment wins over the config received.
        """
        current = self._program_running
        with self._settings_lock:
            # Not set when configure() was never called (the environment alone then applies).
            resolved: dict[bool, Settings] = self.__dict__.setdefault("_resolved", {})
            settings = resolved.get(current)
            if settings is None:
                configured = self._configured or {}
                settings = (resolve_settings(stack_config=configured) if current
                            else resolve_settings(stored_config=configured))
                resolved[current] = settings
        return settings, not current and _uses_stored_credentials(settings, self._configured)

    def _client(self) -> AlertSiteClient:
        settings, _ = self._current_settings()
        settings.require_credentials()
        return shared_client(settings)

    @contextmanager
    def _stale_login_explained(self) -> Iterator[None]:
        """Add to a refused login, met with stored credentials, how to pass the current ones."""
        try:
            yield
        except AuthenticationError as exc:
            if self._current_settings()[1]:
                exc.hint = f"{exc.hint} {STALE_CREDENTIALS_HINT}"
            raise

    def _mailbox_guard(self) -> MailboxGuard:
        """This process's picture of which mailboxes are watched (one listing per process)."""
        with self._mailboxes_lock:
            if self._mailboxes is None:
                self._mailboxes = MailboxGuard()
            return self._mailboxes

    # -- preview-time work: no API calls ------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._program_running = True
        # The account is the provider's to record, never an input (a raw or YAML program could
        # pass one).
        inputs = normalize_inputs({k: v for k, v in news.items() if v is not None and k != ACCOUNT_KEY})
        # No failure names a property: the engine would print the property's value beside it,
        # a secret's included (in clear), however large. The reason names the field instead.
        failures = [CheckFailure("", f"{name}: {message}")
                    for name, message in validate_inputs(inputs)]
        try:
            # A malformed setting is refused at preview, before any call; missing credentials
            # are not (a preview needs none).
            settings, _ = self._current_settings()
        except ConfigurationError as wrong:
            failures.append(CheckFailure("", str(wrong)))
        else:
            # Where the monitor is to live: the plan shows it beside where it was made.
            if self.knows_account():
                inputs[ACCOUNT_KEY] = account_of(settings)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._program_running = True
        moved = self.account_move(_id, olds)
        if moved is not None:
            log.warning("%s", moved)
            return DiffResult(changes=True, replaces=[ACCOUNT_KEY], delete_before_replace=False)
        changed = changed_fields(olds, news)
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

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
        if not isinstance(made, Mapping) or not made.get("base_url") or not self.knows_account():
            return None
        settings, _ = self._current_settings()
        here = account_of(settings)
        then = (str(made.get("base_url")), str(made.get("username") or ""))
        now = (here["base_url"], here["username"])
        if then == now:
            return None
        moved_root = then[0] != now[0]
        was = f"through {then[0]} by login {then[1]!r}" if moved_root else f"by login {then[1]!r}"
        reader = f"{now[0]} with login {now[1]!r}" if moved_root else f"login {now[1]!r} on the same API"
        try:
            live = self._client().get_monitor(monitor_id)
        except NotFound:
            return (f"Monitor {monitor_id} was made {was}; {reader} reads no monitor {monitor_id}, "
                    "so it is another account's: the monitor is replaced, never re-pointed.")
        if same_monitor(live, olds):
            return None
        return (f"Monitor {monitor_id} was made {was}; {reader} reads another monitor under that "
                "id (another mailbox or servers), so it is another account's: the monitor is "
                "replaced, never re-pointed.")

    def knows_account(self) -> bool:
        """Whether the settings are known to be the account's (not so for a provider configured
        at preview with its ``baseUrl`` or login still unknown: no move is decided then)."""
        return True

    def _outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                 previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``outputs``, with the account the monitor was reached through."""
        out = outputs(live, inputs, previous)
        out[ACCOUNT_KEY] = account_of(self._current_settings()[0])
        return out

    # -- changes ------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._client()
        inputs = _user_inputs(props)
        adopted = self._adopt(client, inputs)
        if adopted is not None:
            # Taking over an existing monitor: write only what differs, never create.
            monitor_id, live = adopted
            body = to_api(_changed_against(live, inputs))
            if body:
                client.update_round_trip_monitor(monitor_id, body)
                live = client.get_monitor(monitor_id)
            return CreateResult(monitor_id, self._outputs(live, inputs))
        # AlertSite's one-monitor-per-mailbox rule, checked before any POST (fails closed).
        mailbox = self._mailbox_guard().claim(client, inputs)
        monitor_id = client.create_round_trip_monitor(to_api(inputs))
        mailbox.made(monitor_id)
        try:
            # Another process (stack, provider) may have made a monitor on the same mailbox
            # meanwhile: the older one stays, and this one is deleted below if it is newer.
            mailbox.confirm(client, monitor_id)
            live = client.get_monitor(monitor_id)
            return CreateResult(monitor_id, self._outputs(live, inputs))
        except BaseException as failed:
            # All or nothing: whatever fails once the monitor exists, it must not be left in
            # AlertSite outside the stack.
            _undo_create(client, monitor_id, inputs.get("name"), failed)
            raise

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._client()
        inputs = _user_inputs(news)
        changed = changed_fields(olds, news)
        body = to_api({k: inputs[k] for k in changed if k in FIELDS})
        if EXTRA_FIELDS in changed:
            body.update(inputs.get(EXTRA_FIELDS) or {})
        moves = ("email" in changed
                 and mailbox_key(str(inputs["email"])) != mailbox_key(str(olds.get("email") or "")))
        if moves:
            # One monitor per mailbox holds for updates too: refused before the PATCH.
            self._mailbox_guard().check_move(client, id, str(inputs.get("name") or ""), str(inputs["email"]))
        if body:
            client.update_round_trip_monitor(id, body)
        if moves:
            name, email = str(inputs.get("name") or ""), str(inputs["email"])
            try:
                # Another process may have put a monitor on that mailbox meanwhile.
                self._mailbox_guard().confirm_move(client, id, name, email)
            except MailboxInUseError:
                client.update_round_trip_monitor(id, to_api({"email": olds.get("email")}))
                raise
            self._mailbox_guard().moved(client, id, name, email)
        live = client.get_monitor(id)
        return UpdateResult(self._outputs(live, inputs))

    def delete(self, id: str, _props: dict[str, Any]) -> None:
        # Already gone is success: the goal was for it not to exist.
        client = self._client()
        moved = self.account_move(id, _props)
        if moved is not None:
            # This provider cannot reach the account the monitor is in, and the id may name
            # another account's monitor here: never delete that. The user is told what is left.
            tell_user(f"{moved} This provider cannot reach that account, so monitor {id} was NOT "
                      "deleted there: delete it in that account (AlertSite's UI, or "
                      "`alertsite-pulumi` with its credentials).")
            return
        with self._stale_login_explained():
            client.delete_monitor(id, missing_ok=True)
        self._mailbox_guard().forget(client, id)

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        client = self._client()
        moved = self.account_move(id, props)
        if moved is not None:
            # Reading that id here would tie another account's monitor (or its absence) to
            # this resource: the state is kept as it was, and the next `up` replaces it.
            tell_user(f"{moved} Refresh kept monitor {id} as the state had it.")
            return ReadResult(id, props)
        try:
            with self._stale_login_explained():
                live = client.get_monitor(id)
        except NotFound:
            return ReadResult(None, {})
        return ReadResult(id, self._outputs(live, _user_inputs(props), previous=props))

    # -- adoption -----------------------------------------------------------------------------

    def _adopt(self, client: AlertSiteClient,
               inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The monitor to take over (id and live values), or None to create a new one."""
        monitor_id = inputs.get(ADOPT_MONITOR_ID)
        if monitor_id:
            try:
                return str(monitor_id), client.get_monitor(str(monitor_id))
            except NotFound:
                raise AdoptionError(
                    f"adopt_monitor_id: AlertSite has no monitor {monitor_id}") from None
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


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler log_to_stderr adds (told apart so that it is added once)."""


def log_to_stderr(level: str | None) -> None:
    """Send this package's log lines at ``level`` (``DEBUG``, ``INFO``...) to stderr, once.

    The engine prints a provider's stderr with the command's output. The lines name calls,
    statuses, timings and the login user, never a secret, a body or a query string.
    """
    if not level:
        return
    package = logging.getLogger("alertsite_pulumi")
    if not any(isinstance(h, _StderrHandler) for h in package.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("alertsite %(levelname)s %(name)s: %(message)s"))
        package.addHandler(handler)
    name = level.strip().upper()
    package.setLevel(name if name in _LEVELS else "DEBUG")


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


def _uses_stored_credentials(settings: Settings, stored: Mapping[str, Any] | None) -> bool:
    """Whether the credentials in ``settings`` are the ones of the stored config."""
    stored = stored or {}
    return any(
        getattr(settings, setting.attr) is not None
        and getattr(settings, setting.attr) == stored.get(setting.config_key)
        for setting in SETTINGS if setting.secret
    )


def _user_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
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


def _changed_against(live: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
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
    for name, field in FIELDS.items():
        if field.secret:
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


def _undo_create(client: AlertSiteClient, monitor_id: str, name: object, failed: BaseException) -> None:
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
