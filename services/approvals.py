"""Running approval requests (issue 5): submit, approve / reject, withdraw, delegate, add an
approver (加签), reject back, resubmit; the inbox; time limits (reminders and escalation).

The rules of a request's life are the domain's (`domain.approvals`); this service keeps the
state in `approval_requests.state` under the flow version it was submitted with, and after every
transition brings the rest in line in the same transaction:

- the approvers' tasks (the inbox): one pending task per approver still to decide the open step;
  tasks of a step that closed without them are closed;
- the timeline (`approval_events`) and the audit log;
- notifications (in-app, and through the outbox to the message channels) and outbox events for
  webhooks: "waiting for you" to each new approver, "approved / rejected" to the applicant;
- on final approval the kind's handler applies the change (`services/approval_kinds.py`); a
  rejected or withdrawn request releases the record (the partial unique index on pending
  requests is the lock).

Concurrency: every action locks the request row (`SELECT … FOR UPDATE`), so decisions on one
request happen one after the other. Of two any-of approvers deciding at once, the second finds
the step closed and gets 409; on an all-of step both votes count.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import approvals as engine
from domain.approvals import (
    AlreadyDecided,
    ApprovalContext,
    ApprovalState,
    Decision,
    Flow,
    NotAnApprover,
    RequestNotPending,
    RequestStatus,
    StepOutcome,
    select_flow,
    state_from_json,
    state_to_json,
)
from domain.errors import Conflict, FieldError, NotFound, RuleViolation
from domain.scope import ScopeLevel
from repositories import approvals as repo
from repositories import audit
from repositories.approvals import Filters, Row, Subject
from repositories.models import ApprovalRequest, ApprovalTask
from services.approval_flows import ApprovalFlowService, OrgAdapter, to_flow
from services.approval_kinds import HANDLERS, Submission
from services.authz import AccessControl
from services.context import Actor
from services.notifications import notify
from services.outbox import emit

MANAGE = ("approval", "manage")

KIND_LABELS = {
    "customer_level_change": "客户等级变更 / Level change",
    "customer_finance_change": "客户财务信息变更 / Financial information change",
    "special_opportunity": "特殊商机 / Special opportunity",
    "sample": "送样 / Sample",
    "quote": "报价 / Quote",
    "contract": "合同 / Contract",
    "contract_change": "合同变更 / Contract change",
    "payment": "回款 / Payment",
}


class NoFlow(RuleViolation):
    code = "no-approval-flow"
    title = "No approval flow applies"


class RecordLocked(Conflict):
    code = "record-locked-by-approval"
    title = "The record is waiting for an approval"


# --- flow versions (immutable: cached per process) ---------------------------------------------------

FLOW_VERSIONS: dict[tuple[uuid.UUID, int], Flow] = {}


async def flow_version(session: AsyncSession, flow_id: uuid.UUID, number: int) -> Flow:
    key = (flow_id, number)
    if key not in FLOW_VERSIONS:
        found = await repo.flow_definition(session, flow_id, number)
        if found is None:
            raise NotFound("approval flow version", f"{flow_id} v{number}")
        flow, version = found
        FLOW_VERSIONS[key] = to_flow(
            flow.id, flow.kind, version.number, flow.priority, flow.name, version.definition
        )
    return FLOW_VERSIONS[key]


async def load_state(session: AsyncSession, request: ApprovalRequest) -> ApprovalState:
    return state_from_json(request.state, await flow_version(session, request.flow_id, request.flow_version))


# --- what changed between two states ------------------------------------------------------------------


@dataclass
class Outcome:
    """What a transition did, for the caller's response and tests."""

    new_approvers: list[uuid.UUID] = field(default_factory=list)
    closed_tasks: int = 0


def _event_data(request: ApprovalRequest) -> dict[str, Any]:
    """What approval.submitted / approved / rejected / withdrawn events carry."""
    return {
        "request_id": request.id,
        "kind": request.kind,
        "title": request.title,
        "subject_type": request.subject_type,
        "subject_id": request.subject_id,
        "applicant_id": request.applicant_id,
        "changes": request.changes,
    }


class _Engine:
    """Shared by the API service and the deadline sweep: persist a transition and bring tasks,
    timeline, notifications and events in line."""

    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access
        self.org = OrgAdapter(access)

    async def commit_state(
        self,
        request: ApprovalRequest,
        before: ApprovalState | None,
        after: ApprovalState,
        *,
        actor_id: uuid.UUID | None,
        now: datetime,
        close_note: str,
    ) -> Outcome:
        outcome = Outcome()
        old_log = len(before.log) if before is not None else 0
        for run in after.log[old_log:]:
            if run.outcome is StepOutcome.SKIPPED:
                repo.add_event(
                    self.session,
                    request.id,
                    "skipped",
                    actor_id=None,
                    at=now,
                    step_index=run.index,
                    round_=run.round,
                    data={"why": run.note},
                )
            elif run.outcome is StepOutcome.APPROVED and all(v.auto for v in run.votes):
                repo.add_event(
                    self.session,
                    request.id,
                    "auto_approved",
                    actor_id=after.applicant_id,
                    at=now,
                    step_index=run.index,
                    round_=run.round,
                )
        opened = after.current is not None and (
            before is None
            or before.current is None
            or before.current.index != after.current.index
            or before.current.round != after.current.round
            or (
                before.current.opened_at != after.current.opened_at
                and after.current.escalations == before.current.escalations
            )
        )
        # the step's clock restarted: opened, or escalated
        reclock = opened or (
            before is not None
            and before.current is not None
            and after.current is not None
            and before.current.opened_at != after.current.opened_at
        )
        if opened and after.current is not None:
            if after.current.to_admin_queue:
                self._to_admin_queue(request)
            repo.add_event(
                self.session,
                request.id,
                "admin_queue" if after.current.to_admin_queue else "step_opened",
                actor_id=None,
                at=now,
                step_index=after.current.index,
                round_=after.current.round,
                data={"approvers": [str(u) for u in after.current.approvers], "step": self._step_name(after)},
            )
        # tasks: one pending task per approver still to decide the open step
        want = set(after.pending_approvers)
        step = (after.current.index, after.current.round) if after.current is not None else None
        existing = [t for t in await repo.tasks(self.session, request.id) if t.status == "pending"]
        keep: set[uuid.UUID] = set()
        stale: list[int] = []
        for task in existing:
            if step is not None and (task.step_index, task.round) == step and task.approver_id in want:
                keep.add(task.approver_id)
            else:
                stale.append(task.id)
        await repo.close_tasks(self.session, stale, close_note, now)
        outcome.closed_tasks = len(stale)
        new = [u for u in (after.current.pending if after.current is not None else ()) if u not in keep]
        if new and step is not None:
            repo.add_tasks(self.session, request.id, new, step[0], step[1])
            outcome.new_approvers = new
        self._store(request, after, now, reclock)
        if new:
            self._waiting_for(request, after, new)
        if after.status is not RequestStatus.PENDING and (
            before is None or before.status is RequestStatus.PENDING
        ):
            await self._finished(request, after, actor_id, now)
        await self.session.flush()
        return outcome

    def _step_name(self, state: ApprovalState) -> str:
        if state.current is None:
            return ""
        step = state.flow.steps[state.current.index]
        return step.name or f"#{state.current.index + 1}"

    def _store(self, request: ApprovalRequest, state: ApprovalState, now: datetime, reclock: bool) -> None:
        """The state and its list columns; the deadline moves only when a step (re)opens or
        escalates (a reminder pushed it on, a delegation keeps it)."""
        request.state = state_to_json(state)
        request.status = state.status.value
        request.round = state.round
        request.current_step = state.current.index if state.current is not None else None
        request.step_name = self._step_name(state) if state.current is not None else None
        if state.status is not RequestStatus.PENDING:
            request.due_at = None
        elif reclock or request.due_at is None:
            request.due_at = engine.due_at(state)
        request.admin_queue = bool(state.current is not None and state.current.to_admin_queue)
        request.updated_at = now
        if state.status is not RequestStatus.PENDING:
            request.decided_at = now

    def _to_admin_queue(self, request: ApprovalRequest) -> None:
        """Nobody can decide the step: the admins hear of it rather than it stalling silently."""
        for user_id in sorted(self.access.users_with_role("admin"), key=str):
            if self.org.is_available(user_id):
                notify(
                    self.session,
                    user_id,
                    "approval_admin_queue",
                    f"审批无人处理，请指定审批人 / Nobody can approve, assign someone: {request.title}",
                    request.reason,
                    "approval_request",
                    request.id,
                )

    def _waiting_for(
        self, request: ApprovalRequest, state: ApprovalState, approvers: Sequence[uuid.UUID]
    ) -> None:
        applicant = self.org.org.users.get(request.applicant_id)
        who = applicant.display_name if applicant else ""
        for user_id in approvers:
            notify(
                self.session,
                user_id,
                "approval_pending",
                f"待您审批 / Waiting for you: {request.title}",
                f"{who}: {request.reason}",
                "approval_request",
                request.id,
            )
        emit(
            self.session,
            "approval.pending",
            {
                "request_id": request.id,
                "kind": request.kind,
                "title": request.title,
                "step": state.current.index if state.current is not None else None,
                "approver_ids": list(approvers),
            },
            entity="approval_request",
            entity_id=request.id,
        )

    async def _finished(
        self, request: ApprovalRequest, state: ApprovalState, actor_id: uuid.UUID | None, now: datetime
    ) -> None:
        handler = HANDLERS.get(request.kind)
        if state.status is RequestStatus.APPROVED:
            if handler is not None:
                await handler.apply(self.session, request)
            repo.add_event(self.session, request.id, "applied", actor_id=None, at=now, round_=state.round)
        elif handler is not None:
            await handler.ended(self.session, request)
        if handler is not None:
            handler.closed(self.session, request, actor_id)
        event = {
            RequestStatus.APPROVED: "approval.approved",
            RequestStatus.REJECTED: "approval.rejected",
            RequestStatus.WITHDRAWN: "approval.withdrawn",
        }[state.status]
        emit(
            self.session,
            event,
            _event_data(request),
            entity="approval_request",
            entity_id=request.id,
            actor_id=actor_id,
        )
        if state.status is not RequestStatus.WITHDRAWN:
            verdict = "已通过 / approved" if state.status is RequestStatus.APPROVED else "被驳回 / rejected"
            last = next((v for run in reversed(state.log) for v in reversed(run.votes)), None)
            notify(
                self.session,
                request.applicant_id,
                "approval_decided",
                f"审批{verdict}：{request.title}",
                last.comment if last is not None and last.comment else None,
                "approval_request",
                request.id,
            )


# --- the API service ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Detail:
    request: ApprovalRequest
    state: ApprovalState
    applicant_name: str
    subject: Subject | None
    tasks: list[ApprovalTask]
    timeline: list[tuple[Any, str | None]]
    names: dict[uuid.UUID, str]
    can_decide: bool
    can_withdraw: bool
    can_resubmit: bool
    can_manage: bool


class ApprovalService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.engine = _Engine(session, actor.access)

    @property
    def org(self) -> OrgAdapter:
        return self.engine.org

    def is_manager(self) -> bool:
        return self.actor.scope_for(*MANAGE).level is ScopeLevel.ALL

    def _reports(self) -> set[uuid.UUID]:
        org = self.actor.access.org
        me = self.actor.user_id
        return {u for u in org.users if org.manager_of(u) == me}

    # --- who sees what ---------------------------------------------------------------------------

    async def _visible(self, request: ApprovalRequest, subject: Subject | None) -> bool:
        me = self.actor.user_id
        if request.applicant_id == me or self.is_manager():
            return True
        if await repo.has_task(self.session, request.id, me):
            return True  # an approver sees the request they decide, whatever their record scope
        if request.applicant_id in self._reports():
            return True
        if subject is not None:
            scope = self.actor.scope_for("customer", "read")
            return scope.covers(subject.owner_id, subject.zone_id)
        return False

    async def _get(self, request_id: uuid.UUID, *, lock: bool) -> tuple[ApprovalRequest, Subject | None]:
        request = await (repo.lock if lock else repo.get)(self.session, request_id)
        subject = await repo.customer_subject(self.session, request.customer_id) if request else None
        if request is None or not await self._visible(request, subject):
            raise NotFound("approval request", request_id)
        return request, subject

    # --- reads -----------------------------------------------------------------------------------

    async def detail(self, request_id: uuid.UUID) -> Detail:
        request, subject = await self._get(request_id, lock=False)
        return await self._detail(request, subject)

    async def _detail(self, request: ApprovalRequest, subject: Subject | None) -> Detail:
        state = await load_state(self.session, request)
        tasks = await repo.tasks(self.session, request.id)
        timeline = await repo.timeline(self.session, request.id)
        ids = {t.approver_id for t in tasks} | {request.applicant_id}
        for run in (*state.log, *((state.current,) if state.current else ())):
            ids |= set(run.approvers)
        for event, _name in timeline:
            for key in ("approvers", "from", "to", "user"):  # one id or a list of them
                value = event.data.get(key)
                ids |= {uuid.UUID(u) for u in ([value] if isinstance(value, str) else value or ())}
        names = await repo.user_names(self.session, sorted(ids))
        me = self.actor.user_id
        pending = request.status == RequestStatus.PENDING
        mine = any(t.approver_id == me and t.status == "pending" for t in tasks)
        return Detail(
            request=request,
            state=state,
            applicant_name=names.get(request.applicant_id, ""),
            subject=subject,
            tasks=tasks,
            timeline=timeline,
            names=names,
            can_decide=pending and (mine or self.is_manager()),
            can_withdraw=pending and request.applicant_id == me,
            can_resubmit=request.status == RequestStatus.REJECTED and request.applicant_id == me,
            can_manage=self.is_manager(),
        )

    async def inbox(
        self, box: str, filters: Filters, cursor: str | None, limit: int, *, with_tasks: bool = False
    ) -> tuple[list[Row], str | None]:
        """pending / done: the caller's tasks; submitted: their requests; all: what they oversee
        (admins: everything; `with_tasks`: plus what they were asked to decide); admin_queue."""
        now = datetime.now(UTC)
        me = self.actor.user_id
        if box == "pending":
            return await repo.pending_box(self.session, me, filters, now, cursor, limit)
        if box == "done":
            return await repo.done_box(self.session, me, filters, now, cursor, limit)
        if box == "submitted":
            return await repo.submitted_box(self.session, me, filters, now, cursor, limit)
        if box == "admin_queue":
            if not self.is_manager():
                raise NotFound("approval box", box)
            return await repo.all_box(self.session, None, filters, now, cursor, limit, admin_queue=True)
        # "all": admins everything; others what they oversee (their record scope and reports)
        condition = None
        if not self.is_manager():
            condition = repo.in_record_scope(
                self.actor.scope_for("customer", "read"),
                sorted(self._reports() | {me}),
                me if with_tasks else None,
            )
        return await repo.all_box(self.session, condition, filters, now, cursor, limit)

    async def counts(self) -> dict[str, int]:
        return await repo.counts(self.session, self.actor.user_id, datetime.now(UTC), self.is_manager())

    # --- writes ----------------------------------------------------------------------------------

    async def submit(self, sub: Submission) -> ApprovalRequest:
        """Start a request under the flow that matches it; 422 when none does, 409 when the
        record already waits for an approval of this kind."""
        now = datetime.now(UTC)
        flows = await ApprovalFlowService(self.session, self.actor).active_flows(sub.kind)
        flow = select_flow(flows, sub.facts)
        if flow is None:
            raise NoFlow(f"no active approval flow applies to this {sub.kind} request; an admin defines one")
        ctx = ApprovalContext(self.actor.user_id, self.org, sub.owner_id, sub.zone_id)
        state = engine.start(flow, sub.facts, ctx, now=now)
        request = ApprovalRequest(
            id=uuid.uuid4(),
            kind=sub.kind,
            flow_id=flow.id,
            flow_version=flow.version,
            subject_type=sub.subject_type,
            subject_id=sub.subject_id,
            customer_id=sub.customer_id,
            title=sub.title[:200],
            reason=sub.reason,
            changes=audit.jsonable(sub.changes),
            facts=engine.facts_to_json(sub.facts),
            state={},
            status="pending",
            applicant_id=self.actor.user_id,
            round=1,
            submitted_at=now,
        )
        self.session.add(request)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            raise RecordLocked("this record already has a pending request of this kind") from exc
        repo.add_event(
            self.session,
            request.id,
            "submitted",
            actor_id=self.actor.user_id,
            at=now,
            comment=sub.reason,
            data={"flow": flow.name, "flow_version": flow.version, "changes": request.changes},
        )
        emit(
            self.session,
            "approval.submitted",
            _event_data(request),
            entity="approval_request",
            entity_id=request.id,
            actor_id=self.actor.user_id,
        )
        await self.engine.commit_state(
            request, None, state, actor_id=self.actor.user_id, now=now, close_note="decided"
        )
        audit.record(
            self.session,
            "approval_request",
            request.id,
            "submit",
            {
                "status": [None, request.status],
                "changes": [None, request.changes],
                "reason": [None, sub.reason],
            },
            root_entity_id=sub.customer_id,
        )
        return request

    async def decide(
        self, request_id: uuid.UUID, decision: Decision, comment: str | None, step: int | None
    ) -> Detail:
        now = datetime.now(UTC)
        request, subject = await self._get(request_id, lock=True)
        if request.status != RequestStatus.PENDING:
            raise RequestNotPending(f"the request is already {request.status}")
        state = await load_state(self.session, request)
        tasks = await repo.tasks(self.session, request.id)
        me = self.actor.user_id
        task = next((t for t in tasks if t.approver_id == me and t.status == "pending"), None)
        override = False
        if task is None:
            if self.is_manager():
                override = True
            elif any(t.approver_id == me for t in tasks):
                raise AlreadyDecided("the step was decided meanwhile, or you already decided it")
            else:
                raise NotAnApprover()
        expected = step if step is not None else (task.step_index if task is not None else None)
        after = engine.decide(
            state,
            me,
            decision,
            self.org,
            now=now,
            comment=comment or "",
            expected_step=expected,
            override=override,
        )
        if task is not None:
            await repo.finish_task(
                self.session,
                task.id,
                "approved" if decision is Decision.APPROVE else "rejected",
                comment,
                now,
            )
        assert state.current is not None
        sent_back = (
            decision is Decision.REJECT
            and after.status is RequestStatus.PENDING
            and after.current is not None
        )
        repo.add_event(
            self.session,
            request.id,
            "approved" if decision is Decision.APPROVE else "rejected",
            actor_id=me,
            at=now,
            step_index=state.current.index,
            round_=state.round,
            comment=comment,
            data={
                **({"override": True} if override else {}),
                **({"sent_back_to_step": after.current.index} if sent_back and after.current else {}),
            },
        )
        await self.engine.commit_state(request, state, after, actor_id=me, now=now, close_note="decided")
        audit.record(
            self.session,
            "approval_request",
            request.id,
            decision.value,
            {
                "status": ["pending", request.status],
                "comment": [None, comment],
                "step": [None, state.current.index],
            },
            root_entity_id=request.customer_id,
        )
        return await self._detail(request, subject)

    async def withdraw(self, request_id: uuid.UUID, comment: str | None) -> Detail:
        now = datetime.now(UTC)
        request, subject = await self._get(request_id, lock=True)
        state = await load_state(self.session, request)
        after = engine.withdraw(state, self.actor.user_id)
        repo.add_event(
            self.session,
            request.id,
            "withdrawn",
            actor_id=self.actor.user_id,
            at=now,
            round_=state.round,
            comment=comment,
        )
        await self.engine.commit_state(
            request, state, after, actor_id=self.actor.user_id, now=now, close_note="withdrawn"
        )
        audit.record(
            self.session,
            "approval_request",
            request.id,
            "withdraw",
            {"status": ["pending", "withdrawn"]},
            root_entity_id=request.customer_id,
        )
        return await self._detail(request, subject)

    async def delegate(
        self, request_id: uuid.UUID, to_id: uuid.UUID, from_id: uuid.UUID | None, comment: str | None
    ) -> Detail:
        """A pending approver hands their place on the step to someone else (转交); an admin
        may move anyone's place."""
        now = datetime.now(UTC)
        request, subject = await self._get(request_id, lock=True)
        state = await load_state(self.session, request)
        me = self.actor.user_id
        source = from_id or me
        if source != me and not self.is_manager():
            raise NotAnApprover("only an admin may delegate someone else's place")
        self._known_user(to_id, "to_user_id")
        after = engine.delegate(state, source, to_id, self.org)
        repo.add_event(
            self.session,
            request.id,
            "delegated",
            actor_id=me,
            at=now,
            step_index=state.current.index if state.current else None,
            round_=state.round,
            comment=comment,
            data={"from": str(source), "to": str(to_id)},
        )
        await self.engine.commit_state(request, state, after, actor_id=me, now=now, close_note="delegated")
        audit.record(
            self.session,
            "approval_request",
            request.id,
            "delegate",
            {"approver": [str(source), str(to_id)], "comment": [None, comment]},
            root_entity_id=request.customer_id,
        )
        return await self._detail(request, subject)

    async def add_approver(self, request_id: uuid.UUID, user_id: uuid.UUID, comment: str | None) -> Detail:
        """加签: a pending approver of the step (or an admin, e.g. from the admin queue) adds
        someone to the current step."""
        now = datetime.now(UTC)
        request, subject = await self._get(request_id, lock=True)
        state = await load_state(self.session, request)
        me = self.actor.user_id
        if me not in state.pending_approvers and not self.is_manager():
            raise NotAnApprover("only a pending approver of this step or an admin may add an approver")
        self._known_user(user_id, "user_id")
        after = engine.add_approver(state, user_id, self.org)
        repo.add_event(
            self.session,
            request.id,
            "approver_added",
            actor_id=me,
            at=now,
            step_index=state.current.index if state.current else None,
            round_=state.round,
            comment=comment,
            data={"user": str(user_id)},
        )
        await self.engine.commit_state(request, state, after, actor_id=me, now=now, close_note="decided")
        audit.record(
            self.session,
            "approval_request",
            request.id,
            "add_approver",
            {"approver": [None, str(user_id)], "comment": [None, comment]},
            root_entity_id=request.customer_id,
        )
        return await self._detail(request, subject)

    async def resubmit(self, request_id: uuid.UUID, sub: Submission | None, reason: str | None) -> Detail:
        """After a rejection the applicant submits again (with a changed request, if given),
        from the first step and under the same flow version."""
        now = datetime.now(UTC)
        request, subject = await self._get(request_id, lock=True)
        state = await load_state(self.session, request)
        after = engine.resubmit(
            state, self.actor.user_id, self.org, now=now, facts=sub.facts if sub else None
        )
        before_changes = request.changes
        if sub is not None:
            request.changes = audit.jsonable(sub.changes)
            request.facts = engine.facts_to_json(sub.facts)
            request.title = sub.title[:200]
        if reason:
            request.reason = reason
        request.status = "pending"  # the lock is taken again
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            raise RecordLocked("this record already has another pending request of this kind") from exc
        repo.add_event(
            self.session,
            request.id,
            "resubmitted",
            actor_id=self.actor.user_id,
            at=now,
            round_=after.round,
            comment=reason,
            data={"changes": request.changes},
        )
        await self.engine.commit_state(
            request, state, after, actor_id=self.actor.user_id, now=now, close_note="decided"
        )
        audit.record(
            self.session,
            "approval_request",
            request.id,
            "resubmit",
            {"status": ["rejected", request.status], "changes": [before_changes, request.changes]},
            root_entity_id=request.customer_id,
        )
        return await self._detail(request, subject)

    async def get_for_applicant(self, request_id: uuid.UUID) -> ApprovalRequest:
        request, _subject = await self._get(request_id, lock=False)
        return request

    def _known_user(self, user_id: uuid.UUID, field_name: str) -> None:
        user = self.actor.access.org.users.get(user_id)
        if user is None or not user.is_active:
            raise FieldError(field_name, "no such active user")


async def assert_unlocked(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID, kinds: Sequence[str]
) -> None:
    """Refuse a direct edit of fields a pending request covers (the record is locked)."""
    pending = await repo.pending_for_subject(session, subject_type, subject_id, kinds)
    if pending:
        raise RecordLocked(
            f"waiting for approval: {pending[0].title}", approval_request_id=str(pending[0].id)
        )


# --- time limits (worker) -----------------------------------------------------------------------------


async def sweep_deadlines(
    session: AsyncSession, access: AccessControl, *, now: datetime, limit: int = 500
) -> dict[str, int]:
    """Past a step's time limit: escalate to the approvers' managers where the step says so,
    else remind the pending approvers; the clock restarts either way (one reminder per time
    limit). Locked with SKIP LOCKED, so two sweeps never handle one request."""
    eng = _Engine(session, access)
    reminded = escalated = 0
    for request in await repo.due(session, now, limit):
        state = await load_state(session, request)
        after = engine.escalate(state, eng.org, now=now)
        moved = (
            [u for u in state.current.pending if u not in after.current.approvers]
            if after is not state and after.current is not None and state.current is not None
            else []
        )
        if moved and after.current is not None:  # nobody above them: they are reminded instead
            repo.add_event(
                session,
                request.id,
                "escalated",
                actor_id=None,
                at=now,
                step_index=after.current.index,
                round_=after.round,
                data={
                    "approvers": [str(u) for u in after.current.approvers],
                    "from": [str(u) for u in moved],
                },
            )
            await eng.commit_state(request, state, after, actor_id=None, now=now, close_note="escalated")
            escalated += 1
            continue
        pending = state.pending_approvers
        for user_id in pending:
            notify(
                session,
                user_id,
                "approval_reminder",
                f"审批已超时，请尽快处理 / Overdue, please decide: {request.title}",
                request.reason,
                "approval_request",
                request.id,
            )
        hours = state.flow.steps[state.current.index].time_limit_hours if state.current else None
        request.due_at = now + timedelta(hours=hours or 24)
        repo.add_event(
            session,
            request.id,
            "reminded",
            actor_id=None,
            at=now,
            step_index=state.current.index if state.current else None,
            round_=state.round,
            data={"approvers": [str(u) for u in pending]},
        )
        reminded += 1
    await session.flush()
    return {"reminded": reminded, "escalated": escalated}


# --- the request's steps as its page shows them ---------------------------------------------------


def describe_steps(state: ApprovalState, tasks: Sequence[ApprovalTask]) -> list[dict[str, Any]]:
    """Every step of the flow version in this round: done (approved / rejected / skipped /
    withdrawn), open (pending, with who still has to decide) or not reached; each approver with
    their decision, comment and when."""
    runs = {run.index: run for run in state.log if run.round == state.round}
    if state.current is not None:
        runs[state.current.index] = state.current
    when = {(t.approver_id, t.step_index, t.round): t.decided_at for t in tasks if t.decided_at}
    out: list[dict[str, Any]] = []
    for index, step in enumerate(state.flow.steps):
        run = runs.get(index)
        votes = {v.approver_id: v for v in run.votes} if run else {}
        approvers = []
        for user_id in run.approvers if run else ():
            vote = votes.get(user_id)
            approvers.append(
                {
                    "user_id": user_id,
                    "decision": vote.decision.value if vote else None,
                    "comment": vote.comment if vote and vote.comment else None,
                    "auto": bool(vote and vote.auto),
                    "decided_at": when.get((user_id, index, state.round)),
                }
            )
        for user_id, vote in votes.items():  # an admin's override is a vote by a non-approver
            if run is not None and user_id not in run.approvers:
                approvers.append(
                    {
                        "user_id": user_id,
                        "decision": vote.decision.value,
                        "comment": vote.comment or None,
                        "auto": False,
                        "decided_at": None,
                        "override": True,
                    }
                )
        if run is None:
            status = "not_reached"
        elif run.outcome is None:
            status = "pending"
        else:
            status = run.outcome.value
        out.append(
            {
                "index": index,
                "name": step.name or f"#{index + 1}",
                "mode": step.mode.value,
                "status": status,
                "note": run.note if run and run.note else None,
                "to_admin_queue": bool(run and run.outcome is None and run.to_admin_queue),
                "time_limit_hours": step.time_limit_hours,
                "conditions": [
                    {"field": c.field, "op": c.op.value, "value": audit.jsonable(c.value)}
                    for c in step.conditions
                ],
                "approvers": approvers,
            }
        )
    return out
