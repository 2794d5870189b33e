"""What run.py and native_bench.py both measure with: API calls, CPU of the commands run."""

from __future__ import annotations

import resource
from typing import Final

#: The Python servicer of dynamic providers runs methods on ThreadPoolExecutor(max_workers=4).
SERVICER_WORKERS: Final = 4
#: The emulator's request counters of API calls (logins apart).
API_ENDPOINTS: Final = ("create", "update", "get", "list", "delete")


def api_calls(calls: dict[str, int]) -> int:
    """Calls of an operation other than logins."""
    return sum(calls.get(e, 0) for e in API_ENDPOINTS)


def children_cpu() -> float:
    """User + system CPU seconds of every finished child process (the commands run so far)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
