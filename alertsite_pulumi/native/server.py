"""``pulumi-resource-alertsite``: start the gRPC server, print its port, serve until stopped.

The engine starts the plugin as ``pulumi-resource-alertsite <engine address> [flags]`` and
reads the port from the first line of stdout. Started by hand with no engine address, the
plugin does the same and waits for the engine to attach: run it, then
``PULUMI_DEBUG_PROVIDERS=alertsite:<port> pulumi up`` (for debugging the plugin).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent import futures
from typing import Final

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from ..config import MAX_CONCURRENCY
from .schema import package_version
from .servicer import AlertSiteProviderServicer

#: Threads beyond the calls that may reach AlertSite, so that Cancel, GetPluginInfo and
#: previews are answered while every slot is busy (the pool starts threads only as needed).
SPARE_THREADS: Final = 8
_MESSAGE_BYTES: Final = 400 * 1024 * 1024


def serve(servicer: provider_pb2_grpc.ResourceProviderServicer, *,
          address: str = "127.0.0.1:0") -> tuple[grpc.Server, int]:
    """A started server for ``servicer`` and its port."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=MAX_CONCURRENCY + SPARE_THREADS,
                                   thread_name_prefix="alertsite-rpc"),
        options=[("grpc.max_receive_message_length", _MESSAGE_BYTES),
                 ("grpc.max_send_message_length", _MESSAGE_BYTES)],
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address)
    server.start()
    return server, port


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pulumi-resource-alertsite",
                                     description="The AlertSite resource plugin for the Pulumi engine.")
    parser.add_argument("engine", nargs="?", help="the engine's address (given by the engine)")
    parser.add_argument("--version", action="version", version=package_version())
    # The engine may add flags of its own (--logtostderr, -v=N, --tracing): accepted, unused.
    args, _unknown = parser.parse_known_args(argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    level = os.environ.get("ALERTSITE_PLUGIN_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING),
                        format="pulumi-resource-alertsite: %(levelname)s %(name)s: %(message)s")
    servicer = AlertSiteProviderServicer()
    servicer.engine_address = args.engine
    server, port = serve(servicer)
    # The engine reads the port from the first line: nothing may be printed before it.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stopped = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stopped.wait()
    server.stop(grace=2).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
