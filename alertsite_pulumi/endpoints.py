"""Where one kind of AlertSite object lives in the API, declared once for the client.

Recipients (``/recipients``) and recipient groups (``/notifier-groups``) follow one pattern:
a collection to list (the list envelope, ``limit``/``offset`` pages) and to POST a create to,
and ``{collection}/{id}`` to GET, PATCH and DELETE. The client serves every ``Endpoint`` with
the same calls (``AlertSiteClient.list_objects``...), its creates through a ``SafeCreate`` of
their own that finds a lost create again by the endpoint's ``identity``. Round-trip monitors
keep their own calls (their create and PATCH paths differ from their read paths).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


def quote_segment(value: str | int) -> str:
    """A path parameter, URL-quoted in one place."""
    return quote(str(value), safe="")


@dataclass(frozen=True)
class Endpoint:
    """One kind of object: its name in messages, its collection path, and its identity."""

    noun: str
    """What the object is called in messages ("recipient")."""
    path: str
    """The collection: ``GET`` lists, ``POST`` creates (``/recipients``)."""
    identity: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    """What ties an object to the create that made it, read from a create body or a listed
    object alike (a recipient's name, method and address)."""

    def item(self, object_id: str | int) -> str:
        """The path of one object: ``GET``, ``PATCH`` and ``DELETE``."""
        return f"{self.path}/{quote_segment(object_id)}"


__all__ = ["Endpoint", "quote_segment"]
