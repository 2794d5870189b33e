"""The plugin's servicer on a real gRPC server on a free loopback port, and a stub to call it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from factories import ADMIN
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from alertsite_pulumi.emulator import EmulatorControl
from alertsite_pulumi.native import AlertSiteProviderServicer, serve
from alertsite_pulumi.native.values import Properties, from_struct, to_struct

ADMIN_USER, ADMIN_PASSWORD = ADMIN
MAILBOX_PASSWORD = "mailbox-pw-native-1"
DEFAULT_URN = "urn:pulumi:dev::proj::pulumi:providers:alertsite::default_0_1_0"
MONITOR_URN = "urn:pulumi:dev::proj::alertsite:index:EmailRoundTripMonitor::"


def monitor_inputs(index: int = 0, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "billing_plancode": "UBM - A/A",
        "smtp_hostname": "smtps://smtp.example.com:465",
        "pop3_hostname": "pop3s://pop.example.com:995",
        "email": f"native-{index}@example.com",
        "interval": 15,
    }
    base.update(overrides)
    return base


@dataclass
class Plugin:
    """A running plugin: its servicer (to look inside) and a stub (to call it as the engine does)."""

    servicer: AlertSiteProviderServicer
    stub: Any

    def configure(self, args: Mapping[str, Any], *, urn: str = DEFAULT_URN,
                  secrets: tuple[str, ...] = ("password",)) -> Any:
        return self.stub.Configure(provider_pb2.ConfigureRequest(
            args=to_struct(args, secrets), acceptSecrets=True, urn=urn,
            type="pulumi:providers:alertsite", name=urn.rsplit("::", 1)[-1]))

    def check(self, name: str, news: Mapping[str, Any], *, secrets: tuple[str, ...] = ()) -> Any:
        return self.stub.Check(provider_pb2.CheckRequest(
            urn=MONITOR_URN + name, name=name, news=to_struct(news, secrets), olds=to_struct({})))

    def create(self, name: str, inputs: Mapping[str, Any], *, preview: bool = False,
               timeout: float = 0) -> Any:
        checked = self.check(name, inputs, secrets=("email_password",))
        assert not checked.failures, checked.failures
        return self.stub.Create(provider_pb2.CreateRequest(
            urn=MONITOR_URN + name, name=name, properties=checked.inputs, preview=preview,
            timeout=timeout))


def props(struct: Any) -> Properties:
    return from_struct(struct)


@pytest.fixture
def plugin_factory() -> Iterator[Callable[..., Plugin]]:
    started: list[tuple[grpc.Server, grpc.Channel]] = []

    def make(environ: Mapping[str, str] | None = None) -> Plugin:
        servicer = AlertSiteProviderServicer(environ=dict(environ or {}))
        server, port = serve(servicer)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        started.append((server, channel))
        return Plugin(servicer, provider_pb2_grpc.ResourceProviderStub(channel))

    yield make
    for server, channel in started:
        channel.close()
        server.stop(grace=None)


@pytest.fixture
def plugin(plugin_factory: Callable[..., Plugin], emulator: EmulatorControl) -> Plugin:
    """A plugin configured as the default provider for the emulator's admin."""
    p = plugin_factory()
    p.configure({"baseUrl": emulator.api_url, "username": ADMIN_USER, "password": ADMIN_PASSWORD})
    return p
