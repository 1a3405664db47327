"""Approval chains, the pure part: flow choice, approver resolution, the request's state machine."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.approvals import (
    AlreadyDecided,
    ApprovalContext,
    ApprovalState,
    ApproverNotAllowed,
    ApproverSpec,
    Condition,
    Decision,
    Facts,
    Flow,
    FlowMatch,
    InvalidFlow,
    Mode,
    NotAnApprover,
    NotTheApplicant,
    Operator,
    RejectTarget,
    RequestKind,
    RequestNotPending,
    RequestStatus,
    SelfApproval,
    Step,
    StepOutcome,
    add_approver,
    decide,
    delegate,
    due_at,
    escalate,
    resolve_approvers,
    resubmit,
    select_flow,
    start,
    withdraw,
)
from domain.errors import Conflict, PermissionDenied

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
APPROVE, REJECT = Decision.APPROVE, Decision.REJECT


def _id() -> UUID:
    return uuid.uuid4()


@dataclass
class Org:
    """A fake org with OrgSnapshot's management chain: the manager of the user's team; a team's own
    manager reports to the manager of the nearest parent team with another manager."""

    team_parent: dict[UUID, UUID | None] = field(default_factory=dict)
    team_manager: dict[UUID, UUID | None] = field(default_factory=dict)
    team_zone: dict[UUID, UUID] = field(default_factory=dict)
    user_team: dict[UUID, UUID] = field(default_factory=dict)
    roles: dict[UUID, set[str]] = field(default_factory=dict)
    user_zones: dict[UUID, set[UUID]] = field(default_factory=dict)
    away: set[UUID] = field(default_factory=set)

    def manager_of(self, user_id: UUID) -> UUID | None:
        team_id = self.user_team.get(user_id)
        while team_id is not None:
            manager = self.team_manager.get(team_id)
            if manager is not None and manager != user_id:
                return manager
            team_id = self.team_parent.get(team_id)
        return None

    def team_of(self, user_id: UUID) -> UUID | None:
        return self.user_team.get(user_id)

    def zone_of(self, user_id: UUID) -> UUID | None:
        team_id = self.user_team.get(user_id)
        return self.team_zone[team_id] if team_id else None

    def users_with_role(self, role: str) -> Iterable[UUID]:
        return {u for u, roles in self.roles.items() if role in roles}

    def users_with_role_in_team(self, role: str, team_id: UUID) -> Iterable[UUID]:
        return {u for u, t in self.user_team.items() if t == team_id and role in self.roles.get(u, ())}

    def users_with_role_in_zone(self, role: str, zone_id: UUID) -> Iterable[UUID]:
        return {
            u for u, zones in self.user_zones.items() if zone_id in zones and role in self.roles.get(u, ())
        }

    def is_available(self, user_id: UUID) -> bool:
        return user_id not in self.away


@dataclass
class World:
    """CEO → director (zone team) → manager (sales team) → reps; legal in the zone, a finance clerk
    in the sales team."""

    org: Org
    zone: UUID
    ceo: UUID
    director: UUID
    manager: UUID
    rep: UUID
    rep2: UUID
    legal: UUID
    legal2: UUID
    finance: UUID


@pytest.fixture
def w() -> World:
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


def ctx(w: World, applicant: UUID | None = None, **kw: object) -> ApprovalContext:
    return ApprovalContext(applicant_id=applicant or w.rep, org=w.org, **kw)  # type: ignore[arg-type]


def flow(*steps: Step, **kw: object) -> Flow:
    defaults: dict[str, object] = {"id": _id(), "kind": RequestKind.CONTRACT}
    return Flow(steps=steps, **{**defaults, **kw})  # type: ignore[arg-type]


def contract(amount: str = "500000", **kw: object) -> Facts:
    return Facts(kind=RequestKind.CONTRACT, amount=Decimal(amount), **kw)  # type: ignore[arg-type]


MANAGER = Step((ApproverSpec.manager(),), name="manager")
DIRECTOR_ABOVE_1M = Step(
    (ApproverSpec.manager(2),),
    conditions=(Condition("amount", Operator.GT, Decimal("1000000")),),
    name="director",
)
LEGAL_ANY = Step((ApproverSpec.zone_role("legal"),), mode=Mode.ANY, name="legal")
LEGAL_ALL = Step((ApproverSpec.zone_role("legal"),), mode=Mode.ALL, name="legal")


# --- selecting a flow -------------------------------------------------------------------------


def test_select_flow_picks_the_highest_priority_match_then_latest_version_then_lowest_id() -> None:
    small = flow(MANAGER, match=FlowMatch(amount_max=Decimal("100000")), priority=10)
    big = flow(MANAGER, match=FlowMatch(amount_min=Decimal("100000")), priority=1)
    default = flow(MANAGER, priority=0)
    ka_only = flow(MANAGER, match=FlowMatch(customer_levels=frozenset({"KA"})), priority=50)
    assert select_flow([default, big, small, ka_only], contract("99999.99")) is small
    assert select_flow([default, big, small, ka_only], contract("100000")) is big  # half-open range
    assert select_flow([default, big, small, ka_only], contract("1", customer_level="KA")) is ka_only
    assert select_flow([default], Facts(kind=RequestKind.QUOTE)) is None
    assert select_flow([big], Facts(kind=RequestKind.CONTRACT)) is None  # amount range, no amount

    v1 = flow(MANAGER, version=1, priority=5)
    v2 = replace(v1, version=2)
    assert select_flow([v1, v2], contract()) is v2
    a, b = flow(MANAGER, priority=5), flow(MANAGER, priority=5)
    lowest = min(a, b, key=lambda f: f.id)
    assert select_flow([a, b], contract()) is lowest
    assert select_flow([b, a], contract()) is lowest


def test_flow_match_on_category_zone_and_discount(w: World) -> None:
    f = flow(
        MANAGER,
        match=FlowMatch(
            categories=frozenset({"hardware"}),
            zone_ids=frozenset({w.zone}),
            discount_min=Decimal("20"),
        ),
    )
    good = contract(category="hardware", zone_id=w.zone, discount_pct=Decimal("25"))
    assert select_flow([f], good) is f
    assert select_flow([f], replace(good, discount_pct=Decimal("19.99"))) is None
    assert select_flow([f], replace(good, category="software")) is None
    assert select_flow([f], replace(good, zone_id=_id())) is None


def test_money_is_never_float() -> None:
    with pytest.raises(TypeError):
        Facts(kind="quote", amount=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Condition("amount", Operator.GT, 1e6)
    with pytest.raises(TypeError):
        FlowMatch(amount_min=0.0)  # type: ignore[arg-type]


def test_invalid_definitions_are_refused() -> None:
    with pytest.raises(InvalidFlow):
        flow()
    with pytest.raises(InvalidFlow):
        Step(())
    with pytest.raises(InvalidFlow):
        Step((ApproverSpec.manager(),), escalate_to_manager=True)
    with pytest.raises(InvalidFlow):
        ApproverSpec.manager(0)
    with pytest.raises(InvalidFlow):
        ApproverSpec.users()
    with pytest.raises(InvalidFlow):
        Condition("category", Operator.IN, ["a"])


def test_conditions_each_operator() -> None:
    facts = contract("100", category="hw")
    assert Condition("amount", Operator.GT, 99).holds(facts)
    assert not Condition("amount", Operator.GT, Decimal("100")).holds(facts)
    assert Condition("amount", Operator.GTE, Decimal("100")).holds(facts)
    assert Condition("amount", Operator.LT, Decimal("100.01")).holds(facts)
    assert Condition("amount", Operator.LTE, Decimal("100")).holds(facts)
    assert Condition("category", Operator.EQ, "hw").holds(facts)
    assert Condition("category", Operator.NE, "sw").holds(facts)
    assert Condition("category", Operator.IN, ("hw", "sw")).holds(facts)
    assert not Condition("discount_pct", Operator.NE, Decimal("1")).holds(facts)  # missing: never
    assert Condition("quantity", Operator.GTE, 10).holds(Facts(kind="sample", extra={"quantity": 12}))


# --- resolving approvers ----------------------------------------------------------------------


def test_each_approver_type(w: World) -> None:
    def resolve(spec: ApproverSpec, **kw: Any) -> tuple[UUID, ...]:
        return resolve_approvers(Step((spec,)), ctx(w, **kw)).approvers

    assert resolve(ApproverSpec.users(w.legal2, w.ceo)) == (w.legal2, w.ceo)
    assert resolve(ApproverSpec.team_role("finance")) == (w.finance,)
    assert resolve(ApproverSpec.role_holders("legal")) == tuple(sorted((w.legal, w.legal2)))
    assert resolve(ApproverSpec.role_holders("legal"), zone_id=_id()) == tuple(sorted((w.legal, w.legal2)))
    assert resolve(ApproverSpec.zone_role("legal")) == tuple(sorted((w.legal, w.legal2)))
    assert resolve(ApproverSpec.zone_role("legal"), zone_id=_id()) == ()  # another zone's legal: none
    assert resolve(ApproverSpec.manager()) == (w.manager,)
    assert resolve(ApproverSpec.manager(2)) == (w.director,)
    assert resolve(ApproverSpec.manager(3)) == (w.ceo,)
    assert resolve(ApproverSpec.manager(4)) == ()  # the chain is shorter
    # a team's manager reports to the parent team's manager
    assert resolve(ApproverSpec.manager(), applicant=w.manager) == (w.director,)
    assert resolve(ApproverSpec.owner_manager(), applicant=w.legal, owner_id=w.rep2) == (w.manager,)
    assert resolve(ApproverSpec.owner_manager()) == ()  # no owner
    assert resolve(ApproverSpec.previous_approver_manager(), previous_approver_ids=(w.manager,)) == (
        w.director,
    )


def test_union_is_ordered_and_deduplicated_and_skips_people_away(w: World) -> None:
    step = Step((ApproverSpec.manager(), ApproverSpec.users(w.manager, w.legal), ApproverSpec.manager(2)))
    assert resolve_approvers(step, ctx(w)).approvers == (w.manager, w.legal, w.director)
    w.org.away.add(w.legal)
    assert resolve_approvers(step, ctx(w)).approvers == (w.manager, w.director)
    # a manager on leave passes the step up the chain
    w.org.away.add(w.manager)
    assert resolve_approvers(Step((ApproverSpec.manager(),)), ctx(w)).approvers == (w.director,)


def test_nobody_to_approve_goes_to_the_admin_queue(w: World) -> None:
    res = resolve_approvers(Step((ApproverSpec.zone_role("auditor"),)), ctx(w))
    assert res.approvers == () and res.to_admin_queue
    state = start(flow(Step((ApproverSpec.zone_role("auditor"),))), contract(), ctx(w), now=NOW)
    assert state.status is RequestStatus.PENDING
    assert state.current is not None and state.current.to_admin_queue and state.pending_approvers == ()
    # an admin assigns someone (加签), who then decides
    state = add_approver(state, w.legal, w.org)
    assert state.current is not None and not state.current.to_admin_queue
    assert decide(state, w.legal, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED
    # …or an admin decides the step outright
    admin = _id()
    queued = start(flow(Step((ApproverSpec.zone_role("auditor"),))), contract(), ctx(w), now=NOW)
    assert decide(queued, admin, APPROVE, w.org, now=NOW, override=True).status is RequestStatus.APPROVED


# --- self-approval ----------------------------------------------------------------------------


def test_self_approval_skip_drops_the_applicant_and_skips_an_empty_step(w: World) -> None:
    named = ApproverSpec.users(w.manager, w.legal)
    res = resolve_approvers(Step((named,)), ctx(w, applicant=w.manager))
    assert res.approvers == (w.legal,) and res.skipped_self and not res.to_admin_queue
    # the manager applies for their own customer: their step is skipped, the director decides
    f = flow(Step((ApproverSpec.owner_manager(),)), Step((ApproverSpec.users(w.director),)))
    state = start(f, contract(), ctx(w, applicant=w.manager, owner_id=w.rep), now=NOW)
    assert state.log[0].outcome is StepOutcome.SKIPPED and state.log[0].note == "self"
    assert state.pending_approvers == (w.director,)


def test_self_approval_auto_approve(w: World) -> None:
    step = Step((ApproverSpec.owner_manager(),), self_approval=SelfApproval.AUTO_APPROVE)
    f = flow(step, Step((ApproverSpec.users(w.director),)))
    state = start(f, contract(), ctx(w, applicant=w.manager, owner_id=w.rep), now=NOW)
    first = state.log[0]
    assert first.outcome is StepOutcome.APPROVED and first.votes[0].auto
    assert state.pending_approvers == (w.director,)
    # all-of: the applicant's approval counts, the others still decide
    both = Step(
        (ApproverSpec.users(w.manager, w.legal),), mode=Mode.ALL, self_approval=SelfApproval.AUTO_APPROVE
    )
    state = start(flow(both), contract(), ctx(w, applicant=w.manager), now=NOW)
    assert state.pending_approvers == (w.legal,)
    assert decide(state, w.legal, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED


# --- modes and conditions ---------------------------------------------------------------------


def test_any_of_first_decision_counts_and_the_other_gets_a_conflict(w: World) -> None:
    state = start(flow(LEGAL_ANY, Step((ApproverSpec.users(w.ceo),))), contract(), ctx(w), now=NOW)
    assert set(state.pending_approvers) == {w.legal, w.legal2}
    state = decide(state, w.legal, APPROVE, w.org, now=NOW, comment="ok")
    assert state.pending_approvers == (w.ceo,)
    with pytest.raises(AlreadyDecided) as err:
        decide(state, w.legal2, APPROVE, w.org, now=NOW)
    assert isinstance(err.value, Conflict)


def test_any_of_one_rejection_rejects(w: World) -> None:
    state = start(flow(LEGAL_ANY), contract(), ctx(w), now=NOW)
    state = decide(state, w.legal2, REJECT, w.org, now=NOW, comment="missing clause")
    assert state.status is RequestStatus.REJECTED
    assert state.log[-1].votes[0].comment == "missing clause"


def test_all_of_everyone_must_approve(w: World) -> None:
    state = start(flow(LEGAL_ALL), contract(), ctx(w), now=NOW)
    state = decide(state, w.legal, APPROVE, w.org, now=NOW)
    assert state.status is RequestStatus.PENDING and state.pending_approvers == (w.legal2,)
    assert decide(state, w.legal2, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED
    # one rejection rejects, even after another approval
    assert decide(state, w.legal2, REJECT, w.org, now=NOW).status is RequestStatus.REJECTED


def test_director_step_only_above_one_million(w: World) -> None:
    f = flow(MANAGER, DIRECTOR_ABOVE_1M)
    small = start(f, contract("1000000.00"), ctx(w), now=NOW)
    small = decide(small, w.manager, APPROVE, w.org, now=NOW)
    assert small.status is RequestStatus.APPROVED
    assert small.log[-1].outcome is StepOutcome.SKIPPED and small.log[-1].note == "condition"

    big = start(f, contract("1000000.01"), ctx(w), now=NOW)
    big = decide(big, w.manager, APPROVE, w.org, now=NOW)
    assert big.status is RequestStatus.PENDING and big.pending_approvers == (w.director,)
    assert decide(big, w.director, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED


def test_previous_approvers_manager_follows_who_actually_approved(w: World) -> None:
    f = flow(
        Step((ApproverSpec.users(w.manager, w.legal),)), Step((ApproverSpec.previous_approver_manager(),))
    )
    state = start(f, contract(), ctx(w), now=NOW)
    via_manager = decide(state, w.manager, APPROVE, w.org, now=NOW)
    assert via_manager.pending_approvers == (w.director,)
    via_legal = decide(state, w.legal, APPROVE, w.org, now=NOW)  # legal has no team: nobody
    assert via_legal.current is not None and via_legal.current.to_admin_queue


# --- errors on decisions ----------------------------------------------------------------------


def test_decisions_by_strangers_twice_or_after_the_end_are_refused(w: World) -> None:
    state = start(flow(LEGAL_ALL), contract(), ctx(w), now=NOW)
    with pytest.raises(NotAnApprover) as err:
        decide(state, w.ceo, APPROVE, w.org, now=NOW)
    assert isinstance(err.value, PermissionDenied)
    once = decide(state, w.legal, APPROVE, w.org, now=NOW)
    with pytest.raises(AlreadyDecided):
        decide(once, w.legal, APPROVE, w.org, now=NOW)
    with pytest.raises(AlreadyDecided):  # looking at another step than the open one
        decide(once, w.legal2, APPROVE, w.org, now=NOW, expected_step=3)
    done = decide(once, w.legal2, APPROVE, w.org, now=NOW)
    with pytest.raises(RequestNotPending):
        decide(done, w.legal2, REJECT, w.org, now=NOW)


# --- rejection targets and resubmission -------------------------------------------------------


def test_reject_to_applicant_then_resubmit_restarts_with_the_same_flow_version(w: World) -> None:
    f = flow(MANAGER, DIRECTOR_ABOVE_1M)
    state = start(f, contract("2000000"), ctx(w), now=NOW)
    state = decide(state, w.manager, APPROVE, w.org, now=NOW)
    state = decide(state, w.director, REJECT, w.org, now=NOW, comment="too cheap")
    assert state.status is RequestStatus.REJECTED
    with pytest.raises(NotTheApplicant):
        resubmit(state, w.manager, w.org, now=NOW)
    again = resubmit(state, w.rep, w.org, now=NOW, facts=contract("900000"))
    assert again.round == 2 and again.flow is f and again.pending_approvers == (w.manager,)
    # the round-1 director cannot decide round 2's open step
    with pytest.raises(NotAnApprover):
        decide(again, w.director, APPROVE, w.org, now=NOW)
    assert decide(again, w.manager, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED
    with pytest.raises(RequestNotPending):
        resubmit(again, w.rep, w.org, now=NOW)


def test_reject_to_previous_step_reopens_it(w: World) -> None:
    to_previous = replace(DIRECTOR_ABOVE_1M, reject_to=RejectTarget.PREVIOUS_STEP)
    state = start(flow(MANAGER, to_previous), contract("2000000"), ctx(w), now=NOW)
    state = decide(state, w.manager, APPROVE, w.org, now=NOW)
    state = decide(state, w.director, REJECT, w.org, now=NOW, comment="renegotiate")
    assert state.status is RequestStatus.PENDING
    assert state.current is not None and state.current.index == 0
    assert state.pending_approvers == (w.manager,)
    state = decide(state, w.manager, APPROVE, w.org, now=NOW)
    assert state.pending_approvers == (w.director,)
    assert decide(state, w.director, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED


def test_reject_to_previous_on_the_first_step_rejects_to_the_applicant(w: World) -> None:
    first = replace(MANAGER, reject_to=RejectTarget.PREVIOUS_STEP)
    state = start(flow(first), contract(), ctx(w), now=NOW)
    assert decide(state, w.manager, REJECT, w.org, now=NOW).status is RequestStatus.REJECTED


# --- withdraw, delegate, add approver ---------------------------------------------------------


def test_withdraw_by_the_applicant_while_pending(w: World) -> None:
    state = start(flow(MANAGER), contract(), ctx(w), now=NOW)
    with pytest.raises(NotTheApplicant):
        withdraw(state, w.manager)
    gone = withdraw(state, w.rep)
    assert gone.status is RequestStatus.WITHDRAWN and gone.pending_approvers == ()
    with pytest.raises(RequestNotPending):
        withdraw(gone, w.rep)
    with pytest.raises(RequestNotPending):
        decide(gone, w.manager, APPROVE, w.org, now=NOW)


def test_delegate_replaces_a_pending_approver(w: World) -> None:
    state = start(flow(LEGAL_ALL), contract(), ctx(w), now=NOW)
    state = delegate(state, w.legal, w.ceo, w.org)
    assert set(state.pending_approvers) == {w.ceo, w.legal2}
    with pytest.raises(NotAnApprover):
        decide(state, w.legal, APPROVE, w.org, now=NOW)
    with pytest.raises(NotAnApprover):
        delegate(state, w.legal, w.director, w.org)  # no longer on the step
    with pytest.raises(ApproverNotAllowed):
        delegate(state, w.ceo, w.rep, w.org)  # the applicant
    with pytest.raises(ApproverNotAllowed):
        delegate(state, w.ceo, w.legal2, w.org)  # already on the step
    w.org.away.add(w.director)
    with pytest.raises(ApproverNotAllowed):
        delegate(state, w.ceo, w.director, w.org)  # on leave
    state = decide(state, w.ceo, APPROVE, w.org, now=NOW)
    assert decide(state, w.legal2, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED


def test_add_approver_any_of_and_all_of(w: World) -> None:
    any_of = add_approver(start(flow(MANAGER), contract(), ctx(w), now=NOW), w.legal, w.org)
    assert any_of.pending_approvers == (w.manager, w.legal)
    assert decide(any_of, w.legal, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED

    all_of = add_approver(start(flow(LEGAL_ALL), contract(), ctx(w), now=NOW), w.finance, w.org)
    all_of = decide(all_of, w.legal, APPROVE, w.org, now=NOW)
    all_of = decide(all_of, w.legal2, APPROVE, w.org, now=NOW)
    assert all_of.status is RequestStatus.PENDING and all_of.pending_approvers == (w.finance,)
    assert decide(all_of, w.finance, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED
    with pytest.raises(ApproverNotAllowed):
        add_approver(any_of, w.rep, w.org)


# --- time limits ------------------------------------------------------------------------------


def test_time_limit_escalates_pending_approvers_to_their_manager(w: World) -> None:
    step = Step((ApproverSpec.manager(),), time_limit_hours=24, escalate_to_manager=True)
    state = start(flow(step), contract(), ctx(w), now=NOW)
    assert due_at(state) == NOW + timedelta(hours=24)
    assert escalate(state, w.org, now=NOW + timedelta(hours=23)) is state
    later = NOW + timedelta(hours=25)
    up = escalate(state, w.org, now=later)
    assert up.pending_approvers == (w.director,) and due_at(up) == later + timedelta(hours=24)
    remind_only = start(flow(replace(step, escalate_to_manager=False)), contract(), ctx(w), now=NOW)
    assert escalate(remind_only, w.org, now=later) is remind_only


# --- versioning -------------------------------------------------------------------------------


def test_editing_a_flow_never_changes_a_request_in_flight(w: World) -> None:
    v1 = flow(MANAGER, Step((ApproverSpec.users(w.legal),)))
    in_flight = start(v1, contract(), ctx(w), now=NOW)
    v2 = replace(v1, version=2, steps=(Step((ApproverSpec.users(w.ceo),)),))  # the admin edits the flow
    assert select_flow([v1, v2], contract()) is v2

    in_flight = decide(in_flight, w.manager, APPROVE, w.org, now=NOW)
    assert in_flight.flow_version == 1 and in_flight.pending_approvers == (w.legal,)
    assert decide(in_flight, w.legal, APPROVE, w.org, now=NOW).status is RequestStatus.APPROVED

    fresh = start(v2, contract(), ctx(w), now=NOW)
    assert fresh.flow_version == 2 and fresh.pending_approvers == (w.ceo,)


def test_a_flow_for_another_kind_cannot_start(w: World) -> None:
    with pytest.raises(InvalidFlow):
        start(flow(MANAGER), Facts(kind=RequestKind.QUOTE), ctx(w), now=NOW)


def test_state_is_immutable(w: World) -> None:
    state: ApprovalState = start(flow(MANAGER), contract(), ctx(w), now=NOW)
    after = decide(state, w.manager, APPROVE, w.org, now=NOW)
    assert state.status is RequestStatus.PENDING and after.status is RequestStatus.APPROVED
    with pytest.raises(AttributeError):
        state.status = RequestStatus.APPROVED  # type: ignore[misc]
