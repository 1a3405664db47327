"""Leads: conversion to customers, dispatch by managers, transfer between reps."""

from __future__ import annotations

import asyncio

LEADS = "/api/v1/leads"


async def setup(factory):  # noqa: ANN001, ANN201
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    manager = await factory.user("sales_manager", team=team)
    reps = [await factory.user("sales_rep", team=team) for _ in range(3)]
    await factory.set_manager(team, manager)
    other_zone = await factory.zone()
    outsider = await factory.user("sales_rep", team=await factory.team(other_zone))
    return manager, reps, outsider


async def test_convert_creates_customer_and_contact_and_twice_is_409(client, factory):
    _, reps, _ = await setup(factory)
    rep = reps[0]
    lead = (
        await client.post(
            LEADS,
            json={
                "company_name": "深圳新客科技有限公司",
                "contact_name": "李雷",
                "mobile": "13700001234",
                "province_code": "440000",
            },
            headers=rep.headers,
        )
    ).json()
    r = await client.post(f"{LEADS}/{lead['id']}/convert", json={}, headers=rep.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] is True and body["lead"]["status"] == "converted"
    assert body["lead"]["customer_id"] == body["customer_id"]
    customer = (await client.get(f"/api/v1/customers/{body['customer_id']}", headers=rep.headers)).json()
    assert customer["name"] == "深圳新客科技有限公司" and customer["owner"]["id"] == str(rep.id)
    contacts = (
        await client.get(f"/api/v1/customers/{body['customer_id']}/contacts", headers=rep.headers)
    ).json()
    assert [(c["name"], c["mobile"]) for c in contacts["items"]] == [("李雷", "+8613700001234")]
    again = await client.post(f"{LEADS}/{lead['id']}/convert", json={}, headers=rep.headers)
    assert again.status_code == 409


async def test_convert_links_to_the_existing_customer_of_the_same_company(client, factory):
    _, reps, _ = await setup(factory)
    rep = reps[0]
    existing = await factory.customer(rep, name="阿里巴巴（中国）有限公司")
    lead = (
        await client.post(
            LEADS,
            json={"company_name": "阿里巴巴(中国)有限责任公司", "contact_name": "韩梅梅"},
            headers=rep.headers,
        )
    ).json()
    body = (await client.post(f"{LEADS}/{lead['id']}/convert", json={}, headers=rep.headers)).json()
    assert body["created"] is False and body["customer_id"] == existing["id"]


async def test_manager_dispatches_evenly_and_all_or_nothing(client, factory):
    manager, reps, outsider = await setup(factory)
    marketing = await factory.user("marketing")
    lead_ids = [
        (
            await client.post(
                LEADS,
                json={"company_name": f"待分配{i}", "province_code": "440000"},
                headers=marketing.headers,
            )
        ).json()["id"]
        for i in range(7)
    ]
    r = await client.post(
        f"{LEADS}/dispatch",
        json={"lead_ids": lead_ids, "user_ids": [str(u.id) for u in reps]},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    counts = sorted(len(v) for v in r.json()["assigned"].values())
    assert counts == [2, 2, 3] and sum(counts) == 7
    mine = (await client.get(LEADS, headers=reps[0].headers)).json()["items"]
    assert {x["id"] for x in mine} == set(r.json()["assigned"][str(reps[0].id)])
    # a rep outside the manager's teams: refused, nothing changes
    refused = await client.post(
        f"{LEADS}/dispatch",
        json={"lead_ids": lead_ids[:1], "user_ids": [str(outsider.id)]},
        headers=manager.headers,
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "user_ids.0"
    # reps may not dispatch
    assert (
        await client.post(
            f"{LEADS}/dispatch",
            json={"lead_ids": lead_ids[:1], "user_ids": [str(reps[1].id)]},
            headers=reps[0].headers,
        )
    ).status_code == 403


async def test_rep_transfers_with_a_reason_and_loses_sight_of_the_lead(client, factory):
    _, reps, _ = await setup(factory)
    a, b = reps[0], reps[1]
    lead = (await client.post(LEADS, json={"company_name": "转交公司"}, headers=a.headers)).json()
    no_reason = await client.post(
        f"{LEADS}/{lead['id']}/transfer", json={"user_id": str(b.id)}, headers=a.headers
    )
    assert no_reason.status_code == 422
    r = await client.post(
        f"{LEADS}/{lead['id']}/transfer", json={"user_id": str(b.id), "reason": "行业更熟"}, headers=a.headers
    )
    assert r.status_code == 200 and r.json()["owner"]["id"] == str(b.id)
    assert (await client.get(f"{LEADS}/{lead['id']}", headers=a.headers)).status_code == 404
    assert (await client.get(f"{LEADS}/{lead['id']}", headers=b.headers)).status_code == 200


async def test_concurrent_converts_create_one_customer(client, factory):
    _, reps, _ = await setup(factory)
    rep = reps[0]
    lead = (await client.post(LEADS, json={"company_name": "并发转化公司"}, headers=rep.headers)).json()
    results = await asyncio.gather(
        *[client.post(f"{LEADS}/{lead['id']}/convert", json={}, headers=rep.headers) for _ in range(4)]
    )
    assert sorted(r.status_code for r in results).count(200) == 1, [r.text for r in results]
