"""``alertsite-emulator``: serve the AlertSite API emulator until SIGTERM or SIGINT.

Prints the API root (``http://127.0.0.1:PORT/api/v3``) alone on one line once ready, then
logs one line per request on stderr (method, path, status, time; never a body, password or
token). With ``--run-monitors`` it also runs the monitors (:mod:`.runner`) and logs one line
per run (monitor id, code, description, time), and sends the alerts they cause (:mod:`.alerts`;
e-mail through ``--alert-smtp``), one line per alert.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from types import FrameType

from ..version import __version__
from .alerts import DEFAULT_FROM, AlertNotifier, Delivery, directory_of, parse_relay
from .framing import DEFAULT_READ_TIMEOUT
from .model import EmulatorSettings, User, parse_user
from .runner import MonitorRunner
from .server import EmulatorServer


def _user(spec: str) -> User:
    try:
        return parse_user(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _relay(text: str) -> tuple[str, int]:
    try:
        return parse_relay(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alertsite-emulator", description="A local emulator of the AlertSite API v3."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file that keeps users and monitors")
    parser.add_argument("--prefix", default="/api/v3", help="path of the API root")
    parser.add_argument(
        "--user",
        action="append",
        type=_user,
        metavar="EMAIL:PASSWORD[:ROLE]",
        help="an account user (repeatable); role admin, co-admin, power-user or read-only",
    )
    parser.add_argument(
        "--token-lifetime", type=_positive, metavar="S", help="access token lifetime in seconds"
    )
    parser.add_argument("--seed", type=int, help="seed of the fault RNG")
    parser.add_argument(
        "--read-timeout", type=_positive, default=DEFAULT_READ_TIMEOUT, metavar="S",
        help="seconds a client has to send a whole request once begun (default: %(default)s); "
        "a slower one is answered 408",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log")
    runs = parser.add_argument_group("running monitors (real round trips, as AlertSite does)")
    runs.add_argument(
        "--run-monitors",
        action="store_true",
        help="run each enabled monitor on its interval against its mail servers; the outcome "
        "is its last_status and GET /report-sitestatus",
    )
    runs.add_argument(
        "--time-scale", type=_positive, default=1.0, metavar="N",
        help="run intervals N times faster (demos, tests); trip timeouts stay real",
    )
    runs.add_argument(
        "--run-monitors-anywhere", action="store_true",
        help="also run monitors whose mail servers are not on loopback (default: skip them)",
    )
    runs.add_argument(
        "--mail-cafile", metavar="PEM",
        help="trust only this CA for the mail servers' TLS (default: the system's CAs)",
    )
    runs.add_argument(
        "--alert-smtp", type=_relay, metavar="HOST:PORT",
        help="the SMTP relay that e-mail alerts go through (default: none, e-mail alerts are "
        "recorded as not sent); see GET /_emulator/alerts",
    )
    runs.add_argument(
        "--alert-from", default=DEFAULT_FROM, metavar="ADDRESS",
        help="the From of e-mail alerts (default: %(default)s)",
    )
    return parser


def _stderr_line(line: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    sys.stderr.write(f"{stamp} {line}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = EmulatorSettings()
    if args.token_lifetime is not None:
        settings.token_lifetime_s = args.token_lifetime
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        db=args.db,
        prefix=args.prefix,
        users=args.user,
        settings=settings,
        seed=args.seed,
        log=None if args.quiet else _stderr_line,
        read_timeout=args.read_timeout,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    runner = None
    notifier = None
    # Test notifications go out whether or not the monitors run (POST /test-notifiers).
    server.store.on_demand.delivery = Delivery(smtp_relay=args.alert_smtp, mail_from=args.alert_from,
                                               allow_remote=args.run_monitors_anywhere)
    if args.run_monitors:
        notifier = AlertNotifier(
            directory_of(server.store),
            server.app.alerts,
            Delivery(smtp_relay=args.alert_smtp, mail_from=args.alert_from,
                     allow_remote=args.run_monitors_anywhere),
            locations=server.store.settings.location_names(),
            say=None if args.quiet else _stderr_line,
        ).start()
        runner = MonitorRunner(
            server.store,
            time_scale=args.time_scale,
            allow_remote=args.run_monitors_anywhere,
            cafile=args.mail_cafile,
            log=None if args.quiet else _stderr_line,
            observer=notifier,
        ).start()
        server.store.on_demand.probe = runner.test_once
    try:
        print(server.api_url, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        if runner is not None:
            runner.stop()
        if notifier is not None:
            notifier.stop()
        server.stop()
    if not args.quiet:
        _stderr_line("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
