"""The native floor: a resource plugin (package ``benchfloor``) that calls nothing.

``benchmarks/native_bench.py`` declares N ``benchfloor:index:Floor`` resources with a monitor's
payload (the mailbox password a secret; outputs with a monitor's keys) and times the same
commands, so that the native plugin's figures read as a ratio to what the engine costs for a
plugin with the same gRPC server, the same wire encoding and the same state. The benchmark
writes a ``pulumi-resource-benchfloor`` script that runs ``main`` onto PATH.
"""

from __future__ import annotations

import sys
import threading
import uuid

import grpc
from floor_provider import same_payload_outputs
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from alertsite_pulumi.native.preview import preview_create
from alertsite_pulumi.native.server import serve
from alertsite_pulumi.native.values import from_struct, to_struct
from alertsite_pulumi.resource_types import EMAIL_ROUND_TRIP_MONITOR

_DIFF = provider_pb2.DiffResponse


class FloorServicer(provider_pb2_grpc.ResourceProviderServicer):
    """Stores inputs as outputs (with a monitor's computed keys); no I/O at all."""

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version="0.1.0")

    def CheckConfig(self, request: provider_pb2.CheckRequest,
                    context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: provider_pb2.DiffRequest,
                   context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        return _DIFF(changes=_DIFF.DIFF_NONE)

    def Configure(self, request: provider_pb2.ConfigureRequest,
                  context: grpc.ServicerContext) -> provider_pb2.ConfigureResponse:
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    def Check(self, request: provider_pb2.CheckRequest,
              context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: provider_pb2.DiffRequest,
             context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        olds, news = from_struct(request.olds).values, from_struct(request.news).values
        changed = [k for k, v in news.items() if olds.get(k) != v]
        return _DIFF(changes=_DIFF.DIFF_SOME if changed else _DIFF.DIFF_NONE, diffs=changed)

    def Create(self, request: provider_pb2.CreateRequest,
               context: grpc.ServicerContext) -> provider_pb2.CreateResponse:
        props = from_struct(request.properties)
        if request.preview:
            planned = preview_create(EMAIL_ROUND_TRIP_MONITOR, props.values)
            return provider_pb2.CreateResponse(properties=to_struct(planned, props.secrets))
        resource_id = uuid.uuid4().hex
        outs = same_payload_outputs(props.values, resource_id)
        return provider_pb2.CreateResponse(id=resource_id, properties=to_struct(outs, props.secrets))

    def Read(self, request: provider_pb2.ReadRequest,
             context: grpc.ServicerContext) -> provider_pb2.ReadResponse:
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    def Update(self, request: provider_pb2.UpdateRequest,
               context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        news = from_struct(request.news)
        return provider_pb2.UpdateResponse(properties=to_struct(same_payload_outputs(news.values, request.id),
                                                                news.secrets))

    def Delete(self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()


def main() -> int:
    _server, port = serve(FloorServicer())
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
