"""The lead pool (claim / release with caps), the batch capture API, lead rules and scoring
settings, and the owners' notifications."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from repositories.db import unit_of_work
from repositories.models import Lead, Notification

LEADS = "/api/v1/leads"
RULES = "/api/v1/assignment-rules"


async def pool_leads(client, admin, zone_id, n: int, prefix: str = "公海") -> list[str]:  # noqa: ANN001
    """n leads routed to the zone's pool by a rule."""
    await client.post(
        RULES,
        json={"name": f"进公海{uuid.uuid4().hex[:6]}", "action_type": "zone_pool", "action_target": {}},
        headers=admin.headers,
    )
    r = await client.post(
        f"{LEADS}/batch",
        json={
            "leads": [{"company_name": f"{prefix}{i}有限公司", "province_code": "440000"} for i in range(n)]
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert all(i["queue"] == "pool" and i["owner"] is None and i["zone_id"] == str(zone_id) for i in items)
    return [i["id"] for i in items]


async def test_reps_see_their_zones_pool_and_claim_once(client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    a = await factory.user("sales_rep", team=team)
    b = await factory.user("sales_rep", team=team)
    stranger = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    admin = await factory.admin()
    ids = await pool_leads(client, admin, zone.id, 3)
    pool = (await client.get(f"{LEADS}?pool=true", headers=a.headers)).json()["items"]
    assert sorted(i["id"] for i in pool) == sorted(ids)
    assert (await client.get(f"{LEADS}?pool=true", headers=stranger.headers)).json()["items"] == []
    assert (await client.post(f"{LEADS}/{ids[0]}/claim", headers=stranger.headers)).status_code == 404

    first, second = await asyncio.gather(
        client.post(f"{LEADS}/{ids[0]}/claim", headers=a.headers),
        client.post(f"{LEADS}/{ids[0]}/claim", headers=b.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = a if first.status_code == 200 else b
    claimed = (first if first.status_code == 200 else second).json()
    assert claimed["owner"]["id"] == str(winner.id) and claimed["queue"] is None
    assert ids[0] not in [
        i["id"] for i in (await client.get(f"{LEADS}?pool=true", headers=a.headers)).json()["items"]
    ]

    # released with a reason, back in the pool; the same rep may not take it again for 7 days
    assert (
        await client.post(f"{LEADS}/{ids[0]}/release", json={}, headers=winner.headers)
    ).status_code == 422
    released = await client.post(
        f"{LEADS}/{ids[0]}/release", json={"reason": "客户无意向"}, headers=winner.headers
    )
    assert released.status_code == 200 and released.json()["queue"] == "pool"
    again = await client.post(f"{LEADS}/{ids[0]}/claim", headers=winner.headers)
    assert again.status_code == 422 and "can be claimed again" in again.json()["detail"]
    other = b if winner is a else a
    assert (await client.post(f"{LEADS}/{ids[0]}/claim", headers=other.headers)).status_code == 200
    history = (await client.get(f"/api/v1/audit-log?root_entity_id={ids[0]}", headers=admin.headers)).json()
    assert {"claim", "release"} <= {e["action"] for e in history["items"]}


async def test_claim_caps_hold_under_parallel_claims(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    reps = [await factory.user("sales_rep", team=team) for _ in range(3)]
    admin = await factory.admin()
    r = await client.put("/api/v1/settings/lead-rules", json={"max_daily_claims": 4}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["max_daily_claims"] == 4
    ids = await pool_leads(client, admin, zone.id, 15)
    attempts = [(rep, lead) for i, lead in enumerate(ids) for rep in [reps[i % 3]]] + [
        (reps[0], lead) for lead in ids
    ]
    results = await asyncio.gather(
        *(client.post(f"{LEADS}/{lead}/claim", headers=rep.headers) for rep, lead in attempts)
    )
    assert all(r.status_code in (200, 409, 422) for r in results)
    async with app.state.ctx.sessions() as s:
        owners = [o for o in (await s.scalars(select(Lead.owner_id).where(Lead.id.in_(ids)))).all() if o]
    counts = {rep.id: owners.count(rep.id) for rep in reps}
    assert all(n <= 4 for n in counts.values()), counts  # the daily cap is never passed
    assert sum(r.status_code == 200 for r in results) == len(owners)  # one owner per lead
    capped = [r for r in results if r.status_code == 422]
    assert capped and "claimed 4 leads today" in capped[0].json()["detail"]

    # the open-lead cap refuses too
    await client.put(
        "/api/v1/settings/lead-rules",
        json={"max_daily_claims": 100, "max_open_leads_per_rep": counts[reps[1].id]},
        headers=admin.headers,
    )
    async with app.state.ctx.sessions() as s:
        left = (await s.scalars(select(Lead.id).where(Lead.id.in_(ids), Lead.owner_id.is_(None)))).all()
    assert left  # 15 leads, at most 3 × 4 claimed
    full = await client.post(f"{LEADS}/{left[0]}/claim", headers=reps[1].headers)
    assert full.status_code == 422 and "open leads" in full.json()["detail"]


async def test_batch_is_all_or_nothing_and_dedups_within_itself(app, client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    bad = await client.post(
        f"{LEADS}/batch",
        json={"leads": [{"company_name": "好公司"}, {"company_name": "坏公司", "province_code": "999999"}]},
        headers=rep.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "leads.1.province_code", "message": "not a province code (GB/T 2260)"}
    ]
    async with app.state.ctx.sessions() as s:
        assert (await s.scalars(select(Lead.id).where(Lead.company_name == "好公司"))).all() == []
    ok = await client.post(
        f"{LEADS}/batch",
        json={
            "leads": [
                {"company_name": "批量科技有限公司", "product": "CRM"},
                {"company_name": "批量科技", "product": "CRM"},
                {"company_name": "另一家", "mobile": "13800138111"},
                {"company_name": "又一家", "mobile": "+86 138 0013 8111"},
            ]
        },
        headers={**rep.headers, "Idempotency-Key": "batch-1"},
    )
    assert ok.status_code == 201, ok.text
    items = ok.json()["items"]
    assert items[1]["duplicate_of_id"] == items[0]["id"]
    assert items[3]["duplicate_of_id"] == items[2]["id"]
    assert all(i["owner"]["id"] == str(rep.id) for i in items)
    replay = await client.post(
        f"{LEADS}/batch",
        json={"leads": [{"company_name": "批量科技有限公司", "product": "CRM"}]},
        headers={**rep.headers, "Idempotency-Key": "batch-1"},
    )
    assert replay.status_code == 422  # the key belongs to another body


async def test_scoring_settings_change_grades(client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    admin = await factory.admin()
    before = (await client.post(LEADS, json={"company_name": "评分公司"}, headers=rep.headers)).json()
    assert before["grade"] == "D"
    wrong = await client.put(
        "/api/v1/settings/lead-scoring", json={"thresholds": {"A": 10, "B": 20}}, headers=admin.headers
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "thresholds"
    assert (
        await client.put("/api/v1/settings/lead-scoring", json={"bonus": 1}, headers=admin.headers)
    ).status_code == 422
    r = await client.put(
        "/api/v1/settings/lead-scoring",
        json={"field_points": {"company_name": 50}, "thresholds": {"B": 40}},
        headers=admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["field_points"]["company_name"] == 50 and r.json()["thresholds"]["A"] == 70
    after = (await client.post(LEADS, json={"company_name": "评分公司二"}, headers=rep.headers)).json()
    assert after["grade"] == "B"
    assert after["score_breakdown"]["explain"] == "B: channel 0 + completeness 50 + actions 5 = 55"
    assert (
        await client.put("/api/v1/settings/lead-scoring", json={}, headers=rep.headers)
    ).status_code == 403
    rules = (await client.get("/api/v1/settings/lead-rules", headers=admin.headers)).json()
    assert rules["recycle_hours"] == {"A": 24, "B": 48, "C": 72, "D": 168}
    hours = await client.put(
        "/api/v1/settings/lead-rules", json={"recycle_hours": {"A": 12}}, headers=admin.headers
    )
    assert hours.json()["recycle_hours"] == {"A": 12, "B": 48, "C": 72, "D": 168}
    bad_zone = await client.put(
        "/api/v1/settings/lead-rules", json={"default_zone_id": str(uuid.uuid4())}, headers=admin.headers
    )
    assert bad_zone.status_code == 422 and bad_zone.json()["errors"][0]["field"] == "default_zone_id"


async def test_owners_are_notified(app, client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    admin = await factory.admin()
    await client.post(
        RULES,
        json={"name": "给代表", "action_type": "user", "action_target": {"user_id": str(rep.id)}},
        headers=admin.headers,
    )
    lead = (
        await client.post(LEADS, json={"company_name": "通知公司", "product": "CRM"}, headers=admin.headers)
    ).json()
    await client.post(LEADS, json={"company_name": "通知公司", "product": "CRM"}, headers=admin.headers)
    count = (await client.get("/api/v1/notifications/unread-count", headers=rep.headers)).json()
    assert count == {"unread": 2}
    items = (await client.get("/api/v1/notifications", headers=rep.headers)).json()["items"]
    kinds = {i["kind"] for i in items}
    assert kinds == {"lead_assigned", "lead_duplicate"}
    assert all(i["entity_id"] == lead["id"] for i in items)
    # recycling tells the owner how many they lost
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(Lead).values(assigned_at=Lead.created_at - timedelta(days=30)))
    recycled = await client.post(f"{LEADS}/recycle", json={"dry_run": False}, headers=admin.headers)
    assert recycled.json()["count"] == 2
    latest = (await client.get("/api/v1/notifications?unread=true", headers=rep.headers)).json()["items"][0]
    assert latest["kind"] == "lead_recycled" and "2" in latest["title"]
    marked = await client.post(
        "/api/v1/notifications/read", json={"ids": [latest["id"]]}, headers=rep.headers
    )
    assert marked.json() == {"marked": 1}
    assert (await client.post("/api/v1/notifications/read", json={}, headers=rep.headers)).json() == {
        "marked": 2
    }
    assert (await client.get("/api/v1/notifications/unread-count", headers=rep.headers)).json() == {
        "unread": 0
    }
    # nobody reads another's notifications
    assert (await client.get("/api/v1/notifications", headers=manager.headers)).json()["items"] == []
    async with app.state.ctx.sessions() as s:
        assert len((await s.scalars(select(Notification))).all()) == 3


async def test_dedup_keys_and_window_are_settings(client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    admin = await factory.admin()
    rules = (await client.get("/api/v1/settings/lead-rules", headers=admin.headers)).json()
    assert rules["dedup_keys"] == ["company_product", "uscc", "mobile", "email"]
    assert rules["dedup_window_days"] == 90
    first = (
        await client.post(LEADS, json={"company_name": "去重设置公司", "product": "CRM"}, headers=rep.headers)
    ).json()
    again = (
        await client.post(LEADS, json={"company_name": "去重设置公司", "product": "CRM"}, headers=rep.headers)
    ).json()
    assert again["duplicate_of_id"] == first["id"]
    bad = await client.put(
        "/api/v1/settings/lead-rules", json={"dedup_keys": ["name"]}, headers=admin.headers
    )
    assert bad.status_code == 422
    r = await client.put(
        "/api/v1/settings/lead-rules", json={"dedup_keys": ["mobile", "mobile"]}, headers=admin.headers
    )
    assert r.json()["dedup_keys"] == ["mobile"]
    third = (
        await client.post(LEADS, json={"company_name": "去重设置公司", "product": "CRM"}, headers=rep.headers)
    ).json()
    assert third["duplicate_of_id"] is None  # the company no longer counts, only the mobile
    m1 = (
        await client.post(LEADS, json={"company_name": "甲", "mobile": "13900001111"}, headers=rep.headers)
    ).json()
    m2 = (
        await client.post(LEADS, json={"company_name": "乙", "mobile": "13900001111"}, headers=rep.headers)
    ).json()
    assert m2["duplicate_of_id"] == m1["id"]
