"""Repository reads vs a bare asyncpg loop doing the same SQL.

Each benchmark calls a repositories.customers function the way a request does (a fresh
AsyncSession per call: BEGIN, the statement, ROLLBACK on close) with a DataScope built by
services.authz.AccessControl from the generated organisation. The statements it sends are
captured once (SQLAlchemy `before_cursor_execute`) and the bare side replays exactly those
statements and parameters on one plain asyncpg connection with the same framing (BEGIN,
statement, ROLLBACK). ratio = repo ops/s ÷ bare ops/s (target ≥ 0.5).

Sequential (concurrency 1); N measured iterations split in rounds that alternate repo and bare
so background noise hits both sides alike, after a warm-up.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.generate import plain_url

LOOKUP_P95_MS = 10.0
LIST_P95_MS = 50.0
RATIO_TARGET = 0.5
PAGE = 50
DEFAULT_SORT = ("updated_at", True)  # the list's default order: most recently updated first

Statement = tuple[str, tuple[Any, ...]]


@dataclass
class Subjects:
    """Who and what the reads are about, picked from the generated data."""

    rep_id: uuid.UUID
    manager_id: uuid.UUID
    director_id: uuid.UUID
    executive_id: uuid.UUID
    zone_id: uuid.UUID
    rep_customer_ids: list[uuid.UUID]
    q2: str
    q4: str
    q2_common: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rep_id": str(self.rep_id),
            "manager_id": str(self.manager_id),
            "director_id": str(self.director_id),
            "executive_id": str(self.executive_id),
            "zone_id": str(self.zone_id),
            "rep_customers": len(self.rep_customer_ids),
            "q2": self.q2,
            "q4": self.q4,
            "q2_common": self.q2_common,
        }


async def pick_subjects(url: str) -> Subjects:
    """The busiest rep of the first zone (worst case for `own`), their team's manager, their
    zone's director, the executive; search terms from real generated names."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        zone_id = await conn.fetchval("SELECT id FROM sales_zones ORDER BY code = 'EAST1' DESC, code LIMIT 1")
        rep_id = await conn.fetchval(
            """SELECT c.owner_id FROM customers c
               JOIN users u ON u.id = c.owner_id
               JOIN teams t ON t.id = u.team_id AND t.zone_id = $1
               JOIN casbin_rule r ON r.ptype = 'g' AND r.v0 = c.owner_id::text AND r.v1 = 'sales_rep'
               GROUP BY c.owner_id ORDER BY count(*) DESC, c.owner_id LIMIT 1""",
            zone_id,
        )
        if rep_id is None:
            raise RuntimeError("no rep owns customers: generate the data set first")
        manager_id = await conn.fetchval(
            "SELECT t.manager_id FROM teams t JOIN users u ON u.team_id = t.id WHERE u.id = $1", rep_id
        )
        director_id = await conn.fetchval("SELECT leader_id FROM sales_zones WHERE id = $1", zone_id)
        executive_id = await conn.fetchval(
            "SELECT v0::uuid FROM casbin_rule WHERE ptype = 'g' AND v1 = 'executive' ORDER BY v0 LIMIT 1"
        )
        ids = [
            r[0]
            for r in await conn.fetch(
                "SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1000", rep_id
            )
        ]
        # a real company's short name in the zone (brand + industry word): "华鼎科技" → q2 "华鼎"
        short = await conn.fetchval(
            "SELECT short_name FROM customers WHERE zone_id = $1 AND kind = 'enterprise' "
            "AND short_name IS NOT NULL ORDER BY id LIMIT 1 OFFSET 100",
            zone_id,
        ) or await conn.fetchval("SELECT short_name FROM customers WHERE short_name IS NOT NULL LIMIT 1")
        return Subjects(
            rep_id, manager_id, director_id, executive_id, zone_id, ids, short[:2], short[:4], "科技"
        )
    finally:
        await conn.close()


class _NoRedis:
    """AccessControl only asks Redis for the policy version; without Redis it is 'never changed'."""

    async def get(self, key: str) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def build_scopes(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], redis_url: str | None, subjects: Subjects
) -> dict[str, Any]:
    """own/team/zone/all DataScopes through the real AccessControl (casbin + org snapshot)."""
    from domain.scope import ScopeLevel
    from services.authz import AccessControl

    redis: Any = _NoRedis()
    if redis_url:
        from redis.asyncio import Redis

        candidate = Redis.from_url(redis_url)
        try:
            await candidate.ping()
            redis = candidate
        except Exception:  # noqa: BLE001 - Redis is optional here
            await candidate.aclose()
    access = AccessControl(engine, sessions, redis, refresh_seconds=3600)
    await access.reload()
    await redis.aclose()
    return {
        "own": access.scope_at(subjects.rep_id, ScopeLevel.OWN),
        "team": access.scope_at(subjects.manager_id, ScopeLevel.TEAM),
        "zone": access.scope_at(subjects.director_id, ScopeLevel.ZONE),
        "all": access.scope_at(subjects.executive_id, ScopeLevel.ALL),
    }


@dataclass
class ReadBench:
    name: str
    kind: str  # "lookup" | "list"
    description: str
    inputs: list[Any]
    call: Callable[[AsyncSession, Any], Awaitable[int]]  # returns the number of rows produced

    @property
    def target_p95_ms(self) -> float:
        return LOOKUP_P95_MS if self.kind == "lookup" else LIST_P95_MS


def build_benches(subjects: Subjects, scopes: dict[str, Any]) -> list[ReadBench]:
    from domain.customers import CustomerFilters
    from repositories import customers as repo

    sort, desc = DEFAULT_SORT
    ids = subjects.rep_customer_ids
    own, team, zone, everyone = scopes["own"], scopes["team"], scopes["zone"], scopes["all"]

    async def get_visible(session: AsyncSession, cid: uuid.UUID) -> int:
        return int(await repo.get_visible(session, cid, own) is not None)

    async def detail(session: AsyncSession, cid: uuid.UUID) -> int:
        return int(await repo.detail(session, cid, own) is not None)

    def listing(scope: Any, filters: CustomerFilters) -> Callable[[AsyncSession, Any], Awaitable[int]]:
        async def call(session: AsyncSession, _: Any) -> int:
            rows, _cursor = await repo.search(session, scope, filters, sort, desc, None, PAGE)
            return len(rows)

        return call

    now = datetime.now(UTC).replace(microsecond=0)
    filtered = CustomerFilters(
        level="KA",
        tier="B",
        last_followed_up_from=now - timedelta(days=90),
        last_followed_up_to=now - timedelta(days=7),
    )
    none = CustomerFilters()
    return [
        ReadBench("lookup.get_visible", "lookup", "get_visible(id), rep own scope", ids, get_visible),
        ReadBench("lookup.detail", "lookup", "detail(id), rep own scope", ids, detail),
        ReadBench("list.own", "list", "search() first page, rep own scope", [None], listing(own, none)),
        ReadBench(
            "list.team", "list", "search() first page, manager team scope", [None], listing(team, none)
        ),
        ReadBench(
            "list.zone", "list", "search() first page, director zone scope", [None], listing(zone, none)
        ),
        ReadBench(
            "list.all", "list", "search() first page, executive all scope", [None], listing(everyone, none)
        ),
        ReadBench(
            "search.q2",
            "list",
            f"q={subjects.q2!r} (2 chars), director zone scope",
            [None],
            listing(zone, CustomerFilters(q=subjects.q2)),
        ),
        ReadBench(
            "search.q4",
            "list",
            f"q={subjects.q4!r} (4 chars), director zone scope",
            [None],
            listing(zone, CustomerFilters(q=subjects.q4)),
        ),
        ReadBench(
            "search.q2_common",
            "list",
            f"q={subjects.q2_common!r} (common 2 chars), director zone scope",
            [None],
            listing(zone, CustomerFilters(q=subjects.q2_common)),
        ),
        ReadBench(
            "filter.zone",
            "list",
            "level=KA tier=B last follow-up 90..7 days ago, director zone scope",
            [None],
            listing(zone, filtered),
        ),
        ReadBench(
            "filter.team",
            "list",
            "level=KA tier=B last follow-up 90..7 days ago, manager team scope",
            [None],
            listing(team, filtered),
        ),
    ]


@dataclass
class Side:
    iterations: int = 0
    seconds: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ns)
        return {
            "iterations": self.iterations,
            "ops_s": self.iterations / self.seconds if self.seconds else 0.0,
            "p50_ms": _pct(lat, 50),
            "p95_ms": _pct(lat, 95),
            "p99_ms": _pct(lat, 99),
            "mean_ms": statistics.fmean(lat) / 1e6 if lat else 0.0,
        }


def _pct(sorted_ns: list[int], p: float) -> float:
    if not sorted_ns:
        return 0.0
    k = min(len(sorted_ns) - 1, max(0, round(p / 100 * len(sorted_ns) + 0.5) - 1))
    return sorted_ns[k] / 1e6


async def _capture(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], bench: ReadBench
) -> tuple[list[list[Statement]], list[int]]:
    """Run each input once, recording the statements sent (this is also the first warm-up)."""
    current: list[Statement] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        current.append((statement, tuple(parameters or ())))

    captured: list[list[Statement]] = []
    rows: list[int] = []
    event.listen(engine.sync_engine, "before_cursor_execute", listener)
    try:
        for x in bench.inputs:
            current.clear()
            async with sessions() as session:
                rows.append(await bench.call(session, x))
            captured.append(list(current))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listener)
    return captured, rows


async def _repo_block(
    sessions: async_sessionmaker[AsyncSession],
    bench: ReadBench,
    start: int,
    n: int,
    deadline: float,
    side: Side,
) -> None:
    inputs, call = bench.inputs, bench.call
    t_start = time.perf_counter()
    done = 0
    for i in range(start, start + n):
        x = inputs[i % len(inputs)]
        t0 = time.perf_counter_ns()
        async with sessions() as session:
            await call(session, x)
        side.latencies_ns.append(time.perf_counter_ns() - t0)
        done += 1
        if done >= 5 and time.perf_counter() > deadline:
            break
    side.seconds += time.perf_counter() - t_start
    side.iterations += done


async def _bare_block(
    conn: asyncpg.Connection,
    captured: list[list[Statement]],
    start: int,
    n: int,
    deadline: float,
    side: Side,
    framed: bool = True,
) -> None:
    """framed: BEGIN; statements; ROLLBACK — what an AsyncSession sends; else the bare statements."""
    t_start = time.perf_counter()
    done = 0
    for i in range(start, start + n):
        statements = captured[i % len(captured)]
        t0 = time.perf_counter_ns()
        if framed:
            tr = conn.transaction()
            await tr.start()
            for sql, params in statements:
                await conn.fetch(sql, *params)
            await tr.rollback()
        else:
            for sql, params in statements:
                await conn.fetch(sql, *params)
        side.latencies_ns.append(time.perf_counter_ns() - t0)
        done += 1
        if done >= 5 and time.perf_counter() > deadline:
            break
    side.seconds += time.perf_counter() - t_start
    side.iterations += done


async def bare_rows(conn: asyncpg.Connection, statements: list[Statement]) -> int:
    n = 0
    for sql, params in statements:
        n = len(await conn.fetch(sql, *params))
    return n


async def explain(conn: asyncpg.Connection, statements: list[Statement]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the captured statement (custom plan for these parameters)."""
    sql, params = statements[-1]
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
    return "\n".join(r[0] for r in rows)


async def run_bench(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    conn: asyncpg.Connection,
    bench: ReadBench,
    iterations: int,
    max_seconds: float = 8.0,
    rounds: int = 10,
    warmup: int | None = None,
) -> dict[str, Any]:
    captured, rows = await _capture(engine, sessions, bench)
    bare_check = await bare_rows(conn, captured[0])
    warm = warmup if warmup is not None else max(5, iterations // 10)
    scratch = Side()
    far = time.perf_counter() + max_seconds
    await _repo_block(sessions, bench, 0, warm, far, scratch)
    await _bare_block(conn, captured, 0, warm, far, Side())

    repo_side, bare_side, single_side = Side(), Side(), Side()
    rounds = max(1, min(rounds, iterations))
    per_round = max(1, iterations // rounds)
    cap = max_seconds / rounds
    for r in range(rounds):
        start = r * per_round
        await _repo_block(sessions, bench, start, per_round, time.perf_counter() + cap, repo_side)
        await _bare_block(conn, captured, start, per_round, time.perf_counter() + cap, bare_side)
        await _bare_block(
            conn, captured, start, per_round, time.perf_counter() + cap, single_side, framed=False
        )
    repo_s, bare_s = repo_side.summary(), bare_side.summary()
    bare_s["unframed_ops_s"] = single_side.summary()["ops_s"]
    ratio = repo_s["ops_s"] / bare_s["ops_s"] if bare_s["ops_s"] else 0.0
    # the same on medians: less sensitive to the scheduler stalls of a busy machine
    ratio_p50 = bare_s["p50_ms"] / repo_s["p50_ms"] if repo_s["p50_ms"] else 0.0
    return {
        "name": bench.name,
        "group": "reads",
        "kind": bench.kind,
        "description": bench.description,
        **repo_s,
        "target_p95_ms": bench.target_p95_ms,
        "pass": repo_s["p95_ms"] <= bench.target_p95_ms,
        "rows": rows[0] if rows else 0,
        "bare_rows": bare_check,
        "bare": bare_s,
        "ratio": ratio,
        "ratio_p50": ratio_p50,
        "ratio_target": RATIO_TARGET,
        "ratio_pass": ratio >= RATIO_TARGET,
        "sql": captured[0][-1][0] if captured and captured[0] else None,
        "statements_per_call": len(captured[0]) if captured else 0,
    }


async def run_reads(
    url: str,
    redis_url: str | None,
    only: Callable[[str], bool] = lambda name: True,
    iterations: int | None = None,
    max_seconds: float = 8.0,
    explain_misses: bool = True,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the read benchmarks; returns (subjects, results)."""
    from config import Settings
    from repositories.db import make_engine, make_sessionmaker

    subjects = await pick_subjects(url)
    settings = Settings(database_url=url, db_pool_size=2, db_max_overflow=0, log_level="WARNING")
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    conn = await asyncpg.connect(
        plain_url(url), server_settings={"application_name": "crm-bench-bare", "timezone": "UTC"}
    )
    results: list[dict[str, Any]] = []
    try:
        scopes = await build_scopes(engine, sessions, redis_url, subjects)
        for bench in build_benches(subjects, scopes):
            if not only(bench.name):
                continue
            n = iterations or (3000 if bench.kind == "lookup" else 600)
            result = await run_bench(engine, sessions, conn, bench, n, max_seconds)
            if explain_misses and not result["pass"]:
                captured, _ = await _capture(engine, sessions, bench)
                result["plan"] = await explain(conn, captured[0])
            results.append(result)
            log(
                f"  {bench.name:<20} {result['ops_s']:8.0f} ops/s  p50 {result['p50_ms']:6.2f} ms  "
                f"p95 {result['p95_ms']:6.2f} ms  rows {result['rows']:>3}  bare {result['bare']['ops_s']:8.0f} ops/s"
                f"  ratio {result['ratio']:.2f}"
            )
    finally:
        await conn.close()
        await engine.dispose()
    return subjects.as_dict(), results
