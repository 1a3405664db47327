"""Leads, first slice: capture with grading and de-duplication, scope, actions, status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from repositories.models import Lead

LEADS = "/api/v1/leads"


async def channel_id(client, admin, code="web_form"):  # noqa: ANN001, ANN201
    items = (await client.get("/api/v1/channels", headers=admin.headers)).json()["items"]
    return next(c["id"] for c in items if c["code"] == code)


async def test_captured_lead_is_graded_with_a_breakdown_and_owned_by_the_rep(client, factory):
    zone = await factory.zone(provinces=["440000"])
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    web = await channel_id(client, admin)
    r = await client.post(
        LEADS,
        json={
            "company_name": "深圳华为技术有限公司",
            "contact_name": "张三",
            "mobile": "13800138000",
            "province_code": "440000",
            "product": "CRM",
            "channel_id": web,
        },
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    lead = r.json()
    assert lead["owner"]["id"] == str(rep.id) and lead["zone_id"] == str(zone.id)
    assert lead["status"] == "new" and lead["mobile"] == "+8613800138000"
    # channel 20 + completeness (company 5, contact 5, mobile 10, province 4, product 4 = 28) + form submit 5
    assert lead["score_breakdown"]["explain"] == "B: channel 20 + completeness 28 + actions 5 = 53"
    assert (lead["grade"], lead["score"]) == ("B", 53)


async def test_duplicates_are_kept_linked_and_go_to_the_original_owner(client, factory, app):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep_a = await factory.user("sales_rep", team=team)
    marketing = await factory.user("marketing")
    first = (
        await client.post(
            LEADS, json={"company_name": "阿里巴巴（中国）有限公司", "product": "ERP"}, headers=rep_a.headers
        )
    ).json()
    # half a month later another platform sends the same company, spelled differently
    again = await client.post(
        LEADS,
        json={"company_name": "阿里巴巴(中国)有限责任公司", "product": "ERP"},
        headers=marketing.headers,
    )
    assert again.status_code == 201
    dup = again.json()
    assert dup["duplicate_of_id"] == first["id"] and dup["owner"]["id"] == str(rep_a.id)
    other_product = (
        await client.post(
            LEADS,
            json={"company_name": "阿里巴巴（中国）有限公司", "product": "CRM"},
            headers=marketing.headers,
        )
    ).json()
    assert other_product["duplicate_of_id"] is None
    detail = (await client.get(f"{LEADS}/{first['id']}", headers=rep_a.headers)).json()
    assert [d["id"] for d in detail["duplicates"]] == [dup["id"]]
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Lead)) == 3  # nothing dropped


async def test_leads_are_scoped_and_out_of_scope_is_404(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep_a = await factory.user("sales_rep", team=team)
    rep_b = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    lead = (await client.post(LEADS, json={"company_name": "甲公司"}, headers=rep_a.headers)).json()
    assert (await client.get(f"{LEADS}/{lead['id']}", headers=rep_b.headers)).status_code == 404
    assert (await client.get(LEADS, headers=rep_b.headers)).json()["items"] == []
    assert [x["id"] for x in (await client.get(LEADS, headers=manager.headers)).json()["items"]] == [
        lead["id"]
    ]
    assert (
        await client.post(f"{LEADS}/{lead['id']}/actions", json={"kind": "call"}, headers=rep_b.headers)
    ).status_code == 404


async def test_web_leads_without_a_salesperson_wait_in_the_covering_zones_queue(client, factory):
    zone = await factory.zone(provinces=["310000"])
    director = await factory.user("sales_director", zones=[zone])
    marketing = await factory.user("marketing")
    lead = (
        await client.post(
            LEADS, json={"company_name": "上海某科技", "province_code": "310000"}, headers=marketing.headers
        )
    ).json()
    assert lead["owner"] is None and lead["zone_id"] == str(zone.id)
    queue = (await client.get(f"{LEADS}?unassigned=true", headers=director.headers)).json()["items"]
    assert [x["id"] for x in queue] == [lead["id"]]


async def test_logging_a_call_contacts_the_lead_and_raises_its_grade(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    lead = (
        await client.post(
            LEADS, json={"company_name": "乙公司", "mobile": "13900001111"}, headers=rep.headers
        )
    ).json()
    before = lead["score"]
    r = await client.post(
        f"{LEADS}/{lead['id']}/actions", json={"kind": "visit", "note": "上门拜访"}, headers=rep.headers
    )
    assert r.status_code == 200
    after = r.json()
    assert after["status"] == "contacted" and after["score"] == before + 10 and after["last_contacted_at"]
    detail = (await client.get(f"{LEADS}/{lead['id']}", headers=rep.headers)).json()
    assert [a["kind"] for a in detail["actions"]] == ["visit", "form_submit"]


async def test_status_rules_and_invalid_needs_a_reason(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    lead = (await client.post(LEADS, json={"company_name": "丙公司"}, headers=rep.headers)).json()
    url = f"{LEADS}/{lead['id']}/status"
    no_reason = await client.post(url, json={"status": "invalid"}, headers=rep.headers)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    ok = await client.post(url, json={"status": "invalid", "reason": "空号"}, headers=rep.headers)
    assert ok.status_code == 200 and ok.json()["invalid_reason"] == "空号"
    closed = await client.post(f"{LEADS}/{lead['id']}/actions", json={"kind": "call"}, headers=rep.headers)
    assert closed.status_code == 422
    convert = await client.post(url, json={"status": "converted"}, headers=rep.headers)
    assert convert.status_code == 422


async def test_bad_lead_input_is_rejected_and_nothing_written(client, factory, app):
    rep = await factory.user("sales_rep")
    for body, field in (
        ({"company_name": "x", "owner_id": str(rep.id)}, "owner_id"),
        ({"company_name": "x", "grade": "A"}, "grade"),
        ({"company_name": "x", "status": "qualified"}, "status"),
        ({"company_name": "x", "mobile": "123"}, "mobile"),
        ({"company_name": "x", "uscc": "91110000600037341X"}, "uscc"),
        ({"company_name": "x", "province_code": "999999"}, "province_code"),
        ({"company_name": ""}, "company_name"),
    ):
        r = await client.post(LEADS, json=body, headers=rep.headers)
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]]
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Lead)) == 0


async def test_channels_are_admin_managed(client, factory):
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    r = await client.post(
        "/api/v1/channels", json={"code": "wechat", "name": "微信公众号", "weight": 18}, headers=admin.headers
    )
    assert r.status_code == 201 and r.json()["weight"] == 18
    assert (
        await client.post("/api/v1/channels", json={"code": "wechat", "name": "x"}, headers=admin.headers)
    ).status_code == 409
    assert (
        await client.post("/api/v1/channels", json={"code": "x1", "name": "y"}, headers=rep.headers)
    ).status_code == 403
    assert any(
        c["code"] == "wechat"
        for c in (await client.get("/api/v1/channels", headers=rep.headers)).json()["items"]
    )


async def test_a_lead_for_an_existing_customer_goes_to_that_customers_owner(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    owner = await factory.user("sales_rep", team=team)
    customer = await factory.customer(owner, name="腾讯科技（深圳）有限公司")
    marketing = await factory.user("marketing")
    lead = (
        await client.post(
            LEADS,
            json={"company_name": "腾讯科技(深圳)有限责任公司", "product": "云"},
            headers=marketing.headers,
        )
    ).json()
    assert lead["owner"]["id"] == str(owner.id) and lead["customer_id"] == customer["id"]
    assert lead["routing_trace"]["result"] == "customer_owner"
    converted = (await client.post(f"{LEADS}/{lead['id']}/convert", json={}, headers=owner.headers)).json()
    assert converted["created"] is False and converted["customer_id"] == customer["id"]


async def test_lead_export_is_scoped_and_formula_safe(client, factory):
    import csv
    import io

    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    other = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    await client.post(LEADS, json={"company_name": "=cmd|' /C calc'!A0"}, headers=rep.headers)
    await client.post(LEADS, json={"company_name": "正常线索公司"}, headers=rep.headers)
    await client.post(LEADS, json={"company_name": "别人的线索"}, headers=other.headers)
    assert (await client.get(f"{LEADS}/export", headers=rep.headers)).status_code == 403  # reps do not export
    r = await client.get(f"{LEADS}/export?format=csv", headers=manager.headers)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == sorted(["'=cmd|' /C calc'!A0", "正常线索公司"])
    x = await client.get(f"{LEADS}/export?format=xlsx&grade=D", headers=manager.headers)
    assert x.status_code == 200 and x.content[:2] == b"PK"


async def test_manager_merges_or_unlinks_duplicates(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    original = (
        await client.post(LEADS, json={"company_name": "合并测试公司", "product": "ERP"}, headers=rep.headers)
    ).json()
    dup = (
        await client.post(
            LEADS,
            json={
                "company_name": "合并测试有限公司",
                "product": "ERP",
                "contact_name": "王五",
                "mobile": "13600001111",
            },
            headers=rep.headers,
        )
    ).json()
    assert dup["duplicate_of_id"] == original["id"]
    assert (
        await client.post(f"{LEADS}/{dup['id']}/merge", headers=rep.headers)
    ).status_code == 403  # managers only
    merged = await client.post(f"{LEADS}/{dup['id']}/merge", headers=manager.headers)
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (
        body["id"] == original["id"] and body["contact_name"] == "王五" and body["mobile"] == "+8613600001111"
    )
    assert body["score"] > original["score"]  # more complete → higher score
    closed = (await client.get(f"{LEADS}/{dup['id']}", headers=manager.headers)).json()
    assert (closed["status"], closed["invalid_reason"], closed["duplicate_of_id"]) == (
        "invalid",
        "merged",
        original["id"],
    )
    other = (
        await client.post(LEADS, json={"company_name": "合并测试", "product": "ERP"}, headers=rep.headers)
    ).json()
    unlinked = (await client.post(f"{LEADS}/{other['id']}/unlink", headers=manager.headers)).json()
    assert unlinked["duplicate_of_id"] is None
    not_dup = await client.post(f"{LEADS}/{original['id']}/unlink", headers=manager.headers)
    assert not_dup.status_code == 422


async def test_lead_board_counts_the_callers_leads(client, factory):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    manager = await factory.user("sales_manager", team=team)
    other = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    admin = await factory.admin()
    web = await channel_id(client, admin)
    ids = []
    for i in range(4):
        ids.append(
            (
                await client.post(
                    LEADS, json={"company_name": f"看板公司{i}", "channel_id": web}, headers=rep.headers
                )
            ).json()["id"]
        )
    await client.post(LEADS, json={"company_name": "别的战区公司"}, headers=other.headers)
    await client.post(f"{LEADS}/{ids[0]}/actions", json={"kind": "call"}, headers=rep.headers)
    await client.post(f"{LEADS}/{ids[1]}/convert", json={}, headers=rep.headers)
    await client.post(
        f"{LEADS}/{ids[2]}/status", json={"status": "invalid", "reason": "空号"}, headers=rep.headers
    )
    board = (await client.get("/api/v1/analytics/leads?group_by=channel", headers=manager.headers)).json()
    assert board["totals"] == {
        "leads": 4,
        "contacted": 1,
        "qualified": 0,
        "converted": 1,
        "invalid": 1,
        "duplicates": 0,
        "conversion_rate": 0.25,
    }
    assert [f["count"] for f in board["funnel"]] == [4, 2, 1, 1]
    assert [(g["label"], g["leads"]) for g in board["groups"]] == [("官网表单 / Web form", 4)]
    assert board["invalid_reasons"] == [{"reason": "空号", "count": 1}]
    everyone = (await client.get("/api/v1/analytics/leads?group_by=owner", headers=admin.headers)).json()
    assert everyone["totals"]["leads"] == 5
    assert sorted((g["key"], g["leads"]) for g in everyone["groups"]) == sorted(
        [(str(rep.id), 4), (str(other.id), 1)]
    )
    assert all(g["label"].startswith("用户") for g in everyone["groups"])  # display names, not ids
    by_team = (await client.get("/api/v1/analytics/leads?group_by=team", headers=admin.headers)).json()
    assert sorted(g["leads"] for g in by_team["groups"]) == [1, 4]
    assert all(g["label"] != "—" for g in by_team["groups"])  # team names
    by_day = (await client.get("/api/v1/analytics/leads?group_by=day", headers=admin.headers)).json()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert [(g["key"], g["leads"]) for g in by_day["groups"]] == [(today, 5)]
    assert (
        await client.get("/api/v1/analytics/leads?group_by=password", headers=admin.headers)
    ).status_code == 422
