"""Smoke test of the benchmark: generate a tiny data set in a scratch database, run one read
benchmark briefly, check the shape of what `python -m bench` reports."""

from __future__ import annotations

import json
import os
import uuid

import asyncpg
import pytest

from bench import generate as gen
from bench import report
from bench.reads import run_reads
from domain.uscc import validate_uscc

SCALE = 0.0005  # 500 customers, 1,000 contacts, 2,500 follow-ups, 2 zones, 100 users


@pytest.fixture
async def scratch(database_url: str):  # noqa: ANN201
    name = f"crm_bench_smoke_{os.getpid()}"
    url = gen.with_database(gen.plain_url(database_url), name)
    yield url, name
    await gen.drop_database(url)


async def test_generate_and_read(scratch, redis_url: str) -> None:  # noqa: ANN001
    url, name = scratch
    logs: list[str] = []
    result = await gen.generate(SCALE, database_url=url, database=name, log=logs.append)
    plan = gen.Plan.for_scale(SCALE)
    assert not result.skipped
    assert result.counts == {
        "sales_zones": plan.zones,
        "teams": plan.zones * gen.TEAMS_PER_ZONE,
        "users": plan.users,
        "customers": 500,
        "contacts": 1000,
        "follow_ups": 2500,
    }
    assert result.estimate_full_scale_seconds and result.estimate_full_scale_seconds > 0

    conn = await asyncpg.connect(url)
    try:
        stats = await conn.fetchrow(
            """SELECT count(*) FILTER (WHERE owner_id IS NULL) AS pool, count(uscc) AS uscc,
                      count(DISTINCT uscc) AS distinct_uscc, count(*) FILTER (WHERE name_bigrams <> '{}') AS grams
               FROM customers"""
        )
        assert 0.1 * 500 < stats["pool"] < 0.3 * 500
        assert stats["uscc"] == stats["distinct_uscc"] > 0
        assert stats["grams"] == 500
        for (code,) in await conn.fetch("SELECT uscc FROM customers WHERE uscc IS NOT NULL LIMIT 20"):
            validate_uscc(code)
        roles = dict(await conn.fetch("SELECT v1, count(*) FROM casbin_rule WHERE ptype = 'g' GROUP BY v1"))
        assert roles["sales_director"] == plan.zones and roles["executive"] == 1
        assert roles["sales_manager"] == plan.zones * gen.TEAMS_PER_ZONE
        # last follow-up on the customer = its latest follow-up
        assert not await conn.fetchval(
            """SELECT count(*) FROM customers c WHERE c.last_followed_up_at IS DISTINCT FROM
                      (SELECT max(happened_at) FROM follow_ups f WHERE f.customer_id = c.id)"""
        )
    finally:
        await conn.close()

    again = await gen.generate(SCALE, database_url=url, database=name, log=logs.append)
    assert again.skipped and again.counts == result.counts

    subjects, results = await run_reads(
        url,
        redis_url,
        only=lambda n: n in ("lookup.get_visible", "list.team"),
        iterations=3,
        max_seconds=1.0,
        explain_misses=False,
        log=logs.append,
    )
    assert subjects["rep_customers"] > 0
    assert [r["name"] for r in results] == ["lookup.get_visible", "list.team"]
    for r in results:
        assert {
            "ops_s",
            "p50_ms",
            "p95_ms",
            "target_p95_ms",
            "pass",
            "bare",
            "ratio",
            "ratio_pass",
            "sql",
        } <= set(r)
        assert r["iterations"] >= 3 and r["ops_s"] > 0 and r["bare"]["ops_s"] > 0
    assert results[0]["rows"] == 1 and results[0]["bare_rows"] == 1
    assert "lookup.get_visible" in report.table(results)

    # claim.customers, briefly: setup, contended pairs, cap probe, clean-up
    from bench.claim import MARKER, run_claim_bench

    conn = await asyncpg.connect(url)
    try:
        before = await conn.fetchval("SELECT count(*) FROM customers")
    finally:
        await conn.close()
    (claim,) = await run_claim_bench(
        url, redis_url, seconds=1.0, connections=4, log=logs.append, warmup=0.5, customers=400
    )
    assert claim["name"] == "claim.customers" and "error" not in claim, claim.get("error")
    assert claim["correct"] and claim["no_cap_exceeded"] and claim["cap_probe"]["pass"]
    capacity = claim["capacity"]
    assert claim["claims_ok"] > 0 and capacity["contended"]["lost_409"] == capacity["contended"]["pairs"]
    assert claim["rush"]["all"]["n"] > 0 and capacity["claims_s"] > 0
    assert claim["db_check"]["claimed_twice"] == 0
    assert {"p50_ms", "p95_ms", "p99_ms", "ops_s", "rush", "capacity"} <= set(claim)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM customers") == before
        assert not await conn.fetchval("SELECT count(*) FROM customers WHERE notes = $1", MARKER)
    finally:
        await conn.close()


def test_ingest_rules_and_table() -> None:
    from bench.ingest import RULE_PREFIX, TARGET_LEADS_S, _rules

    zones = [
        {"id": i, "name": f"z{i}", "province_codes": ["440000"], "teams": [f"t{i}{k}" for k in range(5)]}
        for i in range(2)
    ]
    rules = _rules({"zones": zones, "channel_ids": {"referral": "c1"}})
    assert len(rules) >= 10 and all(r["name"].startswith(RULE_PREFIX) for r in rules)
    assert rules[-1] == {
        "name": RULE_PREFIX + "其余 → 区域负责人",
        "conditions": {},
        "action_type": "zone_leader_queue",
    }
    row = {
        "name": "ingest.leads",
        "ops_s": 600.0,
        "p50_ms": 1.0,
        "p95_ms": 2.0,
        "target_ops_s": TARGET_LEADS_S,
    }
    assert f"≥{TARGET_LEADS_S:g}/s" in report.table([{**row, "pass": True}])


async def test_approvals_bench(scratch, redis_url: str) -> None:  # noqa: ANN001
    """approvals.inbox and approvals.notify briefly, on 2,000 generated requests: the data set,
    every inbox case answering, a real worker sending the SMS to a local gateway, the clean-up."""
    from bench.approvals import (
        ID_HI,
        ID_LO,
        NOTIFY_MARK,
        ensure_approvals,
        run_inbox_bench,
        run_notify_bench,
        serve,
    )
    from domain.approvals import state_from_json
    from scripts.run import redis_with_db
    from services.approval_flows import to_flow

    url, name = scratch
    logs: list[str] = []
    await gen.generate(SCALE, database_url=url, database=name, log=logs.append)
    requests = 2000
    channel = None
    # one app for both (each would start its own); a separate Redis database: the real worker
    # started by approvals.notify must not take other tests' jobs, and the app kicks it there
    redis13 = redis_with_db(redis_url, 13)
    with serve(url, redis13) as served:
        results = await run_inbox_bench(
            url,
            redis13,
            seconds=0.2,
            connections=2,
            log=logs.append,
            requests=requests,
            sequential_seconds=0.2,
            warmup=0,
            explain_misses=False,
            served=served,
        )
        channel = await _sms_channel(url)
        (notify,) = await run_notify_bench(
            url, redis13, count=3, warmup=1, spacing=(0.05, 0.1), wait_s=20, log=logs.append, served=served
        )
    assert [r["name"] for r in results] == [
        "approvals.inbox",
        "approvals.inbox.done",
        "approvals.inbox.submitted",
        "approvals.inbox.all",
        "approvals.inbox.counts",
    ]
    for r in results:
        assert "error" not in r, r.get("error")
        assert r["sequential"]["requests"] > 0 and r["loaded"]["requests"] > 0 and r["ops_s"] > 0
    head = results[0]
    assert head["target_p95_ms"] == 50.0 and "pass" in head and head["rows"] and head["rows"] > 0
    assert head["data"]["requests"] == requests
    meta = await ensure_approvals(url, requests, log=logs.append)
    assert meta["heavy_manager_tasks"]["pending"] > 0 and meta["counts"]["pending"] > 0
    assert any("skipping" in line for line in logs)

    assert "error" not in notify, notify.get("error")
    assert notify["received"] == notify["submitted"] == 3 and notify["p95_ms"] > 0
    assert notify["deleted_afterwards"] == 4 and notify["sent_to_another_mobile"] == 0
    assert await _sms_channel(url) == channel

    conn = await asyncpg.connect(url)
    try:
        assert not await conn.fetchval(
            "SELECT count(*) FROM approval_requests WHERE reason LIKE $1", NOTIFY_MARK + "%"
        )
        assert not await conn.fetchval("SELECT count(*) FROM notifications WHERE kind = 'approval_pending'")
        assert await conn.fetchval("SELECT count(*) FROM approval_requests") == requests
        # generated states open under their flow version (what the request page reads)
        states = await conn.fetch(
            "SELECT flow_id, state FROM approval_requests WHERE id BETWEEN $1 AND $2 ORDER BY id DESC LIMIT 100",
            uuid.UUID(ID_LO),
            uuid.UUID(ID_HI),
        )
        flows = {
            r["id"]: to_flow(
                r["id"], r["kind"], r["number"], r["priority"], r["name"], json.loads(r["definition"])
            )
            for r in await conn.fetch(
                "SELECT f.id, f.kind, v.number, f.priority, f.name, v.definition FROM approval_flows f "
                "JOIN approval_flow_versions v ON v.flow_id = f.id"
            )
        }
    finally:
        await conn.close()
    opened = [state_from_json(json.loads(s["state"]), flows[s["flow_id"]]) for s in states]
    assert {st.status.value for st in opened} >= {"pending", "approved"}


async def _sms_channel(url: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchrow(
            "SELECT is_enabled, kinds, config FROM message_channels WHERE code = 'sms'"
        )
    finally:
        await conn.close()


async def test_pipeline_bench(scratch, redis_url: str) -> None:  # noqa: ANN001
    """The pipeline group briefly on 500 generated opportunities: a consistent data set (every
    opportunity meets the exit criteria of the stages it left forward; its stage history ends in
    its stage), every case answering, stage moves restored afterwards."""
    from bench.pipeline import ID_HI, ID_LO, ensure_pipeline, run_pipeline_bench
    from domain.opportunities import Snapshot, StageKind, unmet
    from repositories.business_lines import to_stage
    from repositories.models import PipelineStage

    url, name = scratch
    logs: list[str] = []
    await gen.generate(SCALE, database_url=url, database=name, log=logs.append)
    n = 500
    meta = await ensure_pipeline(url, n, log=logs.append)
    assert meta["counts"]["opportunities"] == n and set(meta["status_mix"]) == {"open", "won", "lost"}
    assert meta["status_mix"]["open"] > meta["status_mix"]["won"] > meta["status_mix"]["lost"] > 0

    conn = await asyncpg.connect(url)
    try:
        stages = {}
        for r in await conn.fetch("SELECT * FROM pipeline_stages"):
            row = dict(r)
            row["exit_criteria"] = json.loads(row["exit_criteria"])
            stages[r["id"]] = (r["business_line_id"], to_stage(PipelineStage(**row)))
        opps = await conn.fetch("SELECT * FROM opportunities WHERE id BETWEEN $1 AND $2", ID_LO, ID_HI)
        chains: dict[uuid.UUID, list[str | None]] = {}
        for r in await conn.fetch("SELECT opportunity_id, role FROM opportunity_contacts"):
            chains.setdefault(r["opportunity_id"], []).append(r["role"])
        docs: dict[uuid.UUID, set[str]] = {}
        for r in await conn.fetch("SELECT opportunity_id, kind FROM opportunity_documents"):
            docs.setdefault(r["opportunity_id"], set()).add(r["kind"])
        for o in opps:
            line = o["business_line_id"]
            opens = sorted(
                (s for lid, s in stages.values() if lid == line and s.kind is StageKind.OPEN),
                key=lambda s: s.position,
            )
            passed = len(opens) if o["status"] == "won" else o["furthest_position"] - 1
            snap = Snapshot(
                fields={"amount": o["amount"], "expected_close_date": o["expected_close_date"]},
                chain_roles=chains.get(o["id"], []),
                document_kinds=frozenset(docs.get(o["id"], set())),
                ticked={k: list(v) for k, v in json.loads(o["checklist"]).items()},
            )
            assert not [m for s in opens if s.position <= passed for m in unmet(s, snap)], o["id"]
        assert not await conn.fetchval(
            """SELECT count(*) FROM opportunities o WHERE o.stage_id IS DISTINCT FROM
                 (SELECT to_stage_id FROM opportunity_stage_changes c WHERE c.opportunity_id = o.id
                  ORDER BY moved_at DESC, id DESC LIMIT 1)"""
        )
        before = {
            r["id"]: tuple(r) for r in await conn.fetch("SELECT id, stage_id, version FROM opportunities")
        }
        changes = await conn.fetchval("SELECT count(*) FROM opportunity_stage_changes")
    finally:
        await conn.close()

    results = await run_pipeline_bench(
        url,
        redis_url,
        SCALE,
        seconds=0.2,
        connections=2,
        log=logs.append,
        opportunities=n,
        sequential_seconds=0.1,
        warmup=0,
        move_subjects=3,
        move_rounds=1,
        move_warmup=0,
        explain_misses=False,
        min_requests=3,
    )
    assert any("skipping" in line for line in logs)
    assert [r["name"] for r in results] == [
        "pipeline.move",  # first: before the closed loops
        "pipeline.analytics",
        "pipeline.analytics.zone",
        "pipeline.analytics.own",
        "pipeline.analytics.year",
        "pipeline.board",
        "pipeline.board.zone",
    ]
    for r in results:
        assert "error" not in r, (r["name"], r.get("error"))
        assert r["p95_ms"] > 0 and "pass" in r
    head = {r["name"]: r for r in results}
    assert head["pipeline.analytics"]["target_p95_ms"] == 300.0
    assert (
        head["pipeline.board"]["target_p95_ms"] == 100.0
        and head["pipeline.board"]["sequential"]["requests"] >= 3
    )
    move = head["pipeline.move"]
    assert move["target_p95_ms"] == 30.0 and move["moves"] == 2 * move["opportunities_moved"] > 0
    assert move["deleted_afterwards"]["stage_changes"] == move["moves"]
    conn = await asyncpg.connect(url)
    try:
        after = {
            r["id"]: tuple(r) for r in await conn.fetch("SELECT id, stage_id, version FROM opportunities")
        }
        assert after == before
        assert await conn.fetchval("SELECT count(*) FROM opportunity_stage_changes") == changes
    finally:
        await conn.close()
