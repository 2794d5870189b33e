"""The ``alertsite-pulumi`` console script: the CLI, with Ctrl-C during its start-up handled.

Importing the commands takes a few tenths of a second; a Ctrl-C meanwhile ended in a
traceback. This module imports nothing heavy itself (the package's names load lazily), so the
import of the CLI runs inside the ``try`` and an interrupt there exits 130, as a Ctrl-C does
once a command runs.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted (Ctrl-C) while starting\n")
        raise SystemExit(130) from None
    try:
        cli_main(argv)
    finally:
        # The command has ended and reported: a Ctrl-C now (a third in a row, or one just as a
        # trip ends) changes nothing. Left to Python it landed after its handlers were reset on
        # the way out, and SIGINT killed the process instead of the command's exit code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
