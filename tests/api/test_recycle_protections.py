"""Recycling exemptions and the contract rules: an effective contract or a late-stage
opportunity protects a customer (configurable), a contract signed since the claim is the won
deal of the no-deal rule, and the contract-ended rule recycles D days after the last contract
ended — per tier where a tier sets its own days. Lists and detail agree with the nightly run."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from repositories.db import unit_of_work
from repositories.models import Customer, OutboxEvent
from services.customer_protection import protect, unprotect

CUSTOMERS = "/api/v1/customers"


async def setup(app, factory, n: int):  # noqa: ANN001, ANN201
    rep = await factory.user("sales_rep", team=await factory.team(await factory.zone()))
    customers = [await factory.customer(rep) for _ in range(n)]
    return rep, await factory.admin(), customers


async def shape(app, customer_id: str, **values: object) -> None:  # noqa: ANN001
    async with unit_of_work(app.state.ctx.sessions) as s:
        await s.execute(update(Customer).where(Customer.id == customer_id).values(**values))


async def due_ids(client, admin) -> dict[str, str]:  # noqa: ANN001
    dry = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": True}, headers=admin.headers)).json()
    return {c["customer_id"]: c["rule"] for c in dry["customers"]}


async def test_effective_contracts_and_late_stage_opportunities_protect(app, client, factory) -> None:  # noqa: ANN001
    rep, admin, (signed, pursued, dropped, plain) = await setup(app, factory, 4)
    now = datetime.now(UTC)
    for c in (signed, pursued, dropped, plain):  # tier C: 7 days without follow-up → due
        await shape(app, c["id"], tier="C", last_followed_up_at=now - timedelta(days=8))
    contract, opportunity, old = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with unit_of_work(app.state.ctx.sessions) as s:
        await protect(
            s,
            signed["id"],
            "contract",
            contract,
            starts_at=now - timedelta(days=20),
            ends_at=now + timedelta(days=300),
        )
        await protect(s, pursued["id"], "opportunity", opportunity, note="商务谈判")
        await protect(s, dropped["id"], "opportunity", old)
        await unprotect(s, dropped["id"], "opportunity", old)  # it left the late stages
    assert set(await due_ids(client, admin)) == {dropped["id"], plain["id"]}

    detail = (await client.get(f"{CUSTOMERS}/{pursued['id']}", headers=rep.headers)).json()
    assert detail["recycle_due_at"] is None
    assert [(p["source"], p["source_id"], p["note"]) for p in detail["protections"]] == [
        ("opportunity", str(opportunity), "商务谈判")
    ]
    listed = {c["id"]: c for c in (await client.get(CUSTOMERS, headers=rep.headers)).json()["items"]}
    assert (
        listed[signed["id"]]["recycle_due_at"] is None and listed[plain["id"]]["recycle_due_at"] is not None
    )

    # exemptions are configurable: opportunities no longer protect
    r = await client.put(
        "/api/v1/settings/recycle-rules", json={"exempt": ["contract"]}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["exempt"] == ["contract"]
    assert set(await due_ids(client, admin)) == {dropped["id"], plain["id"], pursued["id"]}
    bad = await client.put(
        "/api/v1/settings/recycle-rules", json={"exempt": ["friendship"]}, headers=admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("exempt")

    run = (await client.post(f"{CUSTOMERS}/recycle", json={"dry_run": False}, headers=admin.headers)).json()
    assert run["count"] == 3
    async with app.state.ctx.sessions() as s:
        assert (await s.get(Customer, signed["id"])).owner_id == rep.id  # type: ignore[union-attr]
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "customer.recycled"))).all()
    assert sorted(e.entity_id for e in events) == sorted([dropped["id"], plain["id"], pursued["id"]])
    assert {e.data["rule"] for e in events} == {"tier C: not followed up within 7 days"}


async def test_a_contract_since_the_claim_is_the_won_deal(app, client, factory) -> None:  # noqa: ANN001
    rep, admin, (won, lost) = await setup(app, factory, 2)
    now = datetime.now(UTC)
    for c in (won, lost):  # no tier: only the no-deal rule (90 days) applies
        await shape(app, c["id"], tier=None, claimed_at=now - timedelta(days=100))
    async with unit_of_work(app.state.ctx.sessions) as s:
        # a contract signed 50 days after the claim that has already ended
        await protect(
            s,
            won["id"],
            "contract",
            uuid.uuid4(),
            starts_at=now - timedelta(days=50),
            ends_at=now - timedelta(days=5),
        )
        # a contract from before the claim (an earlier owner's) is not this owner's deal
        await protect(
            s,
            lost["id"],
            "contract",
            uuid.uuid4(),
            starts_at=now - timedelta(days=400),
            ends_at=now - timedelta(days=200),
        )
    assert await due_ids(client, admin) == {lost["id"]: "no won deal within 90 days of the claim"}


async def test_contract_ended_rule_with_a_tier_of_its_own(app, client, factory) -> None:  # noqa: ANN001
    rep, admin, (ended_a, ended_b, running) = await setup(app, factory, 3)
    now = datetime.now(UTC)
    for c, tier in ((ended_a, "A"), (ended_b, "B"), (running, "A")):
        await shape(
            app,
            c["id"],
            tier=tier,
            last_followed_up_at=now - timedelta(days=1),
            claimed_at=now - timedelta(days=10),
        )
    async with unit_of_work(app.state.ctx.sessions) as s:
        for c in (ended_a, ended_b):
            await protect(
                s,
                c["id"],
                "contract",
                uuid.uuid4(),
                starts_at=now - timedelta(days=400),
                ends_at=now - timedelta(days=31),
            )
        await protect(
            s,
            running["id"],
            "contract",
            uuid.uuid4(),
            starts_at=now - timedelta(days=400),
            ends_at=now - timedelta(days=40),
        )
        await protect(
            s, running["id"], "contract", uuid.uuid4(), starts_at=now - timedelta(days=40)
        )  # renewed
    assert await due_ids(client, admin) == {}  # the rule is off by default
    r = await client.put(
        "/api/v1/settings/recycle-rules", json={"contract_ended_days": 30}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["contract_ended_days"] == 30
    r = await client.patch(
        "/api/v1/customer-tiers/B", json={"contract_ended_days": 60}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["contract_ended_days"] == 60 and r.json()["no_deal_days"] is None
    assert await due_ids(client, admin) == {ended_a["id"]: "contract ended 30 days ago"}
    listed = {c["id"]: c for c in (await client.get(CUSTOMERS, headers=rep.headers)).json()["items"]}
    due_b = datetime.fromisoformat(listed[ended_b["id"]]["recycle_due_at"])
    # B's own 60 days put the contract clock at +29 days: its 15-day follow-up clock (+14) comes first
    assert abs(due_b - (now + timedelta(days=14))) < timedelta(minutes=1)
    assert listed[running["id"]]["recycle_due_at"] is None  # the renewed contract protects it
    bad = await client.patch(
        "/api/v1/customer-tiers/B", json={"no_follow_up_days": None}, headers=admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "no_follow_up_days"
