"""Public web-form capture: per-form key, CORS origins, honeypot, rate limit, idempotency."""

from __future__ import annotations

from sqlalchemy import func, select

from repositories.models import Lead


async def make_form(client, factory, origins=("https://www.example.cn",)):  # noqa: ANN001, ANN201
    admin = await factory.admin()
    channels = (await client.get("/api/v1/channels", headers=admin.headers)).json()["items"]
    web = next(c for c in channels if c["code"] == "web_form")
    r = await client.post(
        "/api/v1/lead-forms",
        json={
            "name": "官网试用申请",
            "channel_id": web["id"],
            "product": "CRM",
            "allowed_origins": list(origins),
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    return r.json(), web


async def count_leads(app) -> int:  # noqa: ANN001
    async with app.state.ctx.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Lead)) or 0)


async def test_form_lead_is_captured_with_the_forms_channel_and_cors(client, factory, app):
    form, web = await make_form(client, factory)
    url = f"/api/v1/public/forms/{form['key']}/leads"
    r = await client.post(
        url,
        json={"company_name": "访客公司", "mobile": "13800001111", "website": ""},
        headers={"Origin": "https://www.example.cn"},
    )
    assert r.status_code == 202 and r.json() == {"received": True}
    assert r.headers["Access-Control-Allow-Origin"] == "https://www.example.cn"
    async with app.state.ctx.sessions() as s:
        lead = await s.scalar(select(Lead))
    assert lead is not None and lead.channel_id is not None and str(lead.channel_id) == web["id"]
    assert lead.product == "CRM" and lead.created_by is None and lead.grade in "ABCD"
    pre = await client.options(
        url, headers={"Origin": "https://www.example.cn", "Access-Control-Request-Method": "POST"}
    )
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]


async def test_other_origins_unknown_keys_and_bad_input_are_refused(client, factory, app):
    form, _ = await make_form(client, factory)
    url = f"/api/v1/public/forms/{form['key']}/leads"
    assert (
        await client.post(url, json={"company_name": "x"}, headers={"Origin": "https://evil.example"})
    ).status_code == 403
    assert (
        await client.post("/api/v1/public/forms/nosuchformkey/leads", json={"company_name": "x"})
    ).status_code == 404
    bad = await client.post(
        url, json={"company_name": "x", "owner_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert bad.status_code == 422
    assert await count_leads(app) == 0


async def test_honeypot_is_accepted_but_dropped(client, factory, app):
    form, _ = await make_form(client, factory)
    r = await client.post(
        f"/api/v1/public/forms/{form['key']}/leads", json={"company_name": "机器人", "website": "http://spam"}
    )
    assert r.status_code == 202 and r.json() == {"received": True}
    assert await count_leads(app) == 0


async def test_form_posts_are_rate_limited_per_ip_and_form(client, factory):
    form, _ = await make_form(client, factory)
    url = f"/api/v1/public/forms/{form['key']}/leads"
    codes = [(await client.post(url, json={"company_name": f"公司{i}"})).status_code for i in range(22)]
    assert codes[:20] == [202] * 20 and codes[20:] == [429, 429]


async def test_idempotency_key_on_a_form_post_creates_one_lead(client, factory, app):
    form, _ = await make_form(client, factory)
    url = f"/api/v1/public/forms/{form['key']}/leads"
    for _ in range(3):
        r = await client.post(
            url, json={"company_name": "重复提交公司"}, headers={"Idempotency-Key": "form-abc-1"}
        )
        assert r.status_code == 202
    assert await count_leads(app) == 1
