"""Opportunities (商机): create, edit, move through the business line's stages (exit criteria,
won with the deal data, lost with a reason and the competitor who won), reassign (转派) with
history, the checklist, and special opportunities that wait for approval (seed 001).

Registration (商机报备) and conflicts live in services/opportunity_registration.py; the team,
decision chain, competitors, requirements, documents and samples in their own services. All of
them resolve an opportunity through services.opportunity_access.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import Facts, RequestKind
from domain.errors import FieldError, RuleViolation, StageCriteriaNotMet, check_version
from domain.opportunities import (
    Missing,
    OpportunitySource,
    OpportunityStatus,
    Snapshot,
    SpecialKind,
    Stage,
    StageKind,
    grade_for,
    plan_move,
    unmet,
)
from domain.scope import ScopeLevel
from repositories import business_lines as lines_repo
from repositories import customers as customers_repo
from repositories import opportunities as repo
from repositories import settings as settings_repo
from repositories.models import (
    BusinessLine,
    Customer,
    Opportunity,
    OpportunityAssignment,
    OpportunityStageChange,
)
from services.approval_kinds import Submission
from services.context import Actor
from services.customer_protection import protect, unprotect
from services.notifications import notify
from services.opportunity_access import OpportunityAccess
from services.outbox import emit

WON_PROTECTION_DAYS = 90  # a won deal keeps the customer until its contract takes over
DUPLICATE = "duplicate"  # the lost reason of a registration closed as a duplicate

DEFAULT_LOST_REASONS = (
    "price",
    "competitor",
    "requirement",
    "budget",
    "timing",
    "relationship",
    "no_decision",
    "other",
)


@dataclass(frozen=True, slots=True)
class LostData:
    reason: str
    competitor_id: uuid.UUID | None = None
    competitor_name: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class WonData:
    amount: Decimal
    signed_on: date
    contract_number: str | None = None


async def lost_reasons(session: AsyncSession) -> list[dict[str, str]]:
    row = await settings_repo.get(session, "opportunity_rules")
    configured = (row.value if row else {}).get("lost_reasons") or []
    return [r for r in configured if isinstance(r, dict) and r.get("code")] or [
        {"code": c, "name": c} for c in DEFAULT_LOST_REASONS
    ]


class OpportunityService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)
        # read once per request: a move and the answer built after it need the same facts
        self._stages: dict[uuid.UUID, list[Stage]] = {}
        self._facts: dict[uuid.UUID, tuple[list[str | None], frozenset[str]]] = {}

    async def stages(self, line_id: uuid.UUID) -> list[Stage]:
        """The line's stages (cached for this service's request)."""
        if line_id not in self._stages:
            self._stages[line_id] = await lines_repo.stages(self.session, line_id)
        return self._stages[line_id]

    # --- reading -----------------------------------------------------------------------------

    async def get(
        self, opportunity_id: uuid.UUID, action: str = "read", *, lock: bool = False
    ) -> Opportunity:
        return await self.access.get(opportunity_id, action, lock=lock)

    async def snapshot(self, opp: Opportunity) -> Snapshot:
        """What the exit criteria look at. The decision chain and the documents are read once per
        request (nothing in this service changes them)."""
        if opp.id not in self._facts:
            self._facts[opp.id] = (
                await repo.chain_roles(self.session, opp.id),
                await repo.document_kinds(self.session, opp.id),
            )
        roles, kinds = self._facts[opp.id]
        return Snapshot(
            fields={
                "amount": opp.amount,
                "expected_close_date": opp.expected_close_date,
                "products": opp.products or ([opp.product] if opp.product else []),
                "next_step": opp.next_step,
                "description": opp.description,
                "grade": opp.grade,
            },
            chain_roles=roles,
            document_kinds=kinds,
            ticked={code: list(items) for code, items in (opp.checklist or {}).items()},
        )

    async def stage_status(self, opp: Opportunity, stages: Sequence[Stage]) -> dict[uuid.UUID, list[Missing]]:
        """Each open stage's unmet exit criteria, for the detail page's checklist."""
        snap = await self.snapshot(opp)
        return {s.id: unmet(s, snap) for s in stages if s.kind is StageKind.OPEN}

    # --- creating ----------------------------------------------------------------------------

    async def _line(self, line_id: uuid.UUID | None) -> BusinessLine:
        line = await (
            lines_repo.get(self.session, line_id) if line_id else lines_repo.default_line(self.session)
        )
        if line is None or not line.is_active:
            raise FieldError("business_line_id", "no such active business line")
        return line

    def _owner_team(self, owner_id: uuid.UUID | None) -> tuple[uuid.UUID | None, tuple[uuid.UUID, ...]]:
        """The owner's team and zones (their team's zone first)."""
        org = self.actor.access.org
        user = org.users.get(owner_id) if owner_id else None
        if user is None:
            return None, ()
        team = org.teams.get(user.team_id) if user.team_id else None
        zones = ((team.zone_id,) if team else ()) + tuple(
            z for z in user.zone_ids if not team or z != team.zone_id
        )
        return user.team_id, zones

    def _check_owner(self, owner_id: uuid.UUID, action: str, field: str = "owner_id") -> None:
        user = self.actor.access.org.users.get(owner_id)
        if user is None or not user.is_active:
            raise FieldError(field, "no such active user")
        if owner_id == self.actor.user_id:
            return
        scope = self.actor.scope_for("opportunity", action)
        zones = self.actor.access.org.zones_of(owner_id)
        if scope.level is ScopeLevel.ALL or owner_id in scope.team_user_ids or zones & set(scope.zone_ids):
            return
        raise FieldError(field, "outside the people you manage")

    async def create(
        self,
        data: Mapping[str, Any],
        *,
        source: str = "manual",
        lead_id: uuid.UUID | None = None,
        owner_id: uuid.UUID | None = None,
        queue: str | None = None,
        zone_id: uuid.UUID | None = None,
        reason: str = "新建 / created",
        customer: Customer | None = None,
    ) -> Opportunity:
        """A new opportunity in the line's first open stage (or the given open stage). The owner
        is the caller unless a manager names someone in their scope, or routing chose one."""
        data = dict(data)
        if customer is None:
            customer = await customers_repo.get_visible(
                self.session, data["customer_id"], self.actor.scope_for("customer", "read")
            )
            if customer is None:
                raise FieldError("customer_id", "no such customer")
        line = await self._line(data.get("business_line_id"))
        stages = await self.stages(line.id)
        stage = self._start_stage(stages, data.get("stage_id"))
        if stage.id != stages[0].id and data.get("stage_id") and source == OpportunitySource.MANUAL:
            # placing one mid-pipeline skips the earlier stages' exit criteria: managers only
            # (bringing over deals from elsewhere), not a way around the rules for reps
            if self.actor.scope_for("opportunity", "create").level < ScopeLevel.TEAM:
                raise FieldError("stage_id", "only managers may create an opportunity past the first stage")
        if queue is None:
            if data.get("owner_id"):
                self._check_owner(data["owner_id"], "create")
                owner_id = data["owner_id"]
            owner_id = owner_id or self.actor.user_id
        team_id, owner_zones = self._owner_team(owner_id)
        amount = Decimal(data.get("amount") or 0)
        now = datetime.now(UTC)
        special = data.get("special_kind")
        opp = Opportunity(
            id=uuid.uuid4(),
            name=data["name"],
            customer_id=customer.id,
            business_line_id=line.id,
            stage_id=stage.id,
            status=OpportunityStatus.OPEN.value,
            amount=amount,
            currency=data.get("currency") or "CNY",
            expected_close_date=data.get("expected_close_date"),
            products=data.get("products") or [],
            product=data.get("product"),
            source=source,
            lead_id=lead_id,
            grade=grade_for(amount, line.grade_thresholds or {}),
            priority=data.get("priority") or ("key" if special == SpecialKind.KEY_CUSTOMER else "normal"),
            owner_id=owner_id,
            zone_id=zone_id or customer.zone_id or (owner_zones[0] if owner_zones else None),
            team_id=team_id,
            queue=queue,
            next_step=data.get("next_step"),
            description=data.get("description"),
            special_kind=special,
            approval_status="none",
            stage_entered_at=now,
            furthest_position=stage.position,
            created_by=self.actor.user_id,
        )
        self.session.add(opp)
        await self.session.flush()
        self.session.add(
            OpportunityStageChange(
                opportunity_id=opp.id,
                business_line_id=line.id,
                from_stage_id=None,
                to_stage_id=stage.id,
                owner_id=opp.owner_id,
                zone_id=opp.zone_id,
                team_id=opp.team_id,
                moved_by=self.actor.user_id,
                moved_at=now,
            )
        )
        self.session.add(
            OpportunityAssignment(
                opportunity_id=opp.id,
                from_owner_id=None,
                to_owner_id=owner_id,
                reason=reason,
                by_id=self.actor.user_id,
            )
        )
        from services.decision_chain import copy_customer_contacts

        await copy_customer_contacts(self.session, opp)
        if stage.protects_customer:
            await protect(
                self.session, customer.id, "opportunity", opp.id, note=f"商机 / opportunity {opp.name}"
            )
        if special:
            await self._submit_special(
                opp, customer, data.get("special_reason") or data.get("description") or opp.name
            )
        if owner_id and owner_id != self.actor.user_id:
            notify(
                self.session,
                owner_id,
                "opportunity_assigned",
                f"新商机分配给你 / New opportunity for you: {opp.name}",
                entity="opportunity",
                entity_id=opp.id,
            )
        emit(
            self.session,
            "opportunity.created",
            _event(opp),
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        await self.session.flush()
        return opp

    @staticmethod
    def _start_stage(stages: Sequence[Stage], stage_id: uuid.UUID | None) -> Stage:
        open_stages = [s for s in stages if s.kind is StageKind.OPEN and s.is_active]
        if not open_stages:
            raise FieldError("business_line_id", "the business line has no open stage")
        if stage_id is None:
            return open_stages[0]
        chosen = next((s for s in open_stages if s.id == stage_id), None)
        if chosen is None:
            raise FieldError("stage_id", "must be an open stage of the business line")
        return chosen

    # --- editing -----------------------------------------------------------------------------

    async def update(
        self, opportunity_id: uuid.UUID, data: Mapping[str, Any], expected: int | None
    ) -> Opportunity:
        opp = await self.get(opportunity_id, "update", lock=True)
        check_version(opp.version, expected)
        if opp.status != OpportunityStatus.OPEN and set(data) - {"next_step", "description"}:
            raise RuleViolation(
                "a closed opportunity keeps its deal data; reopen it by moving it to an open stage"
            )
        for key, value in data.items():
            setattr(opp, key, value)
        if "amount" in data:
            line = await self._line(opp.business_line_id)
            opp.grade = grade_for(Decimal(opp.amount), line.grade_thresholds or {})
        await self.session.flush()
        emit(
            self.session,
            "opportunity.updated",
            _event(opp),
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        return opp

    async def tick(self, opportunity_id: uuid.UUID, stage_code: str, item: str, done: bool) -> Opportunity:
        """Tick (or untick) a checklist item of one of the line's stages."""
        opp = await self.get(opportunity_id, "update", lock=True)
        stages = await self.stages(opp.business_line_id)
        stage = next((s for s in stages if s.code == stage_code), None)
        if stage is None:
            raise FieldError("stage_code", "no such stage in the opportunity's business line")
        if item not in stage.criteria.checklist:
            raise FieldError("item", f"not a checklist item of {stage.name}")
        checklist = {k: dict(v) for k, v in (opp.checklist or {}).items()}
        ticked = checklist.setdefault(stage_code, {})
        if done:
            ticked[item] = {"by": str(self.actor.user_id), "at": datetime.now(UTC).isoformat()}
        else:
            ticked.pop(item, None)
        opp.checklist = checklist
        await self.session.flush()
        return opp

    # --- moving through the stages -------------------------------------------------------------

    async def move(
        self,
        opportunity_id: uuid.UUID,
        *,
        stage_id: uuid.UUID | None = None,
        stage_code: str | None = None,
        won: WonData | None = None,
        lost: LostData | None = None,
        note: str | None = None,
        expected: int | None = None,
    ) -> Opportunity:
        opp = await self.get(opportunity_id, "move", lock=True)
        check_version(opp.version, expected)
        stages = await self.stages(opp.business_line_id)
        source = next(s for s in stages if s.id == opp.stage_id)
        target = next(
            (s for s in stages if (stage_id and s.id == stage_id) or (stage_code and s.code == stage_code)),
            None,
        )
        if target is None:
            raise FieldError("stage_id", "no such stage in the opportunity's business line")
        if target.kind is not StageKind.LOST:
            if opp.approval_status == "pending":
                raise RuleViolation("this special opportunity waits for approval before it may proceed")
            if opp.approval_status == "rejected":
                raise RuleViolation("the special-opportunity approval was rejected; submit it again")
            if opp.conflict_status == "open":
                raise RuleViolation(
                    "this registration conflicts with an open opportunity; a manager decides first"
                )
        plan = plan_move(stages, source, target, await self.snapshot(opp))
        if not plan.allowed:
            raise StageCriteriaNotMet(
                next(s.name for s in stages if s.code == plan.missing[0].stage),
                [m.as_dict() for m in plan.missing],
            )
        now = datetime.now(UTC)
        if target.kind is StageKind.WON:
            if won is None:
                raise FieldError("won", "winning needs the deal data: amount and signing date")
            if won.amount <= 0:
                raise FieldError("won.amount", "must be greater than 0")
            if won.signed_on > now.date() + timedelta(days=1):
                raise FieldError("won.signed_on", "cannot be in the future")
            opp.won_amount, opp.won_on, opp.contract_number = won.amount, won.signed_on, won.contract_number
            opp.lost_reason = opp.lost_note = opp.lost_to_id = None
        elif target.kind is StageKind.LOST:
            if lost is None:
                raise FieldError("lost.reason", "losing needs a reason")
            codes = {r["code"] for r in await lost_reasons(self.session)} | {DUPLICATE}
            if lost.reason not in codes:
                raise FieldError("lost.reason", f"one of {', '.join(sorted(codes - {DUPLICATE}))}")
            opp.lost_reason, opp.lost_note = lost.reason, lost.note
            opp.lost_to_id = await self._competitor(lost)
            opp.won_amount = opp.won_on = opp.contract_number = None
        else:
            opp.won_amount = opp.won_on = opp.contract_number = None
            opp.lost_reason = opp.lost_note = opp.lost_to_id = None
        self.session.add(
            OpportunityStageChange(
                opportunity_id=opp.id,
                business_line_id=opp.business_line_id,
                from_stage_id=source.id,
                to_stage_id=target.id,
                seconds_in_from=max(0, int((now - opp.stage_entered_at).total_seconds())),
                owner_id=opp.owner_id,
                zone_id=opp.zone_id,
                team_id=opp.team_id,
                moved_by=self.actor.user_id,
                moved_at=now,
                note=note,
            )
        )
        opp.stage_id = target.id
        opp.stage_entered_at = now
        opp.status = {StageKind.OPEN: "open", StageKind.WON: "won", StageKind.LOST: "lost"}[target.kind]
        opp.closed_at = None if target.kind is StageKind.OPEN else now
        if target.kind is not StageKind.LOST:
            opp.furthest_position = max(opp.furthest_position, target.position)
        await self._protection(opp, source, target, now)
        await self.session.flush()
        self._announce(opp, source, target)
        return opp

    async def _competitor(self, lost: LostData) -> uuid.UUID | None:
        from services.competitors import find_or_create_competitor

        if lost.competitor_id is not None:
            from repositories.models import Competitor

            if await self.session.get(Competitor, lost.competitor_id) is None:
                raise FieldError("lost.competitor_id", "no such competitor")
            return lost.competitor_id
        if lost.competitor_name:
            return (await find_or_create_competitor(self.session, lost.competitor_name)).id
        return None

    async def _protection(self, opp: Opportunity, source: Stage, target: Stage, now: datetime) -> None:
        """A late stage keeps the customer out of recycling (seed 004: 推进中的商机不回收); a won
        deal keeps it for WON_PROTECTION_DAYS more; leaving them ends the protection."""
        if target.kind is StageKind.OPEN and target.protects_customer:
            await protect(
                self.session, opp.customer_id, "opportunity", opp.id, note=f"商机 / opportunity {opp.name}"
            )
        elif target.kind is StageKind.WON:
            await protect(
                self.session,
                opp.customer_id,
                "opportunity",
                opp.id,
                ends_at=now + timedelta(days=WON_PROTECTION_DAYS),
                note=f"赢单 / won {opp.name}",
            )
        elif source.protects_customer or source.kind is StageKind.WON:
            await unprotect(self.session, opp.customer_id, "opportunity", opp.id)

    def _announce(self, opp: Opportunity, source: Stage, target: Stage) -> None:
        data = {**_event(opp), "from_stage": source.code, "to_stage": target.code}
        kind = {StageKind.WON: "opportunity.won", StageKind.LOST: "opportunity.lost"}.get(
            target.kind, "opportunity.stage_changed"
        )
        emit(self.session, kind, data, entity="opportunity", entity_id=opp.id, actor_id=self.actor.user_id)
        if opp.owner_id and opp.owner_id != self.actor.user_id:
            notify(
                self.session,
                opp.owner_id,
                "opportunity_stage_changed",
                f"商机阶段变更 / {opp.name}: {source.name} → {target.name}",
                entity="opportunity",
                entity_id=opp.id,
            )

    # --- reassignment (转派) -------------------------------------------------------------------

    async def reassign(self, opportunity_id: uuid.UUID, owner_id: uuid.UUID, reason: str) -> Opportunity:
        opp = await self.get(opportunity_id, "reassign", lock=True)
        if owner_id == opp.owner_id:
            raise FieldError("owner_id", "already the owner")
        self._check_owner(owner_id, "reassign")
        previous = opp.owner_id
        team_id, zones = self._owner_team(owner_id)
        opp.owner_id, opp.team_id, opp.queue = owner_id, team_id, None
        if opp.zone_id is None and zones:
            opp.zone_id = zones[0]
        self.session.add(
            OpportunityAssignment(
                opportunity_id=opp.id,
                from_owner_id=previous,
                to_owner_id=owner_id,
                reason=reason,
                by_id=self.actor.user_id,
            )
        )
        await self.session.flush()
        notify(
            self.session,
            owner_id,
            "opportunity_assigned",
            f"商机转派给你 / Opportunity reassigned to you: {opp.name}",
            body=reason,
            entity="opportunity",
            entity_id=opp.id,
        )
        if previous and previous != self.actor.user_id:
            notify(
                self.session,
                previous,
                "opportunity_reassigned",
                f"你的商机已转派 / Your opportunity was reassigned: {opp.name}",
                body=reason,
                entity="opportunity",
                entity_id=opp.id,
            )
        emit(
            self.session,
            "opportunity.reassigned",
            {**_event(opp), "from_owner_id": previous, "reason": reason},
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        return opp

    # --- special opportunities (seed 001) ----------------------------------------------------

    async def request_special(self, opportunity_id: uuid.UUID, kind: SpecialKind, reason: str) -> Opportunity:
        opp = await self.get(opportunity_id, "update", lock=True)
        if opp.status != OpportunityStatus.OPEN:
            raise RuleViolation("only an open opportunity can be marked special")
        if opp.approval_status in ("pending", "approved") and opp.special_kind == kind.value:
            raise RuleViolation(
                "already " + ("waiting for approval" if opp.approval_status == "pending" else "approved")
            )
        customer = await self.session.get(Customer, opp.customer_id)
        assert customer is not None
        opp.special_kind = kind.value
        await self._submit_special(opp, customer, reason)
        await self.session.flush()
        return opp

    async def _submit_special(self, opp: Opportunity, customer: Customer, reason: str) -> None:
        from services.approvals import ApprovalService

        names = {
            "key_customer": "重点客户 / key customer",
            "multi_party_bidding": "多方投标 / multi-party bidding",
            "cross_zone": "跨区域 / cross-zone",
        }
        request = await ApprovalService(self.session, self.actor).submit(
            Submission(
                kind=RequestKind.SPECIAL_OPPORTUNITY.value,
                subject_type="opportunity",
                subject_id=opp.id,
                title=f"特殊商机 / Special opportunity ({names.get(opp.special_kind or '', opp.special_kind)}): {opp.name}",
                reason=reason,
                changes={
                    "approval_status": [opp.approval_status, "approved"],
                    "special_kind": [None, opp.special_kind],
                },
                facts=Facts(
                    kind=RequestKind.SPECIAL_OPPORTUNITY.value,
                    amount=Decimal(opp.amount),
                    category=opp.special_kind,
                    customer_level=customer.level,
                    zone_id=opp.zone_id,
                    extra={"special_kind": opp.special_kind or ""},
                ),
                customer_id=customer.id,
                owner_id=opp.owner_id,
                zone_id=opp.zone_id,
            )
        )
        # the engine may finish at once (every step skipped): it then already set the status
        if request.status == "pending":
            opp.approval_status = "pending"


def _event(opp: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": opp.id,
        "name": opp.name,
        "customer_id": opp.customer_id,
        "business_line_id": opp.business_line_id,
        "stage_id": opp.stage_id,
        "status": opp.status,
        "amount": opp.amount,
        "currency": opp.currency,
        "owner_id": opp.owner_id,
    }
