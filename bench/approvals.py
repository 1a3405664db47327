"""Approval benchmarks (issue 5): the inbox at 1,000,000 requests, and how fast an approver hears
of a new request through the worker.

- Data (`ensure_approvals`, idempotent, recorded in `_bench_meta` under "approvals"):
  REQUESTS (1,000,000 whatever the scale) approval requests on the bench organisation, loaded
  set-based (`INSERT … SELECT generate_series`) under the shipped flows (level change: the
  applicant's manager, SKA also the zone's director; financial information: the manager, then
  finance), flow_version 1. Kinds 45% level change / 55% financial information; subjects are
  customers owned by reps (applicant = the owner, approver = the owner's team manager);
  submitted over two years (the heap in submission order, as the app writes it); decided ones
  80% approved / 12% rejected / 8% withdrawn, decided minutes to three days later. Pending
  ones: at most one per (customer, kind) (the record lock), submitted over the last 60 days,
  due within the next day (the deadline sweep's steady state: it pushes an overdue step on by
  24 h); PENDING_SHARE of the requests, capped by what the lock allows, at most half of a
  team's (customer, kind) pairs; the manager of the biggest team — the measured one — gets
  HEAVY_PENDING of them. Tasks: the manager's (approved / rejected with decided_at; closed on
  a withdrawal; pending), plus the director's on approved SKA level changes. Two events per
  request (submitted, then the decision or step_opened). State JSON in the engine's format.
  Ids are `b0a10000-0000-4000-8000-<12 hex>`, so the generated rows are a primary-key range.
- approvals.inbox (target: the pending box's first page p95 ≤ 50 ms): the real app (uvicorn, 1
  worker) over HTTP, tokens from `TokenCodec`. Per case: a sequential run (one connection: the
  latency of one request, the figure the target is checked on) and a closed loop of
  `--connections` connections (req/s, and latencies that on 2 cores are mostly queueing).
  Cases: box=pending (the heavy manager: the target), box=done (same manager), box=submitted
  (the busiest rep), box=all (the director of that zone), /approvals/counts (the manager).
- approvals.notify (target: submit → the first approver's SMS p95 ≤ 1 s): the app, a real arq
  worker process (`arq worker.settings.WorkerSettings`) and a local SMS gateway (a uvicorn
  receiver recording the arrival time and body of every POST). The `sms` channel is pointed at
  the receiver for `approval_pending` only. Reps POST finance requests for their own customers
  (a unique bank account and a token in the reason each), spaced NOTIFY_SPACING seconds apart;
  latency = just before the POST → the receiver got the SMS carrying that token. Afterwards
  the requests (tasks, events, notifications, deliveries, outbox events and audit rows with
  them) are deleted and the channel restored; a run that died is cleaned up by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import generate as gen
from bench.claim import Conn, latency
from bench.http import Server, _load, _start, _stop, free_port
from services.deliveries import KICK_BUCKET_SECONDS

Log = Callable[[str], None]

REQUESTS = 1_000_000
PENDING_SHARE = 0.03
HEAVY_PENDING = 500
GENERATOR_VERSION = 1
META_KEY = "approvals"
LEVEL_FLOW = "5a7e0c1e-1e7a-4c55-9d0f-0000000000a1"
FINANCE_FLOW = "5a7e0c1e-1e7a-4c55-9d0f-0000000000a2"
ID_PREFIX = "b0a10000-0000-4000-8000-"
ID_LO = ID_PREFIX + "000000000000"
ID_HI = ID_PREFIX + "ffffffffffff"

INBOX_TARGET_P95_MS = 50.0
NOTIFY_TARGET_P95_S = 1.0
NOTIFY_COUNT = 50
NOTIFY_WARMUP = 3
NOTIFY_SPACING = (0.2, 0.5)  # seconds between two submissions, uniform
NOTIFY_WAIT_S = 40.0  # after the last POST, how long to wait for stragglers (the cron sweep: 30 s)
NOTIFY_MARK = "bench:notify"

_TS = """to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""

# --- the data set ---------------------------------------------------------------------------------

# owned customers of reps with a team manager: the subjects; applicant = the owner
_STAGE_CUSTOMERS = """
CREATE UNLOGGED TABLE _bench_appr_cust AS
SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS rn, c.id, c.name, c.level, c.zone_id, c.owner_id,
       t.manager_id, z.leader_id AS director_id
FROM customers c
JOIN users u ON u.id = c.owner_id
JOIN teams t ON t.id = u.team_id
JOIN sales_zones z ON z.id = t.zone_id
JOIN casbin_rule g ON g.ptype = 'g' AND g.v0 = c.owner_id::text AND g.v1 = 'sales_rep'
WHERE t.manager_id IS NOT NULL AND t.manager_id <> c.owner_id
"""

# pending: distinct (customer, kind) pairs (the lock), per manager at most half the team's pairs
_STAGE_PENDING = """
CREATE UNLOGGED TABLE _bench_appr_pend AS
SELECT row_number() OVER (ORDER BY submitted_at, cid)::int AS k, p.*
FROM (
    SELECT c.id AS cid, c.name, c.level, c.zone_id, c.owner_id, c.manager_id, c.director_id, k.is_level,
           now() - interval '5 minutes' - random() ^ 2 * interval '60 days' AS submitted_at,
           random() AS r_to, floor(random() * 4)::int AS r_field, floor(random() * 4)::int AS r_reason,
           random() AS r_due,
           row_number() OVER (PARTITION BY c.manager_id ORDER BY hashint4(c.rn * 2 + k.i), c.rn, k.i) AS kr,
           count(*) OVER (PARTITION BY c.manager_id) AS pairs
    FROM _bench_appr_cust c CROSS JOIN (VALUES (0, true), (1, false)) AS k(i, is_level)
) p
WHERE p.kr <= least(p.pairs / 2, CASE WHEN p.manager_id = $1::uuid THEN $2::int ELSE $3::int END)
"""

# the columns every request gets, from a row with: cid, name, level, zone_id, owner_id, manager_id,
# director_id, is_level, to_level, status, submitted_at, decided_at, r_field, r_reason, g (a number)
_REQUEST_COLUMNS = """
id, kind, flow_id, flow_version, subject_type, subject_id, customer_id, title, reason, changes, facts,
state, status, applicant_id, current_step, step_name, due_at, admin_queue, round, submitted_at,
decided_at, updated_at
"""

_DERIVED = f"""
    CASE WHEN is_level THEN 'customer_level_change' ELSE 'customer_finance_change' END AS kind,
    CASE WHEN is_level THEN '{LEVEL_FLOW}' ELSE '{FINANCE_FLOW}' END::uuid AS flow_id,
    CASE WHEN is_level
         THEN '客户等级' || CASE WHEN to_level = 'SKA' OR (to_level = 'KA' AND level = 'normal')
                             THEN '升级' ELSE '降级' END
              || ' / Level change: ' || name || ' ' || level || ' → ' || to_level
         ELSE '客户财务信息变更 / Financial information: ' || name END AS title,
    CASE WHEN is_level
         THEN (ARRAY['年采购额已达到新等级标准', '客户扩大合作范围，申请调整等级', '合作深度变化，申请调整等级',
                     '集团客户统一管理'])[1 + r_reason]
         ELSE (ARRAY['客户更换开户行', '税号变更（三证合一）', '开票抬头更名', '开票地址搬迁'])[1 + r_reason]
    END AS reason,
    (CASE WHEN is_level THEN '{{"level": ["' || level || '", "' || to_level || '"]}}'
         WHEN r_field = 0 THEN '{{"bank_name": [null, "招商银行上海分行"], "bank_account": [null, "6214'
                               || lpad((g % 1000000000000)::text, 12, '0') || '"]}}'
         WHEN r_field = 1 THEN '{{"tax_number": [null, "91310000' || upper(substr(md5(g::text), 1, 10)) || '"]}}'
         WHEN r_field = 2 THEN '{{"billing_title": [null, ' || to_json(name)::text || ']}}'
         ELSE '{{"billing_address": [null, "上海市浦东新区世纪大道' || (1 + g % 999) || '号"]}}'
    END)::jsonb AS changes,
    '{{"kind": "' || CASE WHEN is_level THEN 'customer_level_change' ELSE 'customer_finance_change' END
      || '", "amount": null, "category": null, "customer_level": "' || level || '", "zone_id": "' || zone_id
      || '", "discount_pct": null, "extra": '
      || CASE WHEN is_level THEN '{{"to_level": "' || to_level || '"}}' ELSE '{{}}' END || '}}' AS facts_txt
"""

_TO_LEVEL = """CASE level WHEN 'normal' THEN CASE WHEN r_to < 0.85 THEN 'KA' ELSE 'SKA' END
                WHEN 'KA' THEN CASE WHEN r_to < 0.6 THEN 'SKA' ELSE 'normal' END
                ELSE 'KA' END"""


def _run(
    index: str, approver: str, decision: str | None, opened: str, outcome: str | None, voted: str = "true"
) -> str:
    """One step run as the engine stores it: a SQL text expression (JSON built as text and cast
    once: 2-3x faster than nested jsonb_build_object); `voted`: when it has the vote."""
    votes = (
        "'[]'"
        if decision is None
        else f"""CASE WHEN {voted} THEN '[{{"approver_id": "' || {approver} || '", "decision": "' || {decision}
                 || '", "comment": "", "auto": false, "override": false}}]' ELSE '[]' END"""
    )
    outcome_json = "'null'" if outcome is None else f"""'"' || {outcome} || '"'"""
    return f"""'{{"index": {index}, "round": 1, "mode": "any", "approvers": ["' || {approver} || '"], "votes": '
        || {votes} || ', "opened_at": "' || {_TS.format(col=opened)} || '", "outcome": ' || {outcome_json}
        || ', "note": "", "to_admin_queue": false, "escalations": 0}}'"""


def _state(status: str, current: str, log: str) -> str:
    return f"""('{{"format": 1, "flow_id": "' || flow_id || '", "flow_version": 1, "facts": ' || facts_txt
        || ', "applicant_id": "' || owner_id || '", "owner_id": "' || owner_id || '", "zone_id": "' || zone_id
        || '", "status": "' || {status} || '", "current": ' || {current} || ', "log": ' || {log}
        || ', "round": 1}}')::jsonb"""


_MANAGER_RUN = _run(
    "0",
    "manager_id",
    "CASE status WHEN 'rejected' THEN 'reject' ELSE 'approve' END",
    "submitted_at",
    "status",
    "status <> 'withdrawn'",
)
_DIRECTOR_RUN = _run("1", "director_id", "'approve'", "mid_at", "'approved'")
_DECIDED_LOG = f"'[' || {_MANAGER_RUN} || CASE WHEN two_step THEN ', ' || {_DIRECTOR_RUN} ELSE '' END || ']'"
_DECIDED_STATE = _state("status", "'null'", _DECIDED_LOG)

# decided requests g = 1..$1 (ids 1..$1), submitted over two years in id order
_INSERT_DECIDED = f"""
INSERT INTO approval_requests ({_REQUEST_COLUMNS})
SELECT ('{ID_PREFIX}' || lpad(to_hex(g), 12, '0'))::uuid, kind, flow_id, 1, 'customer', cid, cid,
       left(title, 200), reason, changes, facts_txt::jsonb,
       {_DECIDED_STATE}, status, owner_id, NULL, NULL, NULL, false, 1, submitted_at, decided_at, decided_at
FROM (
    SELECT d.*, {_DERIVED},
           d.is_level AND d.to_level = 'SKA' AND d.status = 'approved' AND d.director_id IS NOT NULL AS two_step,
           d.submitted_at + (d.decided_at - d.submitted_at) / 2 AS mid_at
    FROM (
        SELECT s.*, {_TO_LEVEL} AS to_level,
               CASE WHEN r_status < 0.80 THEN 'approved' WHEN r_status < 0.92 THEN 'rejected'
                    ELSE 'withdrawn' END AS status,
               least(submitted_at + interval '3 minutes' + r_delay ^ 3 * interval '72 hours',
                     now() - interval '1 minute') AS decided_at
        FROM (
            SELECT g, c.id AS cid, c.name, c.level, c.zone_id, c.owner_id, c.manager_id, c.director_id,
                   random() < 0.45 AS is_level, random() AS r_to, random() AS r_status, random() AS r_delay,
                   floor(random() * 4)::int AS r_field, floor(random() * 4)::int AS r_reason,
                   now() - interval '730 days'
                     + ((g - 1 + random()) / $1) * (interval '730 days' - interval '2 hours') AS submitted_at
            FROM generate_series(1, $1) AS g
            JOIN _bench_appr_cust c ON c.rn = (hashint4(g) & 2147483647) % $2
            OFFSET 0
        ) s
        OFFSET 0
    ) d
    OFFSET 0
) x
ORDER BY g
"""

# pending requests: ids $1 + k, waiting for the manager (step 0)
_INSERT_PENDING = f"""
INSERT INTO approval_requests ({_REQUEST_COLUMNS})
SELECT ('{ID_PREFIX}' || lpad(to_hex(g), 12, '0'))::uuid, kind, flow_id, 1, 'customer', cid, cid,
       left(title, 200), reason, changes, facts_txt::jsonb,
       {_state("'pending'", _run("0", "manager_id", None, "submitted_at", None), "'[]'")},
       'pending', owner_id, 0, '直属上级 / Manager',
       CASE WHEN submitted_at > now() - interval '47 hours' THEN submitted_at + interval '48 hours'
            ELSE now() + interval '1 hour' + r_due * interval '23 hours' END,
       false, 1, submitted_at, NULL, submitted_at
FROM (
    SELECT p.*, {_DERIVED}
    FROM (SELECT q.*, $1 + q.k AS g, {_TO_LEVEL} AS to_level FROM _bench_appr_pend q) p
) x
ORDER BY g
"""

_INSERT_TASKS = f"""
INSERT INTO approval_tasks (request_id, approver_id, step_index, round, status, note, comment, created_at, decided_at)
SELECT r.id, CASE WHEN s.step = 0 THEN c.manager_id ELSE c.director_id END, s.step, 1,
       CASE WHEN r.status = 'withdrawn' THEN 'closed' ELSE r.status END,
       CASE WHEN r.status = 'withdrawn' THEN 'withdrawn' END,
       CASE WHEN r.status = 'rejected' THEN '资料不全，请补充后再提交' END,
       CASE WHEN s.step = 0 THEN r.submitted_at ELSE r.submitted_at + (r.decided_at - r.submitted_at) / 2 END,
       CASE WHEN r.status = 'pending' THEN NULL
            WHEN s.step = 0 AND two.two_step THEN r.submitted_at + (r.decided_at - r.submitted_at) / 2
            ELSE r.decided_at END
FROM approval_requests r
JOIN _bench_appr_cust c ON c.id = r.customer_id
CROSS JOIN LATERAL (
    SELECT r.kind = 'customer_level_change' AND r.changes -> 'level' ->> 1 = 'SKA'
           AND r.status = 'approved' AND c.director_id IS NOT NULL AS two_step
) two
CROSS JOIN LATERAL (VALUES (0), (1)) AS s(step)
WHERE r.id BETWEEN '{ID_LO}' AND '{ID_HI}' AND (s.step = 0 OR two.two_step)
"""

_INSERT_EVENTS = f"""
INSERT INTO approval_events (request_id, at, actor_id, action, step_index, round, comment, data)
SELECT r.id, e.at, e.actor_id, e.action, e.step_index, 1, e.comment, e.data
FROM approval_requests r
JOIN _bench_appr_cust c ON c.id = r.customer_id
CROSS JOIN LATERAL (VALUES
    (r.submitted_at, r.applicant_id, 'submitted', NULL::smallint, r.reason,
     jsonb_build_object('flow_version', 1, 'changes', r.changes)),
    (coalesce(r.decided_at, r.submitted_at),
     CASE r.status WHEN 'pending' THEN NULL WHEN 'withdrawn' THEN r.applicant_id ELSE c.manager_id END,
     CASE r.status WHEN 'pending' THEN 'step_opened' ELSE r.status END,
     CASE WHEN r.status = 'withdrawn' THEN NULL ELSE 0 END::smallint, NULL::text,
     CASE WHEN r.status = 'pending'
          THEN jsonb_build_object('approvers', jsonb_build_array(c.manager_id::text), 'step', '直属上级 / Manager')
          ELSE '{{}}'::jsonb END)
) AS e(at, actor_id, action, step_index, comment, data)
WHERE r.id BETWEEN '{ID_LO}' AND '{ID_HI}'
ORDER BY r.id, e.at
"""


async def _read_meta(conn: asyncpg.Connection) -> dict[str, Any] | None:
    await conn.execute("CREATE TABLE IF NOT EXISTS _bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
    raw = await conn.fetchval("SELECT value FROM _bench_meta WHERE key = $1", META_KEY)
    return json.loads(raw) if raw else None


async def _write_meta(conn: asyncpg.Connection, value: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO _bench_meta (key, value) VALUES ($1, $2::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        META_KEY,
        json.dumps(value, ensure_ascii=False),
    )


async def _generated(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM approval_requests WHERE id BETWEEN $1 AND $2",
            uuid.UUID(ID_LO),
            uuid.UUID(ID_HI),
        )
    )


async def _delete_generated(conn: asyncpg.Connection) -> None:
    lo, hi = uuid.UUID(ID_LO), uuid.UUID(ID_HI)
    for table in ("approval_events", "approval_tasks"):
        await conn.execute(f"DELETE FROM {table} WHERE request_id BETWEEN $1 AND $2", lo, hi)
    await conn.execute("DELETE FROM approval_requests WHERE id BETWEEN $1 AND $2", lo, hi)


async def ensure_approvals(url: str, requests: int = REQUESTS, log: Log = print) -> dict[str, Any]:
    """The approval data set (see the module's docstring): generated once, reused afterwards."""
    url = gen.plain_url(url)
    await asyncio.to_thread(gen.migrate, url)
    conn = await asyncpg.connect(url)
    try:
        meta = await _read_meta(conn)
        if (
            meta
            and meta.get("status") == "complete"
            and meta.get("requests") == requests
            and meta.get("generator_version") == GENERATOR_VERSION
            and await _generated(conn) == requests
        ):
            log(f"approval data set present: {requests:,} requests ({meta['generated_at']}): skipping")
            return meta
        if meta or await _generated(conn):
            log("approval data set incomplete or of another size: removing it")
            await _delete_generated(conn)
        await _write_meta(conn, {"status": "generating", "requests": requests})
    finally:
        await conn.close()

    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    conn = await gen._loader(url)
    try:
        await conn.execute("SELECT setseed(0.5)")
        await conn.execute("DROP TABLE IF EXISTS _bench_appr_cust, _bench_appr_pend")
        await conn.execute(_STAGE_CUSTOMERS)
        await conn.execute("CREATE INDEX ON _bench_appr_cust (rn)")
        await conn.execute("CREATE INDEX ON _bench_appr_cust (id)")
        await conn.execute("ANALYZE _bench_appr_cust")
        n_customers = int(await conn.fetchval("SELECT count(*) FROM _bench_appr_cust"))
        if not n_customers:
            raise RuntimeError("no customer is owned by a rep with a manager: generate the data set first")
        teams = await conn.fetch(
            "SELECT manager_id, count(*) AS n FROM _bench_appr_cust GROUP BY manager_id ORDER BY n DESC, manager_id"
        )
        heavy = teams[0]["manager_id"]
        per_manager = -(-(round(requests * PENDING_SHARE) - HEAVY_PENDING) // max(1, len(teams) - 1))
        await conn.execute(_STAGE_PENDING, heavy, HEAVY_PENDING, max(0, per_manager))
        pending = int(await conn.fetchval("SELECT count(*) FROM _bench_appr_pend"))
        decided = requests - pending
        t = time.perf_counter()
        await conn.execute(_INSERT_DECIDED, decided, n_customers)
        await conn.execute(_INSERT_PENDING, decided)
        seconds["requests"] = time.perf_counter() - t
        log(f"  approval requests: {requests:,} ({pending:,} pending) in {seconds['requests']:.1f}s")
    except BaseException:
        await conn.close()
        raise

    async def load(name: str, sql: str, c: asyncpg.Connection) -> None:
        t = time.perf_counter()
        await c.execute(sql)
        seconds[name] = time.perf_counter() - t

    other = await gen._loader(url)
    try:
        t = time.perf_counter()
        await asyncio.gather(load("tasks", _INSERT_TASKS, conn), load("events", _INSERT_EVENTS, other))
        seconds["tasks+events"] = time.perf_counter() - t
        log(f"  approval tasks in {seconds['tasks']:.1f}s, events in {seconds['events']:.1f}s (in parallel)")
        t = time.perf_counter()
        await conn.execute("DROP TABLE _bench_appr_cust, _bench_appr_pend")
        await conn.execute("VACUUM ANALYZE approval_requests")
        await asyncio.gather(
            conn.execute("VACUUM ANALYZE approval_tasks"), other.execute("VACUUM ANALYZE approval_events")
        )
        seconds["vacuum_analyze"] = time.perf_counter() - t
        counts = {
            "requests": await _generated(conn),
            "pending": int(
                await conn.fetchval(
                    "SELECT count(*) FROM approval_requests WHERE id BETWEEN $1 AND $2 AND status = 'pending'",
                    uuid.UUID(ID_LO),
                    uuid.UUID(ID_HI),
                )
            ),
            "tasks": int(await conn.fetchval("SELECT count(*) FROM approval_tasks")),
            "events": int(await conn.fetchval("SELECT count(*) FROM approval_events")),
        }
        heavy_counts = await conn.fetchrow(
            """SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
                      count(*) FILTER (WHERE status IN ('approved', 'rejected')) AS decided
               FROM approval_tasks WHERE approver_id = $1""",
            heavy,
        )
        seconds["total"] = time.perf_counter() - t0
        meta = {
            "status": "complete",
            "generator_version": GENERATOR_VERSION,
            "requests": requests,
            "counts": counts,
            "heavy_manager": str(heavy),
            "heavy_manager_tasks": {"pending": heavy_counts["pending"], "decided": heavy_counts["decided"]},
            "subject_customers": n_customers,
            "managers": len(teams),
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        await _write_meta(conn, meta)
    finally:
        await other.close()
        await conn.close()
    log(
        f"approval data set: {counts['requests']:,} requests ({counts['pending']:,} pending), "
        f"{counts['tasks']:,} tasks, {counts['events']:,} events in {seconds['total']:.1f}s; heavy manager "
        f"{heavy}: {heavy_counts['pending']:,} pending, {heavy_counts['decided']:,} decided tasks"
    )
    return meta


# --- approvals.inbox ---------------------------------------------------------------------------------


async def _inbox_subjects(url: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The heavy manager, the busiest rep of their team (by submitted requests) and the director
    of their zone."""
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        manager = uuid.UUID(meta["heavy_manager"])
        team = await conn.fetchrow(
            """SELECT t.id, t.zone_id, z.leader_id FROM teams t JOIN sales_zones z ON z.id = t.zone_id
               WHERE t.manager_id = $1 ORDER BY t.name LIMIT 1""",
            manager,
        )
        rep = await conn.fetchval(
            """SELECT u.id FROM users u
               JOIN casbin_rule g ON g.ptype = 'g' AND g.v0 = u.id::text AND g.v1 = 'sales_rep'
               WHERE u.team_id = $1
               ORDER BY (SELECT count(*) FROM approval_requests r WHERE r.applicant_id = u.id) DESC, u.id
               LIMIT 1""",
            team["id"],
        )
        counts = await conn.fetchrow(
            """SELECT
                 (SELECT count(*) FROM approval_tasks WHERE approver_id = $1 AND status = 'pending') AS pending,
                 (SELECT count(*) FROM approval_tasks WHERE approver_id = $1
                    AND status IN ('approved', 'rejected')) AS done,
                 (SELECT count(*) FROM approval_requests WHERE applicant_id = $2) AS submitted,
                 (SELECT count(*) FROM approval_requests r JOIN customers c ON c.id = r.customer_id
                  WHERE c.zone_id = $3) AS zone_requests""",
            manager,
            rep,
            team["zone_id"],
        )
    finally:
        await conn.close()
    return {
        "manager": manager,
        "rep": rep,
        "director": team["leader_id"],
        "manager_pending_tasks": counts["pending"],
        "manager_decided_tasks": counts["done"],
        "rep_submitted": counts["submitted"],
        "zone_requests": counts["zone_requests"],
    }


def _get_json(url: str, headers: dict[str, str]) -> tuple[int, Any]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(300).decode(errors="replace")


@contextlib.contextmanager
def _app(db_url: str, redis_url: str | None, secret: str, name: str = "app") -> Iterator[Server]:
    env = _env(db_url, redis_url, secret)
    server = _start(name, "api.main:create_app", env, "/api/v1/health")
    try:
        yield server
    finally:
        _stop(server)


@contextlib.contextmanager
def serve(db_url: str, redis_url: str | None, name: str = "app") -> Iterator[tuple[Server, Any]]:
    """The real app (uvicorn, 1 worker) with a fresh JWT secret, and a `TokenCodec` for it:
    both benchmarks take one (`served`) to share an app, else start their own."""
    from services.auth import TokenCodec

    secret = secrets.token_urlsafe(32)
    with _app(db_url, redis_url, secret, name) as app:
        yield app, TokenCodec(secret, 120)


def _env(
    db_url: str, redis_url: str | None, secret: str | None = None, level: str = "WARNING"
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"DATABASE_URL": gen.plain_url(db_url), "CRM_LOG_LEVEL": level, "PYTHONPATH": str(gen.ROOT)})
    if secret:
        env["CRM_JWT_SECRET"] = secret
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


async def _explain_inbox(url: str, redis_url: str | None, user_id: uuid.UUID, box: str | None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of what the service sends for this box (None: the counts), as
    the app would run it for this user."""
    from sqlalchemy import event

    from bench.reads import _NoRedis
    from config import Settings
    from repositories.approvals import Filters
    from repositories.db import make_engine, make_sessionmaker
    from services.approvals import ApprovalService
    from services.authz import Principal
    from services.context import Actor

    engine = make_engine(
        Settings(database_url=gen.plain_url(url).replace("postgresql://", "postgresql+asyncpg://", 1))
    )
    sessions = make_sessionmaker(engine)
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, tuple(parameters or ())))

    try:
        from services.authz import AccessControl

        access = AccessControl(engine, sessions, _NoRedis(), refresh_seconds=3600)  # type: ignore[arg-type]
        await access.reload()
        principal = Principal(user_id, "", str(user_id))
        actor = Actor(principal, access.scope(principal, "approval", "read"), access)
        event.listen(engine.sync_engine, "before_cursor_execute", listener)
        try:
            async with sessions() as session:
                service = ApprovalService(session, actor)
                if box is None:
                    await service.counts()
                else:
                    await service.inbox(box, Filters(), None, 50)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", listener)
    finally:
        await engine.dispose()
    del redis_url
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        plans = []
        for sql, params in captured:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
            plans.append(sql + "\n" + "\n".join(r[0] for r in rows))
        return "\n\n".join(plans)
    finally:
        await conn.close()


async def run_inbox_bench(
    db_url: str,
    redis_url: str | None,
    seconds: float = 10.0,
    connections: int = 32,
    log: Log = print,
    requests: int = REQUESTS,
    sequential_seconds: float | None = None,
    warmup: float = 2.0,
    explain_misses: bool = True,
    served: tuple[Server, Any] | None = None,
) -> list[dict[str, Any]]:
    """GET /api/v1/approvals (pending / done / submitted / all) and /approvals/counts through the
    real app: sequential (the target's figure) and a closed loop of `connections`."""
    meta = await ensure_approvals(db_url, requests, log)
    who = await _inbox_subjects(db_url, meta)
    seq_seconds = sequential_seconds if sequential_seconds is not None else max(1.0, seconds / 2)
    cases = [
        (
            "approvals.inbox",
            "pending",
            "manager",
            "/api/v1/approvals?box=pending&limit=50",
            f"box=pending, first page (50), the heavy manager ({who['manager_pending_tasks']:,} pending tasks); "
            f"p50/p95/p99 and the target: sequential (1 connection); ops/s: {connections}-connection closed loop "
            "(queues on 2 cores: its latencies are in `loaded`)",
        ),
        (
            "approvals.inbox.done",
            "done",
            "manager",
            "/api/v1/approvals?box=done&limit=50",
            f"box=done, first page, the same manager ({who['manager_decided_tasks']:,} decided tasks)",
        ),
        (
            "approvals.inbox.submitted",
            "submitted",
            "rep",
            "/api/v1/approvals?box=submitted&limit=50",
            f"box=submitted, first page, a rep of that team ({who['rep_submitted']:,} requests)",
        ),
        (
            "approvals.inbox.all",
            "all",
            "director",
            "/api/v1/approvals?box=all&limit=50",
            f"box=all, first page, the zone's director (zone scope, {who['zone_requests']:,} requests)",
        ),
        (
            "approvals.inbox.counts",
            None,
            "manager",
            "/api/v1/approvals/counts",
            "GET /approvals/counts (the daily board), the heavy manager",
        ),
    ]
    results: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        app, codec = served or stack.enter_context(serve(db_url, redis_url))
        for name, box, role, path, description in cases:
            user = who[role]
            auth = {"Authorization": f"Bearer {codec.issue(user)}"}
            status, body = await asyncio.to_thread(_get_json, app.base + path, auth)
            base = {
                "name": name,
                "group": "approvals",
                "kind": "http",
                "description": description,
                "path": path,
            }
            if status != 200:
                results.append({**base, "error": f"{path} answered {status}: {str(body)[:200]}"})
                log(f"  {name:<26} not measurable: {status}")
                continue
            rows = len(body["items"]) if isinstance(body, dict) and "items" in body else None
            if warmup > 0:
                await _load(app, [path], auth, warmup, connections)
            seq = await _load(app, [path], auth, seq_seconds, 1)
            loaded = await _load(app, [path], auth, seconds, connections)
            target = INBOX_TARGET_P95_MS if name == "approvals.inbox" else None
            result: dict[str, Any] = {
                **base,
                "ops_s": loaded["rps"],
                "p50_ms": seq["p50_ms"],
                "p95_ms": seq["p95_ms"],
                "p99_ms": seq["p99_ms"],
                "latency_of": "sequential: one connection, one request at a time (no queueing)",
                "sequential": _slim(seq),
                "loaded": {**_slim(loaded), "connections": connections},
                "rows": rows,
                "target_p95_ms": target,
                "pass": seq["p95_ms"] <= target if target else True,
                "tool": loaded["tool"],
                "user": str(user),
                "server": "uvicorn --workers 1 (uvloop, httptools)",
            }
            if target:
                result["loaded_pass"] = loaded["p95_ms"] <= target
                result["data"] = {
                    "requests": meta["counts"]["requests"],
                    "pending": meta["counts"]["pending"],
                    "tasks": meta["counts"]["tasks"],
                    "events": meta["counts"]["events"],
                }
            for side, r in (("sequential", seq), ("loaded", loaded)):
                if r["non_2xx"] or r["errors"]:
                    result["error"] = f"{side}: {r['non_2xx']} non-2xx answers, {r['errors']} socket errors"
            if explain_misses and (target and not result["pass"]):
                result["plan"] = await _explain_inbox(db_url, redis_url, user, box)
            results.append(result)
            log(
                f"  {name:<26} sequential p50 {seq['p50_ms']:6.2f} ms  p95 {seq['p95_ms']:6.2f} ms  "
                f"p99 {seq['p99_ms']:6.2f} ms ({seq['rps']:.0f} req/s) | {connections} connections: "
                f"{loaded['rps']:6.0f} req/s  p50 {loaded['p50_ms']:7.2f} ms  p95 {loaded['p95_ms']:7.2f} ms  "
                f"p99 {loaded['p99_ms']:7.2f} ms"
                + (f"  (target p95 ≤ {target:g} ms: {'ok' if result['pass'] else 'FAIL'})" if target else "")
            )
    return results


def _slim(r: dict[str, Any]) -> dict[str, Any]:
    return {
        k: round(v, 3) if isinstance(v, float) else v
        for k, v in r.items()
        if k in ("requests", "seconds", "rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "non_2xx", "errors")
    }


# --- approvals.notify --------------------------------------------------------------------------------

SMS_RECEIVER = """
import json
import time

LOG = []


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    at = time.time()  # the request's head is in: the gateway "got the SMS"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] == "GET" and scope["path"] == "/log":
        out = json.dumps(LOG).encode()
    else:
        LOG.append({"at": at, "path": scope["path"], "body": body.decode("utf-8", "replace")})
        out = b'{"code": 0, "message": "ok"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
"""


async def _start_sms_receiver(port: int) -> subprocess.Popen[bytes]:
    module_dir = Path(tempfile.gettempdir()) / "crm-bench-sms"
    module_dir.mkdir(exist_ok=True)  # noqa: ASYNC240 (once, before the run)
    (module_dir / "bench_sms_receiver.py").write_text(SMS_RECEIVER, encoding="utf-8")  # noqa: ASYNC240
    log_file = module_dir / f"receiver-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench_sms_receiver:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = _spawn([*cmd, "--log-level", "warning", "--no-access-log"], module_dir, None, log_file)
    for _ in range(400):
        if proc.poll() is not None:
            raise RuntimeError(f"the SMS receiver exited: {log_file.read_text(errors='replace')[-1000:]}")  # noqa: ASYNC240
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return proc
        except OSError:
            await asyncio.sleep(0.05)
    _terminate(proc)
    raise RuntimeError("the SMS receiver did not start")


def _spawn(cmd: list[str], cwd: Path, env: dict[str, str] | None, log_file: Path) -> subprocess.Popen[bytes]:
    with open(log_file, "wb") as fh:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


HEALTH_KEY = "arq:queue:health-check"


async def _spawn_worker(db_url: str, redis_url: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`arq worker.settings.WorkerSettings` against the bench database and Redis (the way
    `scripts.run` starts it), its output in a log file."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        await redis.delete(HEALTH_KEY)  # ready = this key written again (first poll, after on_startup)
    finally:
        await redis.aclose()
    log_file = Path(tempfile.gettempdir()) / f"crm-bench-worker-{os.getpid()}.log"
    cmd = [sys.executable, "-m", "arq", "worker.settings.WorkerSettings"]
    return _spawn(cmd, gen.ROOT, _env(db_url, redis_url, level="INFO"), log_file), log_file


async def _worker_ready(proc: subprocess.Popen[bytes], log_file: Path, redis_url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the worker exited: {log_file.read_text(errors='replace')[-2000:]}")  # noqa: ASYNC240
            if await redis.exists(HEALTH_KEY):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the worker did not start: {log_file.read_text(errors='replace')[-2000:]}")  # noqa: ASYNC240
    finally:
        await redis.aclose()


async def _notify_cleanup(conn: asyncpg.Connection, ids: list[str] | None) -> int:
    """The requests of this run (or of any run: every request whose reason carries the mark) and
    everything they wrote: tasks, events (cascade), notifications (their deliveries cascade),
    outbox events and audit rows."""
    if ids is None:
        ids = [
            str(r[0])
            for r in await conn.fetch(
                "SELECT id FROM approval_requests WHERE reason LIKE $1", NOTIFY_MARK + "%"
            )
        ]
    if not ids:
        return 0
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM notifications WHERE entity = 'approval_request' AND entity_id = ANY($1::text[])", ids
        )
        await conn.execute(
            "DELETE FROM outbox_events WHERE entity = 'approval_request' AND entity_id = ANY($1::text[])", ids
        )
        await conn.execute(
            "DELETE FROM audit_log WHERE entity = 'approval_request' AND entity_id = ANY($1::text[])", ids
        )
        done = await conn.execute("DELETE FROM approval_requests WHERE id = ANY($1::uuid[])", ids)
    return int(done.split()[-1])


async def _steady_deadlines(conn: asyncpg.Connection) -> int:
    """The generated pending requests due soon are moved on a day, as the deadline sweep would
    have: the worker started here must not remind or escalate the data set during the run."""
    done = await conn.execute(
        """UPDATE approval_requests SET due_at = now() + interval '1 hour' + random() * interval '23 hours'
           WHERE id BETWEEN $1 AND $2 AND status = 'pending' AND due_at < now() + interval '30 minutes'""",
        uuid.UUID(ID_LO),
        uuid.UUID(ID_HI),
    )
    return int(done.split()[-1])


async def _notify_subjects(conn: asyncpg.Connection, n: int) -> list[dict[str, Any]]:
    """n distinct customers with no pending financial request, owned by active reps whose team
    manager (the first approver) is active: round robin over the reps."""
    rows = await conn.fetch(
        """SELECT id, owner_id, manager_id, mobile FROM (
             SELECT c.id, c.owner_id, t.manager_id, m.mobile,
                    row_number() OVER (PARTITION BY c.owner_id ORDER BY c.id) AS k
             FROM customers c
             JOIN users u ON u.id = c.owner_id AND u.is_active AND NOT u.on_leave
             JOIN teams t ON t.id = u.team_id
             JOIN users m ON m.id = t.manager_id AND m.is_active AND NOT m.on_leave
             JOIN casbin_rule g ON g.ptype = 'g' AND g.v0 = c.owner_id::text AND g.v1 = 'sales_rep'
             WHERE t.manager_id <> c.owner_id
               AND NOT EXISTS (SELECT 1 FROM approval_requests r WHERE r.subject_type = 'customer'
                               AND r.subject_id = c.id AND r.kind = 'customer_finance_change'
                               AND r.status = 'pending')
           ) x
           ORDER BY k, owner_id LIMIT $1""",
        n,
    )
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} customers can take a financial request: need {n}")
    return [dict(r) for r in rows]


async def _submit(
    app: Server,
    codec: Any,
    subjects: list[dict[str, Any]],
    warmup: int,
    spacing: tuple[float, float],
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[str]]:
    """One financial request per subject, as its rep, `spacing` apart; a token in each reason."""
    run_tag = secrets.token_hex(3)
    sent: list[dict[str, Any]] = []
    failures: list[str] = []
    client = Conn(app.port)
    try:
        for k, s in enumerate(subjects):
            token = f"{NOTIFY_MARK} {run_tag}-{k:03d}"
            body = {
                "reason": token,
                "bank_name": "招商银行上海分行",
                "bank_account": f"6214 {k:04d} {rng.randrange(10**8):08d}",
            }
            t0 = time.time()
            status, answer, took = await client.post(
                f"/api/v1/customers/{s['id']}/finance-requests",
                codec.issue(s["owner_id"]),
                json.dumps(body).encode(),
            )
            if status != 201:
                failures.append(f"{status} {answer[:200].decode(errors='replace')}")
            else:
                rid = json.loads(answer)["id"]
                sent.append(
                    {
                        "token": token,
                        "id": rid,
                        "t0": t0,
                        "api_s": took,
                        "approver": str(s["manager_id"]),
                        "mobile": s["mobile"],
                        "warmup": k < warmup,
                    }
                )
            await asyncio.sleep(rng.uniform(*spacing))
    finally:
        client.close()
    return sent, failures


async def _await_sms(port: int, sent: list[dict[str, Any]], wait_s: float) -> list[dict[str, Any]]:
    """What the gateway received, once every token is in or after `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        status, got = await asyncio.to_thread(_get_json, f"http://127.0.0.1:{port}/log", {})
        received: list[dict[str, Any]] = got if status == 200 else []
        found = {t["token"] for t in sent if any(t["token"] in m["body"] for m in received)}
        if len(found) == len(sent) or time.monotonic() > deadline:
            return received
        await asyncio.sleep(0.1)


async def run_notify_bench(
    db_url: str,
    redis_url: str,
    count: int = NOTIFY_COUNT,
    warmup: int = NOTIFY_WARMUP,
    spacing: tuple[float, float] = NOTIFY_SPACING,
    wait_s: float = NOTIFY_WAIT_S,
    log: Log = print,
    served: tuple[Server, Any] | None = None,
) -> list[dict[str, Any]]:
    """Submit → SMS to the first approver, through the app, the worker and a local gateway
    (`served`: an app already running on the same Redis, else one is started)."""
    name = "approvals.notify"
    await asyncio.to_thread(gen.migrate, db_url)
    url = gen.plain_url(db_url)
    rng = random.Random(20261123)
    conn = await asyncpg.connect(url)
    try:
        leftovers = await _notify_cleanup(conn, None)
        moved = await _steady_deadlines(conn)
        channel = await conn.fetchrow(
            "SELECT is_enabled, kinds, config FROM message_channels WHERE code = 'sms'"
        )
        subjects = await _notify_subjects(conn, warmup + count)
        no_mobile = sorted({s["manager_id"] for s in subjects if not s["mobile"]})
        backlog = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM notifications WHERE dispatched_at IS NULL) AS notifications,
                      (SELECT count(*) FROM message_deliveries WHERE status = 'pending') AS messages,
                      (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL) AS events"""
        )
    finally:
        await conn.close()
    port = free_port()
    gateway = f"http://127.0.0.1:{port}/sms/send"
    sent: list[dict[str, Any]] = []
    failures: list[str] = []
    received: list[dict[str, Any]] = []
    worker_log: Path | None = None
    conn = await asyncpg.connect(url)
    try:
        for i, user_id in enumerate(no_mobile):  # the approvers get a mobile number (restored afterwards)
            await conn.execute("UPDATE users SET mobile = $2 WHERE id = $1", user_id, f"1390000{i:04d}")
            for s in subjects:
                if s["manager_id"] == user_id:
                    s["mobile"] = f"1390000{i:04d}"
        if channel is None:
            await conn.execute("INSERT INTO message_channels (code) VALUES ('sms')")
        await conn.execute(
            """UPDATE message_channels SET is_enabled = true, kinds = '{approval_pending}', config = $1::jsonb
               WHERE code = 'sms'""",
            json.dumps({"url": gateway, "sign_name": "【CRM bench】"}),
        )
        receiver = await _start_sms_receiver(port)
        worker: subprocess.Popen[bytes] | None = None
        try:
            worker, worker_log = await _spawn_worker(db_url, redis_url)  # starts while the app does
            with contextlib.ExitStack() as stack:
                app, codec = served or stack.enter_context(serve(db_url, redis_url, "app-notify"))
                await _worker_ready(worker, worker_log, redis_url)
                sent, failures = await _submit(app, codec, subjects, warmup, spacing, rng)
                received = await _await_sms(port, sent, wait_s)
                # a kicked drain drains once more when its 0.5 s bucket ends: let it finish rather
                # than be cancelled by the SIGTERM (arq would queue it again for the next worker)
                await asyncio.sleep(KICK_BUCKET_SECONDS + 0.2)
        finally:
            if worker is not None:
                _terminate(worker)
            _terminate(receiver)
        breakdown = await _notify_breakdown(conn, sent)
    finally:
        try:
            deleted = await _notify_cleanup(conn, None)  # this run's (and any a crash left behind)
            if channel is None:
                await conn.execute("DELETE FROM message_channels WHERE code = 'sms'")
            else:
                await conn.execute(
                    "UPDATE message_channels SET is_enabled = $1, kinds = $2, config = $3::jsonb WHERE code = 'sms'",
                    channel["is_enabled"],
                    channel["kinds"],
                    channel["config"]
                    if isinstance(channel["config"], str)
                    else json.dumps(channel["config"]),
                )
            for user_id in no_mobile:
                await conn.execute("UPDATE users SET mobile = NULL WHERE id = $1", user_id)
        finally:
            await conn.close()
    result = _notify_result(
        name,
        sent,
        received,
        failures,
        breakdown,
        deleted,
        leftovers,
        moved,
        dict(backlog),
        count,
        warmup,
        spacing,
        worker_log,
    )
    c = result["components"]
    log(
        f"  {name:<26} submit → SMS: p50 {result['p50_ms']:.0f} ms  p95 {result['p95_ms']:.0f} ms  "
        f"max {result['max_ms']:.0f} ms over {result['received']}/{result['submitted']} requests "
        f"(target p95 ≤ {NOTIFY_TARGET_P95_S * 1000:.0f} ms: {'ok' if result['pass'] else 'FAIL'})"
    )
    log(
        f"  {'':<26} POST p95 {c['api_post']['p95_ms']:.0f} ms; answered → worker's fan-out p50 "
        f"{c['post_answered_to_fan_out']['p50_ms']:.0f} / p95 {c['post_answered_to_fan_out']['p95_ms']:.0f} ms; "
        f"fan-out → gateway p95 {c['fan_out_to_gateway']['p95_ms']:.0f} ms; kicked drains waited in the queue "
        f"p50 {result['worker_kick_job_queue_wait']['p50_ms']:.0f} / max "
        f"{result['worker_kick_job_queue_wait']['max_ms']:.0f} ms; {deleted} requests deleted afterwards"
    )
    if result.get("error"):
        log(f"  {'':<26} {result['error']}")
    return [result]


async def _notify_breakdown(
    conn: asyncpg.Connection, sent: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per request, from the database: when the notification was written (the API's
    transaction), fanned out to the SMS channel (the worker's drain), and recorded delivered."""
    rows = await conn.fetch(
        """SELECT n.entity_id, extract(epoch FROM n.created_at)::float8 AS notified,
                  extract(epoch FROM d.created_at)::float8 AS fanned,
                  extract(epoch FROM d.delivered_at)::float8 AS delivered, d.status, d.attempts, d.last_error
           FROM notifications n
           LEFT JOIN message_deliveries d ON d.notification_id = n.id AND d.channel = 'sms'
           WHERE n.kind = 'approval_pending' AND n.entity = 'approval_request' AND n.entity_id = ANY($1::text[])""",
        [s["id"] for s in sent],
    )
    return {r["entity_id"]: dict(r) for r in rows}


def _worker_queue_waits(worker_log: Path | None, since: float) -> list[float]:
    """arq logs every job start with its time in the queue ("  0.31s → drain-outbox:<bucket>:…"):
    the waits of the drains kicked from `since` on (the job id's bucket says when it was queued;
    an older job left in Redis by another run is not this run's)."""
    if worker_log is None or not worker_log.exists():
        return []
    waits = []
    for line in worker_log.read_text(errors="replace").splitlines():
        head, arrow, rest = line.partition("s → ")
        if not (arrow and rest.startswith("drain-outbox:")):
            continue
        with contextlib.suppress(ValueError):
            bucket = int(rest.split(":")[1])
            if bucket * KICK_BUCKET_SECONDS >= since - KICK_BUCKET_SECONDS:
                waits.append(float(head.rsplit(" ", 1)[-1]))
    return waits


def _notify_result(
    name: str,
    sent: list[dict[str, Any]],
    received: list[dict[str, Any]],
    failures: list[str],
    breakdown: dict[str, dict[str, Any]],
    deleted: int,
    leftovers: int,
    moved: int,
    backlog: dict[str, Any],
    count: int,
    warmup: int,
    spacing: tuple[float, float],
    worker_log: Path | None,
) -> dict[str, Any]:
    arrivals: dict[str, float] = {}
    wrong_mobile = 0
    for m in received:
        try:
            sms = json.loads(m["body"])
        except ValueError:
            continue
        for s in sent:
            if s["token"] in sms.get("content", "") and s["token"] not in arrivals:
                arrivals[s["token"]] = m["at"]
                wrong_mobile += sms.get("mobile") != s["mobile"]
    measured = [s for s in sent if not s["warmup"]]
    total, api, wait, send, missing = [], [], [], [], []
    for s in measured:
        at = arrivals.get(s["token"])
        if at is None:
            missing.append(s["id"])
            continue
        total.append(at - s["t0"])
        api.append(s["api_s"])
        b = breakdown.get(s["id"]) or {}
        if b.get("fanned"):
            wait.append(max(0.0, b["fanned"] - (s["t0"] + s["api_s"])))
            send.append(max(0.0, at - b["fanned"]))
    head = latency(total)
    waits = _worker_queue_waits(worker_log, min((s["t0"] for s in sent), default=0.0))
    statuses: dict[str, int] = {}
    for s in measured:
        st = (breakdown.get(s["id"]) or {}).get("status") or "no delivery"
        statuses[st] = statuses.get(st, 0) + 1
    ok = bool(total) and not missing and not failures and not wrong_mobile and len(measured) == count
    result: dict[str, Any] = {
        "name": name,
        "group": "approvals",
        "kind": "latency",
        "description": (
            f"rep POSTs a financial request → the manager's SMS reaches a local gateway (app + arq worker "
            f"process; {count} requests, {spacing[0]:g}–{spacing[1]:g} s apart)"
        ),
        "ops_s": None,
        "p50_ms": head["p50_ms"],
        "p95_ms": head["p95_ms"],
        "p99_ms": head["p99_ms"],
        "mean_ms": head["mean_ms"],
        "max_ms": head["max_ms"],
        "target_p95_ms": NOTIFY_TARGET_P95_S * 1000,
        "pass": ok and head["p95_ms"] <= NOTIFY_TARGET_P95_S * 1000,
        "submitted": len(measured),
        "received": len(total),
        "missing": missing[:10],
        "sent_to_another_mobile": wrong_mobile,
        "warmup_requests": warmup,
        "components": {
            "api_post": latency(api),
            "post_answered_to_fan_out": latency(wait),
            "fan_out_to_gateway": latency(send),
        },
        "worker_kick_job_queue_wait": latency(waits),
        "delivery_status": statuses,
        "worker": "arq worker.settings.WorkerSettings (poll delay: arq's default 0.5 s; kick buckets 0.5 s)",
        "backlog_before": backlog,
        "deadlines_moved_before": moved,
        "leftovers_removed": leftovers,
        "deleted_afterwards": deleted,
    }
    if failures:
        result["error"] = f"{len(failures)} submissions failed: " + " | ".join(failures[:3])
    elif missing:
        result["error"] = f"{len(missing)} of {len(measured)} SMS never reached the gateway"
    elif wrong_mobile:
        result["error"] = f"{wrong_mobile} SMS went to another mobile than the approver's"
    return result
