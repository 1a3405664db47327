"""Customer levels (normal / KA / SKA) with their criteria, tiers' criteria, and level-change
requests on the approval engine under the shipped flow: a rep asks, the manager approves or
rejects (and the zone's director too for SKA), the level changes (audited, outbox events,
notifications); one pending request per customer, and the level is locked meanwhile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from repositories.models import AuditEntry, Notification, OutboxEvent

V1 = "/api/v1"


async def sales_team(factory: Any) -> tuple[Any, Any, Any]:
    """(manager, rep, second rep) of one team in one zone."""
    zone = await factory.zone()
    manager = await factory.user("sales_manager")
    team = await factory.team(zone, manager=manager)
    rep = await factory.user("sales_rep", team=team)
    other = await factory.user("sales_rep", team=team)
    return manager, rep, other


async def ask(client: Any, who: Any, customer_id: str, to_level: str = "KA", **extra: Any) -> Any:
    body = {"to_level": to_level, "reason": "年采购额超过 200 万，已合作两年", **extra}
    return await client.post(f"{V1}/customers/{customer_id}/level-requests", json=body, headers=who.headers)


async def rows(app: Any, stmt: Any) -> list[Any]:
    async with app.state.ctx.sessions() as s:
        return list((await s.scalars(stmt)).all())


async def test_rep_asks_for_ka_and_the_manager_approves(app, client, factory) -> None:  # noqa: ANN001
    manager, rep, _ = await sales_team(factory)
    customer = await factory.customer(rep)
    r = await ask(client, rep, customer["id"])
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["status"] == "pending" and req["from_level"] == "normal" and req["to_level"] == "KA"
    assert req["requested_by"]["id"] == str(rep.id)
    assert req["can_withdraw"] and not req["can_decide"]

    # the manager is told and sees it among the pending requests, and may decide it
    notes = await rows(app, select(Notification).where(Notification.user_id == manager.id))
    assert [n.kind for n in notes] == ["approval_pending"] and customer["name"] in notes[0].title
    pending = (await client.get(f"{V1}/level-requests?status=pending", headers=manager.headers)).json()
    assert [i["id"] for i in pending["items"]] == [req["id"]] and pending["items"][0]["can_decide"]

    r = await client.post(
        f"{V1}/level-requests/{req['id']}/approve", json={"comment": "同意"}, headers=manager.headers
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "approved" and done["decided_by"]["id"] == str(manager.id)
    assert done["comment"] == "同意" and done["decided_at"] and done["customer_level"] == "KA"
    after = (await client.get(f"{V1}/customers/{customer['id']}", headers=rep.headers)).json()
    assert after["level"] == "KA"

    audit = await rows(app, select(AuditEntry).where(AuditEntry.root_entity_id == customer["id"]))
    assert any(a.entity == "customer" and a.changes.get("level") == ["normal", "KA"] for a in audit)
    assert {(a.entity, a.action) for a in audit} >= {
        ("approval_request", "submit"),
        ("approval_request", "approve"),
    }
    events = await rows(app, select(OutboxEvent).where(OutboxEvent.entity_id == customer["id"]))
    by_type = {e.type: e.data for e in events}
    assert by_type["customer.level_change_requested"]["to_level"] == "KA"
    decided = by_type["customer.level_change_decided"]
    assert decided["status"] == "approved" and decided["request_id"] == req["id"]
    told = await rows(app, select(Notification).where(Notification.user_id == rep.id))
    assert [n.kind for n in told] == ["approval_decided"]
    # the same request is in the engine's inbox and page
    page = (await client.get(f"{V1}/approvals/{req['id']}", headers=rep.headers)).json()
    assert page["kind"] == "customer_level_change" and page["status"] == "approved"
    assert page["changes"] == [{"field": "level", "before": "normal", "after": "KA"}]
    assert [s["status"] for s in page["steps"]] == ["approved", "skipped"]  # the SKA step did not apply

    # decided: a second decision is a conflict, and the rep's own list shows it approved
    again = await client.post(f"{V1}/level-requests/{req['id']}/reject", json={}, headers=manager.headers)
    assert again.status_code == 409
    mine = (await client.get(f"{V1}/level-requests", headers=rep.headers)).json()["items"]
    assert [(i["id"], i["status"]) for i in mine] == [(req["id"], "approved")]
    decided = await client.get(f"{V1}/level-requests?status=decided", headers=manager.headers)
    assert [i["id"] for i in decided.json()["items"]] == [req["id"]]
    assert (await client.get(f"{V1}/level-requests?status=pending", headers=manager.headers)).json()[
        "items"
    ] == []


async def test_reject_keeps_the_level_and_one_pending_request_per_customer(client, factory) -> None:  # noqa: ANN001
    manager, rep, _ = await sales_team(factory)
    customer = await factory.customer(rep)
    first = (await ask(client, rep, customer["id"])).json()
    second = await ask(client, rep, customer["id"], "SKA")
    assert second.status_code == 409 and "pending" in second.json()["detail"]

    r = await client.post(
        f"{V1}/level-requests/{first['id']}/reject", json={"comment": "采购额不足"}, headers=manager.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    level = (await client.get(f"{V1}/customers/{customer['id']}", headers=rep.headers)).json()["level"]
    assert level == "normal"
    assert (await ask(client, rep, customer["id"], "SKA")).status_code == 201  # free to ask again
    listed = await client.get(
        f"{V1}/level-requests?customer_id={customer['id']}&limit=1", headers=manager.headers
    )
    page = listed.json()
    assert [i["to_level"] for i in page["items"]] == ["SKA"] and page["next_cursor"]
    rest = await client.get(
        f"{V1}/level-requests?customer_id={customer['id']}&limit=1&cursor={page['next_cursor']}",
        headers=manager.headers,
    )
    assert [i["status"] for i in rest.json()["items"]] == ["rejected"]


async def test_input_scope_and_who_may_decide(client, factory) -> None:  # noqa: ANN001
    manager, rep, other = await sales_team(factory)
    stranger = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    customer = await factory.customer(rep)

    same = await ask(client, rep, customer["id"], "normal")
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "to_level"
    unknown = await ask(client, rep, customer["id"], urgent=True)
    assert unknown.status_code == 422
    assert (await ask(client, rep, customer["id"], "VIP")).status_code == 422
    assert (await ask(client, stranger, customer["id"])).status_code == 404  # not theirs: no leak

    req = (await ask(client, rep, customer["id"])).json()
    url = f"{V1}/level-requests/{req['id']}"
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.get(url, headers=other.headers)).status_code == 404  # a teammate's customer
    assert (await client.post(f"{url}/approve", json={}, headers=stranger.headers)).status_code == 404
    # the applicant sees it but may not decide it; nor may anyone but the applicant withdraw it
    assert (await client.post(f"{url}/approve", json={}, headers=rep.headers)).status_code == 403
    assert (await client.post(f"{url}/withdraw", headers=manager.headers)).status_code == 403
    assert (await client.get(f"{V1}/level-requests", headers=other.headers)).json()["items"] == []
    bad = await client.post(f"{url}/approve", json={"comment": "ok", "level": "SKA"}, headers=manager.headers)
    assert bad.status_code == 422

    w = await client.post(f"{url}/withdraw", headers=rep.headers)
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    assert (await client.post(f"{url}/approve", json={}, headers=manager.headers)).status_code == 409


async def test_ska_needs_the_manager_then_the_zone_director(client, factory) -> None:  # noqa: ANN001
    zone = await factory.zone()
    manager = await factory.user("sales_manager")
    rep = await factory.user("sales_rep", team=await factory.team(zone, manager=manager))
    director = await factory.user("sales_director", zones=[zone])
    customer = await factory.customer(rep)
    req = (await ask(client, rep, customer["id"], "SKA")).json()
    url = f"{V1}/level-requests/{req['id']}"
    assert not (await client.get(url, headers=director.headers)).json()["can_decide"]  # not yet their step
    assert (await client.post(f"{url}/approve", json={}, headers=director.headers)).status_code == 403

    r = await client.post(f"{url}/approve", json={"comment": "同意"}, headers=manager.headers)
    assert r.status_code == 200 and r.json()["status"] == "pending" and not r.json()["can_decide"]
    seen = (await client.get(url, headers=director.headers)).json()
    assert seen["can_decide"] and seen["customer_level"] == "normal"  # nothing applied before the end
    r = await client.post(f"{url}/approve", json={}, headers=director.headers)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["customer_level"] == "SKA"
    assert r.json()["decided_by"]["id"] == str(director.id)


async def test_level_is_set_directly_only_by_admins(client, factory) -> None:  # noqa: ANN001
    manager, rep, _ = await sales_team(factory)
    admin = await factory.admin()
    customer = await factory.customer(rep)
    url = f"{V1}/customers/{customer['id']}"
    r = await client.patch(url, json={"level": "KA"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "level"
    assert (await client.patch(url, json={"level": "KA"}, headers=manager.headers)).status_code == 422
    r = await client.patch(url, json={"level": "SKA"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["level"] == "SKA"
    # while a level change waits for approval, not even an admin sets the level directly
    req = (await ask(client, rep, customer["id"], "KA")).json()
    locked = await client.patch(url, json={"level": "normal"}, headers=admin.headers)
    assert locked.status_code == 409 and locked.json()["approval_request_id"] == req["id"]
    detail = (await client.get(url, headers=rep.headers)).json()
    assert [p["id"] for p in detail["pending_approvals"]] == [req["id"]]
    assert detail["pending_approvals"][0]["changes"] == {"level": ["SKA", "KA"]}


async def test_admin_edits_level_and_tier_criteria(app, client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    levels = (await client.get(f"{V1}/customer-levels", headers=rep.headers)).json()["items"]
    assert [lv["code"] for lv in levels] == ["normal", "KA", "SKA"]
    ka = levels[1]
    assert ka["min_annual_amount"] == "1000000.00" and "1000+" in ka["company_sizes"]

    change = {"min_annual_amount": "2000000.50", "company_sizes": ["1000+"], "min_cooperation_years": 2}
    assert (
        await client.patch(f"{V1}/customer-levels/KA", json=change, headers=rep.headers)
    ).status_code == 403
    r = await client.patch(f"{V1}/customer-levels/KA", json=change, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["min_annual_amount"] == "2000000.50" and r.json()["company_sizes"] == ["1000+"]
    assert (
        await client.patch(f"{V1}/customer-levels/KA", json={"colour": "gold"}, headers=admin.headers)
    ).status_code == 422
    assert (
        await client.patch(f"{V1}/customer-levels/VIP", json={"name": "x"}, headers=admin.headers)
    ).status_code == 422
    bad = await client.patch(
        f"{V1}/customer-levels/KA", json={"company_sizes": ["huge"]}, headers=admin.headers
    )
    assert bad.status_code == 422
    audit = await rows(app, select(AuditEntry).where(AuditEntry.entity == "customer_level"))
    assert [a.changes["min_annual_amount"] for a in audit] == [["1000000.00", "2000000.50"]]

    r = await client.patch(
        f"{V1}/customer-tiers/A",
        json={"criteria": "年商机 ≥ 500 万", "description": "重点"},
        headers=admin.headers,
    )
    assert r.status_code == 200 and r.json()["criteria"] == "年商机 ≥ 500 万"
    tiers = (await client.get(f"{V1}/customer-tiers", headers=rep.headers)).json()["items"]
    assert tiers[0]["description"] == "重点" and tiers[1]["criteria"]
