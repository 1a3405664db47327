"""Sales targets (销售目标): managers set them for their reps and teams, directors for their
zones, the boss for anything; each caller sees the targets inside their scope; out-of-scope
names answer 404, reps may not set targets (403); batches are all-or-nothing; writes audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from repositories.db import unit_of_work
from repositories.models import AuditEntry, SalesTarget

V1 = "/api/v1"
URL = f"{V1}/sales-targets"
STANDARD = "5a7e0c1e-1e7a-4c55-9d0f-0000000000b1"
MONTH = "2026-11"


async def org(factory: Any) -> dict[str, Any]:
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
    other_team = await factory.team(other_zone)
    other_manager = await factory.user("sales_manager", team=other_team)
    await factory.set_manager(other_team, other_manager)
    outsider = await factory.user("sales_rep", team=other_team)
    return {
        "zone": zone,
        "team": team,
        "director": director,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "other_zone": other_zone,
        "other_team": other_team,
        "other_manager": other_manager,
        "outsider": outsider,
        "boss": await factory.user("executive"),
        "finance": await factory.user("finance"),
    }


def body(
    scope_type: str, scope: Any, amount: str = "100000", month: str = MONTH, **extra: Any
) -> dict[str, Any]:
    return {"scope_type": scope_type, "scope_id": str(scope.id), "month": month, "amount": amount, **extra}


async def put(client: Any, who: Any, payload: dict[str, Any]) -> Any:
    return await client.put(URL, json=payload, headers=who.headers)


async def listed(client: Any, who: Any, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(URL, params={"month": MONTH, **params}, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_a_manager_sets_their_reps_target_and_the_rep_sees_it(client, factory) -> None:
    o = await org(factory)
    r = await put(client, o["manager"], body("user", o["rep"], "300000.50"))
    assert r.status_code == 200, r.text
    target = r.json()
    assert target["scope_type"] == "user" and target["scope_id"] == str(o["rep"].id)
    assert target["scope_name"].startswith("用户")
    assert target["month"] == MONTH and target["amount"] == "300000.50" and target["currency"] == "CNY"
    assert target["business_line_id"] is None and target["version"] == 1
    assert target["set_by"] == {"id": str(o["manager"].id), "display_name": target["set_by"]["display_name"]}

    assert [t["id"] for t in await listed(client, o["rep"])] == [target["id"]]  # their own
    assert await listed(client, o["rep2"]) == []  # not a teammate's
    assert await listed(client, o["outsider"]) == []
    assert [t["id"] for t in await listed(client, o["manager"])] == [target["id"]]
    assert [t["id"] for t in await listed(client, o["director"])] == [target["id"]]
    assert [t["id"] for t in await listed(client, o["finance"])] == [target["id"]]  # reads every opportunity
    assert await listed(client, o["other_manager"]) == []
    assert await listed(client, o["manager"], month="2026-12") == []


async def test_out_of_scope_targets_answer_404_and_reps_may_not_set_any(client, factory) -> None:
    o = await org(factory)
    manager, director = o["manager"], o["director"]
    r = await put(client, manager, body("user", o["outsider"]))
    assert r.status_code == 404 and str(o["outsider"].id) in r.json()["detail"]
    assert (await put(client, manager, body("team", o["other_team"]))).status_code == 404
    assert (
        await put(client, manager, body("zone", o["zone"]))
    ).status_code == 404  # a manager has no zone targets
    assert (
        await put(client, manager, body("user", type("U", (), {"id": uuid.uuid4()})()))
    ).status_code == 404
    assert (await put(client, manager, body("team", o["team"]))).status_code == 200  # their own team
    # a director: the zone, its teams and its users; not another zone
    for scope_type, scope in (("zone", o["zone"]), ("team", o["team"]), ("user", o["rep2"])):
        assert (await put(client, director, body(scope_type, scope))).status_code == 200, scope_type
    for scope_type, scope in (("zone", o["other_zone"]), ("team", o["other_team"]), ("user", o["outsider"])):
        assert (await put(client, director, body(scope_type, scope))).status_code == 404, scope_type
    # the boss sets anything
    assert (await put(client, o["boss"], body("zone", o["other_zone"]))).status_code == 200
    r = await put(client, o["boss"], body("zone", type("Z", (), {"id": uuid.uuid4()})()))
    assert r.status_code == 404
    # reps and finance do not set targets
    assert (await put(client, o["rep"], body("user", o["rep"]))).status_code == 403
    assert (await put(client, o["finance"], body("user", o["rep"]))).status_code == 403
    async with unit_of_work(factory.ctx.sessions) as s:
        assert len((await s.scalars(select(SalesTarget))).all()) == 4  # the team's target was set twice


async def test_invalid_targets_name_the_field(client, factory) -> None:
    o = await org(factory)
    cases = [
        (body("user", o["rep"], month="2026-13"), "month"),
        (body("user", o["rep"], month="2026-1"), "month"),
        (body("user", o["rep"], amount="-1"), "amount"),
        (body("user", o["rep"], amount="1.234"), "amount"),
        (body("user", o["rep"], amount="lots"), "amount"),
        (body("user", o["rep"], currency="yuan"), "currency"),
        (body("department", o["rep"]), "scope_type"),
        (body("user", o["rep"], bonus=True), "bonus"),
        (body("user", o["rep"], business_line_id=str(uuid.uuid4())), "business_line_id"),
    ]
    for payload, field in cases:
        r = await put(client, o["manager"], payload)
        assert r.status_code == 422, (field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
    r = await client.get(URL, params={"month": "November"}, headers=o["manager"].headers)
    assert r.status_code == 422


async def test_setting_again_replaces_the_target_and_is_audited(client, factory) -> None:
    o = await org(factory)
    first = (await put(client, o["manager"], body("user", o["rep"], "100000"))).json()
    again = await put(client, o["director"], body("user", o["rep"], "120000"))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["version"] == 2
    assert again.json()["amount"] == "120000.00" and again.json()["set_by"]["id"] == str(o["director"].id)
    # per business line: a separate target next to the all-lines one
    line = await put(client, o["manager"], body("user", o["rep"], "50000", business_line_id=STANDARD))
    assert line.status_code == 200 and line.json()["id"] != first["id"]
    assert line.json()["business_line_id"] == STANDARD
    items = await listed(client, o["manager"])
    assert sorted(t["amount"] for t in items) == ["120000.00", "50000.00"]
    assert [t["amount"] for t in await listed(client, o["manager"], business_line_id=STANDARD)] == [
        "50000.00"
    ]
    async with unit_of_work(factory.ctx.sessions) as s:
        entries = (
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity == "sales_target", AuditEntry.entity_id == first["id"]
                )
            )
        ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["amount"] == ["100000.00", "120000.00"]
    assert entries[1].actor_id == o["director"].id


async def test_a_batch_is_all_or_nothing(client, factory) -> None:
    o = await org(factory)
    grid = [body("user", o["rep"], "1000"), body("user", o["rep2"], "2000"), body("team", o["team"], "3000")]
    r = await client.put(f"{URL}/batch", json={"items": grid}, headers=o["manager"].headers)
    assert r.status_code == 200, r.text
    saved = r.json()["items"]
    assert [t["scope_type"] for t in saved] == ["team", "user", "user"]  # zones, teams, then users
    assert sorted(t["amount"] for t in saved) == ["1000.00", "2000.00", "3000.00"]

    # one target outside the manager's team: nothing of the batch is saved
    bad = [body("user", o["rep"], "9999"), body("user", o["outsider"], "9999")]
    r = await client.put(f"{URL}/batch", json={"items": bad}, headers=o["manager"].headers)
    assert r.status_code == 404 and r.json()["field"] == "items.1.scope_id"  # which row to mark
    r = await client.put(
        f"{URL}/batch",
        json={"items": [body("user", o["rep"], "1"), body("user", o["rep2"], "-5")]},
        headers=o["manager"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.1.amount"
    r = await client.put(
        f"{URL}/batch",
        json={"items": [body("user", o["rep"], "1"), body("user", o["rep"], "2")]},
        headers=o["manager"].headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.1.scope_id"
    assert sorted(t["amount"] for t in await listed(client, o["manager"])) == [
        "1000.00",
        "2000.00",
        "3000.00",
    ]
    r = await client.put(f"{URL}/batch", json={"items": []}, headers=o["manager"].headers)
    assert r.status_code == 422


async def test_delete_a_target_in_scope(client, factory) -> None:
    o = await org(factory)
    mine = (await put(client, o["manager"], body("user", o["rep"]))).json()
    theirs = (await put(client, o["other_manager"], body("user", o["outsider"]))).json()
    assert (await client.delete(f"{URL}/{theirs['id']}", headers=o["manager"].headers)).status_code == 404
    assert (await client.delete(f"{URL}/{mine['id']}", headers=o["rep"].headers)).status_code == 403
    assert (await client.delete(f"{URL}/{mine['id']}", headers=o["manager"].headers)).status_code == 204
    assert (await client.delete(f"{URL}/{mine['id']}", headers=o["manager"].headers)).status_code == 404
    assert await listed(client, o["rep"]) == []
    assert len(await listed(client, o["other_manager"])) == 1
