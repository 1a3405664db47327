"""Public pools (公海): visibility, claim (one winner, caps, cooldown), release, lock, allocation
(random and even, weekly quota) and the claim rules per role and user."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from arq import create_pool
from sqlalchemy import select, update

from repositories.db import unit_of_work
from repositories.models import Customer, OwnershipEvent, SalesZone
from worker.settings import redis_settings

CUSTOMERS = "/api/v1/customers"


async def pooled(client, factory, owner, n: int) -> list[str]:  # noqa: ANN001
    """n customers created by `owner` and released into their zone's pool."""
    ids = []
    for _ in range(n):
        c = await factory.customer(owner)
        r = await client.post(
            f"{CUSTOMERS}/{c['id']}/release", json={"reason": "无意向"}, headers=owner.headers
        )
        assert r.status_code == 200, r.text
        ids.append(c["id"])
    return ids


async def zone_pool(client, who) -> dict:  # noqa: ANN001
    pools = (await client.get("/api/v1/pools", headers=who.headers)).json()["items"]
    return next(p for p in pools if p["zone_id"] is not None)


async def test_reps_see_their_zones_pool_and_one_claim_wins(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    a, b, c = [await factory.user("sales_rep", team=team) for _ in range(3)]
    stranger = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    ids = await pooled(client, factory, c, 3)
    pool = await zone_pool(client, a)
    assert pool["zone_id"] == str(zone.id) and pool["customers"] == 3
    listed = (await client.get(f"/api/v1/pools/{pool['id']}/customers", headers=a.headers)).json()["items"]
    assert sorted(i["id"] for i in listed) == sorted(ids)
    assert all(i["previous_owner"] is None for i in listed)  # reps do not see who had it
    assert (
        await client.get(f"/api/v1/pools/{pool['id']}/customers", headers=stranger.headers)
    ).status_code == 404
    assert (await client.post(f"{CUSTOMERS}/{ids[0]}/claim", headers=stranger.headers)).status_code == 404

    first, second = await asyncio.gather(
        client.post(f"{CUSTOMERS}/{ids[0]}/claim", headers=a.headers),
        client.post(f"{CUSTOMERS}/{ids[0]}/claim", headers=b.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = second if first.status_code == 200 else first
    assert "already claimed" in loser.json()["detail"]
    won = (first if first.status_code == 200 else second).json()
    assert won["pool_id"] is None and won["claimed_at"] is not None
    async with app.state.ctx.sessions() as s:
        kinds = Counter((await s.scalars(select(OwnershipEvent.kind))).all())
    assert kinds == {"release": 3, "claim": 1}


async def test_claim_rules_hold_under_parallel_claims(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    reps = [await factory.user("sales_rep", team=team) for _ in range(3)]
    admin = await factory.admin()
    r = await client.put(
        "/api/v1/settings/pool-rules",
        json={"defaults": {"max_daily_claims": 3}, "by_user": {str(reps[2].id): {"max_daily_claims": 5}}},
        headers=admin.headers,
    )
    assert r.status_code == 200 and r.json()["defaults"]["max_daily_claims"] == 3
    seller = await factory.user("sales_rep", team=team)  # released them: not a claimer
    ids = await pooled(client, factory, seller, 12)
    results = await asyncio.gather(
        *(client.post(f"{CUSTOMERS}/{c}/claim", headers=rep.headers) for c in ids for rep in reps)
    )
    assert {r.status_code for r in results} <= {200, 409, 422}
    async with app.state.ctx.sessions() as s:
        owners = Counter((await s.scalars(select(Customer.owner_id).where(Customer.id.in_(ids)))).all())
    assert owners[reps[0].id] <= 3 and owners[reps[1].id] <= 3 and owners[reps[2].id] <= 5
    assert sum(r.status_code == 200 for r in results) == sum(n for o, n in owners.items() if o)
    capped = [r for r in results if r.status_code == 422]
    assert capped and all("today" in r.json()["detail"] for r in capped)

    # owned cap
    await client.put(
        "/api/v1/settings/pool-rules",
        json={"defaults": {"max_owned": 1, "max_daily_claims": 50}},
        headers=admin.headers,
    )
    async with app.state.ctx.sessions() as s:
        free = (
            await s.scalars(select(Customer.id).where(Customer.id.in_(ids), Customer.owner_id.is_(None)))
        ).all()
    assert free  # 12 customers, at most 3 + 3 + 5 claimed
    full = await client.post(f"{CUSTOMERS}/{free[0]}/claim", headers=reps[1].headers)
    assert full.status_code == 422 and "you own" in full.json()["detail"]


async def test_release_cooldown_and_lock_cap(client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    other = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    c = await factory.customer(rep)
    assert (
        await client.post(f"{CUSTOMERS}/{c['id']}/release", json={}, headers=rep.headers)
    ).status_code == 422
    await client.post(f"{CUSTOMERS}/{c['id']}/release", json={"reason": "联系不上"}, headers=rep.headers)
    again = await client.post(f"{CUSTOMERS}/{c['id']}/claim", headers=rep.headers)
    assert again.status_code == 422 and "can be claimed again" in again.json()["detail"]
    assert (await client.post(f"{CUSTOMERS}/{c['id']}/claim", headers=other.headers)).status_code == 200
    # the previous owner shows to managers and above
    pool = await zone_pool(client, admin)
    d = await factory.customer(other)
    await client.post(f"{CUSTOMERS}/{d['id']}/release", json={"reason": "x"}, headers=other.headers)
    listed = (await client.get(f"/api/v1/pools/{pool['id']}/customers", headers=admin.headers)).json()[
        "items"
    ]
    assert [i["previous_owner"]["id"] for i in listed] == [str(other.id)]

    await client.put(
        "/api/v1/settings/pool-rules", json={"defaults": {"max_locked": 1}}, headers=admin.headers
    )
    e = await factory.customer(other)
    locked = await client.post(f"{CUSTOMERS}/{c['id']}/lock", json={"locked": True}, headers=other.headers)
    assert locked.status_code == 200 and locked.json()["locked_at"] is not None
    refused = await client.post(f"{CUSTOMERS}/{e['id']}/lock", json={"locked": True}, headers=other.headers)
    assert refused.status_code == 422 and "locked" in refused.json()["detail"]
    unlocked = await client.post(f"{CUSTOMERS}/{c['id']}/lock", json={"locked": False}, headers=other.headers)
    assert unlocked.json()["locked_at"] is None


async def test_allocation_is_even_and_within_the_weekly_quota(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    reps = [await factory.user("sales_rep", team=team) for _ in range(3)]
    manager = await factory.user("sales_manager", team=team)
    ids = await pooled(client, factory, manager, 12)
    pool = await zone_pool(client, manager)
    r = await client.post(
        f"/api/v1/pools/{pool['id']}/allocate",
        json={"user_ids": [str(u.id) for u in reps], "count": 10},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    sizes = sorted(len(v) for v in r.json()["allocated"].values())
    assert sizes == [3, 3, 4]
    given = {c for v in r.json()["allocated"].values() for c in v}
    assert given <= set(ids) and len(given) == 10
    async with app.state.ctx.sessions() as s:
        owners = Counter(
            (
                await s.scalars(
                    select(Customer.owner_id).where(Customer.id.in_(ids), Customer.owner_id.is_not(None))
                )
            ).all()
        )
    assert sorted(owners.values()) == [3, 3, 4]
    assert (
        await client.post(
            f"/api/v1/pools/{pool['id']}/allocate",
            json={"user_ids": [str(reps[0].id)]},
            headers=manager.headers,
        )
    ).status_code == 422  # count or customer_ids
    # the zone's weekly quota
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(SalesZone).where(SalesZone.id == zone.id).values(weekly_quota=11))
    over = await client.post(
        f"/api/v1/pools/{pool['id']}/allocate",
        json={"user_ids": [str(reps[0].id)], "count": 2},
        headers=manager.headers,
    )
    assert over.status_code == 422 and "quota" in over.json()["detail"]
    rep_try = await client.post(
        f"/api/v1/pools/{pool['id']}/allocate",
        json={"user_ids": [str(reps[0].id)], "count": 1},
        headers=reps[1].headers,
    )
    assert rep_try.status_code == 403


async def test_recycling_by_tier_is_set_based_idempotent_and_reminds_once(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    stale, fresh, locked, soon, no_tier = [await factory.customer(rep) for _ in range(5)]
    now = datetime.now(UTC)
    async with unit_of_work(app.state.ctx.sessions) as s:
        for c, tier, last in (
            (stale, "C", now - timedelta(days=8)),  # C: 7 days → due
            (fresh, "C", now - timedelta(days=2)),
            (locked, "E", now - timedelta(days=30)),  # due, but locked
            (soon, "A", now - timedelta(days=28)),  # A: 30 days → due in 2 days: reminded
            (no_tier, None, now - timedelta(days=60)),  # no tier: only the no-deal rule applies
        ):
            await s.execute(
                update(Customer)
                .where(Customer.id == c["id"])
                .values(tier=tier, last_followed_up_at=last, claimed_at=now - timedelta(days=10))
            )
    await client.post(f"{CUSTOMERS}/{locked['id']}/lock", json={"locked": True}, headers=rep.headers)

    dry = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": True}, headers=admin.headers)).json()
    assert [c["customer_id"] for c in dry["customers"]] == [stale["id"]]
    assert dry["customers"][0]["rule"] == "tier C: not followed up within 7 days"
    async with app.state.ctx.sessions() as s:
        assert (await s.get(Customer, stale["id"])).owner_id == rep.id  # type: ignore[union-attr]

    run = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert (run["count"], run["by_owner"], run["reminded"]) == (1, {str(rep.id): 1}, 1)
    async with app.state.ctx.sessions() as s:
        moved = await s.get(Customer, stale["id"])
        assert moved is not None and moved.owner_id is None and moved.recycle_count == 1
        assert moved.previous_owner_id == rep.id and moved.pool_id is not None
        event = await s.scalar(select(OwnershipEvent).where(OwnershipEvent.kind == "recycle"))
        assert event is not None and event.rule == "tier C: not followed up within 7 days"
    again = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert (again["count"], again["reminded"]) == (0, 0)  # nothing twice, no repeated reminder
    notes = (await client.get("/api/v1/notifications", headers=rep.headers)).json()["items"]
    assert sorted(n["kind"] for n in notes) == ["customer_recycled", "recycle_reminder"]

    # the no-deal rule: 90 days after the claim by default, off with null
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(
            update(Customer).where(Customer.id == no_tier["id"]).values(claimed_at=now - timedelta(days=91))
        )
    r = await client.put("/api/v1/settings/recycle-rules", json={"no_deal_days": None}, headers=admin.headers)
    assert r.json() == {
        "no_deal_days": None,
        "contract_ended_days": None,
        "exempt": ["contract", "opportunity"],
        "remind_days_before": 3,
    }
    assert (await client.post(f"{CUSTOMERS}/recycle", json={}, headers=admin.headers)).json()["count"] == 0
    await client.put("/api/v1/settings/recycle-rules", json={"no_deal_days": 90}, headers=admin.headers)
    dry = (await client.post(f"{CUSTOMERS}/recycle", json={}, headers=admin.headers)).json()
    assert [(c["customer_id"], c["rule"]) for c in dry["customers"]] == [
        (no_tier["id"], "no won deal within 90 days of the claim")
    ]
    lost = (
        await client.get(
            "/api/v1/analytics/lost-customers",
            params={
                "from": (now - timedelta(days=1)).isoformat(),
                "to": (now + timedelta(days=1)).isoformat(),
            },
            headers=rep.headers,
        )
    ).json()["items"]
    assert [(x["how"], x["rule"], x["count"]) for x in lost] == [
        ("recycle", "tier C: not followed up within 7 days", 1)
    ]


async def test_recycling_runs_in_the_worker(app, client, factory, settings) -> None:  # noqa: ANN001
    from tests.api.test_lead_import import run_worker

    zone = await factory.zone()
    rep = await factory.user("sales_rep", team=await factory.team(zone))
    c = await factory.customer(rep)
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(
            update(Customer)
            .where(Customer.id == c["id"])
            .values(tier="E", last_followed_up_at=datetime.now(UTC) - timedelta(days=4))
        )
    pool = await create_pool(redis_settings(settings.redis_url))
    try:
        await pool.enqueue_job("recycle_customers")
    finally:
        await pool.aclose()
    await run_worker(settings)
    async with app.state.ctx.sessions() as s:
        assert (await s.get(Customer, c["id"])).owner_id is None  # type: ignore[union-attr]


async def test_customers_show_when_they_would_be_recycled(app, client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    admin = await factory.admin()
    c = await factory.customer(rep)
    followed = datetime(2026, 1, 10, tzinfo=UTC)
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(
            update(Customer)
            .where(Customer.id == c["id"])
            .values(tier="B", last_followed_up_at=followed, claimed_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
    detail = (await client.get(f"{CUSTOMERS}/{c['id']}", headers=rep.headers)).json()
    assert detail["recycle_due_at"].startswith("2026-01-25")  # B: 15 days after the follow-up
    await client.patch("/api/v1/customer-tiers/B", json={"no_follow_up_days": 60}, headers=admin.headers)
    listed = (await client.get(CUSTOMERS, headers=rep.headers)).json()["items"]
    assert listed[0]["recycle_due_at"].startswith("2026-03-11")  # tier changed: 60 days
    await client.put("/api/v1/settings/recycle-rules", json={"no_deal_days": 30}, headers=admin.headers)
    listed = (await client.get(CUSTOMERS, headers=rep.headers)).json()["items"]
    assert listed[0]["recycle_due_at"].startswith("2026-01-31")  # no deal 30 days after the claim
    locked = await client.post(f"{CUSTOMERS}/{c['id']}/lock", json={"locked": True}, headers=rep.headers)
    assert locked.json()["recycle_due_at"] is None


async def test_manager_transfers_a_reps_customers_with_their_open_leads(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    leaving = await factory.user("sales_rep", team=team)
    heir = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    stranger = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    customers = [await factory.customer(leaving) for _ in range(3)]
    lead = (
        await client.post("/api/v1/leads", json={"company_name": "移交线索"}, headers=leaving.headers)
    ).json()
    assert lead["owner"]["id"] == str(leaving.id)
    body = {"from_user_id": str(leaving.id), "to_user_id": str(heir.id), "reason": "离职交接"}
    assert (await client.post(f"{CUSTOMERS}/transfer", json=body, headers=leaving.headers)).status_code == 422
    outsider = {**body, "to_user_id": str(stranger.id)}
    refused = await client.post(f"{CUSTOMERS}/transfer", json=outsider, headers=manager.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to_user_id"
    one = await client.post(
        f"{CUSTOMERS}/transfer", json={**body, "customer_ids": [customers[0]["id"]]}, headers=manager.headers
    )
    assert one.json() == {"customers": [customers[0]["id"]], "leads": []}
    rest = (await client.post(f"{CUSTOMERS}/transfer", json=body, headers=manager.headers)).json()
    assert sorted(rest["customers"]) == sorted(c["id"] for c in customers[1:]) and rest["leads"] == [
        lead["id"]
    ]
    async with app.state.ctx.sessions() as s:
        owners = set(
            (
                await s.scalars(
                    select(Customer.owner_id).where(Customer.id.in_([c["id"] for c in customers]))
                )
            ).all()
        )
        kinds = Counter((await s.scalars(select(OwnershipEvent.kind))).all())
    assert owners == {heir.id} and kinds["transfer"] == 3
    notes = (await client.get("/api/v1/notifications", headers=heir.headers)).json()["items"]
    assert any(n["kind"] == "customer_transferred" for n in notes)


async def test_manager_transfers_the_customers_matching_a_filter(app, client, factory) -> None:  # noqa: ANN001
    team = await factory.team(await factory.zone())
    rep, heir = await factory.user("sales_rep", team=team), await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    factory_made = [
        await factory.customer(rep, industry=industry) for industry in ("制造业", "制造业", "零售")
    ]
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(Customer).where(Customer.id == factory_made[1]["id"]).values(tier="A"))
    body = {"from_user_id": str(rep.id), "to_user_id": str(heir.id), "reason": "行业重新划分"}
    both = await client.post(
        f"{CUSTOMERS}/transfer",
        json={**body, "customer_ids": [factory_made[0]["id"]], "filter": {"industries": ["制造业"]}},
        headers=manager.headers,
    )
    assert both.status_code == 422
    bad = await client.post(
        f"{CUSTOMERS}/transfer", json={**body, "filter": {"levels": ["VIP"]}}, headers=manager.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "filter.levels.0"
    moved = await client.post(
        f"{CUSTOMERS}/transfer",
        json={**body, "filter": {"industries": ["制造业"], "tiers": ["A"]}},
        headers=manager.headers,
    )
    assert moved.status_code == 200 and moved.json()["customers"] == [factory_made[1]["id"]]
    moved = await client.post(
        f"{CUSTOMERS}/transfer", json={**body, "filter": {"industries": ["制造业"]}}, headers=manager.headers
    )
    assert moved.json()["customers"] == [factory_made[0]["id"]]
    async with app.state.ctx.sessions() as s:
        still = await s.get(Customer, factory_made[2]["id"])
    assert still is not None and still.owner_id == rep.id  # 零售 stays
