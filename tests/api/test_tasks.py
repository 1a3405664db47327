"""Tasks (待办): a user's own to-dos made by colleagues (visit invitations, requirements) — listed
by status and due date, done or declined only by the assignee, the creator told; and every task
of an opportunity on its page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from repositories.models import Notification
from tests.api.test_opportunity_work import V1, opportunity, org, tasks_of


async def invite(
    client: Any, who: Any, opp: str, invitees: list[Any], on: date | None, content: str = "拜访"
) -> str:
    body: dict[str, Any] = {
        "kind": "visit",
        "content": content,
        "invite_user_ids": [str(u.id) for u in invitees],
    }
    if on is not None:
        body["next_follow_up_on"] = str(on)
    r = await client.post(f"{V1}/opportunities/{opp}/follow-ups", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]  # type: ignore[no-any-return]


async def test_my_tasks_by_status_and_due_date_with_names(client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, rep2, presales = o["rep"], o["rep2"], o["presales"]
    customer = await factory.customer(rep, name="上海星河科技有限公司")
    opp = await opportunity(factory, o, customer["id"], members=(rep2,))
    other = await opportunity(factory, o, customer["id"])
    soon, later = date.today() + timedelta(days=1), date.today() + timedelta(days=5)
    await invite(client, rep, opp, [rep2, presales], later, "第二次拜访")
    await invite(client, rep, other, [rep2], soon, "首次拜访")
    r = await client.post(
        f"{V1}/opportunities/{opp}/requirements",
        json={"title": "数据本地化", "assignee_id": str(rep2.id)},
        headers=rep.headers,
    )
    assert r.status_code == 201

    # open tasks: soonest due first, undated (the requirement) last; names come along
    mine = await tasks_of(client, rep2)
    assert [t["kind"] for t in mine] == ["join_visit", "join_visit", "requirement"]
    assert [t["opportunity"]["id"] for t in mine] == [other, opp, opp]
    assert datetime.fromisoformat(mine[0]["due_at"]).date() == soon and mine[2]["due_at"] is None
    assert all(t["customer"] == {"id": customer["id"], "name": "上海星河科技有限公司"} for t in mine)
    assert all(t["assignee"]["id"] == str(rep2.id) and t["created_by"]["id"] == str(rep.id) for t in mine)
    assert all(t["status"] == "open" and t["done_at"] is None for t in mine)

    # keyset pages walk the same order
    seen, cursor = [], None
    while True:
        r = await client.get(
            f"{V1}/tasks?limit=1" + (f"&cursor={cursor}" if cursor else ""), headers=rep2.headers
        )
        assert r.status_code == 200
        seen += [t["id"] for t in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in mine]

    # by opportunity; other statuses; someone else's list
    r = await client.get(f"{V1}/tasks?opportunity_id={other}", headers=rep2.headers)
    assert [t["id"] for t in r.json()["items"]] == [mine[0]["id"]]
    assert await tasks_of(client, rep2, "done") == []
    assert [t["opportunity"]["id"] for t in await tasks_of(client, presales)] == [opp]
    assert await tasks_of(client, rep) == []
    assert (await client.get(f"{V1}/tasks?status=finished", headers=rep2.headers)).status_code == 422


async def test_only_the_assignee_completes_or_declines_and_the_creator_is_told(app, client, factory) -> None:  # noqa: ANN001
    o = await org(factory)
    rep, rep2, presales = o["rep"], o["rep2"], o["presales"]
    customer = await factory.customer(rep)
    opp = await opportunity(factory, o, customer["id"])
    await invite(client, rep, opp, [rep2, presales], date.today() + timedelta(days=2))
    [task] = await tasks_of(client, rep2)
    [other] = await tasks_of(client, presales)

    # the creator, a manager and an admin cannot act on someone else's task: not found
    for who in (rep, o["manager"], await factory.admin()):
        assert (await client.post(f"{V1}/tasks/{task['id']}/done", headers=who.headers)).status_code == 404
        assert (
            await client.post(f"{V1}/tasks/{task['id']}/decline", json={}, headers=who.headers)
        ).status_code == 404

    r = await client.post(
        f"{V1}/tasks/{task['id']}/decline", json={"reason": "当天在外地出差"}, headers=rep2.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined" and r.json()["done_at"]
    assert (await client.post(f"{V1}/tasks/{task['id']}/decline", headers=rep2.headers)).status_code == 409
    assert (await client.post(f"{V1}/tasks/{task['id']}/done", headers=rep2.headers)).status_code == 409
    assert [t["id"] for t in await tasks_of(client, rep2, "declined")] == [task["id"]]
    assert await tasks_of(client, rep2) == []

    r = await client.post(f"{V1}/tasks/{other['id']}/decline", headers=presales.headers)  # no body, no reason
    assert r.status_code == 200 and r.json()["status"] == "declined"

    async with app.state.ctx.sessions() as s:
        told = list(
            await s.scalars(
                select(Notification).where(Notification.user_id == rep.id).order_by(Notification.created_at)
            )
        )
    assert [n.kind for n in told] == ["task_declined", "task_declined"]
    assert "当天在外地出差" in (told[0].body or "") and told[0].entity_id == opp

    # the opportunity's page lists everyone's tasks; the invitee (not on the team) and a
    # stranger do not see the opportunity
    r = await client.get(f"{V1}/opportunities/{opp}/tasks", headers=o["manager"].headers)
    assert r.status_code == 200
    assert {t["assignee"]["id"] for t in r.json()["items"]} == {str(rep2.id), str(presales.id)}
    assert all(t["status"] == "declined" for t in r.json()["items"])
    assert (await client.get(f"{V1}/opportunities/{opp}/tasks", headers=rep2.headers)).status_code == 404
    assert (
        await client.get(f"{V1}/opportunities/{opp}/tasks", headers=o["outsider"].headers)
    ).status_code == 404
