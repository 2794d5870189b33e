"""The lifecycle of every resource type (check, diff, create, read, update, delete), as plain
calls on a client and inputs: the one logic both front-ends serve.

It knows nothing of Pulumi, nor of any one type: a type's declaration
(``resource_types.ResourceType``) gives its fields and its ``kind.Behaviour``. The dynamic
providers (``provider``) and the native plugin (``native.servicer``) each build a
:class:`Lifecycle` for a call, telling it where its settings and clients come from, and turn
its plain answers into their engine's types. The safe create (``safe_create``, reached through
the behaviour's ``create``), a type's own rules around a create or an update (the monitor's
mailbox rule), the account check and the clean-up after a failed create are written here once,
so they hold for every type and both front-ends.
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
from .config import Settings
from .errors import AlertSiteError, AuthenticationError, ConfigurationError, NotFound, UnfinishedCreateError
from .monitor_kind import COMPUTED_OUTPUTS
from .resource_types import EMAIL_ROUND_TRIP_MONITOR, ResourceType

log = logging.getLogger("alertsite_pulumi.provider")

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
    """An object created (or adopted): its id and the state to keep."""

    id: str
    outputs: dict[str, Any]


class Lifecycle:
    """The objects of one resource type in one account, reached through ``settings`` and
    ``client``.

    ``settings`` resolves the call's settings (raising ConfigurationError for a bad one);
    ``client`` gives the client for them; ``state`` is what the process keeps for the type's
    rules (the behaviour's ``new_state``: the monitor's mailbox picture); ``account_known`` is
    False while the settings are not known to be the account's (a native provider configured
    at preview with its ``baseUrl`` or login still unknown).
    """

    def __init__(self, settings: SettingsSource, client: Callable[[Settings], AlertSiteClient],
                 state: Callable[[], Any], *, account_known: bool = True,
                 resource_type: ResourceType = EMAIL_ROUND_TRIP_MONITOR) -> None:
        self._settings = settings
        self._client_for = client
        self._state = state
        self.account_known = account_known
        self.type = resource_type
        self._rules = resource_type.behaviour
        self._noun = resource_type.behaviour.noun

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

    def user_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """What the user manages: the type's fields and control inputs they set."""
        return self._rules.normalize({k: v for k, v in props.items()
                                      if (k in self.type.fields or k in self.type.control_inputs)
                                      and v is not None})

    def changed_fields(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        return self._rules.changed(self.type.fields, olds, news)

    # -- preview-time work: no API calls ------------------------------------------------------

    def check(self, news: Mapping[str, Any], resource_name: str | None = None) -> Checked:
        """The inputs to store and every problem with them. ``resource_name`` is the Pulumi
        name, the default of a type's ``name`` field."""
        # The account is the provider's to record, never an input (a raw or YAML program could
        # pass one).
        given = {k: v for k, v in news.items() if v is not None and k != ACCOUNT_KEY}
        inputs = self._rules.normalize(with_default_name(self.type, given, resource_name))
        failures = list(self._rules.validate(inputs))
        try:
            # A malformed setting is refused at preview, before any call; missing credentials
            # are not (a preview needs none).
            settings, _ = self._settings()
        except ConfigurationError as wrong:
            failures.append(("", str(wrong)))
        else:
            # Where the object is to live: the plan shows it beside where it was made.
            if self.account_known:
                inputs[ACCOUNT_KEY] = account_of(settings)
        return Checked(inputs, failures)

    def diff(self, object_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        moved = self.account_move(object_id, olds)
        if moved is not None:
            log.warning("%s", moved)
            return Diffed(changes=True, replaces=[ACCOUNT_KEY], changed=[ACCOUNT_KEY])
        changed = self.changed_fields(olds, news)
        replaces = [k for k in changed if k in self.type.replace_on_change]
        return Diffed(changes=bool(changed), replaces=replaces, changed=changed)

    def account_move(self, object_id: str, olds: Mapping[str, Any]) -> str | None:
        """Why object ``object_id`` (stored ``olds``) now belongs to another account, or None.

        Decided from what can be verified. The same API root and login is the same account.
        Another login may be another user of the same account, and another API root may reach
        the same account (the emulator restarted on another port with the same database, a
        proxy, another name of the host): replacing would throw away AlertSite's history of the
        object, so it is read through the new root and login. Missing, or another object under
        that id (for a monitor: another mailbox or servers), means another account; the same
        object means the same account. A state written before the account was recorded is
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
        what = self._noun.capitalize()
        try:
            live = self._rules.get(self.client(), object_id)
        except NotFound:
            return (f"{what} {object_id} was made {was}; {reader} reads no {self._noun} "
                    f"{object_id}, so it is another account's: the {self._noun} is replaced, "
                    "never re-pointed.")
        if self._rules.same(live, olds):
            return None
        return (f"{what} {object_id} was made {was}; {reader} reads another {self._noun} under "
                f"that id ({self.type.identity_text}), so it is another account's: the "
                f"{self._noun} is replaced, never re-pointed.")

    def _outputs(self, live: Mapping[str, Any], inputs: Mapping[str, Any],
                 previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The behaviour's outputs, with the account the object was reached through."""
        out = self._rules.outputs(live, inputs, previous or {})
        out[ACCOUNT_KEY] = account_of(self._settings()[0])
        return out

    # -- changes ------------------------------------------------------------------------------

    def create(self, props: Mapping[str, Any]) -> Made:
        client = self.client()
        inputs = self.user_inputs(props)
        adopted = self._rules.adopt(client, inputs)
        if adopted is not None:
            # Taking over an existing object: write only what differs, never create.
            object_id, live = adopted
            body = self._rules.adoption_body(live, inputs)
            if body:
                self._rules.update(client, object_id, body)
                live = self._rules.get(client, object_id)
            return Made(object_id, self._outputs(live, inputs))
        # The type's own rule (a monitor's mailbox), checked before any POST (fails closed).
        claim = self._rules.claim(self._state(), client, inputs)
        object_id = self._rules.create(client, self._rules.to_api(inputs))
        claim.made(object_id)
        try:
            # Another process (stack, provider) may have broken the rule meanwhile.
            claim.confirm(client, object_id)
            live = self._rules.get(client, object_id)
            return Made(object_id, self._outputs(live, inputs))
        except BaseException as failed:
            # All or nothing: whatever fails once the object exists, it must not be left in
            # AlertSite outside the stack.
            self._undo_create(client, object_id, inputs.get("name"), failed)
            raise

    def _undo_create(self, client: AlertSiteClient, object_id: str, name: object,
                     failed: BaseException) -> None:
        """Delete what a failed create made; UnfinishedCreateError naming it if that fails."""
        try:
            self._rules.discard(client, object_id)
        except AlertSiteError as cleanup:
            what = failed.brief() if isinstance(failed, AlertSiteError) else type(failed).__name__
            raise UnfinishedCreateError(
                f"{self._noun.capitalize()} {object_id} ({name!r}) was created, then the create "
                f"failed ({what}), and deleting the {self._noun} again failed too "
                f"({cleanup.brief()}): it is in AlertSite but not in the stack",
                monitor_id=object_id, noun=self._noun) from failed
        log.warning("deleted %s %s again after its create failed", self._noun, object_id)

    def update(self, object_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        client = self.client()
        inputs = self.user_inputs(news)
        changed = self.changed_fields(olds, news)
        body = self._rules.update_body(inputs, changed)
        guard = self._rules.guard_update(self._state(), client, object_id, olds, inputs, changed)
        guard.before()
        if body:
            self._rules.update(client, object_id, body)
        guard.after()
        live = self._rules.get(client, object_id)
        return self._outputs(live, inputs)

    def delete(self, object_id: str, props: Mapping[str, Any]) -> None:
        # Already gone is success: the goal was for it not to exist.
        client = self.client()
        moved = self.account_move(object_id, props)
        if moved is not None:
            # This provider cannot reach the account the object is in, and the id may name
            # another account's object here: never delete that. The user is told what is left.
            tell_user(f"{moved} This provider cannot reach that account, so {self._noun} "
                      f"{object_id} was NOT deleted there: delete it in that account (AlertSite's "
                      "UI, or `alertsite-pulumi` with its credentials).")
            return
        with self._stale_login_explained():
            self._rules.delete(client, object_id)
        self._rules.forget(self._state(), client, object_id)

    def read(self, object_id: str, props: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
        """The object's id and state as AlertSite has it; (None, {}) when it is gone."""
        client = self.client()
        moved = self.account_move(object_id, props)
        if moved is not None:
            # Reading that id here would tie another account's object (or its absence) to
            # this resource: the state is kept as it was, and the next `up` replaces it.
            tell_user(f"{moved} Refresh kept {self._noun} {object_id} as the state had it.")
            return object_id, dict(props)
        try:
            with self._stale_login_explained():
                live = self._rules.get(client, object_id)
        except NotFound:
            return None, {}
        return object_id, self._outputs(live, self.user_inputs(props), previous=props)

    def import_inputs(self, outputs: Mapping[str, Any], resource_name: str) -> dict[str, Any]:
        """The inputs a program would write for an object read from AlertSite (`pulumi import`)."""
        return self._rules.import_inputs(outputs, resource_name)


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


def tell_user(message: str) -> None:
    """A warning in the command's output: the engine prints what a provider writes to stderr."""
    log.warning("%s", message)
    if not logging.getLogger("alertsite_pulumi").handlers and not logging.getLogger().handlers:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def with_default_name(resource_type: ResourceType, inputs: Mapping[str, Any],
                      resource_name: str | None) -> dict[str, Any]:
    """``inputs`` with the type's ``name`` field defaulting to the Pulumi resource name: the one
    place both front-ends take that default from."""
    out = dict(inputs)
    if resource_name and "name" in resource_type.fields and out.get("name") is None:
        out["name"] = resource_name
    return out


__all__ = [
    "ACCOUNT_KEY",
    "COMPUTED_OUTPUTS",
    "Checked",
    "Diffed",
    "Lifecycle",
    "Made",
    "account_of",
    "tell_user",
    "with_default_name",
]
