"""A running request as an immutable state: start, decide, reject back, withdraw, delegate,
add an approver (加签), resubmit, time limits and escalation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.approvals.flows import (
    AlreadyDecided,
    ApproverNotAllowed,
    Decision,
    Facts,
    Flow,
    InvalidFlow,
    Mode,
    NotAnApprover,
    NotTheApplicant,
    RejectTarget,
    RequestNotPending,
    RequestStatus,
    StepOutcome,
    all_hold,
)
from domain.approvals.resolution import ApprovalContext, OrgView, available_manager, resolve_approvers

# --- the running request ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vote:
    approver_id: UUID
    decision: Decision
    comment: str = ""
    auto: bool = False  # recorded for the applicant by the AUTO_APPROVE policy
    override: bool = False  # an admin decided the step (e.g. from the admin queue)


@dataclass(frozen=True, slots=True)
class StepRun:
    """One run of one step: who was asked, who decided, how it ended."""

    index: int
    round: int
    mode: Mode
    approvers: tuple[UUID, ...] = ()
    votes: tuple[Vote, ...] = ()
    opened_at: datetime | None = None
    outcome: StepOutcome | None = None  # None while open
    note: str = ""  # why skipped: "condition" | "self"
    to_admin_queue: bool = False
    escalations: int = 0

    @property
    def voted(self) -> tuple[UUID, ...]:
        return tuple(v.approver_id for v in self.votes)

    @property
    def pending(self) -> tuple[UUID, ...]:
        if self.outcome is not None:
            return ()
        done = set(self.voted)
        return tuple(u for u in self.approvers if u not in done)

    @property
    def human_approvers(self) -> tuple[UUID, ...]:
        return tuple(v.approver_id for v in self.votes if v.decision is Decision.APPROVE and not v.auto)


@dataclass(frozen=True, slots=True)
class ApprovalState:
    flow: Flow  # the version the request started with, whatever happens to the flow later
    facts: Facts
    applicant_id: UUID
    owner_id: UUID | None
    zone_id: UUID | None  # the request's zone, for zone roles
    status: RequestStatus
    current: StepRun | None  # the open step while PENDING
    log: tuple[StepRun, ...] = ()  # closed step runs, oldest first
    round: int = 1  # 1, then +1 per resubmission

    @property
    def flow_version(self) -> int:
        return self.flow.version

    @property
    def pending_approvers(self) -> tuple[UUID, ...]:
        if self.status is not RequestStatus.PENDING or self.current is None:
            return ()
        return self.current.pending


def start(flow: Flow, facts: Facts, ctx: ApprovalContext, *, now: datetime) -> ApprovalState:
    """Submit: open the first applicable step (or finish APPROVED when none applies)."""
    if not flow.applies_to(facts):
        raise InvalidFlow(f"flow {flow.id} v{flow.version} does not apply to this request")
    state = ApprovalState(
        flow=flow,
        facts=facts,
        applicant_id=ctx.applicant_id,
        owner_id=ctx.owner_id,
        zone_id=ctx.zone_id or facts.zone_id,
        status=RequestStatus.PENDING,
        current=None,
    )
    return _advance(state, 0, ctx.org, now)


def _context(state: ApprovalState, org: OrgView) -> ApprovalContext:
    previous = next(
        (
            run.human_approvers or run.voted
            for run in reversed(state.log)
            if run.outcome is StepOutcome.APPROVED
        ),
        (),
    )
    return ApprovalContext(
        applicant_id=state.applicant_id,
        org=org,
        owner_id=state.owner_id,
        zone_id=state.zone_id,
        previous_approver_ids=tuple(previous),
    )


def _advance(state: ApprovalState, index: int, org: OrgView, now: datetime) -> ApprovalState:
    """Open the first applicable step from `index`; skipped and auto-approved steps go to the log."""
    log = list(state.log)
    steps = state.flow.steps
    while index < len(steps):
        step = steps[index]
        run = StepRun(index=index, round=state.round, mode=step.mode, opened_at=now)
        if not all_hold(step.conditions, state.facts):
            log.append(replace(run, outcome=StepOutcome.SKIPPED, note="condition"))
            index += 1
            continue
        res = resolve_approvers(step, _context(replace(state, log=tuple(log)), org))
        if res.skipped_self and not res.approvers:
            log.append(replace(run, outcome=StepOutcome.SKIPPED, note="self"))
            index += 1
            continue
        if res.self_approved:
            auto = Vote(state.applicant_id, Decision.APPROVE, auto=True)
            run = replace(run, approvers=(state.applicant_id, *res.approvers), votes=(auto,))
            if step.mode is Mode.ANY or not res.approvers:
                log.append(replace(run, outcome=StepOutcome.APPROVED))
                index += 1
                continue
        else:
            run = replace(run, approvers=res.approvers, to_admin_queue=res.to_admin_queue)
        return replace(state, status=RequestStatus.PENDING, current=run, log=tuple(log))
    return replace(state, status=RequestStatus.APPROVED, current=None, log=tuple(log))


def _open(state: ApprovalState) -> StepRun:
    if state.status is not RequestStatus.PENDING or state.current is None:
        raise RequestNotPending(f"the request is {state.status}")
    return state.current


def decide(
    state: ApprovalState,
    approver_id: UUID,
    decision: Decision,
    org: OrgView,
    *,
    now: datetime,
    comment: str = "",
    expected_step: int | None = None,
    override: bool = False,
) -> ApprovalState:
    """Approve or reject the current step.

    `expected_step` is the step index the approver was looking at: if the request moved on
    meanwhile, the decision is refused (409) rather than applied to another step. `override`
    lets an admin decide the step outright (the service checks the permission)."""
    run = _open(state)
    if expected_step is not None and expected_step != run.index:
        raise AlreadyDecided("the step was decided meanwhile")
    if not override:
        if approver_id in run.voted:
            raise AlreadyDecided("you already decided this step")
        if approver_id not in run.approvers:
            asked_before = any(approver_id in r.approvers for r in state.log if r.round == state.round)
            if asked_before:
                raise AlreadyDecided("the step was decided meanwhile")
            raise NotAnApprover()
    vote = Vote(approver_id, decision, comment=comment, override=override)
    run = replace(run, votes=(*run.votes, vote))
    if decision is Decision.REJECT:
        return _rejected(state, replace(run, outcome=StepOutcome.REJECTED), now)
    if run.mode is Mode.ALL and run.pending and not override:
        return replace(state, current=run)
    closed = replace(state, current=None, log=(*state.log, replace(run, outcome=StepOutcome.APPROVED)))
    return _advance(closed, run.index + 1, org, now)


def _rejected(state: ApprovalState, run: StepRun, now: datetime) -> ApprovalState:
    log = (*state.log, run)
    step = state.flow.steps[run.index]
    if step.reject_to is RejectTarget.PREVIOUS_STEP:
        # the latest earlier step of this round that a person (not the policy) approved
        previous = next(
            (
                r
                for r in reversed(state.log)
                if r.round == state.round
                and r.index < run.index
                and r.outcome is StepOutcome.APPROVED
                and r.human_approvers
            ),
            None,
        )
        if previous is not None:
            reopened = StepRun(
                index=previous.index,
                round=state.round,
                mode=previous.mode,
                approvers=tuple(u for u in previous.approvers if u != state.applicant_id),
                opened_at=now,
            )
            return replace(state, current=reopened, log=log)
    return replace(state, status=RequestStatus.REJECTED, current=None, log=log)


def withdraw(state: ApprovalState, actor_id: UUID) -> ApprovalState:
    run = _open(state)
    if actor_id != state.applicant_id:
        raise NotTheApplicant()
    closed = replace(run, outcome=StepOutcome.WITHDRAWN)
    return replace(state, status=RequestStatus.WITHDRAWN, current=None, log=(*state.log, closed))


def _check_new_approver(state: ApprovalState, run: StepRun, user_id: UUID, org: OrgView) -> None:
    if user_id == state.applicant_id:
        raise ApproverNotAllowed("the applicant cannot approve their own request")
    if user_id in run.approvers:
        raise ApproverNotAllowed("already an approver of this step")
    if not org.is_available(user_id):
        raise ApproverNotAllowed("the user is inactive or on leave")


def delegate(state: ApprovalState, from_id: UUID, to_id: UUID, org: OrgView) -> ApprovalState:
    """Transfer a pending approver's place on the current step to another user (who may act is
    the service's decision: the approver themself or an admin)."""
    run = _open(state)
    if from_id not in run.pending:
        raise NotAnApprover("not a pending approver of this step")
    _check_new_approver(state, run, to_id, org)
    approvers = tuple(to_id if u == from_id else u for u in run.approvers)
    return replace(state, current=replace(run, approvers=approvers))


def add_approver(state: ApprovalState, user_id: UUID, org: OrgView) -> ApprovalState:
    """加签: one more approver on the current step (any-of: one more who may decide; all-of: one
    more approval needed). Assigning someone takes a step out of the admin queue."""
    run = _open(state)
    _check_new_approver(state, run, user_id, org)
    run = replace(run, approvers=(*run.approvers, user_id), to_admin_queue=False)
    return replace(state, current=run)


def resubmit(
    state: ApprovalState, actor_id: UUID, org: OrgView, *, now: datetime, facts: Facts | None = None
) -> ApprovalState:
    """After a rejection: start again from step 1 with the same flow version (and the changed
    facts, if any)."""
    if actor_id != state.applicant_id:
        raise NotTheApplicant()
    if state.status is not RequestStatus.REJECTED:
        raise RequestNotPending(f"only a rejected request can be resubmitted (it is {state.status})")
    new_facts = state.facts if facts is None else facts
    if new_facts.kind != state.flow.kind:
        raise InvalidFlow("a resubmission keeps the kind of request")
    fresh = replace(state, facts=new_facts, round=state.round + 1, status=RequestStatus.PENDING, current=None)
    return _advance(fresh, 0, org, now)


def due_at(state: ApprovalState) -> datetime | None:
    """When the current step's time limit runs out (reminders, and escalation if configured)."""
    if state.status is not RequestStatus.PENDING or state.current is None or state.current.opened_at is None:
        return None
    hours = state.flow.steps[state.current.index].time_limit_hours
    return None if hours is None else state.current.opened_at + timedelta(hours=hours)


def escalate(state: ApprovalState, org: OrgView, *, now: datetime) -> ApprovalState:
    """Past the time limit of a step that escalates: each pending approver's place goes to their
    manager (kept when they have none), and the clock restarts. Otherwise the state is unchanged,
    so a periodic job may call it freely."""
    due = due_at(state)
    if due is None or now < due or state.current is None:
        return state
    run = state.current
    if not state.flow.steps[run.index].escalate_to_manager:
        return state
    pending = set(run.pending)
    approvers: list[UUID] = []
    for user_id in run.approvers:
        target = user_id
        if user_id in pending:
            manager = available_manager(org, user_id, 1)
            if manager is not None and manager != state.applicant_id and manager not in run.voted:
                target = manager
        if target not in approvers:
            approvers.append(target)
    run = replace(run, approvers=tuple(approvers), opened_at=now, escalations=run.escalations + 1)
    return replace(state, current=run)
