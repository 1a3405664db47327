"""Working an opportunity together (seed 002): the cross-department team, the decision chain and
the competitors."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from repositories.db import unit_of_work
from repositories.models import Opportunity, OutboxEvent, PipelineStage, User
from services.competitors import find_or_create_competitor
from services.decision_chain import copy_customer_contacts

V1 = "/api/v1"
STANDARD_LINE = uuid.UUID("5a7e0c1e-1e7a-4c55-9d0f-0000000000b1")


async def org(factory: Any) -> dict[str, Any]:
    """A zone: a director's team above a sales team (manager, owner rep, a teammate rep); a rep
    of another zone; a marketing colleague (presales); finance; an inactive user."""
    zone = await factory.zone()
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
    finance = await factory.user("finance")
    inactive = await factory.user("sales_rep", team=team, active=False)
    async with unit_of_work(factory.ctx.sessions) as s:
        row = await s.get(User, presales.id)
        assert row is not None
        row.mobile, row.email = "+8613800138000", "presales@example.com"
    return {
        "zone": zone,
        "team": team,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "outsider": outsider,
        "presales": presales,
        "finance": finance,
        "inactive": inactive,
    }


async def opportunity(factory: Any, o: dict[str, Any], customer_id: str, copy_chain: bool = False) -> str:
    """An open opportunity of the rep in the standard line's first stage, straight in the ORM."""
    async with unit_of_work(factory.ctx.sessions) as s:
        stage = await s.scalar(
            select(PipelineStage).where(
                PipelineStage.business_line_id == STANDARD_LINE, PipelineStage.code == "initial"
            )
        )
        assert stage is not None
        opp = Opportunity(
            id=uuid.uuid4(),
            name="智慧园区一期",
            customer_id=uuid.UUID(customer_id),
            business_line_id=STANDARD_LINE,
            stage_id=stage.id,
            amount=1_000_000,
            owner_id=o["rep"].id,
            zone_id=o["zone"].id,
            team_id=o["team"].id,
            created_by=o["rep"].id,
        )
        s.add(opp)
        if copy_chain:
            assert await copy_customer_contacts(s, opp) >= 0
    return str(opp.id)


async def test_a_member_added_is_notified_and_sees_the_opportunity(client: Any, factory: Any) -> None:
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"])
    members = f"{V1}/opportunities/{opp}/members"

    # before: the marketing colleague and a rep of another zone do not see it (404, not 403)
    for who in (o["presales"], o["outsider"], o["rep2"]):
        assert (await client.get(members, headers=who.headers)).status_code == 404
        assert (
            await client.get(f"{V1}/opportunities/{opp}/decision-chain", headers=who.headers)
        ).status_code == 404

    r = await client.post(
        members,
        json={"user_id": str(o["presales"].id), "role": "presales", "note": "方案讲解"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    added = r.json()
    assert (
        added["user_id"] == str(o["presales"].id)
        and added["role"] == "presales"
        and added["note"] == "方案讲解"
    )
    assert added["added_by"]["id"] == str(o["rep"].id)
    assert added["phone"] == "+8613800138000" and added["email"] == "presales@example.com"

    # notified, and an outbox event for integrations
    r = await client.get(f"{V1}/notifications", headers=o["presales"].headers)
    notes = [n for n in r.json()["items"] if n["kind"] == "opportunity_member_added"]
    assert len(notes) == 1 and notes[0]["entity"] == "opportunity" and notes[0]["entity_id"] == opp
    assert "智慧园区一期" in notes[0]["title"]
    async with factory.ctx.sessions() as s:
        events = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "opportunity.member_added"))
        )
    assert (
        len(events) == 1 and events[0].data["user_id"] == str(o["presales"].id) and events[0].entity_id == opp
    )

    # now the member sees the team (the owner's card and the teammates' phone and e-mail) and the chain
    r = await client.get(members, headers=o["presales"].headers)
    assert r.status_code == 200, r.text
    team = r.json()
    assert team["owner"]["user_id"] == str(o["rep"].id) and team["owner"]["team_name"]
    assert [m["user_id"] for m in team["items"]] == [str(o["presales"].id)]
    assert (
        await client.get(f"{V1}/opportunities/{opp}/decision-chain", headers=o["presales"].headers)
    ).status_code == 200

    # the owner's manager and director see it by scope; the teammate rep and the other zone's rep still do not
    assert (await client.get(members, headers=o["manager"].headers)).status_code == 200
    assert (await client.get(members, headers=o["director"].headers)).status_code == 200
    assert (await client.get(members, headers=o["outsider"].headers)).status_code == 404
    assert (
        await client.get(f"{V1}/opportunities/{opp}/decision-chain", headers=o["rep2"].headers)
    ).status_code == 404

    # already on the team → 409; the owner → 422; inactive or unknown users → 422
    r = await client.post(
        members, json={"user_id": str(o["presales"].id), "role": "sales"}, headers=o["rep"].headers
    )
    assert r.status_code == 409, r.text
    r = await client.post(
        members, json={"user_id": str(o["rep"].id), "role": "sales"}, headers=o["rep"].headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"
    assert "owner" in r.json()["errors"][0]["message"]
    for user_id in (o["inactive"].id, uuid.uuid4()):
        r = await client.post(
            members, json={"user_id": str(user_id), "role": "sales"}, headers=o["rep"].headers
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"
    r = await client.post(
        members, json={"user_id": str(o["rep2"].id), "role": "boss"}, headers=o["rep"].headers
    )
    assert r.status_code == 422

    # somebody who does not see it cannot add people (404)
    r = await client.post(
        members, json={"user_id": str(o["rep2"].id), "role": "sales"}, headers=o["outsider"].headers
    )
    assert r.status_code == 404


async def test_member_role_change_and_leaving(client: Any, factory: Any) -> None:
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"])
    members = f"{V1}/opportunities/{opp}/members"
    for who, role in ((o["outsider"], "sales"), (o["finance"], "other")):
        r = await client.post(members, json={"user_id": str(who.id), "role": role}, headers=o["rep"].headers)
        assert r.status_code == 201, r.text

    r = await client.patch(
        f"{members}/{o['outsider'].id}",
        json={"role": "service", "note": "售后对接"},
        headers=o["manager"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "service" and r.json()["note"] == "售后对接"
    listed = (await client.get(members, headers=o["rep"].headers)).json()["items"]
    assert {m["user_id"]: m["role"] for m in listed} == {
        str(o["outsider"].id): "service",
        str(o["finance"].id): "other",
    }
    assert (
        await client.patch(f"{members}/{o['outsider'].id}", json={"role": "cto"}, headers=o["rep"].headers)
    ).status_code == 422
    assert (
        await client.patch(f"{members}/{o['rep2'].id}", json={"note": "x"}, headers=o["rep"].headers)
    ).status_code == 404

    # finance reads every opportunity but may not change teams: 403 for someone else, yet may leave
    assert (
        await client.delete(f"{members}/{o['outsider'].id}", headers=o["finance"].headers)
    ).status_code == 403
    assert (
        await client.delete(f"{members}/{o['finance'].id}", headers=o["finance"].headers)
    ).status_code == 204

    # the member covers a key person; removing them from the team leaves that person uncovered
    chain = f"{V1}/opportunities/{opp}/decision-chain"
    r = await client.post(
        chain,
        json={"new_contact": {"name": "覆盖测试"}, "role": "user", "covered_by_id": str(o["outsider"].id)},
        headers=o["rep"].headers,
    )
    assert r.status_code == 201 and r.json()["covered_by_id"] == str(o["outsider"].id), r.text
    # the owner removes the other member, who then no longer sees the opportunity
    assert (await client.delete(f"{members}/{o['outsider'].id}", headers=o["rep"].headers)).status_code == 204
    [entry] = (await client.get(chain, headers=o["rep"].headers)).json()["items"]
    assert entry["covered_by_id"] is None
    assert (await client.get(members, headers=o["outsider"].headers)).status_code == 404
    assert (await client.get(members, headers=o["rep"].headers)).json()["items"] == []


async def test_decision_chain_is_copied_from_the_customer_and_kept_per_opportunity(
    client: Any, factory: Any
) -> None:
    o = await org(factory)
    customer = await factory.customer(
        o["rep"],
        contacts=[
            {"name": "张总", "title": "总经理", "decision_role": "decision_maker", "attitude": "neutral"},
            {"name": "李工", "title": "IT 经理", "decision_role": "champion", "attitude": "supporter"},
            {"name": "王秘书", "title": "秘书", "decision_role": "gatekeeper"},
        ],
    )
    contacts = {
        c["name"]: c
        for c in (
            await client.get(f"{V1}/customers/{customer['id']}/contacts", headers=o["rep"].headers)
        ).json()["items"]
    }
    # the org chart: 李工 → 王秘书 → 张总 (王秘书 will leave the chain: 李工 then hangs under 张总, indirectly)
    for name, boss in (("王秘书", "张总"), ("李工", "王秘书")):
        r = await client.patch(
            f"{V1}/contacts/{contacts[name]['id']}",
            json={"reports_to_id": contacts[boss]["id"]},
            headers=o["rep"].headers,
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"{V1}/customers/{customer['id']}/follow-ups",
        json={
            "kind": "visit",
            "content": "拜访李工",
            "happened_at": "2026-11-20T10:00:00+08:00",
            "contact_id": contacts["李工"]["id"],
        },
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text

    opp = await opportunity(factory, o, customer["id"], copy_chain=True)
    chain_url = f"{V1}/opportunities/{opp}/decision-chain"
    r = await client.get(chain_url, headers=o["rep"].headers)
    assert r.status_code == 200, r.text
    chain = r.json()
    entries = {e["name"]: e for e in chain["items"]}
    assert {n: (e["role"], e["attitude"]) for n, e in entries.items()} == {
        "张总": ("decision_maker", "neutral"),
        "李工": ("champion", "supporter"),
        "王秘书": ("gatekeeper", None),
    }
    assert (
        entries["李工"]["title"] == "IT 经理" and entries["李工"]["reports_to_id"] == contacts["王秘书"]["id"]
    )
    assert entries["李工"]["last_touch_at"].startswith("2026-11-20T02:00:00")  # the follow-up, in UTC
    assert entries["张总"]["last_touch_at"] is None
    edges = {(e["source"], e["target"], e["direct"]) for e in chain["chart"]["edges"]}
    assert edges == {
        (contacts["张总"]["id"], contacts["王秘书"]["id"], True),
        (contacts["王秘书"]["id"], contacts["李工"]["id"], True),
    }
    assert chain["chart"]["roots"] == [contacts["张总"]["id"]]

    # the chain is the opportunity's own: dropping 王秘书 keeps the contact, 李工 now hangs under 张总
    r = await client.delete(f"{chain_url}/{entries['王秘书']['id']}", headers=o["rep"].headers)
    assert r.status_code == 204
    chain = (await client.get(chain_url, headers=o["rep"].headers)).json()
    assert [(e["source"], e["target"], e["direct"]) for e in chain["chart"]["edges"]] == [
        (contacts["张总"]["id"], contacts["李工"]["id"], False)
    ]
    assert (
        len(
            (await client.get(f"{V1}/customers/{customer['id']}/contacts", headers=o["rep"].headers)).json()[
                "items"
            ]
        )
        == 3
    )

    # a contact of another customer → 422 on contact_id; one already in the chain → 409
    other = await factory.customer(o["rep"], contacts=[{"name": "赵总"}])
    stranger = (await client.get(f"{V1}/customers/{other['id']}/contacts", headers=o["rep"].headers)).json()[
        "items"
    ][0]
    r = await client.post(
        chain_url, json={"contact_id": stranger["id"], "role": "influencer"}, headers=o["rep"].headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact_id"
    r = await client.post(chain_url, json={"contact_id": contacts["张总"]["id"]}, headers=o["rep"].headers)
    assert r.status_code == 409
    r = await client.post(chain_url, json={"role": "user"}, headers=o["rep"].headers)
    assert r.status_code == 422  # neither contact_id nor new_contact

    # a new contact is created on the customer (validated like the contacts API) and added
    r = await client.post(
        chain_url,
        json={"new_contact": {"name": "钱总", "title": "CFO", "mobile": "12345"}, "role": "decision_maker"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("new_contact.mobile")
    r = await client.post(
        chain_url,
        json={
            "new_contact": {
                "name": "钱总",
                "title": "CFO",
                "mobile": "13900139000",
                "email": "qian@example.com",
                "department": "财务部",
            },
            "role": "decision_maker",
            "influence": "high",
            "satisfaction": 4,
        },
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    qian = r.json()
    assert qian["name"] == "钱总" and qian["mobile"] == "+8613900139000" and qian["influence"] == "high"
    on_customer = {
        c["name"]: c
        for c in (
            await client.get(f"{V1}/customers/{customer['id']}/contacts", headers=o["rep"].headers)
        ).json()["items"]
    }
    assert (
        on_customer["钱总"]["id"] == qian["contact_id"]
        and on_customer["钱总"]["decision_role"] == "decision_maker"
    )

    # who covers a contact must be on our side: the owner or a team member
    r = await client.patch(
        f"{chain_url}/{qian['id']}", json={"covered_by_id": str(o["presales"].id)}, headers=o["rep"].headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "covered_by_id"
    r = await client.post(
        f"{V1}/opportunities/{opp}/members",
        json={"user_id": str(o["presales"].id), "role": "presales"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 201
    r = await client.patch(
        f"{chain_url}/{qian['id']}",
        json={"covered_by_id": str(o["presales"].id), "attitude": "supporter", "notes": "关注 TCO"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["covered_by_name"] and r.json()["attitude"] == "supporter" and r.json()["satisfaction"] == 4
    )
    r = await client.patch(
        f"{chain_url}/{qian['id']}", json={"covered_by_id": str(o["rep"].id)}, headers=o["rep"].headers
    )
    assert r.status_code == 200 and r.json()["covered_by_id"] == str(o["rep"].id)
    assert (
        await client.patch(f"{chain_url}/{qian['id']}", json={"satisfaction": 6}, headers=o["rep"].headers)
    ).status_code == 422
    assert (
        await client.patch(f"{chain_url}/{qian['id']}", json={"mood": "ok"}, headers=o["rep"].headers)
    ).status_code == 422

    # the marketing member may work the chain too; finance sees it but may not change it
    r = await client.patch(
        f"{chain_url}/{qian['id']}", json={"satisfaction": 5}, headers=o["presales"].headers
    )
    assert r.status_code == 200 and r.json()["satisfaction"] == 5
    assert (await client.get(chain_url, headers=o["finance"].headers)).status_code == 200
    assert (
        await client.patch(
            f"{chain_url}/{qian['id']}", json={"satisfaction": 1}, headers=o["finance"].headers
        )
    ).status_code == 403

    # copying again adds nobody twice
    async with unit_of_work(factory.ctx.sessions) as s:
        row = await s.get(Opportunity, uuid.UUID(opp))
        assert row is not None
        assert await copy_customer_contacts(s, row) == 1  # only 王秘书, who had been dropped


async def test_competitors_are_found_by_normalised_name_and_quotes_stay_exact(
    client: Any, factory: Any
) -> None:
    o = await org(factory)
    customer = await factory.customer(o["rep"])
    opp = await opportunity(factory, o, customer["id"])

    r = await client.post(
        f"{V1}/competitors",
        json={"name": "华为技术有限公司", "website": "https://www.huawei.com"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    huawei = r.json()
    for spelling in (" 华为技术有限公司 ", "华为技术股份有限公司", "华为技术"):
        r = await client.post(f"{V1}/competitors", json={"name": spelling}, headers=o["rep"].headers)
        assert r.status_code == 409, (spelling, r.text)
        assert r.json()["existing_id"] == huawei["id"]
    assert (
        await client.post(f"{V1}/competitors", json={"name": "  "}, headers=o["rep"].headers)
    ).status_code == 422

    bids = f"{V1}/opportunities/{opp}/competitors"
    r = await client.post(
        bids,
        json={
            "competitor_name": " 华为技术有限公司 ",
            "product": "FusionCube",
            "strengths": "品牌",
            "relationship": "close",
            "quote_amount": "1234567.89",
        },
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    bid = r.json()
    assert bid["competitor_id"] == huawei["id"] and bid["name"] == "华为技术有限公司"
    assert (
        bid["quote_amount"] == "1234567.89" and bid["quote_currency"] == "CNY" and bid["status"] == "active"
    )
    r = await client.post(bids, json={"competitor_id": huawei["id"]}, headers=o["rep"].headers)
    assert r.status_code == 409
    r = await client.post(
        bids, json={"competitor_id": huawei["id"], "competitor_name": "华为"}, headers=o["rep"].headers
    )
    assert r.status_code == 422
    r = await client.post(bids, json={"competitor_id": str(uuid.uuid4())}, headers=o["rep"].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "competitor_id"

    # a new name creates the competitor
    r = await client.post(
        bids,
        json={"competitor_name": "新华三技术有限公司", "quote_amount": "999.5", "quote_currency": "USD"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 201, r.text
    h3c = r.json()
    assert h3c["quote_amount"] == "999.50" and h3c["quote_currency"] == "USD"

    # the lead's "lost to" helper finds the same row by any spelling
    async with unit_of_work(factory.ctx.sessions) as s:
        assert str((await find_or_create_competitor(s, "　华为技术有限公司　")).id) == huawei["id"]

    r = await client.patch(
        f"{bids}/{bid['id']}",
        json={"status": "eliminated", "quote_amount": "1234567.80"},
        headers=o["rep"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "eliminated" and r.json()["quote_amount"] == "1234567.80"
    assert (
        await client.patch(f"{bids}/{bid['id']}", json={"status": "gone"}, headers=o["rep"].headers)
    ).status_code == 422
    assert (
        await client.patch(f"{bids}/{bid['id']}", json={"quote_amount": "1.234"}, headers=o["rep"].headers)
    ).status_code == 422

    listed = (await client.get(bids, headers=o["manager"].headers)).json()["items"]
    assert [(b["name"], b["quote_amount"], b["status"]) for b in listed] == [
        ("华为技术有限公司", "1234567.80", "eliminated"),
        ("新华三技术有限公司", "999.50", "active"),
    ]
    assert (await client.get(bids, headers=o["outsider"].headers)).status_code == 404

    # the catalogue: counts over the opportunities the caller sees
    r = await client.get(f"{V1}/competitors", params={"q": "华为"}, headers=o["rep"].headers)
    assert r.status_code == 200, r.text
    assert [(c["name"], c["open_count"], c["lost_to_count"]) for c in r.json()["items"]] == [
        ("华为技术有限公司", 1, 0)
    ]
    r = await client.get(f"{V1}/competitors", headers=o["outsider"].headers)
    assert {c["name"]: c["open_count"] for c in r.json()["items"]} == {
        "华为技术有限公司": 0,
        "新华三技术有限公司": 0,
    }

    assert (await client.delete(f"{bids}/{h3c['id']}", headers=o["rep"].headers)).status_code == 204
    assert [b["name"] for b in (await client.get(bids, headers=o["rep"].headers)).json()["items"]] == [
        "华为技术有限公司"
    ]
