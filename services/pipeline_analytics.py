"""The pipeline board (商机漏斗, seed 000/001): per open stage the opportunities sitting there and
their weighted value, conversion to the next stage and days spent; the forecast categories;
the month's target against the weighted pipeline (the gap a manager must close); stock vs new;
won and lost in the period with the loss board by reason and by competitor — all over the
opportunities the caller may read, and each number listed row by row by the drill-down.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.china_time import CHINA
from domain.errors import FieldError, NotFound
from domain.opportunities import HUNDRED, Stage, StageKind, conversion, weighted
from domain.scope import ScopeLevel
from repositories import business_lines as lines_repo
from repositories import pipeline_analytics as repo
from repositories import sales_targets as targets_repo
from repositories import settings as settings_repo
from repositories.models import BusinessLine
from repositories.pipeline_analytics import Drill, Slice
from services.context import Actor
from services.sales_targets import SalesTargetService, root_teams

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAY_SECONDS = Decimal(86400)
TOP = 10
BUCKETS = ("new", "stock", "won", "lost")


def _money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Tally:
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO

    def add(self, count: int, amount: Decimal, weighted: Decimal = ZERO) -> None:
        self.count += count
        self.amount += amount
        self.weighted += weighted

    def out(self, weighted: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"count": self.count, "amount": _money(self.amount)}
        if weighted:
            body["weighted"] = _money(self.weighted)
        return body


@dataclass(frozen=True, slots=True)
class Filters:
    business_line_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None
    date_from: date | None = None  # China dates, both inclusive
    date_to: date | None = None
    currency: str = "CNY"


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _months(first: date, last: date) -> list[date]:
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


class PipelineAnalytics:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.scope = actor.scope_for("opportunity", "read")

    async def _slice(self, f: Filters) -> tuple[BusinessLine, list[Stage], Slice, date, date]:
        if f.business_line_id is not None:
            line = await lines_repo.get(self.session, f.business_line_id)
            if line is None:
                raise NotFound("business line", f.business_line_id)
        else:
            line = await lines_repo.default_line(self.session)
            if line is None:
                raise NotFound("business line")
        this_month = datetime.now(CHINA).date().replace(day=1)
        # a missing end of the period: the other end's month (both missing: this month)
        first = f.date_from or (f.date_to or this_month).replace(day=1)
        last = f.date_to or _month_end(f.date_from or this_month)
        if last < first:
            raise FieldError("to", "must not be before from")
        if (last - first).days > 3660:
            raise FieldError("to", "the period may span at most ten years")
        start = datetime.combine(first, time.min, CHINA)
        end = datetime.combine(last + timedelta(days=1), time.min, CHINA)
        s = Slice(line.id, f.currency, start, end, f.owner_id, f.team_id, f.zone_id)
        return line, await lines_repo.stages(self.session, line.id), s, first, last

    # --- the board ------------------------------------------------------------------------

    async def board(self, f: Filters) -> dict[str, Any]:
        line, stages, s, first, last = await self._slice(f)
        open_stages = [st for st in stages if st.kind is StageKind.OPEN]

        cells = await repo.funnel(self.session, self.scope, s)
        recent = await repo.recent(self.session, self.scope, s)
        days = await repo.days_in_stage(self.session, self.scope, s)

        # per stage sitting there now; how far every opportunity got (conversion)
        sitting: dict[uuid.UUID, Tally] = defaultdict(Tally)
        furthest: dict[int, int] = defaultdict(int)
        stock, won_total = Tally(), 0
        for c in cells:
            furthest[c.furthest_position] += c.count
            if c.status == "open":
                sitting[c.stage_id].add(c.count, c.amount)
                stock.add(c.count, c.amount)  # less what opened since the start, below
            elif c.status == "won":
                won_total += c.count

        def reached(position: int) -> int:
            return sum(n for p, n in furthest.items() if p >= position)

        rows: list[dict[str, Any]] = []
        totals = Tally()
        categories: dict[str, Tally] = {}
        for i, st in enumerate(open_stages):
            here = sitting.get(st.id, Tally())
            here.weighted = weighted(here.amount, st.win_rate)
            got_here = reached(st.position)
            # the last open stage converts into a win
            onward = reached(open_stages[i + 1].position) if i + 1 < len(open_stages) else won_total
            moves = days.get(st.id)
            rows.append(
                {
                    "stage_id": st.id,
                    "code": st.code,
                    "name": st.name,
                    "win_rate": st.win_rate.quantize(CENT),
                    "forecast_category": st.forecast_category,
                    **here.out(weighted=True),
                    "reached": got_here,
                    "conversion_to_next": conversion(got_here, min(onward, got_here)),
                    "avg_days": (moves[1] / DAY_SECONDS).quantize(CENT, rounding=ROUND_HALF_UP)
                    if moves
                    else None,
                    "moves": moves[0] if moves else 0,
                }
            )
            totals.add(here.count, here.amount, here.weighted)
            categories.setdefault(st.forecast_category, Tally()).add(here.count, here.amount, here.weighted)

        # new, the outcomes and the loss board; the stock: open now and created before the
        # period, plus what was created before it and closed since its start
        new, won, lost = Tally(), Tally(), Tally()
        reasons: dict[str, Tally] = defaultdict(Tally)
        rivals: dict[uuid.UUID, Tally] = defaultdict(Tally)
        for r in recent:
            new.add(r.new_count, r.new_amount)
            stock.add(r.stock_closed_count - r.open_since_count, r.stock_closed_amount - r.open_since_amount)
            if not r.closed_count:
                continue
            (won if r.status == "won" else lost).add(r.closed_count, r.closed_amount)
            if r.status == "lost" and r.lost_reason:
                reasons[r.lost_reason].add(r.closed_count, r.closed_amount)
            if r.status == "lost" and r.lost_to_id:
                rivals[r.lost_to_id].add(r.closed_count, r.closed_amount)
        top_reasons = sorted(reasons.items(), key=lambda kv: (-kv[1].count, -kv[1].amount, kv[0]))[:TOP]
        top_rivals = sorted(rivals.items(), key=lambda kv: (-kv[1].count, -kv[1].amount, str(kv[0])))[:TOP]
        reason_names = await self._reason_names()
        rival_names = await repo.competitor_names(self.session, [k for k, _ in top_rivals])

        target = await self._target(s, first, last)
        pipeline = _money(totals.weighted)
        return {
            "business_line": {"id": line.id, "name": line.name},
            "period": {"from": first, "to": last},
            "currency": s.currency,
            "stages": rows,
            "totals": totals.out(weighted=True),
            "by_forecast_category": [{"category": k, **t.out(weighted=True)} for k, t in categories.items()],
            "target": {
                "amount": target,
                "weighted_pipeline": pipeline,
                "gap": max(target - pipeline, ZERO) if target is not None else None,
                "attainment": _pct(_money(won.amount), target) if target is not None else None,
            },
            "stock_vs_new": {"new": new.out(), "stock": stock.out()},
            "outcomes": {
                "won": won.out(),
                "lost": lost.out(),
                "loss_rate": _pct(lost.count, won.count + lost.count),
            },
            "loss_reasons": [
                {"reason": k, "name": reason_names.get(k, k), **t.out()} for k, t in top_reasons
            ],
            "loss_competitors": [
                {"competitor_id": k, "name": rival_names.get(k, "—"), **t.out()} for k, t in top_rivals
            ],
        }

    async def _reason_names(self) -> dict[str, str]:
        row = await settings_repo.get(self.session, "opportunity_rules")
        reasons = (row.value or {}).get("lost_reasons", []) if row else []
        return {
            str(r["code"]): str(r.get("name") or r["code"])
            for r in reasons
            if isinstance(r, dict) and "code" in r
        }

    async def _target(self, s: Slice, first: date, last: date) -> Decimal | None:
        """The target of the months the period covers, for whom the board is filtered on: a rep,
        a team, a zone — or, unfiltered, the caller's own reach (every zone; my zones; my teams;
        me). A target the caller may not see (a filter outside their scope) is not shown."""
        months = _months(first, last)
        kind: str
        ids: set[uuid.UUID] | None
        named = [(k, v) for k, v in (("user", s.owner_id), ("team", s.team_id), ("zone", s.zone_id)) if v]
        if named:
            kind, one = named[0]
            if not SalesTargetService(self.session, self.actor).visible().has(kind, one):
                return None
            ids = {one}
        elif self.scope.level is ScopeLevel.ALL:
            kind, ids = "zone", None
        elif self.scope.level is ScopeLevel.ZONE:
            kind, ids = "zone", set(self.scope.zone_ids)
        elif self.scope.level is ScopeLevel.TEAM:
            kind, ids = "team", root_teams(self.actor.access.org, self.actor.user_id)
        else:
            kind, ids = "user", {self.actor.user_id}
        amount = await targets_repo.total(self.session, kind, ids, months, s.line_id, s.currency)
        return _money(amount) if amount is not None else None

    # --- the drill-down -------------------------------------------------------------------

    async def drill(
        self,
        f: Filters,
        stage_id: uuid.UUID | None,
        bucket: str | None,
        lost_reason: str | None,
        competitor_id: uuid.UUID | None,
        forecast_category: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        _, stages, s, _, _ = await self._slice(f)
        by_id = {st.id: st for st in stages}
        open_stages = [st for st in stages if st.kind is StageKind.OPEN]
        stage_ids: list[uuid.UUID] | None = None
        if stage_id is not None:
            if stage_id not in by_id or by_id[stage_id].kind is not StageKind.OPEN:
                raise FieldError("stage_id", "not an open stage of this business line")
            stage_ids = [stage_id]
        if forecast_category is not None:
            chosen = [st.id for st in open_stages if st.forecast_category == forecast_category]
            stage_ids = chosen if stage_ids is None else [i for i in stage_ids if i in chosen]
        if bucket is not None and bucket not in BUCKETS:
            raise FieldError("bucket", f"one of {', '.join(BUCKETS)}")
        rows, next_cursor = await repo.drill_page(
            self.session,
            self.scope,
            s,
            Drill(stage_ids, bucket, lost_reason, competitor_id),
            cursor,
            limit,
        )
        items = []
        for r in rows:
            st = by_id.get(r.stage_id)
            items.append(
                {
                    "id": r.id,
                    "name": r.name,
                    "customer_id": r.customer_id,
                    "customer_name": r.customer_name,
                    "owner_id": r.owner_id,
                    "owner_name": r.owner_name,
                    "stage_id": r.stage_id,
                    "stage_name": st.name if st else "—",
                    "amount": _money(r.amount),
                    "won_amount": _money(r.won_amount) if r.won_amount is not None else None,
                    "currency": r.currency,
                    "weighted": weighted(r.amount, st.win_rate) if st else ZERO,
                    "expected_close_date": r.expected_close_date,
                    "status": r.status,
                    "created_at": r.created_at,
                    "closed_at": r.closed_at,
                    "lost_reason": r.lost_reason,
                    "lost_to_id": r.lost_to_id,
                }
            )
        return items, next_cursor
