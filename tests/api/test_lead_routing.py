"""Lead routing (分配规则): each action, capacity, availability, missing fields, no match, the
trace, concurrent round-robin fairness, dry run, and rule administration."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func, select, update

from repositories import settings as settings_repo
from repositories.db import unit_of_work
from repositories.models import Lead, User

LEADS = "/api/v1/leads"
RULES = "/api/v1/assignment-rules"
_n = itertools.count(1)


async def rule(client, admin, action_type, target=None, conditions=None, **extra):  # noqa: ANN001, ANN201
    body = {
        "name": extra.pop("name", f"规则{next(_n)}"),
        "action_type": action_type,
        "action_target": {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in (target or {}).items()},
        "conditions": conditions or {},
        **extra,
    }
    r = await client.post(RULES, json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def capture(client, who, **fields: Any) -> dict[str, Any]:  # noqa: ANN001
    n = next(_n)
    body = {"company_name": f"路由测试{n}科技有限公司", "mobile": f"139{n:08d}", **fields}
    r = await client.post(LEADS, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def trace(app, lead_id: str) -> dict[str, Any]:  # noqa: ANN001
    async with app.state.ctx.sessions() as s:
        return (await s.get(Lead, uuid.UUID(lead_id))).routing_trace  # type: ignore[union-attr]


async def set_user(app, user, **values: Any) -> None:  # noqa: ANN001
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(User).where(User.id == user.id).values(**values))
    await app.state.ctx.access.changed()


async def lead_rules(app, **values: Any) -> None:  # noqa: ANN001
    async with unit_of_work(app.state.ctx.sessions) as s:
        current = (await settings_repo.get(s, "lead_rules")).value  # type: ignore[union-attr]
        await settings_repo.put(s, "lead_rules", {**current, **values})
    await app.state.ctx.access.reference_changed()  # as the settings API does after commit


async def give_open_leads(app, user, n: int, status: str = "new") -> None:  # noqa: ANN001
    async with unit_of_work(app.state.ctx.sessions) as s:
        for i in range(n):
            s.add(
                Lead(
                    company_name=f"存量{user.id}{i}",
                    company_key=f"k{user.id}{i}",
                    owner_id=user.id,
                    status=status,
                )
            )


async def setup(factory, reps: int = 4):  # noqa: ANN001, ANN201
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    members = [await factory.user("sales_rep", team=team) for _ in range(reps)]
    return zone, team, members, await factory.admin(), await factory.user("marketing")


async def test_named_user_rule_assigns_and_explains(client, factory, app):
    zone, team, (rep, *_), admin, marketing = await setup(factory, 1)
    r = await rule(
        client,
        admin,
        "user",
        {"user_id": rep.id},
        {"field": "province_code", "op": "eq", "value": "440000"},
        name="广东给张三",
    )
    lead = await capture(client, marketing, province_code="440000")
    assert lead["owner"]["id"] == str(rep.id) and lead["zone_id"] == str(zone.id)
    t = await trace(app, lead["id"])
    assert t["rule_id"] == r["id"] and t["rule_name"] == "广东给张三" and t["action"] == "user"
    assert t["candidates"] == [{"user_id": str(rep.id), "open_leads": 0, "skipped_reason": None}]
    assert t["result"]["owner_id"] == str(rep.id)
    # no rule matches another province → the default queue: nobody, no zone, never lost
    other = await capture(client, marketing, province_code="110000")
    assert other["owner"] is None and other["zone_id"] is None
    assert (await trace(app, other["id"]))["result"] == {
        "owner_id": None,
        "zone_id": None,
        "queue": "default",
        "reason": "no rule matched",
    }


async def test_no_match_goes_to_the_configured_default_queue(client, factory, app):
    zone, team, (rep,), admin, marketing = await setup(factory, 1)
    default = await factory.zone()
    await lead_rules(app, default_zone_id=str(default.id))
    await rule(client, admin, "user", {"user_id": rep.id}, {"field": "product", "op": "eq", "value": "ERP"})
    lead = await capture(client, marketing, product="CRM", province_code="440000")
    assert lead["owner"] is None and lead["zone_id"] == str(default.id)


async def test_round_robin_takes_turns_and_skips_unavailable_reps_with_reasons(client, factory, app):
    zone, team, reps, admin, marketing = await setup(factory, 4)
    await rule(client, admin, "team_round_robin", {"team_id": team.id})
    owners = [(await capture(client, marketing))["owner"]["id"] for _ in range(8)]
    assert Counter(owners) == {str(r.id): 2 for r in reps}
    assert owners[:4] == owners[4:]  # a fixed rotation
    # the next in turn is on leave, the one after inactive: the turn passes on, and the trace says why
    order = owners[:4]
    by_id = {str(r.id): r for r in reps}
    await set_user(app, by_id[order[0]], on_leave=True)
    await set_user(app, by_id[order[1]], is_active=False)
    lead = await capture(client, marketing)
    assert lead["owner"]["id"] == order[2]
    t = await trace(app, lead["id"])
    assert [(c["user_id"], c["skipped_reason"]) for c in t["candidates"]] == [
        (order[0], "on leave"),
        (order[1], "inactive"),
        (order[2], None),
    ]


async def test_capacity_skips_full_reps_and_all_full_goes_to_the_leader_queue(client, factory, app):
    zone, team, (a, b), admin, marketing = await setup(factory, 2)
    await lead_rules(app, max_open_leads_per_rep=2)
    await give_open_leads(app, a, 2)
    await give_open_leads(app, b, 1)
    await give_open_leads(app, b, 3, status="converted")  # closed leads do not count
    await rule(client, admin, "team_least_loaded", {"team_id": team.id})
    lead = await capture(client, marketing)
    assert lead["owner"]["id"] == str(b.id)
    t = await trace(app, lead["id"])
    assert t["candidates"] == [{"user_id": str(b.id), "open_leads": 1, "skipped_reason": None}]
    # now both are full
    lead = await capture(client, marketing)
    assert lead["owner"] is None and lead["zone_id"] == str(zone.id)
    t = await trace(app, lead["id"])
    assert t["result"]["queue"] == "leader"
    assert {c["skipped_reason"] for c in t["candidates"]} == {"at capacity (2/2 open leads)"}


async def test_least_loaded_picks_the_rep_with_fewest_open_leads(client, factory, app):
    zone, team, (a, b, c), admin, marketing = await setup(factory, 3)
    await give_open_leads(app, a, 3)
    await give_open_leads(app, b, 1)
    await give_open_leads(app, c, 2)
    await rule(client, admin, "team_least_loaded", {"team_id": team.id})
    first = await capture(client, marketing)
    second = await capture(client, marketing)
    assert first["owner"]["id"] == str(b.id)
    assert second["owner"]["id"] in {str(b.id), str(c.id)}  # both have 2 now
    assert first["zone_id"] == str(zone.id)


async def test_weighted_team_follows_the_weights(client, factory):
    zone, team, (a, b), admin, marketing = await setup(factory, 2)
    await rule(client, admin, "team_weighted", {"team_id": team.id, "weights": {str(a.id): 3, str(b.id): 1}})
    owners = Counter([(await capture(client, marketing))["owner"]["id"] for _ in range(8)])
    assert owners == {str(a.id): 6, str(b.id): 2}


async def test_named_user_on_leave_is_skipped_to_the_leader_queue(client, factory, app):
    zone, team, (rep,), admin, marketing = await setup(factory, 1)
    await set_user(app, rep, on_leave=True)
    await rule(client, admin, "user", {"user_id": rep.id})
    lead = await capture(client, marketing, province_code="440000")
    assert lead["owner"] is None and lead["zone_id"] == str(zone.id)
    t = await trace(app, lead["id"])
    assert t["candidates"][0]["skipped_reason"] == "on leave" and t["result"]["queue"] == "leader"


async def test_zone_pool_and_leader_queue_actions(client, factory, app):
    zone, team, reps, admin, marketing = await setup(factory, 1)
    north = await factory.zone(provinces=["110000"])
    await rule(
        client, admin, "zone_pool", {"zone_id": north.id}, {"field": "product", "op": "eq", "value": "ERP"}
    )
    await rule(client, admin, "zone_leader_queue", {}, {"field": "zone", "op": "present"})
    pooled = await capture(client, marketing, product="ERP", province_code="440000")
    assert pooled["owner"] is None and pooled["zone_id"] == str(north.id)
    assert (await trace(app, pooled["id"]))["result"]["queue"] == "pool"
    queued = await capture(client, marketing, product="CRM", province_code="440000")
    assert queued["owner"] is None and queued["zone_id"] == str(zone.id)  # the covering zone
    assert (await trace(app, queued["id"]))["action"] == "zone_leader_queue"


async def test_missing_required_fields_go_to_the_zone_leaders_queue(client, factory, app):
    zone, team, (rep,), admin, marketing = await setup(factory, 1)
    await rule(client, admin, "user", {"user_id": rep.id}, required_fields=["province_code", "industry"])
    no_province = await capture(client, marketing, industry="制造")
    assert no_province["owner"] is None and no_province["zone_id"] is None  # no region: the default queue
    t = await trace(app, no_province["id"])
    assert t["missing_fields"] == ["province_code"] and t["result"]["queue"] == "leader"
    no_industry = await capture(client, marketing, province_code="440000")
    assert no_industry["owner"] is None and no_industry["zone_id"] == str(zone.id)
    complete = await capture(client, marketing, province_code="440000", industry="制造")
    assert complete["owner"]["id"] == str(rep.id)


async def test_and_or_conditions_and_rule_order(client, factory):
    zone, team, (a, b), admin, marketing = await setup(factory, 2)
    await rule(
        client,
        admin,
        "user",
        {"user_id": a.id},
        {
            "all": [
                {"field": "grade", "op": "in", "value": ["A", "B", "C", "D"]},
                {
                    "any": [
                        {"field": "industry", "op": "eq", "value": "制造"},
                        {"field": "company_size", "op": "in", "value": ["1000+"]},
                    ]
                },
            ]
        },
    )
    await rule(client, admin, "user", {"user_id": b.id})  # catch-all, tried second
    assert (await capture(client, marketing, industry="制造"))["owner"]["id"] == str(a.id)
    assert (await capture(client, marketing, industry="零售"))["owner"]["id"] == str(b.id)
    rules = (await client.get(RULES, headers=admin.headers)).json()["items"]
    r = await client.put(
        f"{RULES}/order", json={"ids": [rules[1]["id"], rules[0]["id"]]}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [rules[1]["id"], rules[0]["id"]]
    assert (await capture(client, marketing, industry="制造"))["owner"]["id"] == str(b.id)


async def test_a_hundred_concurrent_leads_split_evenly_over_four_reps(client, factory, app):
    zone, team, reps, admin, marketing = await setup(factory, 4)
    await rule(client, admin, "team_round_robin", {"team_id": team.id})
    bodies = [{"company_name": f"并发{i}号有限公司", "mobile": f"137{i:08d}"} for i in range(100)]
    results = await asyncio.gather(*(client.post(LEADS, json=b, headers=marketing.headers) for b in bodies))
    assert all(r.status_code == 201 for r in results), [r.text for r in results if r.status_code != 201][:3]
    async with app.state.ctx.sessions() as s:
        rows = (await s.execute(select(Lead.owner_id, func.count()).group_by(Lead.owner_id))).all()
    assert {owner: n for owner, n in rows} == {r.id: 25 for r in reps}


async def test_dry_run_explains_without_saving_or_taking_a_turn(client, factory, app):
    zone, team, reps, admin, marketing = await setup(factory, 2)
    manager = await factory.user("sales_manager")  # not a member: the rotation is the two reps
    first, second = sorted(reps, key=lambda u: u.id)  # the rotation's order
    await set_user(app, first, on_leave=True)
    r0 = await rule(client, admin, "team_round_robin", {"team_id": team.id}, name="轮转")
    for who in (admin, manager):
        r = await client.post(f"{RULES}/dry-run", json={"province_code": "440000"}, headers=who.headers)
        assert r.status_code == 200, r.text
    d = r.json()
    assert d["rule_id"] == r0["id"] and d["rule_name"] == "轮转" and d["action"] == "team_round_robin"
    assert d["candidates"] == [
        {"user_id": str(first.id), "open_leads": 0, "skipped_reason": "on leave"},
        {"user_id": str(second.id), "open_leads": 0, "skipped_reason": None},
    ]
    assert d["result"] == {"owner_id": str(second.id), "zone_id": str(zone.id), "queue": None, "reason": None}
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Lead)) == 0
    # the turn was not taken: the real lead gets what the dry run showed
    lead = await capture(client, marketing, province_code="440000")
    assert lead["owner"]["id"] == d["result"]["owner_id"]


async def test_rule_administration_validates_and_needs_permission(client, factory):
    zone, team, (rep,), admin, marketing = await setup(factory, 1)
    manager = await factory.user("sales_manager", team=team)
    bad = {"name": "x", "action_type": "team_round_robin", "action_target": {"team_id": str(uuid.uuid4())}}
    r = await client.post(RULES, json=bad, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action_target.team_id"
    r = await client.post(
        RULES, json={**bad, "action_type": "user", "action_target": {}}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action_target.user_id"
    r = await client.post(
        RULES,
        json={
            **bad,
            "action_target": {"team_id": str(team.id)},
            "conditions": {"field": "grade", "op": "like"},
        },
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "conditions"
    r = await client.post(
        RULES,
        json={
            "name": "w",
            "action_type": "team_weighted",
            "action_target": {"team_id": str(team.id), "weights": {str(manager.id): 0, str(uuid.uuid4()): 1}},
        },
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action_target.weights"
    created = await rule(client, admin, "team_round_robin", {"team_id": team.id})
    assert created["position"] == 0 and created["version"] == 1
    # reps may not even read the rules; managers read but do not edit
    assert (await client.get(RULES, headers=rep.headers)).status_code == 403
    assert (await client.post(RULES, json=bad, headers=rep.headers)).status_code == 403
    assert (await client.get(RULES, headers=manager.headers)).status_code == 200
    assert (await client.post(f"{RULES}/dry-run", json={}, headers=rep.headers)).status_code == 403
    r = await client.patch(f"{RULES}/{created['id']}", json={"is_active": False}, headers=manager.headers)
    assert r.status_code == 403
    # If-Match
    url = f"{RULES}/{created['id']}"
    r = await client.patch(url, json={"name": "改名"}, headers={**admin.headers, "If-Match": '"9"'})
    assert r.status_code == 412
    r = await client.patch(url, json={"name": "改名"}, headers={**admin.headers, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"' and r.json()["name"] == "改名"
    r = await client.patch(url, json={"action_type": "user"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action_target"
    r = await client.patch(url, json={"name": None}, headers=admin.headers)
    assert r.status_code == 422
    r = await client.put(f"{RULES}/order", json={"ids": [str(uuid.uuid4())]}, headers=admin.headers)
    assert r.status_code == 422
    # an inactive rule is not applied
    r = await client.patch(url, json={"is_active": False}, headers=admin.headers)
    lead = await capture(client, marketing)
    assert lead["owner"] is None
    assert (await client.delete(url, headers=admin.headers)).status_code == 204
    assert (await client.delete(url, headers=admin.headers)).status_code == 404
    assert (await client.get(RULES, headers=admin.headers)).json()["items"] == []
