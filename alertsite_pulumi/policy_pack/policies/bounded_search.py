"""``re.search`` with a time limit, for regular expressions taken from configuration.

A pattern such as ``(a+)+$`` backtracks catastrophically: against a 40-character name it runs
for hours, and Python's ``re`` holds the interpreter the whole time (no timeout, no signal,
no other thread gets to run). A rule that ran it in-process would hang ``pulumi preview``. The
search therefore runs in one helper interpreter per process (started on first use, fed
one JSON line per search); a search that takes longer than the limit kills the helper, and
the next search starts a new one.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from typing import Final

__all__ = ["SEARCH_SECONDS", "bounded_search"]

#: How long one search may take. A pattern that is not catastrophic searches a name of at most
#: 255 characters in microseconds; the margin is for a loaded machine.
SEARCH_SECONDS: Final = 2.0

# -I: no user site or environment; the helper needs nothing but re and json.
_HELPER: Final = """\
import json, re, sys
sys.stdout.write("ready\\n")
sys.stdout.flush()
for line in sys.stdin:
    pattern, text = json.loads(line)
    sys.stdout.write("1\\n" if re.search(pattern, text) else "0\\n")
    sys.stdout.flush()
"""

_lock = threading.Lock()
_helper: subprocess.Popen[bytes] | None = None


#: How long the helper may take to start: not counted against a search, so that a loaded
#: machine does not make a good pattern look catastrophic.
_START_SECONDS: Final = 60.0


def _running_helper() -> subprocess.Popen[bytes]:
    global _helper
    if _helper is None or _helper.poll() is not None:
        _helper = subprocess.Popen([sys.executable, "-I", "-c", _HELPER], stdin=subprocess.PIPE,  # noqa: S603
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if _read_line(_helper, _START_SECONDS) != b"ready\n":
            _stop(_helper)
            raise RuntimeError("the regular expression helper did not start")
    return _helper


def _read_line(helper: subprocess.Popen[bytes], seconds: float) -> bytes | None:
    """One line from the helper, or None when it does not come within ``seconds``."""
    assert helper.stdout is not None
    answer = b""
    deadline = time.monotonic() + seconds
    while not answer.endswith(b"\n"):
        ready, _, _ = select.select([helper.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return None
        chunk = os.read(helper.stdout.fileno(), 16)
        if not chunk:
            return b""
        answer += chunk
    return answer


def _stop(helper: subprocess.Popen[bytes]) -> None:
    global _helper
    helper.kill()
    helper.wait()
    for stream in (helper.stdin, helper.stdout):
        if stream is not None:
            stream.close()
    _helper = None


def bounded_search(pattern: str, text: str, seconds: float = SEARCH_SECONDS) -> bool | None:
    """Whether ``re.search(pattern, text)`` finds a match; None when it takes over ``seconds``.

    ``pattern`` must compile (the caller checks that first, to say why it does not). On
    Windows, where ``select`` cannot wait on a pipe, the search runs in-process, unbounded.
    """
    if os.name == "nt":
        return re.search(pattern, text) is not None
    request = (json.dumps([pattern, text]) + "\n").encode()
    with _lock:
        helper = _running_helper()
        assert helper.stdin is not None
        try:
            helper.stdin.write(request)
            helper.stdin.flush()
        except BrokenPipeError:
            _stop(helper)
            raise
        answer = _read_line(helper, seconds)
        if answer is None:
            _stop(helper)
            return None
        if not answer:
            _stop(helper)
            raise RuntimeError("the regular expression helper stopped")
        return answer.strip() == b"1"
