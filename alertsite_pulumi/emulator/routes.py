"""What a handler sees and returns, and how a path finds its handler.

A handler is a plain function of (what it serves, request, path parameters) returning a
:class:`Response`, and holds no state: the AlertSite handlers serve the store, the control
handlers a ``control_handlers.Controlled`` (the app). The route tables themselves live next to
their handlers, in ``api_handlers`` and ``control_handlers``; this module imports neither them
nor the app.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from .model import ApiError, JsonObject

#: What the handlers of a route table serve (the store, or the app for the control surface).
Served = TypeVar("Served")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def bearer_token(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def json(self) -> Any:
        """The body as JSON; 400 for anything else (never a 500)."""
        if not self.body.strip():
            raise ApiError(400, "the request body must be JSON, and it is empty")
        try:
            return json.loads(self.body, parse_constant=_reject_constant, parse_float=_finite)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, f"the request body is not valid JSON: {_short(exc)}") from None

    def json_object(self) -> JsonObject:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any, status: int = 200) -> Response:
    return Response(status, body)


def error_response(exc: ApiError) -> Response:
    return Response(exc.status, exc.body(), dict(exc.headers))


@dataclass(frozen=True)
class Route(Generic[Served]):
    method: str
    template: str
    endpoint: str
    handler: Callable[[Served, Request, dict[str, str]], Response]
    pattern: re.Pattern[str]


def route(method: str, template: str, endpoint: str,
          handler: Callable[[Served, Request, dict[str, str]], Response]) -> Route[Served]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return Route(method, template, endpoint, handler, re.compile(regex))


def match(routes: Iterable[Route[Served]], method: str,
          path: str) -> tuple[Route[Served] | None, dict[str, str], list[str]]:
    """The route for (method, path), its parameters, and the methods the path allows."""
    allowed: list[str] = []
    for candidate in routes:
        found = candidate.pattern.fullmatch(path)
        if not found:
            continue
        if candidate.method == method:
            return candidate, {k: unquote(v) for k, v in found.groupdict().items()}, []
        allowed.append(candidate.method)
    return None, {}, allowed
