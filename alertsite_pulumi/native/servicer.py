"""The ResourceProvider gRPC service of pulumi-resource-alertsite.

Each method turns the engine's Structs into plain dicts (``values``), calls the lifecycle the
dynamic resources use (``lifecycle.Lifecycle``, one per declared resource type, chosen by the
request's type token), and turns its answer back, with secrets wrapped again. What is
particular to a plugin lives here: the schema, provider configuration (``settings``), preview
answers (``preview``), import, Cancel and custom timeouts (``operations``), and a bound on the
calls served at once.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from ..client import AlertSiteClient
from ..config import DEFAULT_MAX_CONCURRENCY, Settings, resolve_settings
from ..errors import AlertSiteError, ConfigurationError
from ..lifecycle import Lifecycle
from ..lookups import LOOK_UPS, LookUp
from ..resource_types import EMAIL_ROUND_TRIP_MONITOR, RESOURCE_TYPES, ResourceType
from ..validators import is_unknown
from .operations import OperationControl, client_registry
from .preview import preview_create, preview_update
from .schema import package_version, schema_json, settings_property_names
from .settings import check_provider_args, is_default_provider, provider_settings
from .values import Properties, from_struct, to_struct

log = logging.getLogger("alertsite_pulumi.native")

R = TypeVar("R")
Handler = Callable[["AlertSiteProviderServicer", Any, grpc.ServicerContext], R]

#: The declared types by their native token.
_TYPES: Final = {kind.native_token: kind for kind in RESOURCE_TYPES}
#: The declared functions by their token.
_FUNCTIONS: Final = {look_up.native_token: look_up for look_up in LOOK_UPS}
_DIFF = provider_pb2.DiffResponse
_UPDATE: Final = provider_pb2.PropertyDiff.UPDATE
_ADD: Final = provider_pb2.PropertyDiff.ADD
_UPDATE_REPLACE: Final = provider_pb2.PropertyDiff.UPDATE_REPLACE


def _rpc(method: Handler[R]) -> Handler[R]:
    """Turn an exception into a gRPC error whose text is the error's own (never a traceback)."""

    @functools.wraps(method)
    def wrapper(self: AlertSiteProviderServicer, request: Any, context: grpc.ServicerContext) -> R:
        try:
            return method(self, request, context)
        except AlertSiteError as exc:
            context.abort(grpc.StatusCode.UNKNOWN, str(exc))
        except Exception as exc:
            # A bug of ours: the engine shows the message; the traceback goes to the plugin's log.
            log.exception("%s failed", method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}")
        raise AssertionError("unreachable: context.abort raises")

    return wrapper


def _resource_name(request: Any) -> str:
    return str(request.name or request.urn.rsplit("::", 1)[-1])


def _type_token(request: Any) -> str:
    """The resource type a request is for: its ``type``, else read from its URN
    (``urn:pulumi:stack::project::[parent$]type::name``)."""
    if request.type:
        return str(request.type)
    parts = str(request.urn).split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""


def _secret_keys(kind: ResourceType, *props: Properties) -> set[str]:
    """What to wrap as secret on the way out: the type's secret fields, and whatever came in
    secret."""
    keys = {f.name for f in kind.fields.values() if f.secret}
    for p in props:
        keys |= p.secrets
    return keys


def import_inputs(outputs: Mapping[str, Any], resource_name: str = "monitor",
                  kind: ResourceType = EMAIL_ROUND_TRIP_MONITOR) -> dict[str, Any]:
    """The inputs a program would write for an object read from AlertSite (for `pulumi import`).

    For a monitor, the same reading as ``alertsite-pulumi export``
    (``export.exportable_values``): every field AlertSite reported, as read, but a value
    ``check`` would refuse (an over-long note made in the UI), which is left out so that
    AlertSite keeps it and the program passes its own preview; never the secrets AlertSite
    cannot report, nor what it computed.
    """
    return kind.behaviour.import_inputs(outputs, resource_name)


class AlertSiteProviderServicer(provider_pb2_grpc.ResourceProviderServicer):
    """One plugin process: one provider configuration, any number of resources."""

    def __init__(self, *, control: OperationControl | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.control = control or OperationControl()
        self._environ = environ
        self._clients = client_registry(self.control)
        self._lock = threading.Lock()
        try:
            self.settings = provider_settings({}, default_provider=True, environ=environ)
        except ConfigurationError:
            # A bad setting in the stack config or the environment is reported by CheckConfig
            # and Configure, naming it; the process must start to say so.
            self.settings = resolve_settings(environ={})
        self._lifecycles = self._lifecycles_for(self.settings)
        self._slots = threading.BoundedSemaphore(DEFAULT_MAX_CONCURRENCY)
        self.engine_address: str | None = None

    # -- plugin -------------------------------------------------------------------------------

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=package_version())

    def GetSchema(self, request: provider_pb2.GetSchemaRequest,
                  context: grpc.ServicerContext) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=schema_json())

    def Attach(self, request: plugin_pb2.PluginAttach, context: grpc.ServicerContext) -> empty_pb2.Empty:
        # Started by hand for PULUMI_DEBUG_PROVIDERS: the engine says where it is, and then
        # configures the plugin as usual.
        self.engine_address = request.address
        return empty_pb2.Empty()

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        log.warning("cancel requested by the engine: no more waiting to retry")
        self.control.cancel()
        return empty_pb2.Empty()

    # -- provider configuration ---------------------------------------------------------------

    @_rpc
    def CheckConfig(self, request: provider_pb2.CheckRequest,
                    context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        news = from_struct(request.news)
        # No property on a failure: the engine would print the value with it ("property baseUrl
        # value {https://user:password@...} has a problem"); the reason names the field instead.
        failures = [provider_pb2.CheckFailure(property="", reason=f"{prop}: {message}")
                    for prop, message in check_provider_args(news.values)]
        # Given back as they came: secrets stay wrapped, unknowns stay unknown.
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    @_rpc
    def DiffConfig(self, request: provider_pb2.DiffRequest,
                   context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        olds, news = from_struct(request.olds).values, from_struct(request.news).values
        changed = sorted(k for k in settings_property_names() if olds.get(k) != news.get(k))
        # Settings change how monitors are reached, not the monitors: another API root or
        # login may reach the same account (another user of it, the emulator on another port),
        # so no provider replacement is asked for here; each monitor's diff reads it through
        # the new settings and asks for its own replacement when it is another account's.
        return _DIFF(changes=_DIFF.DIFF_SOME if changed else _DIFF.DIFF_NONE, diffs=changed,
                     replaces=[], deleteBeforeReplace=False)

    @_rpc
    def Configure(self, request: provider_pb2.ConfigureRequest,
                  context: grpc.ServicerContext) -> provider_pb2.ConfigureResponse:
        args = from_struct(request.args, keep_unknowns=False).values
        if not args and request.variables:
            # An engine that sends only the flat config map: `alertsite:baseUrl` -> text.
            args = {k.split(":", 1)[-1]: v for k, v in request.variables.items()}
        default = is_default_provider(request.urn) or not request.urn
        settings = provider_settings(args, default_provider=default, environ=self._environ)
        given = from_struct(request.args).values
        self.configure(settings, account_known=not any(
            is_unknown(given.get(k)) for k in ("baseUrl", "username", "accessToken")))
        log.info("configured %s provider for %s", "the default" if default else "an explicit",
                 settings.base_url)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True,
                                              acceptResources=False, acceptOutputs=False)

    def configure(self, settings: Settings, *, account_known: bool = True) -> None:
        with self._lock:
            self.settings = settings
            self._lifecycles = self._lifecycles_for(settings, account_known=account_known)
            self._slots = threading.BoundedSemaphore(settings.max_concurrency)

    def _lifecycles_for(self, settings: Settings, *, account_known: bool = True) -> dict[str, Lifecycle]:
        """Every declared type's objects under one provider configuration: its settings
        (resolved once per process by ``native.settings``, so never the stale stored ones), the
        plugin's clients, and each type's rule state of its own (a monitor's mailbox picture).
        ``account_known`` is False when the engine configured the provider with its baseUrl or
        login unknown (another resource's output, at preview)."""
        def one(kind: ResourceType) -> Lifecycle:
            state = kind.behaviour.new_state()
            return Lifecycle(lambda: (settings, False), self._clients.get, lambda: state,
                             account_known=account_known, resource_type=kind)

        return {token: one(kind) for token, kind in _TYPES.items()}

    def _lifecycle(self, request: Any) -> Lifecycle:
        """The lifecycle of the request's resource type."""
        token = _type_token(request)
        with self._lock:
            found = self._lifecycles.get(token)
        if found is None:
            raise ConfigurationError(f"unknown resource type {token!r}: this plugin serves "
                                     f"{', '.join(sorted(_TYPES))}")
        return found

    @contextmanager
    def _serving(self, timeout: float, request: Any) -> Iterator[Lifecycle]:
        """A call that may reach AlertSite: one of max_concurrency slots, under its custom timeout."""
        lifecycle = self._lifecycle(request)
        with self._lock:
            slots = self._slots
        with slots, self.control.deadline(timeout):
            yield lifecycle

    # -- resources ----------------------------------------------------------------------------

    @_rpc
    def Check(self, request: provider_pb2.CheckRequest,
              context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        news = from_struct(request.news)
        lifecycle = self._lifecycle(request)
        checked = lifecycle.check(news.values, _resource_name(request))
        failures = [provider_pb2.CheckFailure(property="", reason=reason) for reason in checked.reasons()]
        inputs = to_struct(checked.inputs, _secret_keys(lifecycle.type, news))
        return provider_pb2.CheckResponse(inputs=inputs, failures=failures)

    @_rpc
    def Diff(self, request: provider_pb2.DiffRequest,
             context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        olds, news = from_struct(request.olds), from_struct(request.news)
        with self._serving(0, request) as lifecycle:
            # May read the object once: when the login changed, to tell another user of the
            # same account from another account.
            diffed = lifecycle.diff(request.id, olds.values, news.values)
        replaces, changed = diffed.replaces, diffed.changed
        detailed = {k: provider_pb2.PropertyDiff(kind=_UPDATE_REPLACE if k in replaces
                                                 else _UPDATE if k in olds.values else _ADD)
                    for k in changed}
        # A replacement deletes first: each type keeps one object per mailbox or identity, so
        # the new one's create would be refused while the old one exists.
        return _DIFF(changes=_DIFF.DIFF_SOME if diffed.changes else _DIFF.DIFF_NONE,
                     diffs=changed, replaces=replaces, deleteBeforeReplace=True,
                     detailedDiff=detailed, hasDetailedDiff=True)

    @_rpc
    def Create(self, request: provider_pb2.CreateRequest,
               context: grpc.ServicerContext) -> provider_pb2.CreateResponse:
        props = from_struct(request.properties)
        kind = self._lifecycle(request).type
        secrets = _secret_keys(kind, props)
        if request.preview:
            planned = preview_create(kind, props.values)
            return provider_pb2.CreateResponse(id="", properties=to_struct(planned, secrets))
        with self._serving(request.timeout, request) as lifecycle:
            made = lifecycle.create(props.values)
        return provider_pb2.CreateResponse(id=made.id, properties=to_struct(made.outputs, secrets))

    @_rpc
    def Read(self, request: provider_pb2.ReadRequest,
             context: grpc.ServicerContext) -> provider_pb2.ReadResponse:
        state, inputs = from_struct(request.properties), from_struct(request.inputs)
        with self._serving(request.timeout, request) as lifecycle:
            found, outs = lifecycle.read(request.id, state.values)
        if not found:
            return provider_pb2.ReadResponse(id="")  # gone: refresh drops it
        secrets = _secret_keys(lifecycle.type, state, inputs)
        # Refresh keeps the program's inputs; an import (no state, no inputs) gets them from
        # the live object, so that the program `pulumi import` writes matches it.
        new_inputs = (inputs.values if (inputs.values or state.values)
                      else lifecycle.import_inputs(outs, _resource_name(request)))
        return provider_pb2.ReadResponse(id=found, properties=to_struct(outs, secrets),
                                         inputs=to_struct(new_inputs, secrets))

    @_rpc
    def Update(self, request: provider_pb2.UpdateRequest,
               context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        olds, news = from_struct(request.olds), from_struct(request.news)
        kind = self._lifecycle(request).type
        secrets = _secret_keys(kind, olds, news)
        if request.preview:
            planned = preview_update(kind, olds.values, news.values)
            return provider_pb2.UpdateResponse(properties=to_struct(planned, secrets))
        with self._serving(request.timeout, request) as lifecycle:
            outs = lifecycle.update(request.id, olds.values, news.values)
        return provider_pb2.UpdateResponse(properties=to_struct(outs, secrets))

    @_rpc
    def Delete(self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        props = from_struct(request.properties)
        with self._serving(request.timeout, request) as lifecycle:
            lifecycle.delete(request.id, props.values)
        return empty_pb2.Empty()

    # -- functions ----------------------------------------------------------------------------

    @_rpc
    def Invoke(self, request: provider_pb2.InvokeRequest,
               context: grpc.ServicerContext) -> provider_pb2.InvokeResponse:
        """A look-up (``alertsite:index:getRecipient``...), at preview as at update: it only reads."""
        look_up = _FUNCTIONS.get(request.tok)
        if look_up is None:
            raise ConfigurationError(f"unknown function {request.tok!r}: this plugin serves "
                                     f"{', '.join(sorted(_FUNCTIONS))}")
        args = from_struct(request.args)
        name, object_id = look_up.arguments(args.values)
        with self._invoking(look_up) as client:
            found = look_up.find(client, name=name, object_id=object_id)
        # An answer found through a secret argument is secret as a whole: what it holds tells
        # the argument. The answer itself never holds a password (``LookUp.answer``).
        secrets = set(found) if args.secrets else set()
        answer = provider_pb2.InvokeResponse()
        getattr(answer, "return").CopyFrom(to_struct(found, secrets))  # a keyword: no attribute syntax
        return answer

    @contextmanager
    def _invoking(self, look_up: LookUp) -> Iterator[AlertSiteClient]:
        """The configured provider's client for a function's reads, in one of the call slots
        (under the settings' retry budget: an invoke has no custom timeout)."""
        with self._lock:
            lifecycle = self._lifecycles[look_up.resource_type.native_token]
            slots = self._slots
        with slots, self.control.deadline(0):
            yield lifecycle.client()


__all__ = ["AlertSiteProviderServicer", "import_inputs"]
