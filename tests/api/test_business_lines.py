"""Business lines and their stage sets (issue 6, seed 000): the shipped lines as everyone reads
them, an admin creating a line and designing its stages (order, win rates, exit criteria),
validation naming the field, optimistic locking, stages that opportunities still use, and the
one default line."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from repositories.db import unit_of_work
from repositories.models import Opportunity, OpportunityStageChange, OutboxEvent, PipelineStage

V1 = "/api/v1"
LINES = f"{V1}/business-lines"
STANDARD = "5a7e0c1e-1e7a-4c55-9d0f-0000000000b1"
COMPLEX = "5a7e0c1e-1e7a-4c55-9d0f-0000000000b2"


def rates(line: dict[str, Any]) -> list[Decimal]:
    return [Decimal(s["win_rate"]) for s in line["stages"] if s["kind"] == "open"]


def as_input(stage: dict[str, Any]) -> dict[str, Any]:
    """A listed stage as the PUT takes it back."""
    return {k: v for k, v in stage.items() if k not in ("position", "open_count")}


async def line(client: Any, who: Any, line_id: str) -> tuple[dict[str, Any], str]:
    r = await client.get(f"{LINES}/{line_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json(), r.headers["ETag"]


async def put_stages(client: Any, who: Any, line_id: str, stages: list[dict[str, Any]], tag: str) -> Any:
    return await client.put(
        f"{LINES}/{line_id}/stages", json={"stages": stages}, headers={**who.headers, "If-Match": tag}
    )


async def opportunity_in(
    app: Any, factory: Any, owner: Any, line_id: str, stage_code: str, **extra: Any
) -> uuid.UUID:
    """An opportunity row sitting in a stage (the opportunities API is someone else's slice)."""
    customer = await factory.customer(owner)
    async with unit_of_work(app.state.ctx.sessions) as s:
        stage = await s.scalar(
            select(PipelineStage).where(
                PipelineStage.business_line_id == uuid.UUID(line_id), PipelineStage.code == stage_code
            )
        )
        assert stage is not None
        opp = Opportunity(
            name=f"商机 {uuid.uuid4().hex[:6]}",
            customer_id=uuid.UUID(customer["id"]),
            business_line_id=stage.business_line_id,
            stage_id=stage.id,
            amount=Decimal("100000"),
            owner_id=owner.id,
            **extra,
        )
        s.add(opp)
        await s.flush()
        return opp.id


async def test_everyone_reads_the_shipped_lines_with_their_rates_and_criteria(client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep")
    r = await client.get(LINES, headers=rep.headers)
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    standard, complex_ = items["standard"], items["complex"]
    assert standard["id"] == STANDARD and standard["is_default"] and not complex_["is_default"]
    assert rates(standard) == [Decimal(n) for n in (10, 30, 50, 70, 100)]
    assert rates(complex_) == [Decimal(n) for n in (10, 30, 70, 80, 90, 100)]
    assert [s["code"] for s in standard["stages"]] == [
        "initial",
        "needs",
        "solution",
        "negotiation",
        "signing",
        "won",
        "lost",
    ]
    assert [s["position"] for s in standard["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert standard["grade_thresholds"] == {"A": "1000000", "B": "200000"}
    needs = standard["stages"][1]
    assert needs["exit_criteria"] == {
        "required_fields": [],
        "key_roles": ["decision_maker"],
        "documents": [],
        "checklist": [],
        "min_contacts": 2,
    }
    assert standard["stages"][2]["exit_criteria"]["documents"] == ["solution"]
    assert [s["protects_customer"] for s in standard["stages"]] == [
        False,
        False,
        False,
        True,
        True,
        False,
        False,
    ]
    assert {s["kind"] for s in standard["stages"][-2:]} == {"won", "lost"}
    assert all(s["open_count"] == 0 and s["is_active"] for s in standard["stages"])

    one, tag = await line(client, rep, COMPLEX)
    assert one["code"] == "complex" and tag == f'"{one["version"]}"'
    options = (await client.get(f"{LINES}/criteria-options", headers=rep.headers)).json()
    assert "expected_close_date" in [o["value"] for o in options["required_fields"]]
    assert [o["value"] for o in options["key_roles"]][:2] == ["decision_maker", "champion"]
    assert "solution" in [o["value"] for o in options["documents"]]
    assert [o["value"] for o in options["forecast_categories"]] == [
        "pipeline",
        "best_case",
        "commit",
        "closed",
        "omitted",
    ]
    missing = await client.get(f"{LINES}/{uuid.uuid4()}", headers=rep.headers)
    assert missing.status_code == 404


async def test_a_rep_reads_but_cannot_change_lines(client, factory) -> None:  # noqa: ANN001
    rep = await factory.user("sales_rep")
    one, tag = await line(client, rep, STANDARD)
    body = {"code": "mine", "name": "我的流程", "grade_thresholds": {"A": "10", "B": "5"}}
    assert (await client.post(LINES, json=body, headers=rep.headers)).status_code == 403
    patch = await client.patch(
        f"{LINES}/{STANDARD}", json={"name": "x"}, headers={**rep.headers, "If-Match": tag}
    )
    assert patch.status_code == 403
    stages = [as_input(s) for s in one["stages"]]
    assert (await put_stages(client, rep, STANDARD, stages, tag)).status_code == 403
    assert (await client.delete(f"{LINES}/{COMPLEX}", headers=rep.headers)).status_code == 403
    assert (await line(client, rep, STANDARD))[0]["version"] == one["version"]


async def test_admin_creates_a_line_and_designs_its_stages(app, client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    body = {
        "code": "channel",
        "name": "渠道销售 / Channel",
        "description": "经销商项目",
        "grade_thresholds": {"A": "2000000.00", "B": "300000"},
    }
    r = await client.post(LINES, json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    # no stages sent: a copy of the standard line's
    assert [s["code"] for s in made["stages"]] == [
        "initial",
        "needs",
        "solution",
        "negotiation",
        "signing",
        "won",
        "lost",
    ]
    assert rates(made) == [Decimal(n) for n in (10, 30, 50, 70, 100)]
    assert made["grade_thresholds"] == {"A": "2000000", "B": "300000"}
    assert not made["is_default"] and made["is_active"] and made["version"] == 1
    listed = [i["code"] for i in (await client.get(LINES, headers=admin.headers)).json()["items"]]
    assert listed == ["standard", "complex", "channel"]
    again = await client.post(LINES, json={**body, "name": "另一个"}, headers=admin.headers)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "code"

    one, tag = await line(client, admin, made["id"])
    stages = [as_input(s) for s in one["stages"]]
    initial, needs, solution, negotiation, signing, won, lost = stages
    # reorder (needs before initial is not allowed by rising rates, so swap negotiation and
    # signing's rates too), change a rate, add criteria, add a stage, drop one
    needs = {**needs, "win_rate": "20.5"}
    solution = {
        **solution,
        "exit_criteria": {
            "required_fields": ["amount", "next_step"],
            "key_roles": ["decision_maker", "champion"],
            "documents": ["solution", "quote"],
            "checklist": ["  客户确认方案  "],
            "min_contacts": 3,
        },
    }
    poc = {
        "code": "poc",
        "name": "测试 / POC",
        "kind": "open",
        "win_rate": "60",
        "forecast_category": "best_case",
    }
    new_set = [initial, needs, solution, poc, negotiation, lost, won]  # signing dropped; lost before won
    r = await put_stages(client, admin, made["id"], new_set, tag)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["version"] == one["version"] + 1 and r.headers["ETag"] == f'"{saved["version"]}"'
    assert [s["code"] for s in saved["stages"]] == [
        "initial",
        "needs",
        "solution",
        "poc",
        "negotiation",
        "lost",
        "won",
    ]
    assert [s["position"] for s in saved["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert rates(saved) == [Decimal("10"), Decimal("20.5"), Decimal("50"), Decimal("60"), Decimal("70")]
    assert saved["stages"][2]["exit_criteria"] == {
        "required_fields": ["amount", "next_step"],
        "key_roles": ["decision_maker", "champion"],
        "documents": ["solution", "quote"],
        "checklist": ["客户确认方案"],
        "min_contacts": 3,
    }
    assert saved["stages"][3]["forecast_category"] == "best_case" and saved["stages"][3]["id"]
    # the kept stages are the same rows; the dropped one is gone (nothing referred to it)
    assert saved["stages"][0]["id"] == one["stages"][0]["id"]
    assert signing["id"] not in {s["id"] for s in saved["stages"]}
    # the same set again changes nothing
    same = await put_stages(
        client, admin, made["id"], [as_input(s) for s in saved["stages"]], f'"{saved["version"]}"'
    )
    assert same.status_code == 200 and same.json()["version"] == saved["version"]
    # the shipped lines are untouched
    assert rates((await line(client, admin, STANDARD))[0]) == [Decimal(n) for n in (10, 30, 50, 70, 100)]

    async with app.state.ctx.sessions() as s:
        events = (
            await s.scalars(
                select(OutboxEvent.data)
                .where(OutboxEvent.type == "business_line.changed")
                .order_by(OutboxEvent.seq)
            )
        ).all()
    assert [(e["change"], e["code"]) for e in events] == [("created", "channel"), ("stages", "channel")]

    # codes can swap between stages in one save
    swapped = [as_input(s) for s in saved["stages"]]
    swapped[0]["code"], swapped[1]["code"] = swapped[1]["code"], swapped[0]["code"]
    r = await put_stages(client, admin, made["id"], swapped, f'"{saved["version"]}"')
    assert r.status_code == 200, r.text
    assert [s["code"] for s in r.json()["stages"]][:2] == ["needs", "initial"]


async def test_a_malformed_stage_set_is_refused_naming_the_field(client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    one, tag = await line(client, admin, STANDARD)
    stages = [as_input(s) for s in one["stages"]]

    async def refused(changed: list[dict[str, Any]]) -> str:
        r = await put_stages(client, admin, STANDARD, changed, tag)
        assert r.status_code == 422, r.text
        return str(r.json()["errors"][0]["field"])

    def with_(i: int, **values: Any) -> list[dict[str, Any]]:
        return [{**s, **values} if j == i else s for j, s in enumerate(stages)]

    assert await refused(with_(2, win_rate="120")) == "stages.2.win_rate"
    assert await refused(with_(2, win_rate="50.555")) == "stages.2.win_rate"
    assert await refused(with_(2, win_rate="5")) == "stages.2.win_rate"  # falls below needs' 30
    assert await refused(with_(1, code="Needs!")) == "stages.1.code"
    assert await refused(with_(3, code="initial")) == "stages.3.code"
    assert await refused(with_(1, exit_criteria={"required_fields": ["colour"]})) == (
        "stages.1.exit_criteria.required_fields"
    )
    assert (
        await refused(with_(1, exit_criteria={"key_roles": ["boss"]})) == "stages.1.exit_criteria.key_roles.0"
    )
    assert (
        await refused(with_(1, exit_criteria={"min_contacts": 99})) == "stages.1.exit_criteria.min_contacts"
    )
    assert await refused(with_(6, kind="won")) == "stages"  # two won stages
    assert await refused(with_(1, bogus=1)) == "stages.1.bogus"
    assert await refused(with_(0, id=str(uuid.uuid4()))) == "stages.0.id"
    # an open stage after the end states
    assert await refused([*stages[:1], stages[5], *stages[1:5], stages[6]]) == "stages.2.kind"
    # nothing was written
    assert (await line(client, admin, STANDARD))[0] == one


async def test_stale_if_match_is_412(client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    one, tag = await line(client, admin, COMPLEX)
    stages = [as_input(s) for s in one["stages"]]
    stages[0]["name"] = "首次接触"
    assert (await put_stages(client, admin, COMPLEX, stages, tag)).status_code == 200
    stages[0]["name"] = "别人的修改"
    stale = await put_stages(client, admin, COMPLEX, stages, tag)
    assert stale.status_code == 412
    patch = await client.patch(
        f"{LINES}/{COMPLEX}", json={"name": "新名"}, headers={**admin.headers, "If-Match": tag}
    )
    assert patch.status_code == 412
    assert (await line(client, admin, COMPLEX))[0]["stages"][0]["name"] == "首次接触"


async def test_a_stage_with_open_opportunities_cannot_be_removed(app, client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()
    rep = await factory.user("sales_rep")
    await opportunity_in(app, factory, rep, STANDARD, "solution")
    await opportunity_in(app, factory, rep, STANDARD, "solution")
    await opportunity_in(app, factory, rep, STANDARD, "won", status="won")
    one, tag = await line(client, admin, STANDARD)
    by_code = {s["code"]: s for s in one["stages"]}
    assert by_code["solution"]["open_count"] == 2 and by_code["won"]["open_count"] == 0
    listed = (await client.get(LINES, headers=rep.headers)).json()["items"]
    assert {s["code"]: s["open_count"] for s in listed[0]["stages"]}["solution"] == 2

    stages = [as_input(s) for s in one["stages"]]
    r = await put_stages(client, admin, STANDARD, [s for s in stages if s["code"] != "solution"], tag)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["open_count"] == 2 and problem["stage_code"] == "solution" and "方案" in problem["detail"]
    deactivated = [{**s, "is_active": False} if s["code"] == "solution" else s for s in stages]
    assert (await put_stages(client, admin, STANDARD, deactivated, tag)).status_code == 409
    # a stage opportunities sit in keeps its kind
    flipped = [
        {**s, "kind": "lost"} if s["code"] == "won" else {**s, "kind": "won"} if s["code"] == "lost" else s
        for s in stages
    ]
    assert (await put_stages(client, admin, STANDARD, flipped, tag)).status_code == 409
    assert (await line(client, admin, STANDARD))[0] == one

    # a stage only history refers to is kept, inactive, after the others
    opp = await opportunity_in(app, factory, rep, STANDARD, "needs")
    async with unit_of_work(app.state.ctx.sessions) as s:
        row = await s.get(Opportunity, opp)
        assert row is not None
        s.add(
            OpportunityStageChange(
                opportunity_id=opp,
                business_line_id=row.business_line_id,
                from_stage_id=row.stage_id,
                to_stage_id=uuid.UUID(by_code["solution"]["id"]),
            )
        )
        row.stage_id = uuid.UUID(by_code["solution"]["id"])
    one, tag = await line(client, admin, STANDARD)
    assert {s["code"]: s["open_count"] for s in one["stages"]}["needs"] == 0
    stages = [as_input(s) for s in one["stages"]]
    r = await put_stages(client, admin, STANDARD, [s for s in stages if s["code"] != "needs"], tag)
    assert r.status_code == 200, r.text
    after = r.json()["stages"]
    assert [(s["code"], s["position"], s["is_active"]) for s in after][-2:] == [
        ("lost", 6, True),
        ("needs", 7, False),
    ]
    # its code stays taken while it is kept
    reuse = [*[as_input(s) for s in after if s["is_active"]]]
    reuse.insert(1, {"code": "needs", "name": "需求", "kind": "open", "win_rate": "20"})
    r = await put_stages(client, admin, STANDARD, reuse, r.headers["ETag"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stages.1.code"

    # a line opportunities use cannot be deleted, only deactivated
    other = (
        await client.post(
            LINES,
            json={"code": "spare", "name": "备用", "grade_thresholds": {"A": "9", "B": "1"}},
            headers=admin.headers,
        )
    ).json()
    await opportunity_in(app, factory, rep, other["id"], "initial")
    r = await client.delete(f"{LINES}/{other['id']}", headers=admin.headers)
    assert r.status_code == 409 and r.json()["opportunity_count"] == 1 and "deactivate" in r.json()["detail"]
    async with app.state.ctx.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Opportunity)) == 5


async def test_exactly_one_default_line(client, factory) -> None:  # noqa: ANN001
    admin = await factory.admin()

    async def defaults() -> list[str]:
        items = (await client.get(LINES, headers=admin.headers)).json()["items"]
        return [i["code"] for i in items if i["is_default"]]

    _, tag = await line(client, admin, COMPLEX)
    r = await client.patch(
        f"{LINES}/{COMPLEX}", json={"is_default": True}, headers={**admin.headers, "If-Match": tag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_default"] and await defaults() == ["complex"]

    # the default line can neither be deactivated, nor stop being the default, nor be deleted
    tag = r.headers["ETag"]
    for change, field in (({"is_active": False}, "is_active"), ({"is_default": False}, "is_default")):
        bad = await client.patch(
            f"{LINES}/{COMPLEX}", json=change, headers={**admin.headers, "If-Match": tag}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field
    assert (await client.delete(f"{LINES}/{COMPLEX}", headers=admin.headers)).status_code == 422

    # the previous default can now be deactivated, but an inactive line cannot become the default
    _, tag = await line(client, admin, STANDARD)
    r = await client.patch(
        f"{LINES}/{STANDARD}",
        json={"is_active": False, "grade_thresholds": {"A": "500000", "B": "600000"}},
        headers={**admin.headers, "If-Match": tag},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grade_thresholds.A"
    r = await client.patch(
        f"{LINES}/{STANDARD}", json={"is_active": False}, headers={**admin.headers, "If-Match": tag}
    )
    assert r.status_code == 200 and not r.json()["is_active"]
    active = (await client.get(f"{LINES}?active=true", headers=admin.headers)).json()["items"]
    assert [i["code"] for i in active] == ["complex"]
    r = await client.patch(f"{LINES}/{STANDARD}", json={"is_default": True}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "is_default"
    r = await client.patch(
        f"{LINES}/{STANDARD}", json={"is_default": True, "is_active": True}, headers=admin.headers
    )
    assert r.status_code == 200 and await defaults() == ["standard"]

    # a new unused line is deleted with its stages
    made = (
        await client.post(
            LINES,
            json={"code": "tmp", "name": "临时", "grade_thresholds": {"A": "2", "B": "1"}},
            headers=admin.headers,
        )
    ).json()
    assert (await client.delete(f"{LINES}/{made['id']}", headers=admin.headers)).status_code == 204
    assert (await client.get(f"{LINES}/{made['id']}", headers=admin.headers)).status_code == 404
