"""The pipeline board (GET /analytics/pipeline) and its drill-down: the seed's weighted funnel
and target gap, scope, conversion and days in stage, stock vs new, the loss board, currencies
and lines — and every number listed row by row by the drill-down."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from domain.china_time import CHINA
from domain.opportunities import weighted
from repositories.db import unit_of_work
from repositories.models import (
    Competitor,
    Opportunity,
    OpportunityMember,
    OpportunityStageChange,
    PipelineStage,
    SalesTarget,
)

V1 = "/api/v1"
BOARD = f"{V1}/analytics/pipeline"
DRILL = f"{V1}/analytics/pipeline/opportunities"
STANDARD = uuid.UUID("5a7e0c1e-1e7a-4c55-9d0f-0000000000b1")
COMPLEX = uuid.UUID("5a7e0c1e-1e7a-4c55-9d0f-0000000000b2")
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
_seq = itertools.count(1)


def china(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


async def org(factory: Any) -> dict[str, Any]:
    """A zone with a director above a sales team (manager, two reps); another zone's rep; an admin."""
    zone = await factory.zone()
    top = await factory.team(zone)
    director = await factory.user("sales_director", team=top, zones=[zone])
    await factory.set_manager(top, director)
    team = await factory.team(zone, parent=top)
    manager = await factory.user("sales_manager", team=team)
    await factory.set_manager(team, manager)
    rep = await factory.user("sales_rep", team=team, zones=[zone])
    rep2 = await factory.user("sales_rep", team=team, zones=[zone])
    other_zone = await factory.zone()
    other_team = await factory.team(other_zone)
    outsider = await factory.user("sales_rep", team=other_team, zones=[other_zone])
    admin = await factory.admin()
    customer = await factory.customer(rep)
    return {
        "zone": zone,
        "team": team,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "other_zone": other_zone,
        "other_team": other_team,
        "outsider": outsider,
        "admin": admin,
        "customer": uuid.UUID(customer["id"]),
    }


class Pipeline:
    """Opportunities written straight through the ORM (the opportunities API is not under test)."""

    def __init__(self, factory: Any, o: dict[str, Any]) -> None:
        self.ctx = factory.ctx
        self.o = o
        self.stages: dict[tuple[uuid.UUID, str], PipelineStage] = {}

    async def load(self) -> Pipeline:
        async with unit_of_work(self.ctx.sessions) as s:
            for st in await s.scalars(select(PipelineStage)):
                self.stages[(st.business_line_id, st.code)] = st
        return self

    def stage(self, code: str, line: uuid.UUID = STANDARD) -> PipelineStage:
        return self.stages[(line, code)]

    async def add(
        self,
        stage: str,
        amount: str = "1000000",
        *,
        owner: Any = None,
        zone: Any = "own",
        team: Any = "own",
        line: uuid.UUID = STANDARD,
        created_at: datetime | None = None,
        closed_at: datetime | None = None,
        furthest: int | None = None,
        lost_reason: str | None = None,
        lost_to: uuid.UUID | None = None,
        won_amount: str | None = None,
        currency: str = "CNY",
        members: tuple[Any, ...] = (),
    ) -> uuid.UUID:
        st = self.stage(stage, line)
        owner = owner or self.o["rep"]
        if zone == "own":
            zone = self.o["other_zone"] if owner is self.o["outsider"] else self.o["zone"]
        if team == "own":
            team = self.o["other_team"] if owner is self.o["outsider"] else self.o["team"]
        status = st.kind
        if status != "open" and closed_at is None:
            closed_at = datetime.now(UTC)
        if furthest is None:
            furthest = st.position if st.kind != "lost" else 1
        async with unit_of_work(self.ctx.sessions) as s:
            row = Opportunity(
                name=f"商机{next(_seq)}",
                customer_id=self.o["customer"],
                business_line_id=line,
                stage_id=st.id,
                status=status,
                amount=Decimal(amount),
                currency=currency,
                owner_id=owner.id,
                zone_id=zone.id if zone else None,
                team_id=team.id if team else None,
                furthest_position=furthest,
                closed_at=closed_at,
                lost_reason=lost_reason,
                lost_to_id=lost_to,
                won_amount=Decimal(won_amount) if won_amount else None,
            )
            if created_at is not None:
                row.created_at = created_at
            s.add(row)
            await s.flush()
            for m in members:
                s.add(OpportunityMember(opportunity_id=row.id, user_id=m.id, role="presales"))
            return row.id

    async def moved(
        self, opportunity_id: uuid.UUID, source: str, target: str, days: str, at: datetime
    ) -> None:
        async with unit_of_work(self.ctx.sessions) as s:
            opp = await s.get(Opportunity, opportunity_id)
            assert opp is not None
            s.add(
                OpportunityStageChange(
                    opportunity_id=opportunity_id,
                    business_line_id=opp.business_line_id,
                    from_stage_id=self.stage(source).id,
                    to_stage_id=self.stage(target).id,
                    seconds_in_from=int(Decimal(days) * 86400),
                    owner_id=opp.owner_id,
                    zone_id=opp.zone_id,
                    team_id=opp.team_id,
                    moved_at=at,
                )
            )

    async def competitor(self, name: str) -> uuid.UUID:
        async with unit_of_work(self.ctx.sessions) as s:
            row = Competitor(name=name, name_key=name.lower())
            s.add(row)
            await s.flush()
            return row.id


async def setup(factory: Any) -> tuple[dict[str, Any], Pipeline]:
    o = await org(factory)
    return o, await Pipeline(factory, o).load()


async def board(client: Any, who: Any, **params: Any) -> dict[str, Any]:
    r = await client.get(BOARD, params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def drill_all(client: Any, who: Any, limit: int = 2, **params: Any) -> list[dict[str, Any]]:
    """Every page of the drill-down, following the cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get(DRILL, params=query, headers=who.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("the drill-down did not end")


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["code"]: s for s in body["stages"]}


def total(items: list[dict[str, Any]], key: str = "amount") -> Decimal:
    return sum((Decimal(i[key]) for i in items), Decimal("0.00"))


# --- seed 000: the weighted funnel and the target gap --------------------------------------


async def test_seed_funnel_weighs_2_600_000_and_a_5_000_000_target_is_2_400_000_short(
    client, factory
) -> None:
    o, p = await setup(factory)
    for code in ("initial", "needs", "solution", "negotiation", "signing"):
        await p.add(code, "1000000")
    month = datetime.now(CHINA).strftime("%Y-%m")
    r = await client.put(
        f"{V1}/sales-targets",
        json={"scope_type": "team", "scope_id": str(o["team"].id), "month": month, "amount": "5000000"},
        headers=o["manager"].headers,
    )
    assert r.status_code == 200, r.text

    body = await board(client, o["manager"])  # default: the standard line, this month, CNY
    assert body["business_line"] == {"id": str(STANDARD), "name": body["business_line"]["name"]}
    assert body["currency"] == "CNY"
    today = datetime.now(CHINA).date()
    assert body["period"]["from"] == today.replace(day=1).isoformat()
    assert [s["code"] for s in body["stages"]] == ["initial", "needs", "solution", "negotiation", "signing"]
    assert [s["win_rate"] for s in body["stages"]] == ["10.00", "30.00", "50.00", "70.00", "100.00"]
    assert [s["weighted"] for s in body["stages"]] == [
        "100000.00",
        "300000.00",
        "500000.00",
        "700000.00",
        "1000000.00",
    ]
    assert body["totals"] == {"count": 5, "amount": "5000000.00", "weighted": "2600000.00"}
    assert body["target"] == {
        "amount": "5000000.00",
        "weighted_pipeline": "2600000.00",
        "gap": "2400000.00",
        "attainment": "0.00",
    }
    assert body["by_forecast_category"] == [
        {"category": "pipeline", "count": 2, "amount": "2000000.00", "weighted": "400000.00"},
        {"category": "best_case", "count": 1, "amount": "1000000.00", "weighted": "500000.00"},
        {"category": "commit", "count": 2, "amount": "2000000.00", "weighted": "1700000.00"},
    ]
    # the same funnel for the rep: their own target, none set yet
    mine = await board(client, o["rep"])
    assert mine["totals"]["weighted"] == "2600000.00"
    assert mine["target"] == {
        "amount": None,
        "weighted_pipeline": "2600000.00",
        "gap": None,
        "attainment": None,
    }


async def test_the_target_follows_the_filter_and_the_callers_reach(client, factory) -> None:
    o, p = await setup(factory)
    await p.add("negotiation", "1000000")  # rep: weighted 700,000
    await p.add("solution", "1000000", owner=o["outsider"])  # another zone: weighted 500,000
    month = date(2025, 3, 1)
    async with unit_of_work(p.ctx.sessions) as s:
        for scope_type, scope_id, amount in (
            ("user", o["rep"].id, "600000"),
            ("team", o["team"].id, "2000000"),
            ("zone", o["zone"].id, "3000000"),
            ("zone", o["other_zone"].id, "4000000"),
            ("user", o["outsider"].id, "900000"),
        ):
            s.add(SalesTarget(scope_type=scope_type, scope_id=scope_id, month=month, amount=Decimal(amount)))
        # a rep's target for this line wins over their all-lines target of the same month
        s.add(
            SalesTarget(
                scope_type="user",
                scope_id=o["rep"].id,
                month=month,
                amount=Decimal("650000"),
                business_line_id=STANDARD,
            )
        )
        # April is outside the period; another currency does not count
        s.add(
            SalesTarget(scope_type="user", scope_id=o["rep"].id, month=date(2025, 4, 1), amount=Decimal("1"))
        )

    async def target(who: Any, **params: Any) -> dict[str, Any]:
        return (await board(client, who, **{**MARCH, **params}))["target"]  # type: ignore[no-any-return]

    assert (await target(o["admin"]))["amount"] == "7000000.00"  # every zone
    assert (await target(o["director"]))["amount"] == "3000000.00"  # their zone
    assert (await target(o["manager"]))["amount"] == "2000000.00"  # their team
    rep = await target(o["rep"])
    assert rep == {
        "amount": "650000.00",
        "weighted_pipeline": "700000.00",
        "gap": "0.00",
        "attainment": "0.00",
    }
    assert (await target(o["manager"], owner_id=str(o["rep"].id)))["amount"] == "650000.00"
    assert (await target(o["admin"], zone_id=str(o["other_zone"].id))) == {
        "amount": "4000000.00",
        "weighted_pipeline": "500000.00",
        "gap": "3500000.00",
        "attainment": "0.00",
    }
    # a manager filtering on someone outside their scope sees no target (and no opportunities)
    leak = await target(o["manager"], owner_id=str(o["outsider"].id))
    assert leak == {"amount": None, "weighted_pipeline": "0.00", "gap": None, "attainment": None}
    # the months the period covers are summed
    both = await target(o["rep"], **{"from": "2025-03-01", "to": "2025-04-30"})
    assert both["amount"] == "650001.00"
    assert (await target(o["rep"], currency="USD"))["amount"] is None


# --- scope ---------------------------------------------------------------------------------


async def test_each_role_counts_only_the_opportunities_in_its_scope(client, factory) -> None:
    o, p = await setup(factory)
    await p.add("initial", "100", owner=o["rep"])
    await p.add("initial", "200", owner=o["rep2"])
    # another zone's opportunity with the rep on its opportunity team (seed 002)
    await p.add("needs", "400", owner=o["outsider"], members=(o["rep"],))
    await p.add("needs", "800", owner=o["outsider"])

    async def seen(who: Any, **params: Any) -> tuple[int, str]:
        body = await board(client, who, **params)
        return body["totals"]["count"], body["totals"]["amount"]

    assert await seen(o["rep"]) == (2, "500.00")  # own + team membership
    assert await seen(o["rep2"]) == (1, "200.00")
    assert await seen(o["manager"]) == (2, "300.00")  # the team's
    assert await seen(o["director"]) == (2, "300.00")  # the zone's
    assert await seen(o["outsider"]) == (2, "1200.00")
    assert await seen(o["admin"]) == (4, "1500.00")
    # filters narrow inside the scope, never widen it
    assert await seen(o["admin"], zone_id=str(o["other_zone"].id)) == (2, "1200.00")
    assert await seen(o["manager"], owner_id=str(o["rep2"].id)) == (1, "200.00")
    assert await seen(o["manager"], owner_id=str(o["outsider"].id)) == (0, "0.00")
    assert await seen(o["admin"], team_id=str(o["team"].id)) == (2, "300.00")
    # the drill-down shows the rep exactly the two they counted
    items = await drill_all(client, o["rep"])
    assert sorted(i["amount"] for i in items) == ["100.00", "400.00"]


async def test_only_the_chosen_currency_and_line_are_summed(client, factory) -> None:
    o, p = await setup(factory)
    await p.add("initial", "100")
    await p.add("initial", "50", currency="USD")
    await p.add("key_supporter", "1000", line=COMPLEX)

    cny = await board(client, o["admin"])
    assert cny["totals"] == {"count": 1, "amount": "100.00", "weighted": "10.00"}
    usd = await board(client, o["admin"], currency="USD")
    assert usd["currency"] == "USD" and usd["totals"] == {"count": 1, "amount": "50.00", "weighted": "5.00"}
    other = await board(client, o["admin"], business_line_id=str(COMPLEX))
    assert other["business_line"]["id"] == str(COMPLEX)
    assert other["totals"] == {"count": 1, "amount": "1000.00", "weighted": "700.00"}
    assert [st["win_rate"] for st in other["stages"]] == [
        "10.00",
        "30.00",
        "70.00",
        "80.00",
        "90.00",
        "100.00",
    ]
    r = await client.get(BOARD, params={"business_line_id": str(uuid.uuid4())}, headers=o["admin"].headers)
    assert r.status_code == 404
    r = await client.get(BOARD, params={"currency": "cny"}, headers=o["admin"].headers)
    assert r.status_code == 422
    r = await client.get(BOARD, params={"from": "2025-03-10", "to": "2025-03-01"}, headers=o["admin"].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    assert (await client.get(BOARD)).status_code == 401


# --- conversion and days in stage ----------------------------------------------------------


async def test_conversion_counts_how_far_each_opportunity_got(client, factory) -> None:
    o, p = await setup(factory)
    # 6 opportunities started; 4 passed initial; 2 passed needs; 1 reached signing and won
    await p.add("initial", "10")
    await p.add("lost", "10", furthest=1, lost_reason="price")
    await p.add("needs", "10")
    await p.add("lost", "10", furthest=2, lost_reason="budget")
    await p.add("solution", "10")
    await p.add("won", "10")  # furthest: the won stage
    body = by_code(await board(client, o["admin"]))
    assert [body[c]["reached"] for c in ("initial", "needs", "solution", "negotiation", "signing")] == [
        6,
        4,
        2,
        1,
        1,
    ]
    assert body["initial"]["conversion_to_next"] == "66.67"  # 4 of 6
    assert body["needs"]["conversion_to_next"] == "50.00"  # 2 of 4
    assert body["solution"]["conversion_to_next"] == "50.00"
    assert body["negotiation"]["conversion_to_next"] == "100.00"
    assert body["signing"]["conversion_to_next"] == "100.00"  # the one that got there was won
    # a stage nobody reached has no rate (not 0%)
    empty = by_code(await board(client, o["rep2"], owner_id=str(o["rep2"].id)))
    assert empty["initial"]["conversion_to_next"] is None and empty["initial"]["reached"] == 0


async def test_average_days_in_stage_counts_the_moves_out_of_it_in_the_period(client, factory) -> None:
    o, p = await setup(factory)
    a = await p.add("needs", "10")
    b = await p.add("needs", "10", owner=o["rep2"])
    c = await p.add("solution", "10", owner=o["outsider"])
    await p.moved(a, "initial", "needs", "2", china(2025, 3, 5, 10))
    await p.moved(b, "initial", "needs", "5", china(2025, 3, 31, 23, 30))  # still March in China
    await p.moved(c, "initial", "needs", "30", china(2025, 3, 10))  # outside the manager's scope
    await p.moved(a, "needs", "solution", "1.5", china(2025, 4, 1, 0, 30))  # April in China
    await p.moved(c, "needs", "solution", "9", china(2025, 2, 28, 12))  # before the period

    team = by_code(await board(client, o["manager"], **MARCH))
    assert team["initial"]["avg_days"] == "3.50" and team["initial"]["moves"] == 2
    assert team["needs"]["avg_days"] is None and team["needs"]["moves"] == 0
    everyone = by_code(await board(client, o["admin"], **MARCH))
    assert everyone["initial"]["avg_days"] == "12.33" and everyone["initial"]["moves"] == 3
    april = by_code(await board(client, o["admin"], **{"from": "2025-04-01", "to": "2025-04-30"}))
    assert april["needs"]["avg_days"] == "1.50"
    assert (await board(client, o["rep"], **MARCH))["stages"][0]["avg_days"] == "2.00"


# --- stock vs new, outcomes ------------------------------------------------------------------


async def test_stock_and_new_in_china_time(client, factory) -> None:
    o, p = await setup(factory)
    await p.add("needs", "100", created_at=china(2025, 2, 10))  # stock (still open)
    await p.add("needs", "200", created_at=china(2025, 2, 28, 23, 30))  # stock: February in China
    await p.add(
        "lost", "400", created_at=china(2025, 2, 10), closed_at=china(2025, 3, 5), lost_reason="price"
    )
    await p.add("won", "800", created_at=china(2025, 1, 10), closed_at=china(2025, 2, 20))  # closed before
    await p.add("initial", "1600", created_at=china(2025, 3, 10))  # new
    await p.add("initial", "3200", created_at=china(2025, 3, 31, 23, 30))  # new: still March in China
    await p.add("initial", "6400", created_at=china(2025, 4, 1, 0, 30))  # after the period
    await p.add(
        "won", "12800", created_at=china(2025, 3, 2), closed_at=china(2025, 3, 20), won_amount="12000"
    )  # new, and won in the period for the deal's amount
    await p.add("won", "25600", created_at=china(2025, 2, 1), closed_at=china(2025, 4, 2))  # stock, won later

    body = await board(client, o["manager"], **MARCH)
    assert body["period"] == MARCH
    assert body["stock_vs_new"] == {
        "new": {"count": 3, "amount": "17600.00"},
        "stock": {"count": 4, "amount": "26300.00"},
    }
    assert body["outcomes"] == {
        "won": {"count": 1, "amount": "12000.00"},
        "lost": {"count": 1, "amount": "400.00"},
        "loss_rate": "50.00",
    }
    assert (await board(client, o["manager"], **MARCH))["target"]["attainment"] is None
    for bucket, count, amount in (("new", 3, "17600.00"), ("stock", 4, "26300.00")):
        items = await drill_all(client, o["manager"], bucket=bucket, **MARCH)
        assert (len(items), total(items)) == (count, Decimal(amount)), bucket
    # won and lost count the deal's amount: won_amount when set, else the amount
    (won,) = await drill_all(client, o["manager"], bucket="won", **MARCH)
    (lost,) = await drill_all(client, o["manager"], bucket="lost", **MARCH)
    assert (won["amount"], lost["amount"]) == ("12800.00", "400.00")
    assert won["won_amount"] == "12000.00" and won["status"] == "won"


async def test_the_loss_board_by_reason_and_competitor(client, factory) -> None:
    o, p = await setup(factory)
    rival = await p.competitor("友商甲")
    other = await p.competitor("友商乙")
    in_march = china(2025, 3, 15)
    await p.add("lost", "100", closed_at=in_march, lost_reason="price", lost_to=rival)
    await p.add("lost", "300", closed_at=in_march, lost_reason="price", lost_to=rival)
    await p.add("lost", "500", closed_at=in_march, lost_reason="competitor", lost_to=other)
    await p.add("lost", "700", closed_at=in_march, lost_reason="budget")
    await p.add("lost", "900", closed_at=china(2025, 2, 15), lost_reason="price", lost_to=rival)  # February
    await p.add("won", "1000", closed_at=in_march)
    await p.add("lost", "50", closed_at=in_march, lost_reason="price", owner=o["outsider"])  # not the team's

    body = await board(client, o["manager"], **MARCH)
    assert body["outcomes"]["lost"] == {"count": 4, "amount": "1600.00"}
    assert body["outcomes"]["loss_rate"] == "80.00"
    assert body["loss_reasons"] == [
        {"reason": "price", "name": "价格 / Price", "count": 2, "amount": "400.00"},
        {"reason": "budget", "name": "预算不足 / No budget", "count": 1, "amount": "700.00"},
        {"reason": "competitor", "name": "竞品更优 / A competitor's offer", "count": 1, "amount": "500.00"},
    ]
    assert body["loss_competitors"] == [
        {"competitor_id": str(rival), "name": "友商甲", "count": 2, "amount": "400.00"},
        {"competitor_id": str(other), "name": "友商乙", "count": 1, "amount": "500.00"},
    ]
    for params, amounts in (
        ({"lost_reason": "price"}, ["300.00", "100.00"]),
        ({"competitor_id": str(rival)}, ["300.00", "100.00"]),
        ({"bucket": "lost"}, ["700.00", "500.00", "300.00", "100.00"]),
    ):
        items = await drill_all(client, o["manager"], **params, **MARCH)
        assert [i["amount"] for i in items] == amounts, params
    assert {
        i["lost_reason"] for i in await drill_all(client, o["manager"], lost_reason="price", **MARCH)
    } == {"price"}


# --- the drill-down reproduces the board ---------------------------------------------------


async def test_the_drill_down_lists_exactly_what_each_number_counts(client, factory) -> None:
    o, p = await setup(factory)
    amounts = iter(["1000000", "0.05", "0.05", "333.33", "2500", "77.77", "1999.99", "42", "12345.67", "10"])
    for code in ("initial", "initial", "initial", "needs", "solution", "solution", "negotiation", "signing"):
        await p.add(code, next(amounts), owner=o["rep"] if code != "solution" else o["rep2"])
    await p.add("negotiation", next(amounts), owner=o["outsider"])  # outside the manager's team
    await p.add("won", next(amounts))
    body = await board(client, o["manager"])

    for stage in body["stages"]:
        items = await drill_all(client, o["manager"], stage_id=stage["stage_id"])
        assert len(items) == stage["count"], stage["code"]
        assert total(items) == Decimal(stage["amount"])
        # the stage weighs its amount at its win rate, to the cent (domain.opportunities.weighted)
        assert weighted(total(items), Decimal(stage["win_rate"])) == Decimal(stage["weighted"])
        assert {i["stage_id"] for i in items} <= {stage["stage_id"]}
        assert all(i["status"] == "open" and i["stage_name"] == stage["name"] for i in items)
    # the stage rounds once: 1,000,000.10 at 10% is 100,000.01 (each 0.05 row alone shows 0.01)
    initial = await drill_all(client, o["manager"], stage_id=by_code(body)["initial"]["stage_id"])
    assert by_code(body)["initial"]["weighted"] == "100000.01"
    assert sorted(i["weighted"] for i in initial) == ["0.01", "0.01", "100000.00"]

    every = await drill_all(client, o["manager"], limit=3)
    assert len(every) == body["totals"]["count"] == 8
    assert total(every) == Decimal(body["totals"]["amount"])
    assert sum((Decimal(st["weighted"]) for st in body["stages"]), Decimal(0)) == Decimal(
        body["totals"]["weighted"]
    )
    amounts_seen = [Decimal(i["amount"]) for i in every]
    assert amounts_seen == sorted(amounts_seen, reverse=True)  # biggest first, across pages
    assert len({i["id"] for i in every}) == 8
    for cat in body["by_forecast_category"]:
        items = await drill_all(client, o["manager"], forecast_category=cat["category"])
        assert (len(items), total(items)) == (cat["count"], Decimal(cat["amount"]))
        stages = [st for st in body["stages"] if st["forecast_category"] == cat["category"]]
        assert sum((Decimal(st["weighted"]) for st in stages), Decimal(0)) == Decimal(cat["weighted"])
    first = every[0]
    assert first["customer_id"] == str(o["customer"]) and first["customer_name"]
    assert first["owner_id"] == str(o["rep"].id) and first["owner_name"]
    assert first["currency"] == "CNY" and first["lost_reason"] is None

    r = await client.get(DRILL, params={"stage_id": str(p.stage("won").id)}, headers=o["manager"].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage_id"
    r = await client.get(DRILL, params={"bucket": "everything"}, headers=o["manager"].headers)
    assert r.status_code == 422
    r = await client.get(DRILL, params={"cursor": "not-a-cursor"}, headers=o["manager"].headers)
    assert r.status_code == 422
