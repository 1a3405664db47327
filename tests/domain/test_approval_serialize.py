"""Approval state as JSON (a JSONB column): every state the engine produces comes back equal,
with its exact types, from plain JSON; the flow is named, not embedded."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.approvals import (
    ApprovalState,
    ApproverSpec,
    Facts,
    Flow,
    RejectTarget,
    RequestKind,
    RequestStatus,
    SelfApproval,
    Step,
    StepOutcome,
    add_approver,
    decide,
    delegate,
    escalate,
    facts_from_json,
    facts_to_json,
    resubmit,
    start,
    state_from_json,
    state_to_json,
    withdraw,
)
from tests.domain.test_approvals import (
    APPROVE,
    DIRECTOR_ABOVE_1M,
    LEGAL_ALL,
    LEGAL_ANY,
    MANAGER,
    NOW,
    REJECT,
    Org,
    World,
    contract,
    ctx,
    flow,
)

CST = timezone(timedelta(hours=8))
EXTRA: dict[str, Any] = {
    "quantity": 12,
    "unit_price": Decimal("12.50"),
    "tiny": Decimal("1E-7"),
    "partner_id": UUID("6f1c2b9e-3c1d-4e7a-9d2b-0a1b2c3d4e5f"),
    "signed_on": date(2025, 2, 28),
    "deadline": datetime(2025, 3, 31, 18, 0, 0, 123456, tzinfo=CST),
    "tags": frozenset({"vip", "hardware", "export"}),
    "lines": (Decimal("1.10"), "x", (1, 2)),
    "notes": ["mutable", Decimal("2")],
    "meta": {"$decimal": "not a tag", "nested": {"ok": True}},
    "urgent": True,
    "missing": None,
    "label": "报价",
}


def _id() -> UUID:
    return uuid.uuid4()


@pytest.fixture
def w() -> World:
    """The org of tests/domain/test_approvals.py: CEO → director → manager → reps, legal in the zone."""
    zone = _id()
    top, zone_team, sales = _id(), _id(), _id()
    ceo, director, manager, rep, rep2, legal, legal2, finance = (_id() for _ in range(8))
    org = Org(
        team_parent={top: None, zone_team: top, sales: zone_team},
        team_manager={top: ceo, zone_team: director, sales: manager},
        team_zone={top: zone, zone_team: zone, sales: zone},
        user_team={ceo: top, director: zone_team, manager: sales, rep: sales, rep2: sales, finance: sales},
        roles={legal: {"legal"}, legal2: {"legal"}, finance: {"finance"}, rep: {"sales_rep"}},
        user_zones={legal: {zone}, legal2: {zone}},
    )
    return World(org, zone, ceo, director, manager, rep, rep2, legal, legal2, finance)


def rich(w: World, amount: str = "2000000.00") -> Facts:
    return contract(amount, category="hardware", zone_id=w.zone, discount_pct=Decimal("12.500"), extra=EXTRA)


def assert_same_types(a: Any, b: Any, where: str = "state") -> None:
    """Equal is not enough: a str for a UUID or an int for a Decimal could still compare equal."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Flow):
        assert a is b, where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same_types(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_types(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same_types(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, frozenset | set):
        assert {type(x) for x in a} == {type(x) for x in b}, where
    elif isinstance(a, datetime):
        assert a.utcoffset() == b.utcoffset(), where


def roundtrip(state: ApprovalState) -> ApprovalState:
    """Through real JSON text, as a JSONB column would: no `default` hook, no floats."""
    data = state_to_json(state)
    text = json.dumps(data, ensure_ascii=False)  # raises on anything that is not plain JSON
    assert not any(isinstance(v, float) for v in _leaves(data))
    loaded = state_from_json(json.loads(text), state.flow)
    assert loaded == state
    assert_same_types(state, loaded)
    assert state_to_json(loaded) == data  # stable: storing a loaded state changes nothing
    return loaded


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


# --- every kind of state round-trips ----------------------------------------------------------


Scenario = Callable[[World], ApprovalState]


def after_start(w: World) -> ApprovalState:
    return start(flow(MANAGER, DIRECTOR_ABOVE_1M), rich(w), ctx(w, owner_id=w.rep2), now=NOW)


def after_any_decision(w: World) -> ApprovalState:
    state = start(flow(LEGAL_ANY, MANAGER), rich(w), ctx(w), now=NOW)
    return decide(state, w.legal, APPROVE, w.org, now=NOW + timedelta(minutes=5), comment="条款 OK")


def after_all_partial(w: World) -> ApprovalState:
    state = start(flow(LEGAL_ALL), rich(w), ctx(w), now=NOW)
    state = decide(state, w.legal2, APPROVE, w.org, now=NOW)
    assert state.status is RequestStatus.PENDING and state.current is not None and state.current.votes
    return state


def after_rejection(w: World) -> ApprovalState:
    state = start(flow(MANAGER, DIRECTOR_ABOVE_1M), rich(w), ctx(w), now=NOW)
    state = decide(state, w.manager, APPROVE, w.org, now=NOW)
    state = decide(state, w.director, REJECT, w.org, now=NOW, comment="too cheap")
    assert state.status is RequestStatus.REJECTED and state.current is None
    return state


def after_reject_to_previous(w: World) -> ApprovalState:
    to_previous = replace(DIRECTOR_ABOVE_1M, reject_to=RejectTarget.PREVIOUS_STEP)
    state = start(flow(MANAGER, to_previous), rich(w), ctx(w), now=NOW)
    state = decide(state, w.manager, APPROVE, w.org, now=NOW)
    state = decide(state, w.director, REJECT, w.org, now=NOW + timedelta(hours=1))
    assert state.status is RequestStatus.PENDING and state.current is not None
    return state


def after_withdraw(w: World) -> ApprovalState:
    return withdraw(start(flow(MANAGER), rich(w), ctx(w), now=NOW), w.rep)


def after_delegate(w: World) -> ApprovalState:
    return delegate(start(flow(LEGAL_ALL), rich(w), ctx(w), now=NOW), w.legal, w.ceo, w.org)


def after_add_approver_from_admin_queue(w: World) -> ApprovalState:
    queued = start(flow(Step((ApproverSpec.zone_role("auditor"),))), rich(w), ctx(w), now=NOW)
    assert queued.current is not None and queued.current.to_admin_queue
    roundtrip(queued)
    return add_approver(queued, w.legal, w.org)


def after_resubmit(w: World) -> ApprovalState:
    state = after_rejection(w)
    facts = replace(rich(w, "900000"), extra={**EXTRA, "revision": 2})
    again = resubmit(state, w.rep, w.org, now=NOW + timedelta(days=1), facts=facts)
    assert again.round == 2
    return again


def after_escalate(w: World) -> ApprovalState:
    step = Step((ApproverSpec.manager(),), time_limit_hours=24, escalate_to_manager=True)
    state = start(flow(step), rich(w), ctx(w), now=NOW)
    up = escalate(state, w.org, now=NOW + timedelta(hours=25, microseconds=7))
    assert up.current is not None and up.current.escalations == 1
    return up


def after_auto_and_override(w: World) -> ApprovalState:
    auto = Step((ApproverSpec.owner_manager(),), self_approval=SelfApproval.AUTO_APPROVE)
    f = flow(auto, DIRECTOR_ABOVE_1M, Step((ApproverSpec.zone_role("auditor"),)))
    state = start(f, rich(w, "10"), ctx(w, applicant=w.manager, owner_id=w.rep), now=NOW)
    assert state.log[0].votes[0].auto and state.log[1].outcome is StepOutcome.SKIPPED
    return decide(state, _id(), APPROVE, w.org, now=NOW, override=True)


def after_approval_without_extras(w: World) -> ApprovalState:
    state = start(flow(MANAGER), contract("0.01"), ctx(w), now=NOW)
    return decide(state, w.manager, APPROVE, w.org, now=NOW)


@pytest.mark.parametrize(
    "scenario",
    [
        after_start,
        after_any_decision,
        after_all_partial,
        after_rejection,
        after_reject_to_previous,
        after_withdraw,
        after_delegate,
        after_add_approver_from_admin_queue,
        after_resubmit,
        after_escalate,
        after_auto_and_override,
        after_approval_without_extras,
    ],
    ids=lambda s: s.__name__,
)
def test_state_round_trips_through_json(w: World, scenario: Scenario) -> None:
    roundtrip(scenario(w))


def test_a_loaded_state_carries_on_like_the_original(w: World) -> None:
    state = after_all_partial(w)
    loaded = roundtrip(state)
    assert decide(loaded, w.legal, APPROVE, w.org, now=NOW) == decide(state, w.legal, APPROVE, w.org, now=NOW)
    rejected = after_rejection(w)
    assert resubmit(roundtrip(rejected), w.rep, w.org, now=NOW) == resubmit(rejected, w.rep, w.org, now=NOW)


def test_the_json_is_plain_and_readable(w: World) -> None:
    state = after_any_decision(w)
    data = state_to_json(state)
    assert data["flow_id"] == str(state.flow.id) and data["flow_version"] == 1
    assert "flow" not in data  # named, not embedded
    assert data["status"] == "pending" and data["applicant_id"] == str(w.rep)
    facts = data["facts"]
    assert facts["kind"] == "contract" and facts["amount"] == "2000000.00"  # a string, scale kept
    assert facts["discount_pct"] == "12.500" and facts["zone_id"] == str(w.zone)
    assert facts["extra"]["tags"] == {"$frozenset": ["export", "hardware", "vip"]}  # sorted
    assert facts["extra"]["lines"] == [{"$decimal": "1.10"}, "x", [1, 2]]
    assert facts["extra"]["deadline"] == {"$datetime": "2025-03-31T18:00:00.123456+08:00"}
    (closed,) = data["log"]
    assert closed["outcome"] == "approved" and closed["mode"] == "any"
    assert closed["opened_at"] == "2025-03-03T09:00:00+00:00"
    assert closed["votes"] == [
        {
            "approver_id": str(w.legal),
            "decision": "approve",
            "comment": "条款 OK",
            "auto": False,
            "override": False,
        }
    ]
    assert data["current"]["approvers"] == [str(w.manager)] and data["current"]["outcome"] is None


def test_facts_round_trip_on_their_own(w: World) -> None:
    facts = rich(w)
    loaded = facts_from_json(json.loads(json.dumps(facts_to_json(facts))))
    assert loaded == facts
    assert_same_types(facts, loaded, "facts")
    assert loaded.extra["notes"] == ["mutable", Decimal("2")]  # a list stays a list, a tuple a tuple
    assert loaded.extra["meta"] == {"$decimal": "not a tag", "nested": {"ok": True}}

    bare = Facts(kind="sample")  # a kind outside RequestKind stays a plain string
    assert facts_to_json(bare) == {
        "kind": "sample",
        "amount": None,
        "category": None,
        "customer_level": None,
        "zone_id": None,
        "discount_pct": None,
        "extra": {},
    }
    assert facts_from_json(facts_to_json(bare)) == bare
    assert facts_from_json(facts_to_json(bare)).kind is RequestKind.SAMPLE
    custom = Facts(kind="custom_kind", extra={"level": RequestKind.QUOTE})  # str enums: their value
    back = facts_from_json(json.loads(json.dumps(facts_to_json(custom))))
    assert back == custom and type(back.kind) is str and back.extra["level"] == "quote"


# --- refusals ---------------------------------------------------------------------------------


def test_another_flow_or_version_is_refused(w: World) -> None:
    state = after_rejection(w)  # its log ran steps 0 and 1
    data = json.loads(json.dumps(state_to_json(state)))
    with pytest.raises(ValueError, match="v1"):
        state_from_json(data, replace(state.flow, version=2))
    with pytest.raises(ValueError, match="flow"):
        state_from_json(data, replace(state.flow, id=_id()))
    with pytest.raises(ValueError, match="no step 1"):  # the rebuilt flow lost a step
        state_from_json(data, replace(state.flow, steps=state.flow.steps[:1]))
    assert state_from_json(data, state.flow) == state


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("format",), 99),
        (("flow_version",), "1"),
        (("status",), "maybe"),
        (("applicant_id",), "not-a-uuid"),
        (("round",), True),
        (("facts", "amount"), 2000000.0),
        (("facts", "amount"), "lots"),
        (("facts", "extra", "quantity"), 1.5),
        (("facts", "extra", "unit_price"), {"$money": "1"}),
        (("current", "opened_at"), "2025-03-03T09:00:00"),  # no timezone
        (("current", "mode"), "most"),
        (("log",), {}),
    ],
)
def test_malformed_json_is_refused_with_value_error(w: World, path: tuple[str, ...], value: Any) -> None:
    state = after_reject_to_previous(w)
    data = json.loads(json.dumps(state_to_json(state)))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError):  # noqa: PT011
        state_from_json(data, state.flow)
    if path[:2] != ("facts", "extra"):  # extra is open-ended: any key may be absent
        del target[path[-1]]
        with pytest.raises(ValueError, match="missing"):
            state_from_json(data, state.flow)


def test_what_json_cannot_hold_is_refused_when_storing(w: World) -> None:
    naive = start(flow(MANAGER), contract(), ctx(w), now=datetime(2025, 3, 3, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        state_to_json(naive)
    with pytest.raises(TypeError, match="float"):
        facts_to_json(contract(extra={"lines": (Decimal("1"), 0.5)}))  # a float nested out of Facts' sight
    with pytest.raises(TypeError):
        facts_to_json(contract(extra={"thing": object()}))
    assert state_to_json(start(flow(MANAGER), contract(), ctx(w), now=NOW.astimezone(UTC)))
