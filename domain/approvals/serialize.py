"""JSON for a running request, so the service can keep an `ApprovalState` in a JSONB column.

The flow is not embedded: the JSON names it (`flow_id`, `flow_version`) and `state_from_json` takes
the `Flow` the service rebuilt from the stored definition of that version, refusing another one.

Only JSON types come out (`json.dumps` needs no hook): UUIDs as strings, datetimes as ISO 8601 with
their offset (naive ones are refused), Decimals as strings (never floats), enums as their values,
tuples as lists. Loading gives back the exact types, so `state_from_json(state_to_json(s), s.flow) == s`.

The open-ended `Facts.extra` values are tagged where JSON alone would lose the type: a Decimal is
`{"$decimal": "1.50"}`, likewise `$uuid`, `$datetime`, `$date`, `$list`, `$set`, `$frozenset`
(sorted) and `$dict`; a JSON array is a tuple. Floats are refused everywhere, as in `Facts`.
Malformed or mismatched JSON raises ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from domain.approvals.flows import Decision, Facts, Flow, Mode, RequestKind, RequestStatus, StepOutcome
from domain.approvals.runs import ApprovalState, StepRun, Vote

FORMAT = 1  # bump on an incompatible change of the layout below

_E = TypeVar("_E", bound=Enum)
_T = TypeVar("_T")


# --- scalars ----------------------------------------------------------------------------------


def _uuid_out(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _dt_out(value: datetime, what: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}: a naive datetime cannot be stored, give it a timezone")
    return value.isoformat()


def _decimal_out(value: Decimal | int | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what}: expected Decimal, got {type(value).__name__}")
    return str(value)


def _get(data: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected an object, got {type(data).__name__}")
    try:
        return data[key]
    except KeyError:
        raise ValueError(f"{what}: missing {key!r}") from None


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}: expected a string, got {type(value).__name__}")
    return value


def _opt(value: Any, parse: Callable[[Any, str], _T], what: str) -> _T | None:
    return None if value is None else parse(value, what)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}: expected an integer, got {type(value).__name__}")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what}: expected true or false, got {type(value).__name__}")
    return value


def _uuid_in(value: Any, what: str) -> UUID:
    try:
        return UUID(_str(value, what))
    except ValueError as err:
        raise ValueError(f"{what}: not a UUID: {value!r}") from err


def _dt_in(value: Any, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(_str(value, what))
    except ValueError as err:
        raise ValueError(f"{what}: not an ISO 8601 datetime: {value!r}") from err
    if parsed.tzinfo is None:
        raise ValueError(f"{what}: the datetime has no timezone: {value!r}")
    return parsed


def _date_in(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(_str(value, what))
    except ValueError as err:
        raise ValueError(f"{what}: not an ISO 8601 date: {value!r}") from err


def _decimal_in(value: Any, what: str) -> Decimal:
    try:
        return Decimal(_str(value, what))
    except InvalidOperation as err:
        raise ValueError(f"{what}: not a decimal: {value!r}") from err


def _enum_in(cls: type[_E], value: Any, what: str) -> _E:
    try:
        return cls(_str(value, what))
    except ValueError as err:
        raise ValueError(f"{what}: not a {cls.__name__}: {value!r}") from err


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what}: expected a list, got {type(value).__name__}")
    return list(value)


# --- open-ended values (Facts.extra) ----------------------------------------------------------


def _value_out(value: Any, what: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum as its value
    if isinstance(value, float):
        raise TypeError(f"{what}: use Decimal, never float")
    if isinstance(value, str):
        return str.__str__(value)  # a StrEnum as its value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": _dt_out(value, what)}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return [_value_out(v, f"{what}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, list):
        return {"$list": [_value_out(v, f"{what}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, frozenset):
        return {"$frozenset": _sorted_out(value, what)}
    if isinstance(value, set):
        return {"$set": _sorted_out(value, what)}
    if isinstance(value, Mapping):
        return {"$dict": _mapping_out(value, what)}
    raise TypeError(f"{what}: cannot store a {type(value).__name__} as JSON")


def _sorted_out(values: Iterable[Any], what: str) -> list[Any]:
    items = list(values)
    try:
        items = sorted(items)
    except TypeError:  # items that do not compare (e.g. strings and UUIDs) sort by their JSON
        items.sort(key=lambda v: json.dumps(_value_out(v, what), sort_keys=True))
    return [_value_out(v, f"{what} item") for v in items]


def _mapping_out(mapping: Mapping[Any, Any], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"{what}: keys must be strings, got {type(key).__name__}")
        out[str.__str__(key)] = _value_out(value, f"{what}.{key}")
    return out


_TAGS: dict[str, Callable[[Any, str], Any]] = {
    "$decimal": _decimal_in,
    "$uuid": _uuid_in,
    "$datetime": _dt_in,
    "$date": _date_in,
    "$list": lambda v, what: [_value_in(x, f"{what}[{i}]") for i, x in enumerate(_list(v, what))],
    "$set": lambda v, what: {_value_in(x, f"{what} item") for x in _list(v, what)},
    "$frozenset": lambda v, what: frozenset(_value_in(x, f"{what} item") for x in _list(v, what)),
    "$dict": lambda v, what: _mapping_in(v, what),
}


def _value_in(value: Any, what: str) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        raise ValueError(f"{what}: a float where a Decimal was expected")
    if isinstance(value, list):
        return tuple(_value_in(v, f"{what}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](inner, what)
    raise ValueError(f"{what}: not a stored value: {value!r}")


def _mapping_in(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected an object, got {type(value).__name__}")
    return {_str(k, what): _value_in(v, f"{what}.{k}") for k, v in value.items()}


# --- facts ------------------------------------------------------------------------------------


def facts_to_json(facts: Facts) -> dict[str, Any]:
    return {
        "kind": str.__str__(facts.kind),
        "amount": _decimal_out(facts.amount, "amount"),
        "category": facts.category,
        "customer_level": facts.customer_level,
        "zone_id": _uuid_out(facts.zone_id),
        "discount_pct": _decimal_out(facts.discount_pct, "discount_pct"),
        "extra": _mapping_out(facts.extra, "extra"),
    }


def facts_from_json(data: Mapping[str, Any]) -> Facts:
    """The kind comes back as a `RequestKind` when it is one (equal to the string either way)."""
    w = "facts"
    kind_value = _str(_get(data, "kind", w), "facts.kind")
    kind: str
    try:
        kind = RequestKind(kind_value)
    except ValueError:
        kind = kind_value
    return Facts(
        kind=kind,
        amount=_opt(_get(data, "amount", w), _decimal_in, "facts.amount"),
        category=_opt(_get(data, "category", w), _str, "facts.category"),
        customer_level=_opt(_get(data, "customer_level", w), _str, "facts.customer_level"),
        zone_id=_opt(_get(data, "zone_id", w), _uuid_in, "facts.zone_id"),
        discount_pct=_opt(_get(data, "discount_pct", w), _decimal_in, "facts.discount_pct"),
        extra=_mapping_in(_get(data, "extra", w), "facts.extra"),
    )


# --- step runs --------------------------------------------------------------------------------


def _vote_to_json(vote: Vote) -> dict[str, Any]:
    return {
        "approver_id": str(vote.approver_id),
        "decision": vote.decision.value,
        "comment": vote.comment,
        "auto": vote.auto,
        "override": vote.override,
    }


def _vote_from_json(data: Any, w: str) -> Vote:
    return Vote(
        approver_id=_uuid_in(_get(data, "approver_id", w), f"{w}.approver_id"),
        decision=_enum_in(Decision, _get(data, "decision", w), f"{w}.decision"),
        comment=_str(_get(data, "comment", w), f"{w}.comment"),
        auto=_bool(_get(data, "auto", w), f"{w}.auto"),
        override=_bool(_get(data, "override", w), f"{w}.override"),
    )


def _run_to_json(run: StepRun, what: str) -> dict[str, Any]:
    return {
        "index": run.index,
        "round": run.round,
        "mode": run.mode.value,
        "approvers": [str(u) for u in run.approvers],
        "votes": [_vote_to_json(v) for v in run.votes],
        "opened_at": None if run.opened_at is None else _dt_out(run.opened_at, f"{what}.opened_at"),
        "outcome": None if run.outcome is None else run.outcome.value,
        "note": run.note,
        "to_admin_queue": run.to_admin_queue,
        "escalations": run.escalations,
    }


def _run_from_json(data: Any, w: str, flow: Flow) -> StepRun:
    index = _int(_get(data, "index", w), f"{w}.index")
    if not 0 <= index < len(flow.steps):
        raise ValueError(f"{w}.index: flow {flow.id} v{flow.version} has no step {index}")
    votes = _list(_get(data, "votes", w), f"{w}.votes")
    outcome = _get(data, "outcome", w)
    return StepRun(
        index=index,
        round=_int(_get(data, "round", w), f"{w}.round"),
        mode=_enum_in(Mode, _get(data, "mode", w), f"{w}.mode"),
        approvers=tuple(
            _uuid_in(u, f"{w}.approvers") for u in _list(_get(data, "approvers", w), f"{w}.approvers")
        ),
        votes=tuple(_vote_from_json(v, f"{w}.votes[{i}]") for i, v in enumerate(votes)),
        opened_at=_opt(_get(data, "opened_at", w), _dt_in, f"{w}.opened_at"),
        outcome=None if outcome is None else _enum_in(StepOutcome, outcome, f"{w}.outcome"),
        note=_str(_get(data, "note", w), f"{w}.note"),
        to_admin_queue=_bool(_get(data, "to_admin_queue", w), f"{w}.to_admin_queue"),
        escalations=_int(_get(data, "escalations", w), f"{w}.escalations"),
    )


# --- the request ------------------------------------------------------------------------------


def state_to_json(state: ApprovalState) -> dict[str, Any]:
    """A JSON object (dicts, lists, strings, ints, booleans, None) for a JSONB column."""
    return {
        "format": FORMAT,
        "flow_id": str(state.flow.id),
        "flow_version": state.flow.version,
        "facts": facts_to_json(state.facts),
        "applicant_id": str(state.applicant_id),
        "owner_id": _uuid_out(state.owner_id),
        "zone_id": _uuid_out(state.zone_id),
        "status": state.status.value,
        "current": None if state.current is None else _run_to_json(state.current, "current"),
        "log": [_run_to_json(run, f"log[{i}]") for i, run in enumerate(state.log)],
        "round": state.round,
    }


def state_from_json(data: Mapping[str, Any], flow: Flow) -> ApprovalState:
    """The state stored by `state_to_json`, running on `flow`: the very flow version it names
    (ValueError for another flow or version, or for malformed data)."""
    w = "state"
    fmt = _get(data, "format", w)
    if fmt != FORMAT or isinstance(fmt, bool):
        raise ValueError(f"state: unknown format {fmt!r} (expected {FORMAT})")
    flow_id = _uuid_in(_get(data, "flow_id", w), "state.flow_id")
    flow_version = _int(_get(data, "flow_version", w), "state.flow_version")
    if flow_id != flow.id or flow_version != flow.version:
        raise ValueError(
            f"state: stored for flow {flow_id} v{flow_version}, given flow {flow.id} v{flow.version}"
        )
    current = _get(data, "current", w)
    log = _list(_get(data, "log", w), "state.log")
    return ApprovalState(
        flow=flow,
        facts=facts_from_json(_get(data, "facts", w)),
        applicant_id=_uuid_in(_get(data, "applicant_id", w), "state.applicant_id"),
        owner_id=_opt(_get(data, "owner_id", w), _uuid_in, "state.owner_id"),
        zone_id=_opt(_get(data, "zone_id", w), _uuid_in, "state.zone_id"),
        status=_enum_in(RequestStatus, _get(data, "status", w), "state.status"),
        current=None if current is None else _run_from_json(current, "state.current", flow),
        log=tuple(_run_from_json(run, f"state.log[{i}]", flow) for i, run in enumerate(log)),
        round=_int(_get(data, "round", w), "state.round"),
    )
