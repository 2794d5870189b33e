"""What an endless POP3 answer costs in memory, measured in a process of its own (its peak RSS):
the 4 MiB cap counts the bytes, and lines of one or two bytes (a million Python objects) are
the worst case a server can make of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .rogue_server import Conversation, RogueServer, Script, pop3_logged_in

#: Python with the package imported is about 25 MiB; the cap's worst case adds about 60.
PEAK_MIB = 150

# The peak is read from /proc/self/status (VmHWM, this process's own memory map) and not from
# getrusage's ru_maxrss, which Linux carries over exec from the forked parent: under a pytest
# process of 350 MiB every child "peaked" at 350 MiB.
_MEASURE = """
import sys
from alertsite_pulumi.mail import Mailbox, ProbeOptions, run_trip
box = Mailbox.from_urls("smtp://127.0.0.1:1", sys.argv[1], "rt@mail.test", "rt", "pw")
result = run_trip(box, ProbeOptions(timeout=60))
with open("/proc/self/status", encoding="ascii") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(result.kind, peak_kib // 1024)
print(result.cause)
"""


def _endless_uidl(line: bytes) -> Script:
    def script(conversation: Conversation) -> None:
        if pop3_logged_in(conversation) and conversation.command().startswith(b"UIDL"):
            conversation.send(b"+OK\r\n")
            batch = line * 100000
            while conversation.alive and conversation.send(batch):
                pass

    return script


@pytest.mark.parametrize("line", [b"ab\r\n", b"..\n", b"1 uid-1\r\n"])
def test_an_endless_answer_of_short_lines_stays_within_a_bounded_memory(line: bytes) -> None:
    with RogueServer(_endless_uidl(line)) as rogue:
        done = subprocess.run([sys.executable, "-c", _MEASURE, rogue.url("pop3")], capture_output=True,
                              text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    first, cause = done.stdout.splitlines()[:2]
    kind, peak = first.split()
    assert kind == "protocol" and "more than 4 MiB without ending it" in cause, done.stdout
    assert int(peak) < PEAK_MIB, f"peak RSS {peak} MiB"
