"""Pool administration (公海池管理): edit and deactivate pools, target rules for released and
recycled customers, and per-role pool permissions (公海池权限设置, seed 004)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from repositories.db import unit_of_work
from repositories.models import AuditEntry, Customer
from tests.api.test_pools import pooled, zone_pool

POOLS = "/api/v1/pools"
CUSTOMERS = "/api/v1/customers"
TARGETS = "/api/v1/settings/pool-targets"


async def new_pool(client, admin, name: str, **fields) -> dict:  # noqa: ANN001, ANN003
    r = await client.post(POOLS, json={"name": name, **fields}, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def audit_count(app, entity: str, action: str) -> int:  # noqa: ANN001
    async with app.state.ctx.sessions() as s:
        stmt = select(func.count()).where(AuditEntry.entity == entity, AuditEntry.action == action)
        return int(await s.scalar(stmt) or 0)


async def test_edit_a_pool_with_if_match(app, client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    pool = await new_pool(client, admin, "制造业公海", description="工业客户")
    assert pool["version"] == 1 and pool["is_active"] is True
    r = await client.patch(
        f"{POOLS}/{pool['id']}",
        json={"name": "制造业公海池", "description": "工业与制造"},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "制造业公海池" and r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    stale = await client.patch(
        f"{POOLS}/{pool['id']}", json={"name": "旧版本"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    unknown = await client.patch(f"{POOLS}/{pool['id']}", json={"colour": "red"}, headers=admin.headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "colour"
    taken = await new_pool(client, admin, "另一个公海")
    dup = await client.patch(f"{POOLS}/{taken['id']}", json={"name": "制造业公海池"}, headers=admin.headers)
    assert dup.status_code == 409
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    assert (
        await client.patch(f"{POOLS}/{pool['id']}", json={"name": "x"}, headers=rep.headers)
    ).status_code == 403
    assert await audit_count(app, "pool", "update") == 1


async def test_deactivate_a_pool(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    default = await zone_pool(client, rep)
    refused = await client.patch(f"{POOLS}/{default['id']}", json={"is_active": False}, headers=admin.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "is_active"

    extra = await new_pool(client, admin, "大客户公海")
    other = await new_pool(client, admin, "备用公海")
    ids = await pooled(client, factory, rep, 3)
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(Customer).where(Customer.id.in_(ids)).values(pool_id=extra["id"]))
    held = await client.patch(f"{POOLS}/{extra['id']}", json={"is_active": False}, headers=admin.headers)
    assert (
        held.status_code == 409 and held.json()["customers"] == 3 and "3 customers" in held.json()["detail"]
    )
    bad = await client.patch(
        f"{POOLS}/{extra['id']}",
        json={"is_active": False, "move_to_pool_id": extra["id"]},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "move_to_pool_id"
    r = await client.patch(
        f"{POOLS}/{extra['id']}",
        json={"is_active": False, "move_to_pool_id": other["id"]},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False and r.json()["customers"] == 0
    async with app.state.ctx.sessions() as s:
        pools = set((await s.scalars(select(Customer.pool_id).where(Customer.id.in_(ids)))).all())
    assert {str(p) for p in pools} == {other["id"]}
    assert await audit_count(app, "customer", "move_pool") == 3

    # inactive: hidden from reps and from the active list; shown to admins on request
    listed = {p["id"] for p in (await client.get(POOLS, headers=rep.headers)).json()["items"]}
    assert extra["id"] not in listed and other["id"] in listed
    assert extra["id"] not in {
        p["id"] for p in (await client.get(POOLS, headers=admin.headers)).json()["items"]
    }
    inactive = (await client.get(POOLS, params={"status": "inactive"}, headers=admin.headers)).json()["items"]
    assert [p["id"] for p in inactive] == [extra["id"]]
    everything = (await client.get(POOLS, params={"status": "all"}, headers=admin.headers)).json()["items"]
    assert {extra["id"], other["id"], default["id"]} <= {p["id"] for p in everything}
    rep_asks = (await client.get(POOLS, params={"status": "inactive"}, headers=rep.headers)).json()["items"]
    assert extra["id"] not in {p["id"] for p in rep_asks}
    assert (await client.get(f"{POOLS}/{extra['id']}/customers", headers=admin.headers)).status_code == 404
    # not a target either
    assert (
        await client.put(TARGETS, json={"rules": [{"pool_id": extra["id"]}]}, headers=admin.headers)
    ).json()["errors"][0]["field"] == "rules.0.pool_id"
    # an empty pool deactivates without a target; a pool a rule targets does not
    await client.put(
        TARGETS, json={"rules": [{"industries": ["能源"], "pool_id": other["id"]}]}, headers=admin.headers
    )
    targeted = await client.patch(f"{POOLS}/{other['id']}", json={"is_active": False}, headers=admin.headers)
    assert targeted.status_code == 409 and "rules 1" in targeted.json()["detail"]
    empty = await new_pool(client, admin, "空公海")
    assert (
        await client.patch(f"{POOLS}/{empty['id']}", json={"is_active": False}, headers=admin.headers)
    ).status_code == 200
    back = await client.patch(f"{POOLS}/{extra['id']}", json={"is_active": True}, headers=admin.headers)
    assert back.status_code == 200 and back.json()["is_active"] is True


async def test_released_and_recycled_customers_go_to_the_industry_pool(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    default = await zone_pool(client, rep)
    industry = await new_pool(client, admin, "制造业公海")
    ka = await new_pool(client, admin, "KA 公海")
    body = {
        "rules": [
            {"levels": ["KA"], "zone_ids": [str(zone.id)], "pool_id": ka["id"]},
            {"industries": ["制造业", "汽车"], "tiers": [], "pool_id": industry["id"]},
        ]
    }
    for bad, field in (
        ({"rules": [{"pool_id": "00000000-0000-0000-0000-000000000001"}]}, "rules.0.pool_id"),
        ({"rules": [{"tiers": ["Q"], "pool_id": industry["id"]}]}, "rules.0.tiers"),
        ({"rules": [{"levels": ["VIP"], "pool_id": industry["id"]}]}, "rules.0.levels.0"),
        ({"rules": [{"pool_id": industry["id"], "colour": 1}]}, "rules.0.colour"),
    ):
        r = await client.put(TARGETS, json=bad, headers=admin.headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert (await client.put(TARGETS, json=body, headers=rep.headers)).status_code == 403
    r = await client.put(TARGETS, json=body, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert [x["pool_id"] for x in r.json()["rules"]] == [ka["id"], industry["id"]]
    assert (await client.get(TARGETS, headers=admin.headers)).json() == r.json()
    assert await audit_count(app, "setting", "update") >= 1

    maker = await factory.customer(rep, industry="制造业")
    plain = await factory.customer(rep, industry="零售")
    released = await client.post(
        f"{CUSTOMERS}/{maker['id']}/release", json={"reason": "无意向"}, headers=rep.headers
    )
    assert released.status_code == 200 and released.json()["pool_id"] == industry["id"]
    other = await client.post(
        f"{CUSTOMERS}/{plain['id']}/release", json={"reason": "无意向"}, headers=rep.headers
    )
    assert other.json()["pool_id"] == default["id"]  # no rule: the zone's pool

    stale_maker = await factory.customer(rep, industry="汽车")
    stale_ka = await factory.customer(rep, industry="汽车")
    stale_plain = await factory.customer(rep, industry="零售")
    now = datetime.now(UTC)
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(
            update(Customer)
            .where(Customer.id.in_([stale_maker["id"], stale_ka["id"], stale_plain["id"]]))
            .values(tier="E", last_followed_up_at=now - timedelta(days=10))
        )
        await s.execute(update(Customer).where(Customer.id == stale_ka["id"]).values(level="KA"))
    run = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert run["count"] == 3
    async with app.state.ctx.sessions() as s:
        rows = await s.execute(select(Customer.id, Customer.pool_id).where(Customer.owner_id.is_(None)))
        where = {str(c): str(p) for c, p in rows.all()}
    assert where[stale_maker["id"]] == industry["id"]
    assert where[stale_ka["id"]] == ka["id"]  # the first rule that holds wins
    assert where[stale_plain["id"]] == default["id"]
    cleared = await client.put(TARGETS, json={"rules": []}, headers=admin.headers)
    assert cleared.json() == {"rules": []}


async def test_pool_permissions_per_role(client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    admin = await factory.admin()
    seller = await factory.user("sales_rep", team=team)  # released them: not a claimer
    ids = await pooled(client, factory, seller, 2)
    pool = await zone_pool(client, rep)
    perms = f"{POOLS}/{pool['id']}/permissions"

    inherited = (await client.get(perms, headers=admin.headers)).json()
    assert inherited["custom"] is False
    by_role = {r["role"]: r for r in inherited["roles"]}
    assert (by_role["sales_rep"]["can_view"], by_role["sales_rep"]["can_claim"]) == (True, True)
    assert by_role["sales_rep"]["can_allocate"] is False and by_role["sales_manager"]["can_allocate"] is True
    assert (await client.get(perms, headers=rep.headers)).status_code == 403

    bad = await client.put(
        perms,
        json={"roles": [{"role": "nobody"}, {"role": "sales_rep", "can_claim": True}]},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["roles.0.role", "roles.1.can_view"]
    assert (
        await client.put(
            perms, json={"roles": [{"role": "sales_rep", "can_see": True}]}, headers=admin.headers
        )
    ).status_code == 422

    # reps may view but not claim; managers view but may not allocate
    r = await client.put(
        perms,
        json={
            "roles": [
                {"role": "sales_rep", "can_view": True},
                {"role": "sales_manager", "can_view": True, "can_claim": True},
            ]
        },
        headers=admin.headers,
    )
    assert r.status_code == 200 and r.json()["custom"] is True
    assert {x["role"]: x["can_view"] for x in r.json()["roles"]}["admin"] is False
    assert pool["id"] in {p["id"] for p in (await client.get(POOLS, headers=rep.headers)).json()["items"]}
    assert (await client.get(f"{POOLS}/{pool['id']}/customers", headers=rep.headers)).status_code == 200
    assert (await client.post(f"{CUSTOMERS}/{ids[0]}/claim", headers=rep.headers)).status_code == 403
    alloc = await client.post(
        f"{POOLS}/{pool['id']}/allocate",
        json={"user_ids": [str(rep.id)], "count": 1},
        headers=manager.headers,
    )
    assert alloc.status_code == 403
    assert (await client.post(f"{CUSTOMERS}/{ids[0]}/claim", headers=manager.headers)).status_code == 200

    # reps lose view: the pool is gone for them (404), admins still administer it
    await client.put(
        perms, json={"roles": [{"role": "sales_manager", "can_view": True}]}, headers=admin.headers
    )
    assert pool["id"] not in {p["id"] for p in (await client.get(POOLS, headers=rep.headers)).json()["items"]}
    assert (await client.get(f"{POOLS}/{pool['id']}/customers", headers=rep.headers)).status_code == 404
    assert (await client.post(f"{CUSTOMERS}/{ids[1]}/claim", headers=rep.headers)).status_code == 404
    assert pool["id"] in {p["id"] for p in (await client.get(POOLS, headers=admin.headers)).json()["items"]}

    # back to the role policy
    reset = await client.put(perms, json={"roles": []}, headers=admin.headers)
    assert reset.json()["custom"] is False
    assert (await client.post(f"{CUSTOMERS}/{ids[1]}/claim", headers=rep.headers)).status_code == 200
