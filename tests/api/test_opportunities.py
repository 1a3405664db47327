"""Opportunities through the API (issue 6): creation on the shipped 1-3-5-7-10 line, each kind
of exit criterion, skipping ahead, moving back, won and lost, stage history, who sees what
(owner, the opportunity team, managers), reassignment, registration with routing and
conflicts, special opportunities waiting for approval, customer protection in late stages,
lead conversion into an opportunity, and the kanban's weighted values."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from repositories.db import unit_of_work
from repositories.models import (
    CustomerProtection,
    Notification,
    OpportunityDocument,
    OpportunityMember,
)

V1 = "/api/v1"
STANDARD = "5a7e0c1e-1e7a-4c55-9d0f-0000000000b1"


async def org(factory: Any) -> dict[str, Any]:
    zone = await factory.zone(provinces=["440000"])
    top = await factory.team(zone)
    director = await factory.user("sales_director", team=top, zones=[zone])
    await factory.set_manager(top, director)
    team = await factory.team(zone, parent=top)
    manager = await factory.user("sales_manager", team=team)
    await factory.set_manager(team, manager)
    rep = await factory.user("sales_rep", team=team)
    rep2 = await factory.user("sales_rep", team=team)
    other_zone = await factory.zone()
    outsider = await factory.user("sales_rep", team=await factory.team(other_zone))
    presales = await factory.user("marketing")
    admin = await factory.admin()
    return {
        "zone": zone,
        "team": team,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "outsider": outsider,
        "presales": presales,
        "admin": admin,
    }


async def contact(
    client: Any, who: Any, customer_id: str, name: str, role: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "mobile": f"138{uuid.uuid4().int % 10**8:08d}"}
    if role:
        body["decision_role"] = role
    r = await client.post(f"{V1}/customers/{customer_id}/contacts", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def create(client: Any, who: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "name": "智慧工厂一期", "amount": "1000000.00", **fields}
    r = await client.post(f"{V1}/opportunities", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def move(client: Any, who: Any, opp_id: str, code: str, **extra: Any) -> Any:
    return await client.post(
        f"{V1}/opportunities/{opp_id}/stage", json={"stage_code": code, **extra}, headers=who.headers
    )


async def add_document(app: Any, opp_id: str, kind: str) -> None:
    async with unit_of_work(app.state.ctx.sessions) as s:
        s.add(
            OpportunityDocument(
                document_id=uuid.uuid4(),
                opportunity_id=uuid.UUID(opp_id),
                kind=kind,
                title="方案",
                version_number=1,
                file_name="方案.pdf",
                content_type="application/pdf",
                size_bytes=3,
                sha256=hashlib.sha256(b"pdf").hexdigest(),
                storage_key="test/key",
            )
        )


def missing(r: Any) -> list[tuple[str, str, str]]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("stage-criteria-not-met")
    return [(m["stage"], m["kind"], m["item"]) for m in body["missing"]]


async def test_created_in_the_first_stage_with_grade_and_weighted_value(client, factory):
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    await contact(client, o["rep"], customer["id"], "王总", "decision_maker")
    opp = await create(
        client, o["rep"], customer["id"], amount="1200000.00", expected_close_date="2026-12-31"
    )
    assert opp["business_line"]["id"] == STANDARD and opp["stage_code"] == "initial"
    assert opp["owner"]["id"] == str(o["rep"].id) and opp["team"]["id"] == str(o["team"].id)
    assert opp["zone_id"] == str(o["zone"].id) and opp["source"] == "manual"
    assert opp["grade"] == "A" and opp["amount"] == "1200000.00" and opp["weighted"] == "120000.00"
    assert [s["code"] for s in opp["path"]] == [
        "initial",
        "needs",
        "solution",
        "negotiation",
        "signing",
        "won",
        "lost",
    ]
    assert [s["win_rate"] for s in opp["path"][:5]] == ["10.00", "30.00", "50.00", "70.00", "100.00"]
    assert opp["permissions"] == {"update": True, "move": True, "reassign": False}
    chain = await client.get(f"{V1}/opportunities/{opp['id']}/decision-chain", headers=o["rep"].headers)
    assert [(c["name"], c["role"]) for c in chain.json()["items"]] == [("王总", "decision_maker")]
    # the client cannot set the owner to someone outside their scope, nor unknown fields
    r = await client.post(
        f"{V1}/opportunities",
        json={"customer_id": customer["id"], "name": "x", "owner_id": str(o["outsider"].id)},
        headers=o["manager"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id"
    r = await client.post(
        f"{V1}/opportunities",
        json={"customer_id": customer["id"], "name": "x", "status": "won"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    small = await create(client, o["rep"], customer["id"], amount="50000.00")
    assert small["grade"] == "C"


async def test_each_exit_criterion_blocks_until_met_then_history_keeps_every_move(client, factory, app):
    o = await org(factory)
    rep = o["rep"]
    customer = await factory.customer(rep)
    opp = await create(client, rep, customer["id"], amount="0")
    oid = opp["id"]
    # initial: expected close date and one contact in the decision chain
    assert missing(await move(client, rep, oid, "needs")) == [
        ("initial", "required_field", "expected_close_date"),
        ("initial", "min_contacts", "1"),
    ]
    await client.patch(
        f"{V1}/opportunities/{oid}", json={"expected_close_date": "2026-12-31"}, headers=rep.headers
    )
    first = await contact(client, rep, customer["id"], "李工", "user")
    r = await client.post(
        f"{V1}/opportunities/{oid}/decision-chain",
        json={"contact_id": first["id"], "role": "user"},
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    assert (await move(client, rep, oid, "needs")).status_code == 200
    # needs: a decision maker identified, two contacts — blocked once, then it passes
    assert missing(await move(client, rep, oid, "solution")) == [
        ("needs", "key_role", "decision_maker"),
        ("needs", "min_contacts", "2"),
    ]
    boss = await contact(client, rep, customer["id"], "王总")
    r = await client.post(
        f"{V1}/opportunities/{oid}/decision-chain",
        json={"contact_id": boss["id"], "role": "decision_maker"},
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    assert (await move(client, rep, oid, "solution")).status_code == 200
    # solution: a solution document and an amount
    assert missing(await move(client, rep, oid, "negotiation")) == [
        ("solution", "required_field", "amount"),
        ("solution", "document", "solution"),
    ]
    await add_document(app, oid, "solution")
    await client.patch(f"{V1}/opportunities/{oid}", json={"amount": "1000000.00"}, headers=rep.headers)
    assert (await move(client, rep, oid, "negotiation")).status_code == 200
    # negotiation: a checklist item; skipping ahead to won checks signing too (it has none)
    r = await move(client, rep, oid, "won", won={"amount": "980000.00", "signed_on": "2026-11-20"})
    assert missing(r) == [("negotiation", "checklist", "客户确认报价 / The customer confirmed the quote")]
    r = await client.post(
        f"{V1}/opportunities/{oid}/checklist",
        json={"stage_code": "negotiation", "item": "客户确认报价 / The customer confirmed the quote"},
        headers=rep.headers,
    )
    assert r.status_code == 200 and r.json()["path"][3]["checklist"][0]["done"] is True
    # won needs the deal data
    r = await move(client, rep, oid, "won")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "won"
    r = await move(
        client,
        rep,
        oid,
        "won",
        won={"amount": "980000.00", "signed_on": "2026-11-20", "contract_number": "HT-1"},
    )
    assert r.status_code == 200, r.text
    won = r.json()
    assert won["status"] == "won" and won["won_amount"] == "980000.00" and won["closed_at"] is not None
    assert won["weighted"] == "0.00"
    history = (await client.get(f"{V1}/opportunities/{oid}/history", headers=rep.headers)).json()
    assert [
        (h["from_stage"] and h["from_stage"]["name"][:2], h["to_stage"]["name"][:2])
        for h in history["stages"]
    ] == [
        (None, "初步"),
        ("初步", "需求"),
        ("需求", "方案"),
        ("方案", "报价"),
        ("报价", "赢单"),
    ]
    assert all(h["moved_by"]["id"] == str(rep.id) for h in history["stages"])
    assert all(h["seconds_in_from"] is not None for h in history["stages"][1:])
    assert {t["name"][:2] for t in history["time_in_stage"]} == {"初步", "需求", "方案", "报价", "赢单"}


async def test_moving_back_needs_nothing_and_losing_records_reason_and_competitor(client, factory):
    o = await org(factory)
    rep = o["rep"]
    customer = await factory.customer(rep)
    opp = await create(client, rep, customer["id"], expected_close_date="2026-12-31")
    await contact(client, rep, customer["id"], "张三")
    # the contact added after creation is not in the chain: min contacts still unmet
    assert missing(await move(client, rep, opp["id"], "needs")) == [("initial", "min_contacts", "1")]
    r = await move(client, rep, opp["id"], "lost", lost={"reason": "bogus"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost.reason"
    r = await move(client, rep, opp["id"], "lost")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost.reason"
    r = await move(
        client,
        rep,
        opp["id"],
        "lost",
        lost={"reason": "price", "competitor_name": "竞品科技有限公司", "note": "低价"},
    )
    assert r.status_code == 200, r.text
    lost = r.json()
    assert (
        lost["status"] == "lost"
        and lost["lost_reason"] == "price"
        and lost["lost_to"]["name"] == "竞品科技有限公司"
    )
    # reopening moves back to an open stage without criteria and clears the loss
    r = await move(client, rep, opp["id"], "initial")
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["lost_to"] is None
    reasons = (await client.get(f"{V1}/opportunities/lost-reasons", headers=rep.headers)).json()["items"]
    assert "price" in [x["code"] for x in reasons]


async def test_visibility_owner_team_member_manager_and_outsiders(client, factory, app):
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await create(client, o["rep"], customer["id"])
    url = f"{V1}/opportunities/{opp['id']}"
    assert (await client.get(url, headers=o["rep2"].headers)).status_code == 404  # same team, not a member
    assert (await client.get(url, headers=o["outsider"].headers)).status_code == 404
    assert (await client.get(url, headers=o["presales"].headers)).status_code == 404
    assert (await client.get(url, headers=o["manager"].headers)).status_code == 200
    assert (await client.get(url, headers=o["director"].headers)).status_code == 200
    async with unit_of_work(app.state.ctx.sessions) as s:
        s.add(
            OpportunityMember(opportunity_id=uuid.UUID(opp["id"]), user_id=o["presales"].id, role="presales")
        )
        s.add(OpportunityMember(opportunity_id=uuid.UUID(opp["id"]), user_id=o["outsider"].id, role="sales"))
    seen = await client.get(url, headers=o["presales"].headers)
    assert seen.status_code == 200 and seen.json()["permissions"]["move"] is False  # marketing may not move
    assert (await client.get(url, headers=o["outsider"].headers)).json()["permissions"]["update"] is True
    listed = (await client.get(f"{V1}/opportunities", headers=o["outsider"].headers)).json()["items"]
    assert [x["id"] for x in listed] == [opp["id"]]
    assert (await client.get(f"{V1}/opportunities", headers=o["rep2"].headers)).json()["items"] == []
    # a member may not reassign; a visible-but-forbidden action is 403, an invisible one 404
    r = await client.post(
        f"{url}/reassign", json={"owner_id": str(o["rep2"].id), "reason": "x"}, headers=o["rep2"].headers
    )
    assert r.status_code == 403  # reps hold no reassign permission at all
    r = await client.patch(url, json={"next_step": "x"}, headers=o["rep2"].headers)
    assert r.status_code == 404


async def test_reassignment_keeps_history_and_notifies(client, factory, app):
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await create(client, o["rep"], customer["id"])
    url = f"{V1}/opportunities/{opp['id']}/reassign"
    r = await client.post(
        url, json={"owner_id": str(o["outsider"].id), "reason": "x"}, headers=o["manager"].headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id"
    r = await client.post(
        url, json={"owner_id": str(o["rep2"].id), "reason": "张三离职"}, headers=o["manager"].headers
    )
    assert r.status_code == 200 and r.json()["owner"]["id"] == str(o["rep2"].id)
    assert (await client.get(f"{V1}/opportunities/{opp['id']}", headers=o["rep"].headers)).status_code == 404
    history = (await client.get(f"{V1}/opportunities/{opp['id']}/history", headers=o["rep2"].headers)).json()
    assert [
        (a["from_owner"] and a["from_owner"]["id"], a["to_owner"]["id"], a["reason"])
        for a in history["assignments"]
    ] == [
        (None, str(o["rep"].id), "新建 / created"),
        (str(o["rep"].id), str(o["rep2"].id), "张三离职"),
    ]
    async with app.state.ctx.sessions() as s:
        kinds = {
            (n.user_id, n.kind)
            for n in await s.scalars(select(Notification).where(Notification.entity_id == opp["id"]))
        }
    assert (o["rep2"].id, "opportunity_assigned") in kinds and (
        o["rep"].id,
        "opportunity_reassigned",
    ) in kinds


async def test_registration_is_routed_queued_or_flagged_as_a_conflict(client, factory, app):
    o = await org(factory)
    admin = o["admin"]
    r = await client.post(
        f"{V1}/assignment-rules",
        json={
            "name": "广东制造业给 rep",
            "action_type": "user",
            "action_target": {"user_id": str(o["rep"].id)},
            "conditions": {"field": "province_code", "op": "eq", "value": "440000"},
            "required_fields": ["province_code", "industry"],
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    body = {
        "company": {"name": "深圳报备测试科技有限公司", "province_code": "440000", "industry": "制造"},
        "name": "MES",
        "product": "MES",
    }
    reg = await client.post(f"{V1}/opportunity-registrations", json=body, headers=o["rep2"].headers)
    assert reg.status_code == 201, reg.text
    routed = reg.json()
    assert (
        routed["owner"]["id"] == str(o["rep"].id)
        and routed["source"] == "registration"
        and routed["conflict"] is False
    )
    assert routed["routing_trace"]["rule_name"] == "广东制造业给 rep"
    # the same company and product again: kept, flagged for the manager, not silently duplicated
    again = await client.post(
        f"{V1}/opportunity-registrations",
        json={**body, "company": {**body["company"], "name": "深圳报备测试科技有限公司 "}},
        headers=o["outsider"].headers,
    )
    assert again.status_code == 201, again.text
    dup = again.json()
    assert (
        dup["conflict"] is True
        and dup["conflict_with"]["id"] == routed["id"]
        and dup["customer"]["id"] == routed["customer"]["id"]
    )
    flagged = (await client.get(f"{V1}/opportunities?conflict=true", headers=o["manager"].headers)).json()[
        "items"
    ]
    assert [x["id"] for x in flagged] == [dup["id"]]
    async with app.state.ctx.sessions() as s:
        told = set(
            await s.scalars(select(Notification.user_id).where(Notification.kind == "opportunity_conflict"))
        )
    assert o["manager"].id in told
    r = await move(client, o["rep"], dup["id"], "needs")
    assert r.status_code == 422 and "conflict" in r.json()["detail"]
    r = await client.post(
        f"{V1}/opportunities/{dup['id']}/conflict",
        json={"resolution": "merge", "note": "同一项目"},
        headers=o["manager"].headers,
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["status"] == "lost"
        and r.json()["lost_reason"] == "duplicate"
        and r.json()["conflict_status"] == "merged"
    )
    members = (
        await client.get(f"{V1}/opportunities/{routed['id']}/members", headers=o["rep"].headers)
    ).json()["items"]
    assert [m["user_id"] for m in members] == [str(o["outsider"].id)]
    # no industry: the rule's required field is missing → the zone leader's queue
    r = await client.post(
        f"{V1}/opportunity-registrations",
        json={"company": {"name": "广州无行业有限公司", "province_code": "440000"}, "name": "ERP"},
        headers=o["rep2"].headers,
    )
    assert r.status_code == 201, r.text
    queued = r.json()
    assert queued["owner"] is None and queued["queue"] == "leader" and queued["zone_id"] == str(o["zone"].id)
    waiting = (await client.get(f"{V1}/opportunities?queue=true", headers=o["director"].headers)).json()[
        "items"
    ]
    assert [x["id"] for x in waiting] == [queued["id"]]
    r = await client.post(
        f"{V1}/opportunities/{queued['id']}/reassign",
        json={"owner_id": str(o["rep2"].id), "reason": "手工分配"},
        headers=o["director"].headers,
    )
    assert r.status_code == 200 and r.json()["queue"] is None and r.json()["owner"]["id"] == str(o["rep2"].id)


async def test_special_opportunity_waits_for_approval(client, factory):
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await create(
        client,
        o["rep"],
        customer["id"],
        special_kind="multi_party_bidding",
        special_reason="三家投标",
        expected_close_date="2026-12-31",
    )
    assert opp["approval_status"] == "pending" and opp["approval_request_id"]
    await contact(client, o["rep"], customer["id"], "甲")
    r = await move(client, o["rep"], opp["id"], "needs")
    assert r.status_code == 422 and "approval" in r.json()["detail"]
    req = opp["approval_request_id"]
    for approver in (o["manager"], o["director"]):
        r = await client.post(
            f"{V1}/approvals/{req}/approve", json={"comment": "同意"}, headers=approver.headers
        )
        assert r.status_code == 200, r.text
    approved = (await client.get(f"{V1}/opportunities/{opp['id']}", headers=o["rep"].headers)).json()
    assert approved["approval_status"] == "approved"
    # the chain was copied at creation (empty then): add the contact to pass the initial stage
    await client.post(
        f"{V1}/opportunities/{opp['id']}/decision-chain",
        json={"contact_id": (await contact(client, o["rep"], customer["id"], "乙"))["id"]},
        headers=o["rep"].headers,
    )
    assert (await move(client, o["rep"], opp["id"], "needs")).status_code == 200


async def test_late_stages_protect_the_customer_from_recycling(client, factory, app):
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    await contact(client, o["rep"], customer["id"], "甲", "decision_maker")
    opp = await create(client, o["rep"], customer["id"], stage_id=None)
    negotiation = next(s for s in opp["path"] if s["code"] == "negotiation")
    # created straight into a late stage (a manager may place it there): protected at once
    r = await client.post(
        f"{V1}/opportunities",
        json={"customer_id": customer["id"], "name": "跳过", "stage_id": negotiation["id"]},
        headers=o["rep"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage_id"  # reps start at the start
    late = await create(
        client,
        o["manager"],
        customer["id"],
        stage_id=negotiation["id"],
        name="二期",
        owner_id=str(o["rep"].id),
    )

    async def active() -> set[str]:
        async with app.state.ctx.sessions() as s:
            rows = await s.scalars(
                select(CustomerProtection.source_id).where(
                    CustomerProtection.customer_id == uuid.UUID(customer["id"]),
                    CustomerProtection.ends_at.is_(None),
                )
            )
            return set(rows)

    assert await active() == {late["id"]}
    assert (await move(client, o["rep"], late["id"], "solution")).status_code == 200
    assert await active() == set()
    assert opp["stage_code"] == "initial"


async def test_lead_converts_into_customer_and_opportunity(client, factory):
    o = await org(factory)
    r = await client.post(
        f"{V1}/leads",
        json={
            "company_name": "线索转商机有限公司",
            "contact_name": "赵经理",
            "mobile": "13912345678",
            "product": "CRM",
        },
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    lead = r.json()
    r = await client.post(
        f"{V1}/leads/{lead['id']}/convert",
        json={"opportunity": {"amount": "300000.00", "expected_close_date": "2027-01-31"}},
        headers=o["rep"].headers,
    )
    assert r.status_code == 200, r.text
    conv = r.json()
    opp = (await client.get(f"{V1}/opportunities/{conv['opportunity_id']}", headers=o["rep"].headers)).json()
    assert (
        opp["source"] == "lead"
        and opp["lead_id"] == lead["id"]
        and opp["customer"]["id"] == conv["customer_id"]
    )
    assert opp["name"] == "线索转商机有限公司 - CRM" and opp["amount"] == "300000.00" and opp["grade"] == "B"
    chain = (
        await client.get(f"{V1}/opportunities/{opp['id']}/decision-chain", headers=o["rep"].headers)
    ).json()
    assert [c["name"] for c in chain["items"]] == ["赵经理"]


async def test_kanban_weighted_values_follow_the_seed(client, factory, app):
    """Seed 000: one 1,000,000 opportunity in each of the five stages → weighted 2,600,000."""
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    board = (await client.get(f"{V1}/opportunities/board", headers=o["rep"].headers)).json()
    stage_ids = {s["code"]: s["id"] for s in board["stages"]}
    for code in ("initial", "needs", "solution", "negotiation", "signing"):
        await create(
            client,
            o["manager"],
            customer["id"],
            stage_id=stage_ids[code],
            name=code,
            owner_id=str(o["rep"].id),
        )
    board = (await client.get(f"{V1}/opportunities/board", headers=o["rep"].headers)).json()
    open_stages = [s for s in board["stages"] if s["kind"] == "open"]
    assert [(s["count"], s["amount"], s["weighted"]) for s in open_stages] == [
        (1, "1000000.00", "100000.00"),
        (1, "1000000.00", "300000.00"),
        (1, "1000000.00", "500000.00"),
        (1, "1000000.00", "700000.00"),
        (1, "1000000.00", "1000000.00"),
    ]
    assert sum(Decimal(s["weighted"]) for s in open_stages) == Decimal("2600000.00")
    assert [len(s["cards"]) for s in open_stages] == [1, 1, 1, 1, 1]
    assert (await client.get(f"{V1}/opportunities/board", headers=o["rep2"].headers)).json()["stages"][0][
        "count"
    ] == 0
    mgr = (
        await client.get(f"{V1}/opportunities/board?owner_id={o['rep'].id}", headers=o["manager"].headers)
    ).json()
    assert sum(s["count"] for s in mgr["stages"]) == 5
