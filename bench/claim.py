"""Pool-claim benchmark: POST /api/v1/customers/{id}/claim through the real app (target: claim
p95 ≤ 30 ms under 32 concurrent claimers — 32 reps claiming during a rush, each clicking claim
about once a second, not 32 load generators with zero think time).

- Setup (idempotent): the bench database migrated to head; every zone gets its default pool
  when it has none (data sets built before the pools migration) and the zone's unowned
  customers are put in it, as the migration does. The biggest zone's reps (`sales_rep`, active,
  in one of the zone's teams) are the claimers, one token each (`TokenCodec`). Their claim caps
  are raised through `PUT /api/v1/settings/pool-rules` (per user) so caps don't end the run.
- Throwaway pool customers: copies of the zone's pool customers (notes = MARKER, no USCC /
  mobile) in the zone's default pool, enough for the run; deleted afterwards with their
  ownership events, audit rows and outbox events, and the pool rules restored, so the data set
  stays as generated.
- Claimers: N clients on keep-alive raw sockets, each claiming the next distinct customer as
  its own rep; every CONTENDED_EVERY-th turn the client and its neighbour's rep claim the same
  customer at the same instant: exactly one must get 200, the other 409.
- Warm-up (closed loop), then two runs of the given duration:
  - rush (the headline, `pass`): each claimer claims about once a second (RUSH_INTERVAL_S,
    ± RUSH_JITTER, a random phase each), so N claims/s are offered in all, contended pairs
    included. Reported: p50/p95/p99 over every answer (200s and the pairs' 409s), and apart.
  - capacity: closed loop — each client claims again as soon as its answer is in. Reported:
    claims/s and its latencies (queueing: p50 ≈ N / claims/s by Little's law).
- Checked: no other answer than 200/409, every pair 200 + 409, and from the database no
  customer claimed twice, no rep over a cap. Then a cap probe: one rep whose daily cap leaves
  CAP_PROBE_OK claims fires CAP_PROBE_SENT claims at once: exactly CAP_PROBE_OK may pass (the
  advisory lock serialises a rep's claims).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from bench import generate as gen
from bench.http import WARMUP_SECONDS, Server, _servers, read_response

TARGET_P95_MS = 30.0
MARKER = "bench:claim throwaway"
CONTENDED_EVERY = 10  # every 10th turn of a client is a contended pair
CAP_PROBE_SENT = 20
CAP_PROBE_OK = 5
HIGH_CAPS = {"max_owned": 100_000, "max_daily_claims": 10_000, "reclaim_cooldown_days": 0}
MIN_CUSTOMERS = 3_000
CLAIMS_PER_SECOND_GUESS = 300  # customers seeded per second of closed loop (warm-up included), x1.5
RUSH_INTERVAL_S = 1.0  # rush: each claimer claims about once a second…
RUSH_JITTER = 0.2  # …every interval drawn from ±20% of it


# --- a tiny keep-alive HTTP/1.1 client (cheap: shares the 2 cores with the server) ---------------


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(
        self, path: str, token: str, body: bytes = b"", method: str = "POST"
    ) -> tuple[int, bytes, float]:
        """(status, body, seconds); one reconnect when the server closed the connection."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            head_out = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            t0 = time.perf_counter()
            try:
                self.writer.write(head_out + body)
                status, data = await read_response(self.reader)
                return status, data, time.perf_counter() - t0
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of seconds, in ms."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))] * 1000


def latency(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 50), 2),
        "p95_ms": round(pct(values, 95), 2),
        "p99_ms": round(pct(values, 99), 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else 0.0,
        "max_ms": round(max(values) * 1000, 2) if values else 0.0,
    }


class Tally:
    """What one phase (warm-up or measured) saw."""

    def __init__(self) -> None:
        self.ok: list[float] = []  # distinct claims answered 200
        self.pair_won: list[float] = []  # contended: the 200 of each pair
        self.pair_lost: list[float] = []  # contended: the 409 of each pair
        self.pairs = 0
        self.pairs_bad = 0  # a pair without exactly one 200 and one 409
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.samples: list[str] = []
        self.claimed: dict[str, str] = {}  # customer → rep the app gave it to (per the answers)

    def other(self, status: int, body: bytes) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{status} {body[:200].decode(errors='replace')}")


# --- setup and cleanup -------------------------------------------------------------------------


async def _prepare(url: str, reps_wanted: int) -> dict[str, Any]:
    """Default pools (and pool_id) for every zone; the biggest pool's zone and its reps; leftovers
    of an interrupted run removed; the stored pool rules (to restore them)."""
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        if await _delete_throwaway(conn, None):
            await _vacuum(conn)
        await conn.execute(
            """INSERT INTO pools (id, name, zone_id, is_default, is_active, created_at, updated_at, version)
               SELECT gen_random_uuid(), z.name || ' 公海', z.id, true, true, now(), now(), 1
               FROM sales_zones z
               WHERE NOT EXISTS (SELECT 1 FROM pools p WHERE p.zone_id = z.id AND p.is_default)
               ON CONFLICT DO NOTHING"""
        )
        await conn.execute(
            """UPDATE customers c SET pool_id = p.id FROM pools p
               WHERE c.owner_id IS NULL AND c.pool_id IS NULL AND p.zone_id = c.zone_id AND p.is_default"""
        )
        zone = await conn.fetchrow(
            """SELECT z.id, z.code, p.id AS pool_id, count(c.id) AS pooled
               FROM sales_zones z JOIN pools p ON p.zone_id = z.id AND p.is_default
               LEFT JOIN customers c ON c.pool_id = p.id AND c.owner_id IS NULL
               GROUP BY z.id, z.code, p.id ORDER BY count(c.id) DESC, z.code LIMIT 1"""
        )
        if zone is None or not zone["pooled"]:
            raise RuntimeError("no zone with pool customers: generate the data set first")
        reps = [
            r["id"]
            for r in await conn.fetch(
                """SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id AND t.zone_id = $1
                   JOIN casbin_rule g ON g.ptype = 'g' AND g.v0 = u.id::text AND g.v1 = 'sales_rep'
                   WHERE u.is_active AND NOT u.on_leave ORDER BY u.username LIMIT $2""",
                zone["id"],
                reps_wanted,
            )
        ]
        if len(reps) < 2:
            raise RuntimeError(f"zone {zone['code']} has {len(reps)} active reps: need at least 2")
        admin = await conn.fetchval("SELECT v0 FROM casbin_rule WHERE ptype = 'g' AND v1 = 'admin' LIMIT 1")
        if admin is None:  # as the ingest benchmark does: the executive becomes admin
            admin = await conn.fetchval(
                "SELECT v0 FROM casbin_rule WHERE ptype = 'g' AND v1 = 'executive' ORDER BY v0 LIMIT 1"
            )
            if admin is None:
                raise RuntimeError("no executive user: generate the data set first")
            await conn.execute("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', $1, 'admin')", admin)
        rules = await conn.fetchval("SELECT value FROM app_settings WHERE key = 'pool_rules'")
    finally:
        await conn.close()
    return {
        "zone_id": zone["id"],
        "zone": zone["code"],
        "pool_id": zone["pool_id"],
        "pooled": zone["pooled"],
        "reps": reps,
        "admin_id": uuid.UUID(admin),
        "rules_before": json.loads(rules) if isinstance(rules, str) else rules,
    }


async def _seed(url: str, zone_id: uuid.UUID, pool_id: uuid.UUID, n: int) -> list[str]:
    """n throwaway pool customers, copies of the zone's pool customers (cycled)."""
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        rows = await conn.fetch(
            """WITH src AS (
                 SELECT row_number() OVER (ORDER BY id) - 1 AS rn, c.* FROM customers c
                 WHERE c.zone_id = $1 AND c.owner_id IS NULL AND c.notes IS DISTINCT FROM $4),
               total AS (SELECT count(*) AS n FROM src)
               INSERT INTO customers (id, kind, name, name_bigrams, short_name, industry, country,
                   province_code, city_code, district_code, address, size, company_type, level, tier,
                   notes, last_followed_up_at, zone_id, pool_id, created_at, updated_at, version,
                   name_key, recycle_count)
               SELECT gen_random_uuid(), s.kind, left(s.name, 180) || ' #' || g, s.name_bigrams,
                   s.short_name, s.industry, s.country, s.province_code, s.city_code, s.district_code,
                   s.address, s.size, s.company_type, s.level, s.tier, $4, s.last_followed_up_at,
                   $1, $2, s.created_at, now() - interval '1 day', 1, s.name_key, s.recycle_count
               FROM generate_series(0, $3 - 1) g CROSS JOIN total
               JOIN src s ON s.rn = g % total.n
               RETURNING id""",
            zone_id,
            pool_id,
            n,
            MARKER,
        )
        await conn.execute("ANALYZE customers")
    finally:
        await conn.close()
    return [str(r["id"]) for r in rows]


async def _delete_throwaway(conn: asyncpg.Connection, ids: list[str] | None) -> int:
    """The throwaway customers (these, or every one carrying MARKER) with what the claims wrote."""
    if ids is None:
        ids = [str(r[0]) for r in await conn.fetch("SELECT id FROM customers WHERE notes = $1", MARKER)]
    if not ids:
        return 0
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM audit_log WHERE entity = 'customer' AND entity_id = ANY($1::text[])", ids
        )
        await conn.execute(
            "DELETE FROM outbox_events WHERE entity = 'customer' AND entity_id = ANY($1::text[])", ids
        )
        await conn.execute("DELETE FROM customer_ownership_events WHERE customer_id = ANY($1::uuid[])", ids)
        done = await conn.execute("DELETE FROM customers WHERE id = ANY($1::uuid[])", ids)
    return int(done.split()[-1])


async def _vacuum(conn: asyncpg.Connection) -> None:
    """The deleted throwaway rows leave dead index entries a claim would wade through (the
    cooldown check reads the rep's ownership events): the next run starts as the data set was."""
    await conn.execute("VACUUM (ANALYZE) customers, customer_ownership_events, audit_log, outbox_events")


async def _cleanup(url: str, ids: list[str], rules_before: dict[str, Any] | None) -> int:
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        n = await _delete_throwaway(conn, ids)
        await _vacuum(conn)
        if rules_before is None:
            await conn.execute("DELETE FROM app_settings WHERE key = 'pool_rules'")
        else:
            await conn.execute(
                "UPDATE app_settings SET value = $1::jsonb WHERE key = 'pool_rules'", json.dumps(rules_before)
            )
    finally:
        await conn.close()
    return n


async def _verify(url: str, ctx: dict[str, Any], ids: list[str], answered: dict[str, str]) -> dict[str, Any]:
    """From the database: customers claimed twice, owners other than the 200 said, reps over
    their caps."""
    from domain.china_time import midnight

    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        claims = await conn.fetchrow(
            """SELECT count(*) AS events, count(DISTINCT customer_id) AS customers
               FROM customer_ownership_events WHERE kind = 'claim' AND customer_id = ANY($1::uuid[])""",
            ids,
        )
        owners = {
            str(r["id"]): str(r["owner_id"]) if r["owner_id"] else None
            for r in await conn.fetch("SELECT id, owner_id FROM customers WHERE id = ANY($1::uuid[])", ids)
        }
        owned_mismatch = sum(1 for cid, rep in answered.items() if owners.get(cid) != rep)
        owned_unanswered = sum(1 for cid, o in owners.items() if o and cid not in answered)
        per_rep = await conn.fetch(
            """SELECT u.id,
                 (SELECT count(*) FROM customers c WHERE c.owner_id = u.id) AS owned,
                 (SELECT count(*) FROM customer_ownership_events e
                  WHERE e.to_owner_id = u.id AND e.kind = 'claim' AND e.at >= $2) AS today
               FROM unnest($1::uuid[]) AS u(id)""",
            ctx["reps"],
            midnight(),
        )
        rules = await conn.fetchval("SELECT value FROM app_settings WHERE key = 'pool_rules'")
    finally:
        await conn.close()
    rules = json.loads(rules) if isinstance(rules, str) else (rules or {})
    over = []
    for r in per_rep:
        caps = {**(rules.get("defaults") or {}), **(rules.get("by_user", {}).get(str(r["id"])) or {})}
        if r["owned"] > caps.get("max_owned", 200) or r["today"] > caps.get("max_daily_claims", 20):
            over.append({"user": str(r["id"]), "owned": r["owned"], "today": r["today"], "caps": caps})
    return {
        "claim_events": claims["events"],
        "customers_claimed": claims["customers"],
        "claimed_twice": claims["events"] - claims["customers"],
        "owner_mismatch": owned_mismatch,
        "owned_without_a_200": owned_unanswered,
        "reps_over_cap": over,
        "max_owned_by_a_rep": max(r["owned"] for r in per_rep),
        "max_claims_today_by_a_rep": max(r["today"] for r in per_rep),
    }


# --- load ----------------------------------------------------------------------------------------


async def _cpu(url: str, app_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the app process and each of its PostgreSQL backends (Linux
    /proc; empty elsewhere): per-claim CPU holds still on a busy machine when latencies don't."""
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        backends = [
            r[0]
            for r in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'l2c-crm'"
            )
        ]
    finally:
        await conn.close()
    used = {key: _proc_cpu(pid) for key, pid in [("app", app_pid), *((f"pg:{b}", b) for b in backends)]}
    return {k: v for k, v in used.items() if v is not None}


def _proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _cpu_per_claim(before: dict[str, float], after: dict[str, float], claims: int) -> dict[str, float] | None:
    """ms of CPU per successful claim: the app process, and the PostgreSQL backends together."""
    if not claims or "app" not in after:
        return None
    app = after["app"] - before.get("app", 0.0)
    pg = sum(v - before.get(k, 0.0) for k, v in after.items() if k.startswith("pg:"))
    return {"app_ms": round(app / claims * 1000, 2), "postgres_ms": round(pg / claims * 1000, 2)}


async def _put_rules(server: Server, admin_token: str, by_user: dict[str, dict[str, int]]) -> None:
    conn = Conn(server.port)
    try:
        status, body, _ = await conn.post(
            "/api/v1/settings/pool-rules",
            admin_token,
            json.dumps({"by_user": by_user}).encode(),
            method="PUT",
        )
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"PUT /api/v1/settings/pool-rules answered {status}: {body[:300]!r}")


async def _phase(
    port: int,
    tokens: list[tuple[str, str]],
    queue: list[str],
    cursor: list[int],
    seconds: float,
    clients: int,
    interval: float = 0.0,
    jitter: float = 0.0,
) -> tuple[Tally, float, bool]:
    """`clients` claimers for `seconds` (or until `queue` runs out). tokens: (user id, token).
    interval 0: closed loop (the next claim as soon as the answer is in); else each claimer
    starts a claim every `interval` × (1 ± `jitter`) seconds (a random phase each, think time
    in between; a claimer whose answer came late claims again at once)."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    ran_out = [False]

    def take() -> str | None:
        if cursor[0] >= len(queue):
            ran_out[0] = True
            return None
        cursor[0] += 1
        return queue[cursor[0] - 1]

    async def claim(conn: Conn, who: tuple[str, str], cid: str) -> tuple[int, bytes, float]:
        tally.requests += 1
        return await conn.post(f"/api/v1/customers/{cid}/claim", who[1])

    async def client(k: int) -> None:
        me, rival = tokens[k % len(tokens)], tokens[(k + 1) % len(tokens)]
        own, other = Conn(port), Conn(port)
        turn = k  # clients reach their contended turns at different times
        rng = random.Random(k)
        next_at = time.perf_counter() + rng.random() * interval
        try:
            while time.perf_counter() < deadline:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += interval * (1 + rng.uniform(-jitter, jitter))
                    if time.perf_counter() >= deadline:
                        return
                cid = take()
                if cid is None:
                    return
                turn += 1
                if turn % CONTENDED_EVERY == 0:
                    (s1, b1, t1), (s2, b2, t2) = await asyncio.gather(
                        claim(own, me, cid), claim(other, rival, cid)
                    )
                    tally.pairs += 1
                    if sorted((s1, s2)) == [200, 409]:
                        tally.pair_won.append(t1 if s1 == 200 else t2)
                        tally.pair_lost.append(t2 if s1 == 200 else t1)
                        tally.claimed[cid] = me[0] if s1 == 200 else rival[0]
                    else:
                        tally.pairs_bad += 1
                        for s, b in ((s1, b1), (s2, b2)):
                            if s not in (200, 409):
                                tally.other(s, b)
                        if (s1, s2) == (200, 200):
                            tally.samples.append(f"both claimers of {cid} got 200")
                    continue
                status, body, t = await claim(own, me, cid)
                if status == 200:
                    tally.ok.append(t)
                    tally.claimed[cid] = me[0]
                else:
                    tally.other(status, body)
        finally:
            own.close()
            other.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return tally, time.perf_counter() - t0, ran_out[0]


async def _cap_probe(
    url: str, server: Server, admin_token: str, rep: tuple[str, str], by_user: dict[str, Any], ids: list[str]
) -> dict[str, Any]:
    """CAP_PROBE_SENT simultaneous claims of one rep whose daily cap leaves CAP_PROBE_OK."""
    from domain.china_time import midnight

    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        today = await conn.fetchval(
            "SELECT count(*) FROM customer_ownership_events WHERE to_owner_id = $1 AND kind = 'claim' AND at >= $2",
            uuid.UUID(rep[0]),
            midnight(),
        )
    finally:
        await conn.close()
    cap = today + CAP_PROBE_OK
    await _put_rules(server, admin_token, {**by_user, rep[0]: {**HIGH_CAPS, "max_daily_claims": cap}})
    conns = [Conn(server.port) for _ in ids]
    try:
        answers = await asyncio.gather(
            *(c.post(f"/api/v1/customers/{cid}/claim", rep[1]) for c, cid in zip(conns, ids, strict=True))
        )
    finally:
        for c in conns:
            c.close()
    statuses: dict[str, int] = {}
    for s, _, _ in answers:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    ok, capped = statuses.get("200", 0), statuses.get("422", 0)
    return {
        "sent": len(ids),
        "daily_cap": cap,
        "claimed_before": today,
        "ok": ok,
        "rejected_422": capped,
        "statuses": statuses,
        "pass": ok == CAP_PROBE_OK and capped == len(ids) - CAP_PROBE_OK,
    }


async def run_claim_bench(
    db_url: str,
    redis_url: str | None,
    seconds: float = 10.0,
    connections: int = 32,
    log: Callable[[str], None] = print,
    warmup: float = WARMUP_SECONDS,
    customers: int | None = None,
) -> list[dict[str, Any]]:
    """seconds: the length of each run (rush, then capacity). customers: throwaway pool
    customers to seed (default: enough for the runs)."""
    from services.auth import TokenCodec

    name = "claim.customers"
    base = {
        "name": name,
        "group": "claim",
        "kind": "http",
        "description": f"POST /api/v1/customers/{{id}}/claim: rush of {connections} claimers, each claiming "
        f"about every {RUSH_INTERVAL_S:g} s (every {CONTENDED_EVERY}th turn a contended pair → 200 + 409); "
        "capacity: the same claimers in a closed loop",
    }
    await asyncio.to_thread(gen.migrate, db_url)
    ctx = await _prepare(db_url, connections)
    budget = customers or (
        max(
            MIN_CUSTOMERS,
            int(
                (seconds + warmup) * CLAIMS_PER_SECOND_GUESS * 1.5
                + seconds * connections / RUSH_INTERVAL_S * (1 + 1 / CONTENDED_EVERY) * 1.5
            ),
        )
        + CAP_PROBE_SENT
    )
    ids = await _seed(db_url, ctx["zone_id"], ctx["pool_id"], budget)
    secret = secrets.token_urlsafe(32)
    codec = TokenCodec(secret, 120)
    tokens = [(str(u), codec.issue(u)) for u in ctx["reps"]]
    admin_token = codec.issue(ctx["admin_id"])
    by_user = {**((ctx["rules_before"] or {}).get("by_user") or {}), **{u: HIGH_CAPS for u, _ in tokens}}
    probe_ids, queue = ids[:CAP_PROBE_SENT], ids[CAP_PROBE_SENT:]
    cursor = [0]
    try:
        with _servers(db_url, redis_url, secret) as (app, bare):
            del bare
            await _put_rules(app, admin_token, by_user)
            warm, _, _ = await _phase(app.port, tokens, queue, cursor, warmup, connections)
            # the headline: a rush — every claimer about once a second, think time in between
            cpu0 = await _cpu(db_url, app.proc.pid)
            rush, rush_secs, rush_ran_out = await _phase(
                app.port, tokens, queue, cursor, seconds, connections, RUSH_INTERVAL_S, RUSH_JITTER
            )
            cpu1 = await _cpu(db_url, app.proc.pid)
            # capacity: the same claimers back to back (closed loop)
            before = cursor[0]
            cap, cap_secs, cap_ran_out = await _phase(app.port, tokens, queue, cursor, seconds, connections)
            cpu2 = await _cpu(db_url, app.proc.pid)
            cap_used = cursor[0] - before
            answered = {**warm.claimed, **rush.claimed, **cap.claimed}
            verify = await _verify(db_url, ctx, ids, answered)
            probe = await _cap_probe(db_url, app, admin_token, tokens[0], by_user, probe_ids)
    finally:
        deleted = await _cleanup(db_url, ids, ctx["rules_before"])
    every = rush.ok + rush.pair_won + rush.pair_lost  # every answer a rep waited for
    head = latency(every)
    rush_claims = len(rush.ok) + len(rush.pair_won)
    cap_claims = len(cap.ok) + len(cap.pair_won)
    cap_rate = cap_claims / cap_secs if cap_secs else 0.0
    no_cap_exceeded = not verify["reps_over_cap"] and probe["pass"]
    tallies = (warm, rush, cap)
    others = {s: sum(t.statuses.get(s, 0) for t in tallies) for t in tallies for s in t.statuses}
    correct = (
        not any(t.pairs_bad for t in tallies)
        and not others
        and verify["claimed_twice"] == 0
        and verify["owner_mismatch"] == 0
        and verify["owned_without_a_200"] == 0
        and no_cap_exceeded
    )

    def pairs(t: Tally) -> dict[str, Any]:
        return {
            "pairs": t.pairs,
            "won_200": len(t.pair_won),
            "lost_409": len(t.pair_lost),
            "bad_pairs": t.pairs_bad,
            "won": latency(t.pair_won),
            "lost": latency(t.pair_lost),
        }

    result: dict[str, Any] = {
        **base,
        "ops_s": rush_claims / rush_secs if rush_secs else 0.0,
        "p50_ms": head["p50_ms"],
        "p95_ms": head["p95_ms"],
        "p99_ms": head["p99_ms"],
        "mean_ms": head["mean_ms"],
        "max_ms": head["max_ms"],
        "latency_of": "rush: every claim answered (distinct 200s, contended 200s and 409s)",
        "rush": {
            "claimers": len(tokens),
            "interval_s": RUSH_INTERVAL_S,
            "jitter": RUSH_JITTER,
            "offered_claims_s": round(connections / RUSH_INTERVAL_S, 1),
            "requests_s": round(rush.requests / rush_secs, 1) if rush_secs else 0.0,
            "claims_s": round(rush_claims / rush_secs, 1) if rush_secs else 0.0,
            "all": head,
            "distinct": latency(rush.ok),
            "contended": pairs(rush),
            "seconds": round(rush_secs, 2),
            "ran_out_of_customers": rush_ran_out,
            "cpu_per_claim": _cpu_per_claim(cpu0, cpu1, rush.requests),
        },
        "capacity": {
            "claims_s": round(cap_rate, 1),
            **latency(cap.ok),
            "requests": cap.requests,
            "customers_used": cap_used,
            "contended": pairs(cap),
            "littles_law_p50_floor_ms": round(connections / cap_rate * 1000, 1) if cap_rate else None,
            "seconds": round(cap_secs, 2),
            "ran_out_of_customers": cap_ran_out,
            "cpu_per_claim": _cpu_per_claim(cpu1, cpu2, cap.requests),
        },
        "capacity_claims_s": round(cap_rate, 1),
        "claims_ok": len(rush.ok) + len(cap.ok),
        "conflicts_409": len(rush.pair_lost) + len(cap.pair_lost),
        "other_status": {str(k): v for k, v in sorted(others.items())},
        "db_check": verify,
        "cap_probe": probe,
        "no_cap_exceeded": no_cap_exceeded,
        "target_p95_ms": TARGET_P95_MS,
        "pass": head["p95_ms"] <= TARGET_P95_MS and bool(every) and not rush_ran_out and correct,
        "correct": correct,
        "ran_out_of_customers": rush_ran_out or cap_ran_out,
        "zone": ctx["zone"],
        "claimers": len(tokens),
        "seeded_customers": len(ids),
        "deleted_afterwards": deleted,
        "pool_customers_in_zone": ctx["pooled"],
        "tool": "python-asyncio raw sockets",
        "connections": connections,
        "seconds": round(rush_secs, 2),
        "warmup_seconds": warmup,
        "server": "uvicorn --workers 1 (uvloop, httptools)",
    }
    samples = [x for t in tallies for x in t.samples][:5]
    if samples:
        result["error_samples"] = samples
    if not correct:
        result["error"] = (
            f"bad contended pairs {sum(t.pairs_bad for t in tallies)}, other answers "
            f"{result['other_status']}, claimed twice {verify['claimed_twice']}, owner mismatch "
            f"{verify['owner_mismatch']}, reps over a cap {len(verify['reps_over_cap'])}, cap probe "
            f"{probe['statuses']}: " + " | ".join(samples)[:400]
        )
    r, c = result["rush"], result["capacity"]
    log(
        f"  {name:<20} rush: {len(tokens)} claimers × 1 claim / {RUSH_INTERVAL_S:g} s ±{RUSH_JITTER:.0%} "
        f"({r['requests_s']:.0f} requests/s sent, {r['claims_s']:.0f} claims/s): p50 {head['p50_ms']:.2f} ms  "
        f"p95 {head['p95_ms']:.2f} ms  p99 {head['p99_ms']:.2f} ms over {head['n']:,} answers "
        f"(target p95 ≤ {TARGET_P95_MS:g} ms: {'ok' if result['pass'] else 'FAIL'})"
    )
    log(
        f"  {'':<20} rush apart: distinct 200s p95 {r['distinct']['p95_ms']:.2f} ms ({r['distinct']['n']:,}); "
        f"contended pairs {rush.pairs}: 200s p95 {r['contended']['won']['p95_ms']:.2f} ms, "
        f"409s p95 {r['contended']['lost']['p95_ms']:.2f} ms"
    )
    log(
        f"  {'':<20} capacity (closed loop, {connections} clients back to back): {cap_rate:.0f} claims/s  "
        f"p50 {c['p50_ms']:.2f} ms  p95 {c['p95_ms']:.2f} ms  p99 {c['p99_ms']:.2f} ms "
        f"({len(cap.ok):,} distinct claims, {cap_secs:.1f}s{', ran out of customers' if cap_ran_out else ''}; "
        f"Little's law p50 floor {c['littles_law_p50_floor_ms']} ms)"
    )
    if c["cpu_per_claim"]:
        log(
            f"  {'':<20} CPU per claim request (closed loop): app {c['cpu_per_claim']['app_ms']:.2f} ms, "
            f"PostgreSQL {c['cpu_per_claim']['postgres_ms']:.2f} ms; load average at the end "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    log(
        f"  {'':<20} contended pairs {rush.pairs + cap.pairs:,}: "
        f"{len(rush.pair_won) + len(cap.pair_won):,} × 200 + {len(rush.pair_lost) + len(cap.pair_lost):,} × 409, "
        f"bad pairs {sum(t.pairs_bad for t in tallies)}; other answers {result['other_status'] or 'none'}"
    )
    log(
        f"  {'':<20} db: {verify['customers_claimed']:,} customers claimed, {verify['claimed_twice']} twice, "
        f"{len(verify['reps_over_cap'])} reps over a cap (max owned {verify['max_owned_by_a_rep']}, max "
        f"claims today {verify['max_claims_today_by_a_rep']}); cap probe {probe['sent']} at once with "
        f"{CAP_PROBE_OK} left: {probe['ok']} × 200, {probe['rejected_422']} × 422 "
        f"({'ok' if probe['pass'] else 'FAIL'}); {deleted:,} throwaway customers deleted"
    )
    return [result]
