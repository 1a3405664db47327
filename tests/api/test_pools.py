"""Public pools (公海): visibility, claim (one winner, caps, cooldown), release, lock, allocation
(random and even, weekly quota) and the claim rules per role and user."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select, update

from repositories.db import unit_of_work
from repositories.models import Customer, OwnershipEvent, SalesZone

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
