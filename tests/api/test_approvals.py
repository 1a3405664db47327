"""Running approval requests through the API (issue 5), on customer financial-information
changes (the shipped flow: the manager, then finance) and on flows an admin edits: each mode,
rejecting back, withdrawing, delegating, 加签, resubmitting, versions in flight, the admin
queue, concurrency, time limits, the inbox and who may see what."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from repositories.db import unit_of_work
from repositories.models import AuditEntry, MessageDelivery, Notification, OutboxEvent
from services.approvals import sweep_deadlines
from tests.support import run_worker

V1 = "/api/v1"
FINANCE_FLOW = "5a7e0c1e-1e7a-4c55-9d0f-0000000000a2"


async def org(factory: Any) -> dict[str, Any]:
    """A zone with a director's team above a sales team (manager, two reps), finance, an admin."""
    zone = await factory.zone()
    top = await factory.team(zone)
    director = await factory.user("sales_director", team=top, zones=[zone])
    await factory.set_manager(top, director)
    team = await factory.team(zone, parent=top)
    manager = await factory.user("sales_manager", team=team)
    await factory.set_manager(team, manager)
    rep = await factory.user("sales_rep", team=team)
    rep2 = await factory.user("sales_rep", team=team)
    outsider = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    finance = await factory.user("finance")
    admin = await factory.admin()
    return {
        "zone": zone,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "outsider": outsider,
        "finance": finance,
        "admin": admin,
    }


async def finance_request(client: Any, who: Any, customer_id: str, **values: Any) -> Any:
    body = {
        "reason": "客户更换开户行",
        **(values or {"bank_name": "招商银行上海分行", "bank_account": "6214 8301 2345 6789"}),
    }
    return await client.post(f"{V1}/customers/{customer_id}/finance-requests", json=body, headers=who.headers)


async def set_steps(client: Any, admin: Any, steps: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"{V1}/approval-flows/{FINANCE_FLOW}"
    current = await client.get(url, headers=admin.headers)
    r = await client.patch(
        url, json={"steps": steps}, headers={**admin.headers, "If-Match": current.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def users_step(*users: Any, mode: str = "any", **extra: Any) -> dict[str, Any]:
    return {
        "name": "指定人",
        "approvers": [{"kind": "users", "user_ids": [str(u.id) for u in users]}],
        "mode": mode,
        **extra,
    }


MANAGER_STEP = {"name": "经理", "approvers": [{"kind": "manager"}]}


async def act(client: Any, who: Any, request_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
    return await client.post(f"{V1}/approvals/{request_id}/{action}", json=body or {}, headers=who.headers)


async def box(client: Any, who: Any, name: str, query: str = "") -> list[str]:
    r = await client.get(f"{V1}/approvals?box={name}{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_financial_change_waits_for_the_manager_then_finance_and_applies(app, client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager, fin = o["rep"], o["manager"], o["finance"]
    customer = await factory.customer(rep)
    r = await finance_request(client, rep, customer["id"], tax_number="91310000 mA1fl4xq3x", reason="新税号")
    assert r.status_code == 201, r.text
    req = r.json()
    assert (
        req["status"] == "pending"
        and req["kind"] == "customer_finance_change"
        and req["step_name"] == "直属上级 / Manager"
    )
    assert req["changes"] == [{"field": "tax_number", "before": None, "after": "91310000MA1FL4XQ3X"}]
    assert [s["status"] for s in req["steps"]] == ["pending", "not_reached"]
    assert req["can_withdraw"] and not req["can_decide"]
    # nothing applied yet; the customer shows the pending request, a second one is refused
    page = (await client.get(f"{V1}/customers/{customer['id']}", headers=rep.headers)).json()
    assert page["tax_number"] is None and [p["id"] for p in page["pending_approvals"]] == [req["id"]]
    again = await finance_request(client, rep, customer["id"])
    assert again.status_code == 409 and again.json()["type"].endswith("record-locked-by-approval")

    assert await box(client, manager, "pending") == [req["id"]]
    assert await box(client, fin, "pending") == []
    r = await act(client, manager, req["id"], "approve", {"comment": "核对无误"})
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["current_step"] == 1
    assert await box(client, manager, "pending") == [] and await box(client, manager, "done") == [req["id"]]
    assert await box(client, fin, "pending") == [req["id"]]
    r = await act(client, fin, req["id"], "approve")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "approved" and done["decided_at"] and not done["can_decide"]
    assert [s["status"] for s in done["steps"]] == ["approved", "approved"]
    assert done["steps"][0]["approvers"][0]["comment"] == "核对无误"
    actions = [e["action"] for e in done["timeline"]]
    assert actions == ["submitted", "step_opened", "approved", "step_opened", "approved", "applied"]
    page = (await client.get(f"{V1}/customers/{customer['id']}", headers=rep.headers)).json()
    assert page["tax_number"] == "91310000MA1FL4XQ3X" and page["pending_approvals"] == []

    async with app.state.ctx.sessions() as s:
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.root_entity_id == customer["id"]))).all()
        events = (await s.scalars(select(OutboxEvent.type).where(OutboxEvent.entity_id == req["id"]))).all()
        told = (await s.scalars(select(Notification.kind).where(Notification.user_id == rep.id))).all()
    assert any(
        a.entity == "customer" and a.changes.get("tax_number") == [None, "91310000MA1FL4XQ3X"] for a in audit
    )
    assert [a.action for a in audit if a.entity == "approval_request"] == ["submit", "approve", "approve"]
    assert sorted(events) == [
        "approval.approved",
        "approval.pending",
        "approval.pending",
        "approval.submitted",
    ]
    assert list(told) == ["approval_decided"]
    # bad input: unknown fields, a malformed account, nothing that changes
    bad = await finance_request(client, rep, customer["id"], bank_account="12ab", reason="x")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bank_account"
    bad = await finance_request(client, rep, customer["id"], iban="DE00", reason="x")
    assert bad.status_code == 422
    same = await finance_request(client, rep, customer["id"], tax_number="91310000MA1FL4XQ3X", reason="x")
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "tax_number"


async def test_an_approver_outside_the_record_scope_sees_only_that_request(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, outsider, admin = o["rep"], o["outsider"], o["admin"]
    await set_steps(client, admin, [users_step(outsider)])
    customer = await factory.customer(rep)
    other_customer = await factory.customer(o["rep2"])
    mine = (await finance_request(client, rep, customer["id"])).json()
    other = (await finance_request(client, o["rep2"], other_customer["id"])).json()
    assert set(await box(client, outsider, "pending")) == {mine["id"], other["id"]}
    seen = await client.get(f"{V1}/approvals/{mine['id']}", headers=outsider.headers)
    assert (
        seen.status_code == 200
        and seen.json()["can_decide"]
        and seen.json()["customer"]["id"] == customer["id"]
    )
    assert (await client.get(f"{V1}/customers/{customer['id']}", headers=outsider.headers)).status_code == 404
    # a request they are not asked to decide stays invisible; so does the rest of the record scope
    rep3 = await factory.user("sales_rep", team=None)
    third = await factory.customer(rep3)
    await set_steps(client, admin, [MANAGER_STEP])
    hidden = (await finance_request(client, rep3, third["id"])).json()
    assert hidden["admin_queue"]  # rep3 has no manager: the step waits for an admin
    assert (await client.get(f"{V1}/approvals/{hidden['id']}", headers=outsider.headers)).status_code == 404
    assert (await act(client, outsider, hidden["id"], "approve")).status_code == 404
    assert hidden["id"] not in await box(client, outsider, "all")
    assert (await client.get(f"{V1}/approvals?box=admin_queue", headers=outsider.headers)).status_code == 404
    assert await box(client, admin, "admin_queue") == [hidden["id"]]
    # the applicant's teammate does not see it either; the manager (record scope) does
    assert (await client.get(f"{V1}/approvals/{mine['id']}", headers=o["rep2"].headers)).status_code == 404
    assert (await client.get(f"{V1}/approvals/{mine['id']}", headers=o["manager"].headers)).status_code == 200
    assert (await act(client, o["manager"], mine["id"], "approve")).status_code == 403  # sees, not asked


async def test_any_of_one_decision_counts_all_of_every_approval_counts(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    a, b = o["finance"], await factory.user("finance")
    rep, admin = o["rep"], o["admin"]
    await set_steps(client, admin, [users_step(a, b, mode="any")])
    c1 = await factory.customer(rep)
    req = (await finance_request(client, rep, c1["id"])).json()
    first, second = await asyncio.gather(
        act(client, a, req["id"], "approve"), act(client, b, req["id"], "approve")
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = b if first.status_code == 200 else a
    assert await box(client, loser, "pending") == [] and await box(client, loser, "done") == []
    detail = (await client.get(f"{V1}/approvals/{req['id']}", headers=rep.headers)).json()
    assert (
        detail["status"] == "approved"
        and len([x for x in detail["steps"][0]["approvers"] if x["decision"]]) == 1
    )

    await set_steps(client, admin, [users_step(a, b, mode="all")])
    c2 = await factory.customer(rep)
    req = (await finance_request(client, rep, c2["id"])).json()
    first, second = await asyncio.gather(
        act(client, a, req["id"], "approve"), act(client, b, req["id"], "approve")
    )
    assert [first.status_code, second.status_code] == [200, 200]
    detail = (await client.get(f"{V1}/approvals/{req['id']}", headers=rep.headers)).json()
    assert detail["status"] == "approved"
    assert sorted(x["decision"] for x in detail["steps"][0]["approvers"]) == ["approve", "approve"]
    # 会签: one rejection rejects
    c3 = await factory.customer(rep)
    req = (await finance_request(client, rep, c3["id"])).json()
    voted = (await act(client, a, req["id"], "approve")).json()
    assert voted["status"] == "pending" and not voted["can_decide"]  # their vote is in; b still decides
    assert (await act(client, b, req["id"], "reject", {})).status_code == 422  # a reason is required
    r = await act(client, b, req["id"], "reject", {"comment": "账号与营业执照不符"})
    assert r.json()["status"] == "rejected"
    page = (await client.get(f"{V1}/customers/{c3['id']}", headers=rep.headers)).json()
    assert page["bank_name"] is None and page["pending_approvals"] == []


async def test_reject_to_previous_step_then_reject_to_applicant_and_resubmit(app, client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager, fin, admin = o["rep"], o["manager"], o["finance"], o["admin"]
    await set_steps(client, admin, [MANAGER_STEP, users_step(fin, reject_to="previous_step")])
    customer = await factory.customer(rep)
    req = (await finance_request(client, rep, customer["id"])).json()
    await act(client, manager, req["id"], "approve")
    r = await act(client, fin, req["id"], "reject", {"comment": "请经理再核对账号"})
    sent_back = r.json()
    assert sent_back["status"] == "pending" and sent_back["current_step"] == 0
    assert await box(client, manager, "pending") == [req["id"]]
    rejected = next(e for e in sent_back["timeline"] if e["action"] == "rejected")
    assert rejected["data"] == {"sent_back_to_step": 0} and rejected["comment"] == "请经理再核对账号"
    # the manager rejects to the applicant: the record unlocks, the applicant resubmits new values
    r = await act(client, manager, req["id"], "reject", {"comment": "账号缺一位"})
    assert r.json()["status"] == "rejected" and not r.json()["can_resubmit"]
    assert (await client.get(f"{V1}/approvals/{req['id']}", headers=rep.headers)).json()["can_resubmit"]
    assert (await act(client, manager, req["id"], "resubmit", {})).status_code == 403  # not the applicant
    r = await act(
        client,
        rep,
        req["id"],
        "resubmit",
        {"reason": "已更正", "finance": {"bank_account": "6214830123456789012"}},
    )
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["status"] == "pending" and again["round"] == 2 and again["current_step"] == 0
    assert again["changes"] == [{"field": "bank_account", "before": None, "after": "6214830123456789012"}]
    assert again["reason"] == "已更正" and again["timeline"][-2]["action"] == "resubmitted"
    assert await box(client, manager, "pending") == [req["id"]]
    assert (await act(client, rep, req["id"], "resubmit", {"reason": "再次"})).status_code == 409  # pending
    bad = await act(client, rep, req["id"], "resubmit", {"to_level": "KA"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to_level"  # not a level change


async def test_withdraw_delegate_and_add_approver(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager, fin, admin = o["rep"], o["manager"], o["finance"], o["admin"]
    customer = await factory.customer(rep)
    req = (await finance_request(client, rep, customer["id"])).json()
    assert (await act(client, manager, req["id"], "withdraw")).status_code == 403
    r = await act(client, rep, req["id"], "withdraw", {"comment": "信息有误"})
    assert r.json()["status"] == "withdrawn" and await box(client, manager, "pending") == []
    assert (await act(client, manager, req["id"], "approve")).status_code == 409
    assert (await finance_request(client, rep, customer["id"])).status_code == 201  # unlocked

    req = (await client.get(f"{V1}/approvals?box=submitted&status=pending", headers=rep.headers)).json()[
        "items"
    ][0]
    # 转交: the manager hands their place to the director; not to the applicant
    assert (await act(client, manager, req["id"], "delegate", {"to_user_id": str(rep.id)})).status_code == 422
    assert (
        await act(client, o["rep2"], req["id"], "delegate", {"to_user_id": str(o["rep2"].id)})
    ).status_code == 404
    r = await act(
        client, manager, req["id"], "delegate", {"to_user_id": str(o["director"].id), "comment": "出差"}
    )
    assert r.status_code == 200, r.text
    assert await box(client, manager, "pending") == [] and await box(client, o["director"], "pending") == [
        req["id"]
    ]
    # 加签 by the new approver: someone else may decide the any-of step too
    r = await act(client, o["director"], req["id"], "approvers", {"user_id": str(fin.id)})
    assert r.status_code == 200 and {a["user"]["id"] for a in r.json()["steps"][0]["approvers"]} == {
        str(o["director"].id),
        str(fin.id),
    }
    assert [e["action"] for e in r.json()["timeline"]][-2:] == ["delegated", "approver_added"]
    r = await act(client, fin, req["id"], "approve")
    assert r.json()["current_step"] == 1 and await box(client, o["director"], "pending") == []
    # step 2 (finance): only an admin moves someone else's place
    move = {"to_user_id": str(o["rep2"].id), "from_user_id": str(fin.id)}
    assert (await act(client, manager, req["id"], "delegate", move)).status_code in (403, 404)
    assert (await act(client, admin, req["id"], "delegate", move)).status_code == 200
    assert await box(client, fin, "pending") == [] and await box(client, o["rep2"], "pending") == [req["id"]]


async def test_in_flight_requests_keep_their_flow_version(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager, fin, admin = o["rep"], o["manager"], o["finance"], o["admin"]
    c1, c2 = await factory.customer(rep), await factory.customer(rep)
    old = (await finance_request(client, rep, c1["id"])).json()
    assert old["flow"]["version"] == 1 and len(old["steps"]) == 2
    flow = await set_steps(client, admin, [users_step(fin)])
    assert flow["current_version"] == 2
    new = (await finance_request(client, rep, c2["id"])).json()
    assert (
        new["flow"]["version"] == 2
        and len(new["steps"]) == 1
        and await box(client, fin, "pending") == [new["id"]]
    )
    r = await act(client, manager, old["id"], "approve")  # still the manager's, as in v1
    assert r.status_code == 200 and r.json()["current_step"] == 1 and r.json()["flow"]["version"] == 1


async def test_admin_queue_and_admin_decisions(app, client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, admin, fin = o["rep"], o["admin"], o["finance"]
    await set_steps(client, admin, [{"name": "法务", "approvers": [{"kind": "zone_role", "role": "legal"}]}])
    customer = await factory.customer(rep)
    req = (await finance_request(client, rep, customer["id"])).json()
    assert req["admin_queue"] and req["steps"][0]["to_admin_queue"]
    counts = (await client.get(f"{V1}/approvals/counts", headers=admin.headers)).json()
    assert counts["admin_queue"] == 1
    async with app.state.ctx.sessions() as s:
        kinds = (await s.scalars(select(Notification.kind).where(Notification.user_id == admin.id))).all()
    assert list(kinds) == ["approval_admin_queue"]
    r = await act(client, admin, req["id"], "approvers", {"user_id": str(fin.id)})
    assert (
        r.status_code == 200 and not r.json()["admin_queue"] and await box(client, admin, "admin_queue") == []
    )
    # an admin may still decide any step outright (recorded as an override)
    r = await act(client, admin, req["id"], "approve", {"comment": "代为审批"})
    assert r.json()["status"] == "approved" and r.json()["steps"][0]["approvers"][-1]["override"]
    assert await box(client, fin, "pending") == []


async def test_time_limits_remind_or_escalate(app, client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager, director, admin = o["rep"], o["manager"], o["director"], o["admin"]
    await set_steps(client, admin, [{**MANAGER_STEP, "time_limit_hours": 4, "escalate_to_manager": True}])
    c1 = await factory.customer(rep)
    req = (await finance_request(client, rep, c1["id"])).json()
    assert req["due_at"] and not req["overdue"]
    ctx = app.state.ctx
    later = datetime.now(UTC) + timedelta(hours=5)
    async with unit_of_work(ctx.sessions) as s:
        assert await sweep_deadlines(s, ctx.access, now=later) == {"reminded": 0, "escalated": 1}
    assert await box(client, manager, "pending") == [] and await box(client, director, "pending") == [
        req["id"]
    ]
    detail = (await client.get(f"{V1}/approvals/{req['id']}", headers=rep.headers)).json()
    assert detail["timeline"][-1]["action"] == "escalated" and detail["due_at"] > req["due_at"]
    async with unit_of_work(ctx.sessions) as s:  # nothing more is due until the new limit
        assert await sweep_deadlines(s, ctx.access, now=later) == {"reminded": 0, "escalated": 0}

    await set_steps(client, admin, [{**MANAGER_STEP, "time_limit_hours": 4}])
    c2 = await factory.customer(rep)
    req = (await finance_request(client, rep, c2["id"])).json()
    assert (await box(client, manager, "pending", "&overdue=true")) == []
    async with unit_of_work(ctx.sessions) as s:
        assert await sweep_deadlines(s, ctx.access, now=later) == {"reminded": 1, "escalated": 0}
    async with ctx.sessions() as s:
        kinds = (await s.scalars(select(Notification.kind).where(Notification.user_id == manager.id))).all()
    assert sorted(kinds) == ["approval_pending", "approval_pending", "approval_reminder"]
    assert await box(client, manager, "pending") == [req["id"]]  # still theirs to decide


async def test_inbox_boxes_filters_counts_and_delivery(app, client, factory, settings) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, manager = o["rep"], o["manager"]
    customers = [await factory.customer(rep) for _ in range(3)]
    reqs = [(await finance_request(client, rep, c["id"])).json() for c in customers]
    level = (
        await client.post(
            f"{V1}/customers/{customers[0]['id']}/level-requests",
            json={"to_level": "KA", "reason": "采购额达标"},
            headers=rep.headers,
        )
    ).json()
    pending = await box(client, manager, "pending", "&limit=2")
    assert pending == [reqs[0]["id"], reqs[1]["id"]]  # oldest first
    r = await client.get(f"{V1}/approvals?box=pending&limit=2", headers=manager.headers)
    rest = await client.get(
        f"{V1}/approvals?box=pending&cursor={r.json()['next_cursor']}", headers=manager.headers
    )
    assert [i["id"] for i in rest.json()["items"]] == [reqs[2]["id"], level["id"]]
    assert await box(client, manager, "pending", "&kind=customer_level_change") == [level["id"]]
    assert await box(client, manager, "pending", f"&q={customers[1]['name'][-8:]}") == [reqs[1]["id"]]
    assert (await client.get(f"{V1}/approvals?box=inbox", headers=manager.headers)).status_code == 422
    await act(client, manager, reqs[0]["id"], "approve")
    await act(client, manager, reqs[1]["id"], "reject", {"comment": "不同意"})
    counts = (await client.get(f"{V1}/approvals/counts", headers=manager.headers)).json()
    assert counts == {
        "pending": 2,
        "overdue": 0,
        "submitted_pending": 0,
        "decided_today": 2,
        "admin_queue": 0,
    }
    mine = (await client.get(f"{V1}/approvals/counts", headers=rep.headers)).json()
    assert mine["submitted_pending"] == 3 and mine["pending"] == 0
    assert await box(client, rep, "submitted", "&status=rejected") == [reqs[1]["id"]]
    done = (await client.get(f"{V1}/approvals?box=done", headers=manager.headers)).json()["items"]
    assert [(i["id"], i["my_task"]["status"]) for i in done] == [
        (reqs[1]["id"], "rejected"),
        (reqs[0]["id"], "approved"),
    ]
    assert set(await box(client, manager, "all")) == {r["id"] for r in reqs} | {level["id"]}

    # "waiting for you" reaches the approver's channels through the worker (log channel on by default)
    await run_worker(settings)
    async with app.state.ctx.sessions() as s:
        sent = await s.scalar(
            select(func.count())
            .select_from(MessageDelivery)
            .join(Notification, Notification.id == MessageDelivery.notification_id)
            .where(
                Notification.user_id == manager.id,
                Notification.kind == "approval_pending",
                MessageDelivery.status == "delivered",
            )
        )
    assert sent == 4
