"""Approval flow definitions (issue 5): admins define flows per kind of request with match
conditions and steps; edits of the steps are new versions; the preview shows who would decide
each step of a request, through the engine's own resolution rules."""

from __future__ import annotations

from sqlalchemy import select

from repositories.models import AuditEntry

FLOWS = "/api/v1/approval-flows"

SAMPLE_FLOW = {
    "kind": "sample",
    "name": "送样审批",
    "priority": 1,  # above the shipped sample flow (priority 0; equal priorities go to the lower id)
    "description": "按数量走不同层级 (seed 002)",
    "steps": [
        {"name": "经理", "approvers": [{"kind": "manager"}]},
        {"name": "法务", "approvers": [{"kind": "zone_role", "role": "legal"}], "mode": "all"},
        {
            "name": "总监",
            "approvers": [{"kind": "zone_role", "role": "sales_director"}],
            "conditions": [{"field": "amount", "op": "gt", "value": "1000000"}],
        },
    ],
}


async def org(factory):  # noqa: ANN001, ANN201
    zone = await factory.zone()
    team = await factory.team(zone)
    manager = await factory.user("sales_manager", team=team)
    await factory.set_manager(team, manager)
    rep = await factory.user("sales_rep", team=team)
    legal = await factory.user("legal", zones=[zone])
    director = await factory.user("sales_director", zones=[zone])
    return zone, manager, rep, legal, director


async def test_admin_defines_a_flow_and_previews_who_approves(client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    zone, manager, rep, legal, director = await org(factory)
    r = await client.post(FLOWS, json=SAMPLE_FLOW, headers=admin.headers)
    assert r.status_code == 201, r.text
    flow = r.json()
    assert flow["current_version"] == 1 and [s["name"] for s in flow["steps"]] == ["经理", "法务", "总监"]

    small = {"kind": "sample", "applicant_id": str(rep.id), "amount": "500", "zone_id": str(zone.id)}
    p = (await client.post(f"{FLOWS}/preview", json=small, headers=admin.headers)).json()
    assert p["flow_id"] == flow["id"] and p["flow_version"] == 1
    steps = p["steps"]
    assert [a["id"] for a in steps[0]["approvers"]] == [str(manager.id)]
    assert [a["id"] for a in steps[1]["approvers"]] == [str(legal.id)] and steps[1]["mode"] == "all"
    assert steps[2]["applies"] is False  # the director only above 1,000,000
    big = (
        await client.post(f"{FLOWS}/preview", json={**small, "amount": "1000000.01"}, headers=admin.headers)
    ).json()
    assert big["steps"][2]["applies"] is True
    assert [a["id"] for a in big["steps"][2]["approvers"]] == [str(director.id)]
    exactly = (
        await client.post(f"{FLOWS}/preview", json={**small, "amount": "1000000"}, headers=admin.headers)
    ).json()
    assert exactly["steps"][2]["applies"] is False

    # the manager applying for themselves: their own step has nobody else → the admin queue
    own = (
        await client.post(
            f"{FLOWS}/preview", json={**small, "applicant_id": str(manager.id)}, headers=admin.headers
        )
    ).json()
    assert own["steps"][0]["approvers"] == [] and own["steps"][0]["to_admin_queue"] is True

    none = (
        await client.post(f"{FLOWS}/preview", json={**small, "kind": "quote"}, headers=admin.headers)
    ).json()
    assert none == {"flow_id": None, "flow_name": None, "flow_version": None, "steps": []}
    unknown = await client.post(
        f"{FLOWS}/preview",
        json={**small, "applicant_id": "00000000-0000-0000-0000-000000000001"},
        headers=admin.headers,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "applicant_id"


async def test_editing_steps_makes_a_new_version_and_the_rest_does_not(app, client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    await org(factory)
    flow = (await client.post(FLOWS, json=SAMPLE_FLOW, headers=admin.headers)).json()
    renamed = await client.patch(
        f"{FLOWS}/{flow['id']}", json={"name": "送样审批（新）"}, headers=admin.headers
    )
    assert renamed.status_code == 200 and renamed.json()["current_version"] == 1
    stale = await client.patch(
        f"{FLOWS}/{flow['id']}", json={"priority": 5}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    steps = [{"name": "经理", "approvers": [{"kind": "manager", "levels": 2}]}]
    edited = await client.patch(f"{FLOWS}/{flow['id']}", json={"steps": steps}, headers=admin.headers)
    assert edited.status_code == 200 and edited.json()["current_version"] == 2
    assert edited.json()["steps"][0]["approvers"][0]["levels"] == 2
    same = await client.patch(f"{FLOWS}/{flow['id']}", json={"steps": steps}, headers=admin.headers)
    assert same.json()["current_version"] == 2  # nothing changed: no new version
    versions = (await client.get(f"{FLOWS}/{flow['id']}/versions", headers=admin.headers)).json()["items"]
    assert [v["number"] for v in versions] == [2, 1] and len(versions[1]["steps"]) == 3
    async with app.state.ctx.sessions() as session:
        actions = (
            await session.execute(
                select(AuditEntry.entity, AuditEntry.action).where(AuditEntry.entity.like("approval_flow%"))
            )
        ).all()
    assert sorted(actions) == sorted(
        [
            ("approval_flow", "create"),
            ("approval_flow_version", "create"),
            ("approval_flow", "update"),
            ("approval_flow", "update"),
            ("approval_flow_version", "create"),
        ]
    )


async def test_flow_definitions_are_checked(client, factory) -> None:  # noqa: ANN001
    admin, rep = await factory.admin(), await factory.user("sales_rep")

    async def refused(body: dict, field: str) -> None:  # noqa: ANN001
        r = await client.post(FLOWS, json=body, headers=admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].startswith(field), r.json()

    await refused(
        {**SAMPLE_FLOW, "steps": [{"approvers": [{"kind": "zone_role", "role": "astrologer"}]}]},
        "steps.0.approvers.0.role",
    )
    await refused({**SAMPLE_FLOW, "steps": [{"approvers": [{"kind": "users"}]}]}, "steps.0")
    await refused(
        {
            **SAMPLE_FLOW,
            "steps": [
                {"approvers": [{"kind": "users", "user_ids": ["00000000-0000-0000-0000-000000000009"]}]}
            ],
        },
        "steps.0.approvers.0.user_ids.0",
    )
    await refused(
        {
            **SAMPLE_FLOW,
            "steps": [
                {
                    "approvers": [{"kind": "manager"}],
                    "conditions": [{"field": "amount", "op": "in", "value": "5"}],
                }
            ],
        },
        "steps.0.conditions.0",
    )
    await refused({**SAMPLE_FLOW, "match": {"amount_min": "100", "amount_max": "10"}}, "match")
    await refused(
        {**SAMPLE_FLOW, "steps": [{"approvers": [{"kind": "manager"}], "escalate_to_manager": True}]},
        "steps.0",
    )
    await refused({**SAMPLE_FLOW, "steps": []}, "steps")
    await refused({**SAMPLE_FLOW, "owner": "me"}, "owner")
    assert (await client.post(FLOWS, json=SAMPLE_FLOW, headers=rep.headers)).status_code == 403
    assert (await client.post(FLOWS, json=SAMPLE_FLOW, headers=admin.headers)).status_code == 201
    dup = await client.post(FLOWS, json=SAMPLE_FLOW, headers=admin.headers)
    assert dup.status_code == 409


async def test_the_highest_priority_matching_flow_is_chosen(client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    zone, manager, rep, legal, director = await org(factory)
    # above the shipped sample flow (priority 0), below the big-sample one
    general = {
        **SAMPLE_FLOW,
        "name": "一般送样",
        "priority": 5,
        "steps": [{"approvers": [{"kind": "manager"}]}],
    }
    big = {
        **SAMPLE_FLOW,
        "name": "大额送样",
        "priority": 10,
        "match": {"amount_min": "100000"},
        "steps": [{"approvers": [{"kind": "users", "user_ids": [str(director.id)]}]}],
    }
    for body in (general, big):
        assert (await client.post(FLOWS, json=body, headers=admin.headers)).status_code == 201
    facts = {"kind": "sample", "applicant_id": str(rep.id)}
    chosen = (
        await client.post(f"{FLOWS}/preview", json={**facts, "amount": "200000"}, headers=admin.headers)
    ).json()
    assert chosen["flow_name"] == "大额送样"
    chosen = (
        await client.post(f"{FLOWS}/preview", json={**facts, "amount": "99999.99"}, headers=admin.headers)
    ).json()
    assert chosen["flow_name"] == "一般送样"
    listed = (await client.get(FLOWS, params={"kind": "sample"}, headers=admin.headers)).json()["items"]
    assert [f["name"] for f in listed] == ["大额送样", "一般送样", "送样 / POC 申请 / Sample or POC"]
