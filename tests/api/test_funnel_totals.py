"""The funnel's running totals (opportunity_funnel_deltas): whatever writes opportunities —
the API's moves and reassignments, the ORM, bulk SQL, a customer's cascade — the totals stay
equal to the opportunities themselves; folding keeps them equal while writers run; and the
board reads them without counting a team member's opportunity twice."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import text

from config import Settings
from repositories import pipeline_funnel
from repositories.db import unit_of_work
from scripts import rebuild_funnel
from tests.api.test_pipeline_analytics import BOARD, STANDARD, setup
from tests.support import enqueue, run_worker

KEY = pipeline_funnel.KEY
V1 = "/api/v1"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _totals(
    session: Any,
) -> tuple[dict[tuple[Any, ...], tuple[int, Decimal]], dict[tuple[Any, ...], tuple[int, Decimal]]]:
    """(the running totals by group, the opportunities grouped afresh); groups at zero left out."""
    kept = await session.execute(
        text(
            f"SELECT {KEY}, sum(n), sum(amount) FROM opportunity_funnel_deltas GROUP BY {KEY} "
            "HAVING sum(n) <> 0 OR sum(amount) <> 0"
        )
    )
    fresh = await session.execute(
        text(f"SELECT {KEY}, count(*), sum(amount) FROM opportunities GROUP BY {KEY}")
    )
    return (
        {tuple(r[:8]): (int(r[8]), Decimal(r[9])) for r in kept},
        {tuple(r[:8]): (int(r[8]), Decimal(r[9])) for r in fresh},
    )


async def _assert_in_step(factory: Any) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    async with unit_of_work(factory.ctx.sessions) as s:
        kept, fresh = await _totals(s)
    assert kept == fresh
    return fresh


async def _rows(factory: Any) -> int:
    async with unit_of_work(factory.ctx.sessions) as s:
        return int(await s.scalar(text("SELECT count(*) FROM opportunity_funnel_deltas")) or 0)


async def test_every_kind_of_write_keeps_the_totals_equal_to_the_opportunities(client, factory) -> None:
    o, p = await setup(factory)
    rep, manager = o["rep"], o["manager"]
    # through the API: create, move on, back, win, lose, reassign, edit the amount
    made = []
    for amount in ("100000.00", "250000.00", "90000.00"):
        r = await client.post(
            f"{V1}/opportunities",
            json={"customer_id": str(o["customer"]), "name": f"总额{amount}", "amount": amount},
            headers=rep.headers,
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    await _assert_in_step(factory)

    first, second, third = made
    # a manager imports a deal already in 方案 for his rep; it goes back a stage
    r = await client.post(
        f"{V1}/opportunities",
        json={
            "customer_id": str(o["customer"]),
            "name": "导入商机",
            "amount": "420000.00",
            "stage_id": str(p.stage("solution").id),
            "owner_id": str(rep.id),
        },
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{V1}/opportunities/{r.json()['id']}/stage", json={"stage_code": "needs"}, headers=rep.headers
    )
    assert r.status_code == 200 and r.json()["furthest_position"] == 3, r.text
    r = await client.post(
        f"{V1}/opportunities/{second['id']}/stage",
        json={"stage_code": "lost", "lost": {"reason": "price"}},
        headers=rep.headers,
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"{V1}/opportunities/{third['id']}/reassign",
        json={"owner_id": str(o["rep2"].id), "reason": "休假"},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    r = await client.patch(
        f"{V1}/opportunities/{third['id']}",
        json={"amount": "95000.50"},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    fresh = await _assert_in_step(factory)
    lost = [k for k in fresh if k[4] == "lost"]
    assert len(lost) == 1 and fresh[lost[0]] == (1, Decimal("250000.00"))

    # the ORM and bulk SQL: many rows in one statement, a column the totals do not hold
    for stage in ("solution", "negotiation", "negotiation"):
        await p.add(stage, "333.33", owner=o["rep2"])
    async with unit_of_work(factory.ctx.sessions) as s:
        await s.execute(
            text("UPDATE opportunities SET amount = amount + 1, next_step = 'x' WHERE amount < 1000")
        )
        await s.execute(text("UPDATE opportunities SET description = 'only text'"))
    fresh = await _assert_in_step(factory)
    assert sum(n for n, _ in fresh.values()) == 7

    # a deleted opportunity, and a customer whose opportunities go with it (ON DELETE CASCADE)
    async with unit_of_work(factory.ctx.sessions) as s:
        await s.execute(text("DELETE FROM opportunities WHERE id = :id"), {"id": uuid.UUID(first["id"])})
    await _assert_in_step(factory)
    async with unit_of_work(factory.ctx.sessions) as s:
        await s.execute(text("DELETE FROM customers WHERE id = :id"), {"id": o["customer"]})
    assert await _assert_in_step(factory) == {}

    # folding: every group at zero is gone, so nothing is left
    async with unit_of_work(factory.ctx.sessions) as s:
        removed, written = await pipeline_funnel.compact(s)
    assert removed > 0 and written == 0
    assert await _rows(factory) == 0


async def test_folding_leaves_one_row_per_group_and_keeps_what_writers_add_meanwhile(
    settings: Settings, factory
) -> None:
    o, p = await setup(factory)
    ids = [await p.add("initial", "100") for _ in range(4)]
    async with unit_of_work(factory.ctx.sessions) as s:
        for opp_id in ids[:2]:
            await s.execute(
                text("UPDATE opportunities SET stage_id = :st, furthest_position = 2 WHERE id = :id"),
                {"st": p.stage("needs").id, "id": opp_id},
            )
    before = await _assert_in_step(factory)
    assert await _rows(factory) > len(before)

    # a writer's transaction is open while the worker folds: its rows are not the fold's to take
    conn = await asyncpg.connect(_plain(settings.database_url))
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(
            "UPDATE opportunities SET amount = 700, stage_id = $1, furthest_position = 3 WHERE id = $2",
            p.stage("solution").id,
            ids[3],
        )
        async with unit_of_work(factory.ctx.sessions) as s:
            removed, written = await pipeline_funnel.compact(s)
        assert removed > written > 0
        await tx.commit()
    finally:
        await conn.close()
    after = await _assert_in_step(factory)
    assert after != before
    solution = [v for k, v in after.items() if k[2] == p.stage("solution").id]
    assert solution == [(1, Decimal("700.00"))]

    # once more, as the worker's minute job: every group is one row
    assert await _rows(factory) > len(after)
    await enqueue(settings, "compact_funnel")
    await run_worker(settings)
    assert await _rows(factory) == len(after) == 3
    # totals lost (a data-only restore with triggers disabled): the script recomputes them
    async with unit_of_work(factory.ctx.sessions) as s:
        await s.execute(text("DELETE FROM opportunity_funnel_deltas"))
    assert await rebuild_funnel.rebuild(settings) == 3
    assert await _assert_in_step(factory) == after


async def test_the_board_adds_a_team_members_view_once(client, factory) -> None:
    o, p = await setup(factory)
    # the manager sits on the team of his rep's opportunity: his scope already counts it
    await p.add("initial", "100", owner=o["rep"], members=(o["manager"], o["outsider"]))
    await p.add("needs", "400", owner=o["outsider"], members=(o["manager"],))
    await p.add("needs", "800", owner=o["outsider"])
    # no owner, outside every zone (a registration waiting to be dispatched): only its team sees it
    queued = await p.add("solution", "1600", zone=None, team=None, members=(o["rep2"],))
    async with unit_of_work(factory.ctx.sessions) as s:
        await s.execute(text("UPDATE opportunities SET owner_id = NULL WHERE id = :id"), {"id": queued})

    async def seen(who: Any) -> tuple[int, str, dict[str, int]]:
        r = await client.get(BOARD, params={"business_line_id": str(STANDARD)}, headers=who.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        return (
            body["totals"]["count"],
            body["totals"]["amount"],
            {s["code"]: s["count"] for s in body["stages"] if s["count"]},
        )

    assert await seen(o["manager"]) == (2, "500.00", {"initial": 1, "needs": 1})
    assert await seen(o["outsider"]) == (3, "1300.00", {"initial": 1, "needs": 2})
    assert await seen(o["rep2"]) == (1, "1600.00", {"solution": 1})
    assert await seen(o["admin"]) == (4, "2900.00", {"initial": 1, "needs": 2, "solution": 1})
