"""Customers, contacts, follow-ups: what reps, managers and directors notice."""

from __future__ import annotations

import asyncio
import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from repositories.models import AuditEntry, Contact, Customer

USCC_OK = "91110000600037341L"  # valid GB 32100 check digit
USCC_LETTER_FIRST = "N1110000MA0000001"  # completed below with its check digit


def uscc_with_check(first17: str) -> str:
    from stdnum.cn import uscc

    return first17 + uscc.calc_check_digit(first17)


async def org(factory):  # noqa: ANN001, ANN201
    """Zone with a director; team T1 (manager + 2 reps) with sub-team T2 (1 rep); another zone."""
    z1, z2 = await factory.zone(), await factory.zone()
    t1 = await factory.team(z1)
    t2 = await factory.team(z1, parent=t1)
    t3 = await factory.team(z2)
    people = {
        "manager": await factory.user("sales_manager", team=t1),
        "rep_a": await factory.user("sales_rep", team=t1),
        "rep_b": await factory.user("sales_rep", team=t1),
        "rep_sub": await factory.user("sales_rep", team=t2),
        "rep_z2": await factory.user("sales_rep", team=t3),
        "manager_z2": await factory.user("sales_manager", team=t3),
        "director": await factory.user("sales_director", zones=[z1]),
        "director_z2": await factory.user("sales_director", zones=[z2]),
        "boss": await factory.user("executive"),
        "legal": await factory.user("legal"),
        "marketing": await factory.user("marketing"),
        "admin": await factory.user("admin"),
        "nobody": await factory.user(),
    }
    await factory.set_manager(t1, people["manager"])
    await factory.set_manager(t3, people["manager_z2"])
    return people


async def test_rep_creates_enterprise_customer_with_contacts_and_sees_warning_until_two(client, factory):
    p = await org(factory)
    r = await client.post(
        "/api/v1/customers",
        json={
            "kind": "enterprise",
            "name": "华为技术有限公司",
            "uscc": USCC_OK,
            "province_code": "440000",
            "city_code": "440300",
            "district_code": "440305",
            "contacts": [{"name": "张三", "mobile": "13800138000", "decision_role": "decision_maker"}],
        },
        headers=p["rep_a"].headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["owner"]["id"] == str(p["rep_a"].id)
    assert body["zone"] is not None and body["level"] == "normal"
    assert body["contact_count"] == 1
    assert [w["code"] for w in body["warnings"]] == ["min_contacts"]
    assert r.headers["ETag"] == '"1"' and r.headers["Location"].endswith(body["id"])
    r2 = await client.post(
        f"/api/v1/customers/{body['id']}/contacts",
        json={"name": "李四", "title": "CTO"},
        headers=p["rep_a"].headers,
    )
    assert r2.status_code == 201
    detail = (await client.get(f"/api/v1/customers/{body['id']}", headers=p["rep_a"].headers)).json()
    assert detail["contact_count"] == 2 and detail["warnings"] == []
    contacts = (
        await client.get(f"/api/v1/customers/{body['id']}/contacts", headers=p["rep_a"].headers)
    ).json()
    assert {c["name"] for c in contacts["items"]} == {"张三", "李四"}
    assert next(c for c in contacts["items"] if c["name"] == "张三")["mobile"] == "+8613800138000"


async def test_individual_customer_creates_its_contact(client, factory):
    p = await org(factory)
    r = await client.post(
        "/api/v1/customers",
        json={
            "kind": "individual",
            "name": "王五",
            "mobile": "139 1234 5678",
            "gender": "male",
            "birthday": "1990-05-01",
        },
        headers=p["rep_a"].headers,
    )
    assert r.status_code == 201, r.text
    contacts = (
        await client.get(f"/api/v1/customers/{r.json()['id']}/contacts", headers=p["rep_a"].headers)
    ).json()
    assert [(c["name"], c["mobile"]) for c in contacts["items"]] == [("王五", "+8613912345678")]
    assert r.json()["warnings"] == []


async def test_visibility_matrix_list_and_detail(client, factory):
    p = await org(factory)
    owned = {
        "rep_a": await factory.customer(p["rep_a"]),
        "rep_b": await factory.customer(p["rep_b"]),
        "rep_sub": await factory.customer(p["rep_sub"]),
        "rep_z2": await factory.customer(p["rep_z2"]),
    }
    ids = {k: v["id"] for k, v in owned.items()}
    expected = {
        "rep_a": {"rep_a"},
        "rep_b": {"rep_b"},
        "manager": {"rep_a", "rep_b", "rep_sub"},  # team and sub-teams
        "manager_z2": {"rep_z2"},
        "director": {"rep_a", "rep_b", "rep_sub"},  # zone 1
        "director_z2": {"rep_z2"},
        "boss": set(ids),
        "legal": set(ids),
        "admin": set(ids),
    }
    for viewer, sees in expected.items():
        listed = (await client.get("/api/v1/customers?limit=200", headers=p[viewer].headers)).json()["items"]
        assert {c["id"] for c in listed} == {ids[k] for k in sees}, viewer
        for key, cid in ids.items():
            r = await client.get(f"/api/v1/customers/{cid}", headers=p[viewer].headers)
            assert r.status_code == (200 if key in sees else 404), (viewer, key, r.status_code)
            if r.status_code == 404:
                assert r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/customers", headers=p["nobody"].headers)).status_code == 403


async def test_permission_matrix_writes(client, factory):
    """Each default role × update/delete × own / team / zone / out of scope."""
    p = await org(factory)
    c_a = await factory.customer(p["rep_a"])
    c_z2 = await factory.customer(p["rep_z2"])

    async def patch(who, cid):  # noqa: ANN001, ANN202
        return (
            await client.patch(f"/api/v1/customers/{cid}", json={"industry": "制造"}, headers=p[who].headers)
        ).status_code

    async def delete(who, cid):  # noqa: ANN001, ANN202
        return (await client.delete(f"/api/v1/customers/{cid}", headers=p[who].headers)).status_code

    assert await patch("rep_a", c_a["id"]) == 200  # own
    assert await patch("rep_b", c_a["id"]) == 404  # same team, but reps are `own`
    assert await patch("manager", c_a["id"]) == 200  # team
    assert await patch("manager_z2", c_a["id"]) == 404  # other team
    assert await patch("director", c_a["id"]) == 200  # zone
    assert await patch("director", c_z2["id"]) == 404  # other zone
    assert await patch("boss", c_a["id"]) == 403  # executive reads, does not edit
    assert await patch("legal", c_a["id"]) == 403
    assert await patch("marketing", c_a["id"]) == 403
    assert await delete("rep_a", c_a["id"]) == 403  # reps may not delete
    assert await delete("manager", c_a["id"]) == 403
    assert await delete("admin", c_z2["id"]) == 204
    assert (
        await client.get(f"/api/v1/customers/{c_z2['id']}", headers=p["admin"].headers)
    ).status_code == 404
    # create: reps/managers/directors yes, legal/finance/exec no
    for who, code in (("rep_a", 201), ("manager", 201), ("director", 201), ("legal", 403), ("boss", 403)):
        r = await client.post(
            "/api/v1/customers", json={"kind": "enterprise", "name": f"新客户{who}"}, headers=p[who].headers
        )
        assert r.status_code == code, (who, r.text)


async def test_contacts_and_follow_ups_of_invisible_customer_are_404(client, factory):
    p = await org(factory)
    c = await factory.customer(p["rep_a"])
    contact = (
        await client.post(
            f"/api/v1/customers/{c['id']}/contacts", json={"name": "甲"}, headers=p["rep_a"].headers
        )
    ).json()
    h = p["rep_b"].headers
    assert (await client.get(f"/api/v1/customers/{c['id']}/contacts", headers=h)).status_code == 404
    assert (
        await client.post(f"/api/v1/customers/{c['id']}/contacts", json={"name": "乙"}, headers=h)
    ).status_code == 404
    assert (await client.get(f"/api/v1/contacts/{contact['id']}", headers=h)).status_code == 404
    assert (
        await client.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "x"}, headers=h)
    ).status_code == 404
    assert (await client.get(f"/api/v1/customers/{c['id']}/follow-ups", headers=h)).status_code == 404
    r = await client.post(
        f"/api/v1/customers/{c['id']}/follow-ups", json={"kind": "call", "content": "hi"}, headers=h
    )
    assert r.status_code == 404


async def test_bad_input_is_422_problem_and_nothing_is_written(client, factory, app):
    p = await org(factory)
    h = p["rep_a"].headers
    cases = [
        ({"kind": "enterprise", "name": "A", "uscc": "91110000600037341X"}, "uscc"),
        ({"kind": "individual", "name": "B", "mobile": "12345"}, "mobile"),
        ({"kind": "enterprise", "name": "C", "owner_id": str(p["rep_b"].id)}, "owner_id"),
        ({"kind": "enterprise", "name": "D", "zone_id": str(p["rep_b"].id)}, "zone_id"),
        ({"kind": "enterprise", "name": "E", "level": "SKA"}, "level"),
        ({"kind": "enterprise", "name": "F", "surprise": 1}, "surprise"),
        ({"kind": "enterprise", "name": "x" * 10_000}, "name"),
        ({"kind": "enterprise", "name": 12}, "name"),
        ({"kind": "enterprise"}, "name"),
        ({"kind": "company", "name": "G"}, "kind"),
        ({"kind": "enterprise", "name": "H", "province_code": "999999"}, "province_code"),
        ({"kind": "enterprise", "name": "I", "province_code": "110000", "city_code": "440300"}, "city_code"),
        ({"kind": "enterprise", "name": "J", "gender": "male"}, "gender"),
        (
            {"kind": "enterprise", "name": "K", "contacts": [{"name": "z", "mobile": "abc"}]},
            "contacts.0.mobile",
        ),
        ({"kind": "individual", "name": "L", "birthday": "2999-01-01"}, "birthday"),
        ({"kind": "enterprise", "name": "M", "tier": "Z"}, "tier"),
    ]
    for body, field in cases:
        r = await client.post("/api/v1/customers", json=body, headers=h)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["status"] == 422 and problem["title"] and problem["type"]
        assert field in [e["field"] for e in problem["errors"]], (field, problem)
    bad_json = await client.post(
        "/api/v1/customers", content=b"{not json", headers={**h, "Content-Type": "application/json"}
    )
    assert bad_json.status_code in (400, 422)
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Customer)) == 0
        assert await s.scalar(select(func.count()).select_from(Contact)) == 0
        assert (
            await s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "customer")
            )
            == 0
        )


async def test_letter_first_uscc_is_accepted_and_duplicates_are_409(client, factory):
    p = await org(factory)
    code = uscc_with_check("N1110000MA0000001"[:17])
    r = await client.post(
        "/api/v1/customers",
        json={"kind": "enterprise", "name": "某合作社", "uscc": code},
        headers=p["rep_a"].headers,
    )
    assert r.status_code == 201, r.text
    dup_own = await client.post(
        "/api/v1/customers",
        json={"kind": "enterprise", "name": "另一个", "uscc": code},
        headers=p["rep_a"].headers,
    )
    assert dup_own.status_code == 409
    assert dup_own.json()["existing_id"] == r.json()["id"]  # visible to the caller: named
    dup_other = await client.post(
        "/api/v1/customers",
        json={"kind": "enterprise", "name": "又一个", "uscc": code.lower()},
        headers=p["rep_z2"].headers,
    )
    assert dup_other.status_code == 409
    assert "existing_id" not in dup_other.json()  # not visible: not named
    assert dup_other.json()["errors"][0]["field"] == "uscc"


async def test_stale_if_match_is_412_and_etag_moves(client, factory):
    p = await org(factory)
    c = await factory.customer(p["rep_a"])
    h = p["rep_a"].headers
    r1 = await client.patch(
        f"/api/v1/customers/{c['id']}", json={"industry": "软件"}, headers={**h, "If-Match": '"1"'}
    )
    assert r1.status_code == 200 and r1.headers["ETag"] == '"2"'
    stale = await client.patch(
        f"/api/v1/customers/{c['id']}", json={"industry": "硬件"}, headers={**h, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    current = (await client.get(f"/api/v1/customers/{c['id']}", headers=h)).json()
    assert current["industry"] == "软件" and current["version"] == 2


async def test_idempotent_retry_creates_one_record(client, factory, app):
    p = await org(factory)
    h = {**p["rep_a"].headers, "Idempotency-Key": "create-acme-1"}
    body = {"kind": "enterprise", "name": "幂等科技有限公司"}
    first = await client.post("/api/v1/customers", json=body, headers=h)
    second = await client.post("/api/v1/customers", json=body, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = await client.post("/api/v1/customers", json={**body, "name": "别的公司"}, headers=h)
    assert other.status_code == 422
    concurrent = await asyncio.gather(
        *[
            client.post(
                "/api/v1/customers",
                json={"kind": "enterprise", "name": "并发公司"},
                headers={**p["rep_a"].headers, "Idempotency-Key": "same-key-2"},
            )
            for _ in range(5)
        ]
    )
    assert {r.status_code for r in concurrent} == {201}
    assert len({r.json()["id"] for r in concurrent}) == 1
    async with app.state.ctx.sessions() as s:
        names = (await s.scalars(select(Customer.name))).all()
    assert sorted(names) == sorted(["幂等科技有限公司", "并发公司"])


async def test_every_write_is_audited_with_field_diffs(client, factory):
    p = await org(factory)
    h = p["rep_a"].headers
    c = await factory.customer(p["rep_a"], industry="旧行业")
    await client.patch(f"/api/v1/customers/{c['id']}", json={"industry": "新行业"}, headers=h)
    contact = (
        await client.post(f"/api/v1/customers/{c['id']}/contacts", json={"name": "赵六"}, headers=h)
    ).json()
    await client.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "CEO"}, headers=h)
    await client.post(
        f"/api/v1/customers/{c['id']}/follow-ups", json={"kind": "visit", "content": "拜访"}, headers=h
    )
    log = (await client.get(f"/api/v1/audit-log?customer_id={c['id']}", headers=h)).json()["items"]
    actions = [(e["entity"], e["action"]) for e in log]
    assert ("customer", "create") in actions and ("customer", "update") in actions
    assert ("contact", "create") in actions and ("contact", "update") in actions
    assert ("follow_up", "create") in actions
    update = next(e for e in log if e["entity"] == "customer" and e["action"] == "update")
    assert update["changes"]["industry"] == ["旧行业", "新行业"]
    assert update["actor"]["id"] == str(p["rep_a"].id)
    # someone who cannot see the customer cannot read its history
    assert (
        await client.get(f"/api/v1/audit-log?customer_id={c['id']}", headers=p["rep_b"].headers)
    ).status_code == 404


async def test_follow_up_updates_last_followed_up_and_timeline(client, factory):
    p = await org(factory)
    h = p["rep_a"].headers
    c = await factory.customer(p["rep_a"])
    assert c["last_followed_up_at"] is None
    await client.post(
        f"/api/v1/customers/{c['id']}/follow-ups",
        json={
            "kind": "call",
            "content": "首次电话",
            "happened_at": "2026-11-01T10:00:00+08:00",
            "next_step": "发方案",
            "next_follow_up_on": "2026-11-05",
        },
        headers=h,
    )
    await client.post(
        f"/api/v1/customers/{c['id']}/follow-ups",
        json={"kind": "meeting", "content": "更早的会", "happened_at": "2026-10-01T10:00:00+08:00"},
        headers=h,
    )
    detail = (await client.get(f"/api/v1/customers/{c['id']}", headers=h)).json()
    assert detail["last_followed_up_at"].startswith("2026-11-01T02:00:00")  # never moves back
    assert detail["version"] == 1  # logging a follow-up does not make open edit forms stale
    timeline = (await client.get(f"/api/v1/customers/{c['id']}/follow-ups?limit=1", headers=h)).json()
    assert timeline["items"][0]["content"] == "首次电话" and timeline["items"][0]["author"]["id"] == str(
        p["rep_a"].id
    )
    more = (
        await client.get(
            f"/api/v1/customers/{c['id']}/follow-ups?limit=1&cursor={timeline['next_cursor']}", headers=h
        )
    ).json()
    assert more["items"][0]["content"] == "更早的会" and more["next_cursor"] is None
    future = await client.post(
        f"/api/v1/customers/{c['id']}/follow-ups",
        json={"kind": "call", "content": "x", "happened_at": "2999-01-01T00:00:00+08:00"},
        headers=h,
    )
    assert future.status_code == 422


async def test_search_filters_sort_and_keyset_pagination(client, factory):
    p = await org(factory)
    h = p["rep_a"].headers
    for name in (
        "华为技术有限公司",
        "深圳华为终端有限公司",
        "阿里巴巴（中国）有限公司",
        "腾讯科技",
        "Huawei Cloud Ltd",
    ):
        await factory.customer(p["rep_a"], name=name, tier="A" if "华为" in name else "C")
    found = (await client.get("/api/v1/customers?q=华为", headers=h)).json()["items"]
    assert {c["name"] for c in found} == {"华为技术有限公司", "深圳华为终端有限公司"}
    assert [
        c["name"] for c in (await client.get("/api/v1/customers?q=huawei", headers=h)).json()["items"]
    ] == ["Huawei Cloud Ltd"]
    assert len((await client.get("/api/v1/customers?tier=A", headers=h)).json()["items"]) == 2
    by_name = (await client.get("/api/v1/customers?sort=name", headers=h)).json()["items"]
    assert [c["name"] for c in by_name] == sorted(c["name"] for c in by_name)
    seen, cursor = [], None
    while True:
        url = "/api/v1/customers?limit=2&sort=-created_at" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=h)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
    assert (await client.get("/api/v1/customers?sort=password", headers=h)).status_code == 422
    assert (await client.get("/api/v1/customers?cursor=garbage!!", headers=h)).status_code == 422
    manager_team = (
        await client.get(f"/api/v1/customers?team_id={p['rep_a'].team_id}", headers=p["manager"].headers)
    ).json()
    assert len(manager_team["items"]) == 5


async def test_tags_count_weight_and_filter(client, factory):
    p = await org(factory)
    admin, h = p["admin"].headers, p["rep_a"].headers
    cat = (await client.post("/api/v1/tag-categories", json={"name": "兴趣"}, headers=admin)).json()
    tag = (
        await client.post(
            "/api/v1/tags", json={"category_id": cat["id"], "name": "云计算", "weight": 5}, headers=admin
        )
    ).json()
    c1, c2 = await factory.customer(p["rep_a"]), await factory.customer(p["rep_a"])
    first = (
        await client.post(f"/api/v1/customers/{c1['id']}/tags", json={"tag_id": tag["id"]}, headers=h)
    ).json()
    again = (
        await client.post(f"/api/v1/customers/{c1['id']}/tags", json={"tag_id": tag["id"]}, headers=h)
    ).json()
    assert (first["count"], again["count"], again["weight"]) == (1, 2, 5)
    filtered = (await client.get(f"/api/v1/customers?tag_id={tag['id']}", headers=h)).json()["items"]
    assert [c["id"] for c in filtered] == [c1["id"]]
    assert filtered[0]["tags"][0]["name"] == "云计算"
    assert (
        await client.post(
            f"/api/v1/customers/{c2['id']}/tags", json={"tag_id": tag["id"]}, headers=p["rep_b"].headers
        )
    ).status_code == 404
    assert (
        await client.delete(f"/api/v1/customers/{c1['id']}/tags/{tag['id']}", headers=h)
    ).status_code == 204
    assert (await client.get(f"/api/v1/customers?tag_id={tag['id']}", headers=h)).json()["items"] == []


async def test_export_csv_and_xlsx_within_scope_with_formula_neutralised(client, factory):
    p = await org(factory)
    await factory.customer(p["rep_a"], name='=HYPERLINK("http://evil")')
    await factory.customer(p["rep_a"], name="正常客户有限公司")
    await factory.customer(p["rep_z2"], name="别的战区的客户")
    # reps may not export (keeps customer lists in the company); the manager exports the team
    assert (await client.get("/api/v1/customers/export", headers=p["rep_a"].headers)).status_code == 403
    r = await client.get("/api/v1/customers/export?format=csv&sort=name", headers=p["manager"].headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(['\'=HYPERLINK("http://evil")', "正常客户有限公司"])
    x = await client.get("/api/v1/customers/export?format=xlsx", headers=p["manager"].headers)
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 2 and all(not str(v).startswith("=") for v in values)
    assert (await client.get("/api/v1/customers/export", headers=p["legal"].headers)).status_code == 403


async def test_customer_parent_and_subsidiaries_no_cycles(client, factory):
    p = await org(factory)
    h = p["rep_a"].headers
    group = await factory.customer(p["rep_a"], name="集团总部")
    sub = await factory.customer(p["rep_a"], name="子公司", parent_id=group["id"])
    detail = (await client.get(f"/api/v1/customers/{group['id']}", headers=h)).json()
    assert detail["subsidiaries"] == [{"id": sub["id"], "name": "子公司"}]
    assert sub["parent"] == {"id": group["id"], "name": "集团总部"}
    loop = await client.patch(f"/api/v1/customers/{group['id']}", json={"parent_id": sub["id"]}, headers=h)
    assert loop.status_code == 422 and loop.json()["errors"][0]["field"] == "parent_id"
    other = await factory.customer(p["rep_b"])
    hidden_parent = await client.patch(
        f"/api/v1/customers/{sub['id']}", json={"parent_id": other["id"]}, headers=h
    )
    assert hidden_parent.status_code == 422


async def test_team_move_keeps_records_visible_to_new_manager(client, factory):
    p = await org(factory)
    c = await factory.customer(p["rep_a"])
    admin = p["admin"].headers
    r = await client.post(
        f"/api/v1/users/{p['rep_a'].id}/move",
        json={"team_id": str(p["rep_z2"].team_id), "reason": "调岗"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert (
        await client.get(f"/api/v1/customers/{c['id']}", headers=p["manager_z2"].headers)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/customers/{c['id']}", headers=p["director_z2"].headers)
    ).status_code == 200
    assert (await client.get(f"/api/v1/customers/{c['id']}", headers=p["manager"].headers)).status_code == 404
    assert (await client.get(f"/api/v1/customers/{c['id']}", headers=p["rep_a"].headers)).status_code == 200
    history = (await client.get(f"/api/v1/users/{p['rep_a'].id}/memberships", headers=admin)).json()["items"]
    assert [m["reason"] for m in history][:1] == ["调岗"]


async def test_min_contacts_rule_and_tiers_are_configurable(client, factory):
    p = await org(factory)
    c = await factory.customer(p["rep_a"])
    assert [w["code"] for w in c["warnings"]] == ["min_contacts"]
    assert (
        await client.put(
            "/api/v1/settings/customer-rules", json={"min_contacts_enterprise": 0}, headers=p["rep_a"].headers
        )
    ).status_code == 403
    r = await client.put(
        "/api/v1/settings/customer-rules", json={"min_contacts_enterprise": 0}, headers=p["admin"].headers
    )
    assert r.status_code == 200 and r.json() == {"min_contacts_enterprise": 0}
    assert (await client.get(f"/api/v1/customers/{c['id']}", headers=p["rep_a"].headers)).json()[
        "warnings"
    ] == []
    tiers = (await client.get("/api/v1/customer-tiers", headers=p["rep_a"].headers)).json()["items"]
    assert [(t["code"], t["no_follow_up_days"]) for t in tiers] == [
        ("A", 30),
        ("B", 15),
        ("C", 7),
        ("D", 7),
        ("E", 3),
    ]
    t = await client.patch(
        "/api/v1/customer-tiers/E", json={"no_follow_up_days": 5}, headers=p["admin"].headers
    )
    assert t.status_code == 200 and t.json()["no_follow_up_days"] == 5
    log = (await client.get("/api/v1/audit-log?entity=customer_tier", headers=p["admin"].headers)).json()[
        "items"
    ]
    assert log[0]["changes"]["no_follow_up_days"] == [3, 5]


async def test_deleting_the_latest_follow_up_moves_last_followed_up_back(client, factory):
    p = await org(factory)
    h = p["rep_a"].headers
    c = await factory.customer(p["rep_a"])
    url = f"/api/v1/customers/{c['id']}/follow-ups"
    await client.post(
        url, json={"kind": "call", "content": "早", "happened_at": "2026-10-01T10:00:00+08:00"}, headers=h
    )
    late = (
        await client.post(
            url, json={"kind": "call", "content": "晚", "happened_at": "2026-11-01T10:00:00+08:00"}, headers=h
        )
    ).json()
    assert (await client.delete(f"/api/v1/follow-ups/{late['id']}", headers=h)).status_code == 204
    detail = (await client.get(f"/api/v1/customers/{c['id']}", headers=h)).json()
    assert detail["last_followed_up_at"].startswith("2026-10-01T02:00:00")
    only = (await client.get(url, headers=h)).json()["items"]
    assert [f["content"] for f in only] == ["早"]
    assert (await client.delete(f"/api/v1/follow-ups/{only[0]['id']}", headers=h)).status_code == 204
    assert (await client.get(f"/api/v1/customers/{c['id']}", headers=h)).json()["last_followed_up_at"] is None
    # someone else's follow-up: not visible → 404
    assert (
        await client.delete(f"/api/v1/follow-ups/{late['id']}", headers=p["rep_b"].headers)
    ).status_code == 404
