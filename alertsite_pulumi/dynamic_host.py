"""How an AlertSiteError reaches `pulumi up` from the Pulumi SDK's dynamic provider host.

The host (``python -m pulumi.dynamic``) answers any exception a provider method raises with
``traceback.format_exc()``, so the engine prints a Python traceback for every refused login,
missing permission or wrong setting, with the message buried on its last line. This
package's errors are written for the person running `pulumi up` (what was asked, what
AlertSite answered, what to do), and a traceback adds nothing to them. :func:`install` makes
the host show an AlertSiteError as its message alone; any other exception (a bug) keeps its
traceback. It changes nothing outside that host process.
"""

from __future__ import annotations

import sys
import traceback
from types import ModuleType
from typing import Any, Final

from .errors import AlertSiteError

#: The module the SDK's dynamic provider host runs as ``__main__``.
HOST_MODULE: Final = "pulumi.dynamic.__main__"


class _CleanTracebacks:
    """Stands in for the ``traceback`` module inside the host; only ``format_exc`` differs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    def format_exc(self, limit: int | None = None, chain: bool = True) -> str:
        failure = sys.exc_info()[1]
        if isinstance(failure, AlertSiteError):
            return str(failure)
        return traceback.format_exc(limit, chain)


def install(main: ModuleType | None = None) -> bool:
    """Make the dynamic provider host print AlertSiteErrors without a traceback.

    True when ``main`` (default: this process's ``__main__``) is the SDK's host and now
    shows clean messages; False in any other process, which is left as it was.
    """
    main = main if main is not None else sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if main is None or getattr(spec, "name", None) != HOST_MODULE:
        return False
    current = getattr(main, "traceback", None)
    if isinstance(current, _CleanTracebacks):
        return True
    if current is not traceback:
        # The host no longer formats errors the way this was written against: leave it be.
        return False
    main.traceback = _CleanTracebacks()  # type: ignore[attr-defined]
    return True
