"""Faults on demand: what a real network and load balancer do to an API call.

A rule names an endpoint (or ``*``), a kind and a probability; the rules are tried in
order for every AlertSite request. ``latency`` rules add a delay and let later rules run;
the first ``status``, ``drop``, ``commit_then_drop`` or ``commit_then_garble`` rule that
fires decides the answer.
Rolls come from one seeded RNG, so the same seed and the same request sequence give the
same faults.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .model import API_ENDPOINTS

FAULT_ENDPOINTS = (*API_ENDPOINTS, "*")
FAULT_KINDS = ("status", "latency", "drop", "commit_then_drop", "commit_then_garble")
_RULE_KEYS = frozenset(
    {"endpoint", "kind", "status", "retry_after", "latency_ms", "probability", "count"}
)


class FaultConfigError(ValueError):
    """A fault configuration that cannot be used; ``messages`` lists every problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass
class FaultRule:
    endpoint: str = "*"
    """One of :data:`.model.API_ENDPOINTS` (login, create, update, get, list, delete, report,
    recipient_create, ..., group_delete), or ``*`` for every request."""
    kind: str = "status"
    """``status`` (answer ``status``), ``latency`` (delay only), ``drop`` (close the
    connection without an answer), ``commit_then_drop`` (do the work, then drop) or
    ``commit_then_garble`` (do the work, then answer 200 with an HTML page, not JSON, as a
    misbehaving proxy does). The two ``commit_then_*`` kinds change only a successful
    answer: a request that fails (an expired token, a bad value) did nothing, and gets its
    error."""
    status: int = 503
    """The answer of a ``status`` rule (400..599)."""
    retry_after: int | None = None
    """Seconds for a ``Retry-After`` header on a ``status`` answer; None sends none."""
    latency_ms: float = 0.0
    """Delay before the request is handled when the rule fires (any kind)."""
    probability: float = 1.0
    """Chance that the rule fires on a matching request (0..1)."""
    count: int | None = None
    """How many more times the rule may fire; None is unlimited."""

    def matches(self, endpoint: str) -> bool:
        return self.count != 0 and self.endpoint in ("*", endpoint)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object, index: int = 0) -> FaultRule:
        where = f"rules[{index}]"
        if not isinstance(data, Mapping):
            raise FaultConfigError([f"{where}: must be an object"])
        errors = [f"{where}.{k}: unknown key" for k in data if k not in _RULE_KEYS]
        rule = cls()
        endpoint = data.get("endpoint", "*")
        if endpoint not in FAULT_ENDPOINTS:
            errors.append(f"{where}.endpoint: must be one of {', '.join(FAULT_ENDPOINTS)}")
        else:
            rule.endpoint = endpoint
        kind = data.get("kind", "status")
        if kind not in FAULT_KINDS:
            errors.append(f"{where}.kind: must be one of {', '.join(FAULT_KINDS)}")
        else:
            rule.kind = kind
        status = data.get("status", 503)
        if not _is_int(status) or not 400 <= status <= 599:
            errors.append(f"{where}.status: must be an HTTP error status (400..599)")
        else:
            rule.status = status
        retry_after = data.get("retry_after")
        if retry_after is not None and (not _is_int(retry_after) or retry_after < 0):
            errors.append(f"{where}.retry_after: must be a whole number of seconds or null")
        else:
            rule.retry_after = retry_after
        latency = data.get("latency_ms", 0)
        if not _is_number(latency) or latency < 0:
            errors.append(f"{where}.latency_ms: must be a number of milliseconds >= 0")
        else:
            rule.latency_ms = float(latency)
        probability = data.get("probability", 1.0)
        if not _is_number(probability) or not 0 <= probability <= 1:
            errors.append(f"{where}.probability: must be a number from 0 to 1")
        else:
            rule.probability = float(probability)
        count = data.get("count")
        if count is not None and (not _is_int(count) or count < 0):
            errors.append(f"{where}.count: must be a whole number >= 0 or null")
        else:
            rule.count = count
        if errors:
            raise FaultConfigError(errors)
        return rule


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class FaultDecision:
    """What to do to one request."""

    latency_ms: float = 0.0
    action: str | None = None
    """None (answer normally), ``status``, ``drop``, ``commit_then_drop`` or
    ``commit_then_garble``."""
    status: int = 0
    retry_after: int | None = None


class FaultPlan:
    """The current rules and the RNG that rolls them; thread-safe."""

    def __init__(self, default_seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._default_seed = default_seed
        self._rules: list[FaultRule] = []
        self._seed: int | None = default_seed
        self._rng = random.Random(default_seed)

    def configure(self, rules: Sequence[FaultRule], seed: int | None = None) -> None:
        """Replace the rules; the RNG restarts from ``seed`` (or the startup seed)."""
        with self._lock:
            self._rules = list(rules)
            self._seed = seed if seed is not None else self._default_seed
            self._rng = random.Random(self._seed)

    def clear(self) -> None:
        self.configure([])

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"seed": self._seed, "rules": [r.to_dict() for r in self._rules]}

    def decide(self, endpoint: str) -> FaultDecision:
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(endpoint) or not self._fires(rule):
                    continue
                if rule.count is not None:
                    rule.count -= 1
                decision.latency_ms += rule.latency_ms
                if rule.kind != "latency":
                    decision.action = rule.kind
                    decision.status = rule.status
                    decision.retry_after = rule.retry_after
                    break
        return decision

    def _fires(self, rule: FaultRule) -> bool:
        if rule.probability >= 1:
            return True
        if rule.probability <= 0:
            return False
        return self._rng.random() < rule.probability


def parse_fault_config(body: object) -> tuple[list[FaultRule], int | None, float | None]:
    """The body of ``PUT /_emulator/faults``: rules, seed and periodic token expiry."""
    if not isinstance(body, Mapping):
        raise FaultConfigError(["body: must be an object with 'rules'"])
    errors = [
        f"{k}: unknown key" for k in body if k not in ("seed", "rules", "token_expiry_every_s")
    ]
    seed = body.get("seed")
    if seed is not None and not _is_int(seed):
        errors.append("seed: must be an integer or null")
    every = body.get("token_expiry_every_s")
    if every is not None and (not _is_number(every) or every <= 0):
        errors.append("token_expiry_every_s: must be a number of seconds above 0 or null")
    raw_rules = body.get("rules", [])
    rules: list[FaultRule] = []
    if not isinstance(raw_rules, list):
        errors.append("rules: must be a list")
    else:
        for index, raw in enumerate(raw_rules):
            try:
                rules.append(FaultRule.from_dict(raw, index))
            except FaultConfigError as exc:
                errors.extend(exc.messages)
    if errors:
        raise FaultConfigError(errors)
    return rules, seed, float(every) if every is not None else None
