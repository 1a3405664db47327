"""Lead routing (分配规则), the pure part: rule conditions, missing fields, fair selection.

A rule's `conditions` is a tree: a group `{"all": [node, …]}` (AND) or `{"any": [node, …]}`
(OR), where each node is a group or a leaf `{"field", "op", "value"}`. The empty tree `{}`
matches every lead. Values compare as strings (ids included), so JSON round trips are safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    USER = "user"
    TEAM_ROUND_ROBIN = "team_round_robin"
    TEAM_WEIGHTED = "team_weighted"
    TEAM_LEAST_LOADED = "team_least_loaded"
    ZONE_POOL = "zone_pool"
    ZONE_LEADER_QUEUE = "zone_leader_queue"


# lead fields a condition may test; "zone" is the sales zone covering the lead's region
FIELDS = ("province_code", "city_code", "zone", "channel_id", "industry", "company_size", "product", "grade")
OPS = ("eq", "in", "not_in", "present", "missing")
OPEN_STATUSES = ("new", "contacted", "qualified")
MAX_DEPTH = 5


class InvalidConditions(ValueError):
    """The tree is malformed; the message says where."""


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _norm(value: Any) -> str | None:
    return None if value is None else str(value)


def validate_conditions(node: Any, path: str = "conditions", depth: int = 0) -> None:
    if not isinstance(node, Mapping):
        raise InvalidConditions(f"{path}: expected an object")
    if depth > MAX_DEPTH:
        raise InvalidConditions(f"{path}: groups nest at most {MAX_DEPTH} deep")
    if not node and depth == 0:
        return
    if "all" in node or "any" in node:
        if len(node) != 1:
            raise InvalidConditions(f"{path}: a group has exactly one key, all or any")
        key = "all" if "all" in node else "any"
        items = node[key]
        if not isinstance(items, list) or not items:
            raise InvalidConditions(f"{path}.{key}: expected a non-empty list")
        for i, child in enumerate(items):
            validate_conditions(child, f"{path}.{key}[{i}]", depth + 1)
        return
    if set(node) - {"field", "op", "value"}:
        raise InvalidConditions(f"{path}: a condition has field, op and value")
    if node.get("field") not in FIELDS:
        raise InvalidConditions(f"{path}.field: one of {', '.join(FIELDS)}")
    op = node.get("op")
    if op not in OPS:
        raise InvalidConditions(f"{path}.op: one of {', '.join(OPS)}")
    value = node.get("value")
    if op == "eq" and not isinstance(value, (str, int)):
        raise InvalidConditions(f"{path}.value: eq needs a string")
    if op in ("in", "not_in") and (
        not isinstance(value, list) or not value or not all(isinstance(v, (str, int)) for v in value)
    ):
        raise InvalidConditions(f"{path}.value: {op} needs a non-empty list of strings")


def condition_fields(node: Mapping[str, Any]) -> set[str]:
    """Every lead field the tree tests."""
    if "all" in node or "any" in node:
        out: set[str] = set()
        for child in node.get("all", node.get("any", [])):
            out |= condition_fields(child)
        return out
    return {node["field"]} if "field" in node else set()


def matches(node: Mapping[str, Any], lead: Mapping[str, Any]) -> bool:
    if not node:
        return True
    if "all" in node:
        return all(matches(child, lead) for child in node["all"])
    if "any" in node:
        return any(matches(child, lead) for child in node["any"])
    value = _norm(lead.get(node["field"]))
    op = node["op"]
    if op == "present":
        return _present(value)
    if op == "missing":
        return not _present(value)
    if op == "eq":
        return value is not None and value == _norm(node["value"])
    wanted = {_norm(v) for v in node["value"]}
    if op == "in":
        return value is not None and value in wanted
    return value not in wanted  # not_in: a lead without the field is not in the list


def missing_fields(lead: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    return [f for f in required if not _present(lead.get(f))]


def rotation(candidates: Sequence[Any], counter: int) -> list[Any]:
    """Round robin: the candidates in the order to try for the counter-th lead (the first is
    the turn's owner; the rest are tried when the owner is unavailable)."""
    if not candidates:
        return []
    start = counter % len(candidates)
    return [*candidates[start:], *candidates[:start]]


def smooth_weighted_sequence(weights: Sequence[tuple[Any, int]]) -> list[Any]:
    """One period of smooth weighted round robin (nginx): each candidate appears `weight`
    times per sum(weights) picks, spread out rather than in runs."""
    live = [(key, w) for key, w in weights if w > 0]
    total = sum(w for _, w in live)
    current = [0] * len(live)
    out = []
    for _ in range(total):
        for i, (_, w) in enumerate(live):
            current[i] += w
        best = max(range(len(live)), key=lambda i: (current[i], -i))
        current[best] -= total
        out.append(live[best][0])
    return out


def weighted_order(weights: Sequence[tuple[Any, int]], counter: int) -> list[Any]:
    """The candidates to try for the counter-th lead: the weighted turn's owner first, then
    the others in the order the sequence would reach them."""
    seq = smooth_weighted_sequence(weights)
    if not seq:
        return []
    start = counter % len(seq)
    order: list[Any] = []
    for key in [*seq[start:], *seq[:start]]:
        if key not in order:
            order.append(key)
    return order


def least_loaded_order(candidates: Sequence[Any], load: Mapping[Any, int]) -> list[Any]:
    """Fewest open leads first; ties keep the candidates' given order."""
    return sorted(candidates, key=lambda c: load.get(c, 0))
