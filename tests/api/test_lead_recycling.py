"""Lead recycling: owned leads nobody contacted within their grade's hours return to the queue."""

from __future__ import annotations

from sqlalchemy import select, text

from repositories.models import AuditEntry, Lead
from worker import tasks
from worker.settings import WorkerSettings

LEADS = "/api/v1/leads"


async def backdate(app, lead_id: str, hours: int) -> None:  # noqa: ANN001
    async with app.state.ctx.sessions() as s:
        await s.execute(
            text("UPDATE leads SET assigned_at = now() - make_interval(hours => :h) WHERE id = :id"),
            {"h": hours, "id": lead_id},
        )
        await s.commit()


async def test_recycling_by_grade_hours_dry_run_then_idempotent_runs(client, factory, app):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    admin = await factory.admin()
    stale = (await client.post(LEADS, json={"company_name": "没人跟进的公司"}, headers=rep.headers)).json()
    called = (await client.post(LEADS, json={"company_name": "打过电话的公司"}, headers=rep.headers)).json()
    fresh = (await client.post(LEADS, json={"company_name": "刚分配的公司"}, headers=rep.headers)).json()
    assert stale["grade"] == "D"  # D waits 168 h by default
    await client.post(f"{LEADS}/{called['id']}/actions", json={"kind": "call"}, headers=rep.headers)
    for lead in (stale, called):
        await backdate(app, lead["id"], 200)
    await backdate(app, fresh["id"], 100)

    dry = (await client.post(f"{LEADS}/recycle", json={"dry_run": True}, headers=admin.headers)).json()
    assert dry["dry_run"] is True and [x["lead_id"] for x in dry["leads"]] == [stale["id"]]
    assert (await client.get(f"{LEADS}/{stale['id']}", headers=rep.headers)).status_code == 200  # unchanged

    run = (await client.post(f"{LEADS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert run["count"] == 1 and run["leads"][0]["previous_owner_id"] == str(rep.id)
    assert (
        await client.get(f"{LEADS}/{stale['id']}", headers=rep.headers)
    ).status_code == 404  # no longer theirs
    async with app.state.ctx.sessions() as s:
        lead = await s.get(Lead, stale["id"])
        assert lead is not None and lead.owner_id is None and str(lead.zone_id) == str(zone.id)
        assert lead.routing_trace["result"] == "recycled"
        entry = await s.scalar(
            select(AuditEntry).where(AuditEntry.entity == "lead", AuditEntry.action == "recycle")
        )
        assert entry is not None and entry.changes["owner_id"] == [str(rep.id), None]
    again = (await client.post(f"{LEADS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert again["count"] == 0
    assert (
        await client.post(f"{LEADS}/recycle", json={"dry_run": True}, headers=rep.headers)
    ).status_code == 403


async def test_the_worker_task_recycles_and_is_scheduled(client, factory, app):
    zone = await factory.zone()
    team = await factory.team(zone)
    rep = await factory.user("sales_rep", team=team)
    lead = (await client.post(LEADS, json={"company_name": "定时回收公司"}, headers=rep.headers)).json()
    await backdate(app, lead["id"], 500)
    assert await tasks.recycle_leads({"sessions": app.state.ctx.sessions}) == {"recycled": 1}
    assert await tasks.recycle_leads({"sessions": app.state.ctx.sessions}) == {"recycled": 0}
    assert any(job.name == "cron:recycle_leads" for job in WorkerSettings.cron_jobs)
