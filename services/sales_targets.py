"""Sales targets (销售目标): managers set a month's amount for their reps and teams, directors for
their zones' users, teams and zones, executives and admins for anything. A caller sees the
targets inside their sales_target:manage scope or their opportunity:read scope (a rep sees
their own). A target outside the caller's reach answers 404, like any record out of scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.china_time import CHINA
from domain.errors import Conflict, FieldError, NotFound
from domain.scope import DataScope, ScopeLevel
from repositories import sales_targets as repo
from repositories.models import SalesTarget
from repositories.sales_targets import Reach
from services.authz import OrgSnapshot
from services.context import Actor

SCOPE_TYPES = ("user", "team", "zone")
_ENTITY = {"user": "user", "team": "team", "zone": "sales zone"}
CENT = Decimal("0.01")


def reach(org: OrgSnapshot, scope: DataScope) -> Reach:
    """The users, teams and zones a data scope covers, as targets go: own → me; team → the users
    of my teams and those teams; zone → my zones, their teams and users (and my teams'); all."""
    if scope.level is ScopeLevel.ALL:
        return Reach(all=True)
    if scope.level is ScopeLevel.NONE or scope.user_id is None:
        return Reach()
    me = scope.user_id
    if scope.level is ScopeLevel.OWN:
        return Reach(users=frozenset({me}))
    teams = set(org.teams_of(me))
    users = set(scope.team_user_ids)
    if scope.level is ScopeLevel.TEAM:
        return Reach(users=frozenset(users), teams=frozenset(teams))
    zones = set(scope.zone_ids)
    teams |= {t.id for t in org.teams.values() if t.zone_id in zones}
    for u in org.users.values():
        team = org.teams.get(u.team_id) if u.team_id else None
        if zones.intersection(u.zone_ids) or (team is not None and team.zone_id in zones):
            users.add(u.id)
    return Reach(users=frozenset(users), teams=frozenset(teams), zones=frozenset(zones))


def root_teams(org: OrgSnapshot, user_id: uuid.UUID) -> set[uuid.UUID]:
    """A manager's teams without their sub-teams (a parent's target already covers them)."""
    teams = org.teams_of(user_id)
    return {t for t in teams if org.teams[t].parent_id not in teams}


def month_of(value: str, field: str = "month") -> date:
    """ "2026-11" → 2026-11-01."""
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise FieldError(field, "a month as YYYY-MM, e.g. 2026-11") from exc


def this_month() -> date:
    return datetime.now(CHINA).date().replace(day=1)


@dataclass(frozen=True, slots=True)
class TargetInput:
    scope_type: str
    scope_id: uuid.UUID
    month: date
    amount: Decimal
    currency: str = "CNY"
    business_line_id: uuid.UUID | None = None


class SalesTargetService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.org = actor.access.org

    def _manage(self) -> Reach:
        return reach(self.org, self.actor.scope_for("sales_target", "manage"))

    def visible(self) -> Reach:
        return reach(self.org, self.actor.scope_for("opportunity", "read")) | self._manage()

    # --- reads ----------------------------------------------------------------------------

    async def targets(
        self,
        month: date | None,
        scope_type: str | None,
        scope_id: uuid.UUID | None,
        line_id: uuid.UUID | None,
    ) -> list[dict[str, Any]]:
        rows = await repo.listed(self.session, self.visible(), month, scope_type, scope_id, line_id)
        return await self._out(rows)

    async def _out(self, rows: list[SalesTarget]) -> list[dict[str, Any]]:
        names = await repo.scope_names(
            self.session,
            [r.scope_id for r in rows if r.scope_type == "user"],
            [r.scope_id for r in rows if r.scope_type == "team"],
            [r.scope_id for r in rows if r.scope_type == "zone"],
        )
        users = self.org.users
        out: list[dict[str, Any]] = []
        for r in rows:
            setter = users.get(r.set_by) if r.set_by else None
            out.append(
                {
                    "id": r.id,
                    "scope_type": r.scope_type,
                    "scope_id": r.scope_id,
                    "scope_name": names.get((r.scope_type, r.scope_id), "—"),
                    "month": r.month.strftime("%Y-%m"),
                    "amount": Decimal(r.amount).quantize(CENT),
                    "currency": r.currency,
                    "business_line_id": r.business_line_id,
                    "set_by": {"id": setter.id, "display_name": setter.display_name} if setter else None,
                    "version": r.version,
                    "updated_at": r.updated_at,
                }
            )
        order = {t: i for i, t in enumerate(("zone", "team", "user"))}
        out.sort(key=lambda t: (t["month"], order[t["scope_type"]], t["scope_name"], str(t["id"])))
        return out

    # --- writes ---------------------------------------------------------------------------

    async def put(self, item: TargetInput) -> dict[str, Any]:
        (row,) = await self.put_many([item], prefix="")
        return row

    async def put_many(self, items: list[TargetInput], prefix: str = "items") -> list[dict[str, Any]]:
        """Upsert every target or none (the request's transaction rolls back on the first
        refusal). Each must lie inside the caller's sales_target:manage scope."""
        manage = self._manage()

        def where(i: int, field: str) -> str:
            return f"{prefix}.{i}.{field}" if prefix else field  # as the request validation names it

        seen: dict[tuple[str, uuid.UUID, date, uuid.UUID | None], int] = {}
        for i, item in enumerate(items):
            key = (item.scope_type, item.scope_id, item.month, item.business_line_id)
            if key in seen:
                raise FieldError(where(i, "scope_id"), f"the same target as {where(seen[key], 'scope_id')}")
            seen[key] = i
            await self._check_scope(item, manage, where(i, "scope_id"))
        lines = {i.business_line_id for i in items if i.business_line_id is not None}
        known = await repo.line_ids(self.session, lines)
        for i, item in enumerate(items):
            if item.business_line_id is not None and item.business_line_id not in known:
                raise FieldError(where(i, "business_line_id"), "no such business line")
        rows = []
        for item in items:
            row = await repo.find(
                self.session, item.scope_type, item.scope_id, item.month, item.business_line_id
            )
            amount = item.amount.quantize(CENT)
            if row is None:
                row = SalesTarget(
                    scope_type=item.scope_type,
                    scope_id=item.scope_id,
                    month=item.month,
                    business_line_id=item.business_line_id,
                    amount=amount,
                    currency=item.currency,
                    set_by=self.actor.user_id,
                )
                self.session.add(row)
            elif row.amount != amount or row.currency != item.currency:
                row.amount, row.currency, row.set_by = amount, item.currency, self.actor.user_id
            rows.append(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # two managers created the same target at once
            raise Conflict(
                "the target was set by someone else at the same time; reload and try again"
            ) from exc
        return await self._out(rows)

    async def _check_scope(self, item: TargetInput, manage: Reach, field: str = "scope_id") -> None:
        """Unknown, or outside the caller's scope: 404 for the user / team / zone named (the
        problem's `field` says which item of a batch)."""
        exists = {
            "user": lambda: item.scope_id in self.org.users,
            "team": lambda: item.scope_id in self.org.teams,
        }
        if item.scope_type == "zone":
            found = await repo.zone_exists(self.session, item.scope_id)
        else:
            found = exists[item.scope_type]()
        if not found or not manage.has(item.scope_type, item.scope_id):
            missing = NotFound(_ENTITY[item.scope_type], item.scope_id)
            missing.extra = {"field": field}
            raise missing

    async def delete(self, target_id: uuid.UUID) -> None:
        row = await repo.get(self.session, target_id, lock=True)
        if row is None or not self._manage().has(row.scope_type, row.scope_id):
            raise NotFound("sales target", target_id)
        await self.session.delete(row)
        await self.session.flush()
