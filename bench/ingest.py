"""Lead-ingest benchmark: POST /api/v1/leads through the real app with grading, de-duplication
and rule-based routing on (PRODUCT.md: lead ingest ≥ 500 leads/s).

- Bench database: migrated to head (the leads tables may postdate the data set), earlier bench
  leads removed, one admin (the executive gets the Casbin `g` row user→admin when nobody is
  admin), then a realistic rule set created through the API (`bench:` rules replace the
  previous ones): a referral-channel rule → least-loaded team, per-zone rules on grade /
  industry / product → round robin or least-loaded over a zone team, a per-zone province rule →
  round robin over the zone's first team, a catch-all → the zone leader's queue.
- Load: `wrk -t1 -cN` with a Lua script building a varied JSON body per request: ~80% new
  companies (unique name, mobile, e-mail), ~20% re-submissions of an earlier one (same
  company, product and mobile → a duplicate); provinces weighted towards the bench zones,
  some outside any zone; channels weighted like the seeded ones. Warm-up 2 s, then one run.
- Reported: leads/s (201s per second), p50/p95/p99, share of 201s, errors; after the run the
  DB is asked how the leads were placed (owner vs queue, per rule, duplicates, grades).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from bench import generate as gen
from bench.http import WARMUP_SECONDS, _lua_str, _servers

TARGET_LEADS_S = 500.0
BATCH = 100  # leads per POST /leads/batch request
BATCH_CONNECTIONS = 4
DUP_PERCENT = 20
RULE_PREFIX = "bench: "
PRODUCTS = ["CRM 标准版", "CRM 企业版", "呼叫中心", "数据分析", "私有化部署"]
CAMPAIGNS = ["2026春季展会", "百度搜索", "公众号推文", "老客户转介绍", ""]

_LUA = r"""
local P = {%(provinces)s}
local CH = {%(channels)s}
local IND = {%(industries)s}
local PROD = {%(products)s}
local CAMP = {%(campaigns)s}
local SIZE = {"1-19", "20-99", "100-499", "500-999", "1000+"}
local BR = {%(brands)s}
local SN = {%(surnames)s}
local MP = {"138", "139", "137", "186", "159", "150", "177", "188", "135", "199"}
local headers = {%(headers)s}
local base = %(base)d
local dup_pct = %(dup)d
local batch = %(batch)d
local threads = {}
n, news, nnew, ndup, c201, cother, errbody = 0, {}, 0, 0, 0, 0, ""

function setup(thread)
  table.insert(threads, thread)
end

local M = 2147483647
local function h(x)
  return ((x * 48271) %% M * 48271) %% M
end

local function q(a, b)
  return math.floor(a / b)
end

local function body(i)
  local x = h(i)
  local p = P[x %% #P + 1]
  local nb = #BR
  local ind = IND[q(x, 7) %% #IND + 1]
  local name = p[3] .. BR[i %% nb + 1] .. BR[q(i, nb) %% nb + 1] .. BR[q(i, nb * nb) %% nb + 1]
    .. ind[1] .. "有限公司"
  local parts = {
    '"company_name":"' .. name .. '"',
    '"contact_name":"' .. SN[q(x, 11) %% #SN + 1] .. ((x %% 2 == 0) and "先生" or "女士") .. '"',
    '"mobile":"' .. MP[q(x, 13) %% #MP + 1] .. string.format("%%08d", i %% 100000000) .. '"',
    '"province_code":"' .. p[1] .. '"',
    '"industry":"' .. ind[2] .. '"',
    '"product":"' .. PROD[q(x, 17) %% #PROD + 1] .. '"',
    '"channel_id":"' .. CH[q(x, 19) %% #CH + 1] .. '"',
  }
  if q(x, 23) %% 10 < 8 then parts[#parts + 1] = '"city_code":"' .. p[2][q(x, 29) %% #p[2] + 1] .. '"' end
  if q(x, 31) %% 2 == 0 then parts[#parts + 1] = '"email":"lead' .. i .. '@ingest.example"' end
  if q(x, 37) %% 3 == 0 then parts[#parts + 1] = '"company_size":"' .. SIZE[q(x, 41) %% #SIZE + 1] .. '"' end
  local camp = CAMP[q(x, 43) %% #CAMP + 1]
  if camp ~= "" then parts[#parts + 1] = '"campaign":"' .. camp .. '"' end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function pick()
  n = n + 1
  local i
  if #news > 8 and h(n + 7) %% 100 < dup_pct then
    i = news[h(n + 3) %% #news + 1]
    ndup = ndup + 1
  else
    i = base + n
    news[#news + 1] = i
    nnew = nnew + 1
  end
  return i
end

request = function()
  if batch <= 1 then
    return wrk.format("POST", "/api/v1/leads", headers, body(pick()))
  end
  local items = {}
  for k = 1, batch do items[k] = body(pick()) end
  return wrk.format("POST", "/api/v1/leads/batch", headers, "{\"leads\":[" .. table.concat(items, ",") .. "]}")
end

response = function(status, hdrs, resp)
  if status == 201 then
    c201 = c201 + (batch > 1 and batch or 1)
  else
    cother = cother + 1
    if #errbody < 600 then errbody = errbody .. status .. " " .. string.sub(resp, 1, 200) .. " | " end
  end
end

done = function(summary, latency, requests)
  local t201, tother, tnew, tdup, eb = 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    t201 = t201 + t:get("c201")
    tother = tother + t:get("cother")
    tnew = tnew + t:get("nnew")
    tdup = tdup + t:get("ndup")
    eb = eb .. t:get("errbody")
  end
  io.write(string.format(
    "WRKJSON {\"requests\":%%d,\"duration_us\":%%d,\"p50_us\":%%d,\"p95_us\":%%d,\"p99_us\":%%d," ..
    "\"errors\":%%d,\"non_2xx\":%%d,\"c201\":%%d,\"cother\":%%d,\"sent_new\":%%d,\"sent_dup\":%%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, t201, tother, tnew, tdup))
  io.write("WRKERR " .. eb .. "\n")
end
"""


def _lua_list(items: list[str]) -> str:
    return ", ".join(_lua_str(x) for x in items)


def _script(ctx: dict[str, Any], headers: dict[str, str], base: int, batch: int = 1) -> str:
    provinces = ", ".join(
        "{" + f"{_lua_str(code)}, {{{_lua_list(cities)}}}, {_lua_str(short)}" + "}"
        for code, cities, short in ctx["provinces"]
    )
    return _LUA % {
        "provinces": provinces,
        "channels": _lua_list(ctx["channels"]),
        "industries": ", ".join("{" + f"{_lua_str(w)}, {_lua_str(i)}" + "}" for w, i, _ in gen.INDUSTRIES),
        "products": _lua_list(PRODUCTS),
        "campaigns": _lua_list(CAMPAIGNS),
        "brands": _lua_list(list(gen.BRAND_CHARS)),
        "surnames": _lua_list(list(gen.SURNAMES)),
        "headers": ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in headers.items()),
        "base": base,
        "dup": DUP_PERCENT,
        "batch": batch,
    }


def _wrk_post(base_url: str, script: str, seconds: float, connections: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as fh:
        fh.write(script)
        path = fh.name
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", path]
            + [base_url + "/api/v1/leads"],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(path)
    if out.returncode:
        raise RuntimeError(f"wrk exited with {out.returncode}: {out.stderr[-1000:]} {out.stdout[-1000:]}")
    out = out.stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON ") :])
    err = next((ln[len("WRKERR ") :] for ln in out.splitlines() if ln.startswith("WRKERR ")), "").strip()
    secs = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": secs,
        "rps": raw["requests"] / secs if secs else 0.0,
        "leads_s": raw["c201"] / secs if secs else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors"],
        "non_2xx": raw["non_2xx"],
        "created_201": raw["c201"],
        "other_status": raw["cother"],
        "sent_new": raw["sent_new"],
        "sent_duplicate": raw["sent_dup"],
        "error_samples": err,
    }


async def _context(url: str) -> dict[str, Any]:
    """Admin user (adds the g row when nobody is admin), zones/teams, provinces and channels;
    removes earlier bench leads and rules so each run starts from the same state."""
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        admin = await conn.fetchval("SELECT v0 FROM casbin_rule WHERE ptype = 'g' AND v1 = 'admin' LIMIT 1")
        if admin is None:
            admin = await conn.fetchval(
                "SELECT v0 FROM casbin_rule WHERE ptype = 'g' AND v1 = 'executive' ORDER BY v0 LIMIT 1"
            )
            if admin is None:
                raise RuntimeError("no executive user: generate the data set first")
            await conn.execute("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', $1, 'admin')", admin)
        await conn.execute(
            "TRUNCATE lead_actions, lead_claims, leads, lead_import_errors, lead_imports, notifications, "
            "message_deliveries, outbox_events CASCADE"
        )
        await conn.execute("DELETE FROM assignment_rules WHERE name LIKE $1", RULE_PREFIX + "%")
        zones = [
            dict(r)
            for r in await conn.fetch("SELECT id, code, name, province_codes FROM sales_zones ORDER BY code")
        ]
        for z in zones:
            z["teams"] = [
                r["id"]
                for r in await conn.fetch("SELECT id FROM teams WHERE zone_id = $1 ORDER BY name", z["id"])
            ]
        regions = await conn.fetch("SELECT code, name, level, parent_code FROM regions WHERE level <= 2")
        channels = await conn.fetch("SELECT id, code, weight FROM channels WHERE is_active ORDER BY code")
    finally:
        await conn.close()
    names = {r["code"]: r["name"] for r in regions}
    cities: dict[str, list[str]] = {}
    for r in regions:
        if r["level"] == 2:
            cities.setdefault(r["parent_code"], []).append(r["code"])
    covered = [p for z in zones for p in z["province_codes"]]
    others = [
        c for c, _ in sorted(names.items()) if c.endswith("0000") and c not in covered and cities.get(c)
    ]
    # ~90% of the leads from the bench zones' provinces (4 slots each), ~10% from elsewhere
    weighted = [p for p in covered for _ in range(4)]
    weighted += others[: max(1, len(weighted) // 9)]
    provinces = [
        (p, cities[p], names[p].removesuffix("省").removesuffix("市")[:3]) for p in weighted if cities.get(p)
    ]
    return {
        "admin_id": uuid.UUID(admin),
        "zones": zones,
        "provinces": provinces,
        "channels": [str(c["id"]) for c in channels for _ in range(max(1, int(c["weight"] or 1) // 5))],
        "channel_ids": {c["code"]: str(c["id"]) for c in channels},
    }


def _rules(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """≥ 10 rules: referral desk, zone specialities, one round robin per zone, catch-all."""
    zones = [z for z in ctx["zones"] if z["teams"]]
    rules: list[dict[str, Any]] = []
    referral = ctx["channel_ids"].get("referral")
    if referral and zones:
        rules.append(
            {
                "name": RULE_PREFIX + "客户推荐 → 最少负载",
                "conditions": {"all": [{"field": "channel_id", "op": "eq", "value": referral}]},
                "action_type": "team_least_loaded",
                "action_target": {"team_id": str(zones[0]["teams"][-1])},
            }
        )

    def province(z: dict[str, Any]) -> dict[str, Any]:
        return {"field": "province_code", "op": "in", "value": list(z["province_codes"])}

    extras = [
        ("A/B 级 → 轮转", {"field": "grade", "op": "in", "value": ["A", "B"]}, "team_round_robin", 1),
        (
            "制造业 → 最少负载",
            {"field": "industry", "op": "in", "value": ["制造业", "机械设备"]},
            "team_least_loaded",
            2,
        ),
        ("企业版 → 轮转", {"field": "product", "op": "eq", "value": "CRM 企业版"}, "team_round_robin", 3),
    ]
    k = 0
    while zones and len(rules) + len(zones) + 1 < 10 and k < len(extras) * len(zones):
        label, cond, action, team = extras[k // len(zones)]
        z = zones[k % len(zones)]
        rules.append(
            {
                "name": f"{RULE_PREFIX}{z['name']} {label}",
                "conditions": {"all": [province(z), cond]},
                "action_type": action,
                "action_target": {"team_id": str(z["teams"][team % len(z["teams"])])},
            }
        )
        k += 1
    for z in zones:
        rules.append(
            {
                "name": f"{RULE_PREFIX}{z['name']} → 轮转",
                "conditions": {"all": [province(z)]},
                "action_type": "team_round_robin",
                "action_target": {"team_id": str(z["teams"][0])},
            }
        )
    rules.append(
        {"name": RULE_PREFIX + "其余 → 区域负责人", "conditions": {}, "action_type": "zone_leader_queue"}
    )
    return rules


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(300).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(300).decode(errors="replace")


async def _placement(url: str, since: float | None) -> dict[str, Any]:
    conn = await asyncpg.connect(gen.plain_url(url))
    try:
        where = "WHERE created_at >= to_timestamp($1)" if since else "WHERE $1::float8 IS NULL"
        row = await conn.fetchrow(
            f"""SELECT count(*) AS leads, count(duplicate_of_id) AS duplicates,
                       count(owner_id) AS owned, count(*) FILTER (WHERE owner_id IS NULL) AS queued,
                       count(customer_id) AS existing_customer
                FROM leads {where}""",
            since,
        )
        queues = await conn.fetch(
            f"""SELECT coalesce(routing_trace->'result'->>'queue',
                                CASE WHEN duplicate_of_id IS NOT NULL THEN 'duplicate→original'
                                     WHEN routing_trace->>'result' = 'customer_owner' THEN 'customer_owner'
                                     WHEN owner_id IS NOT NULL THEN 'owner' ELSE 'none' END) AS placed,
                       count(*) AS n
                FROM leads {where} GROUP BY 1 ORDER BY 2 DESC""",
            since,
        )
        by_rule = await conn.fetch(
            f"""SELECT coalesce(routing_trace->>'rule_name', '-') AS rule, count(*) AS n,
                       count(owner_id) AS owned
                FROM leads {where} GROUP BY 1 ORDER BY 2 DESC""",
            since,
        )
        grades = await conn.fetch(
            f"SELECT grade, count(*) AS n FROM leads {where} GROUP BY 1 ORDER BY 1", since
        )
        max_open = await conn.fetchval(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM leads WHERE owner_id IS NOT NULL GROUP BY owner_id) t"
        )
    finally:
        await conn.close()
    return {
        **dict(row),
        "owned_share": row["owned"] / row["leads"] if row["leads"] else 0.0,
        "placed": {r["placed"]: r["n"] for r in queues},
        "by_rule": {r["rule"]: {"leads": r["n"], "owned": r["owned"]} for r in by_rule},
        "grades": {str(r["grade"]): r["n"] for r in grades},
        "max_leads_per_owner": max_open,
    }


async def run_ingest(
    db_url: str,
    redis_url: str | None,
    seconds: float = 10.0,
    connections: int = 32,
    log: Callable[[str], None] = print,
    profile: Callable[[int, float], Any] | None = None,
) -> list[dict[str, Any]]:
    from services.auth import TokenCodec

    name, description = "ingest.leads", "POST /api/v1/leads (grading, de-dup, routing; 20% duplicates)"
    base = {"name": name, "group": "ingest", "kind": "ingest", "description": description}
    if not shutil.which("wrk"):
        return [{**base, "error": "wrk is not installed"}]
    await asyncio.to_thread(gen.migrate, db_url)  # data sets built before the leads migrations
    ctx = await _context(db_url)
    secret = secrets.token_urlsafe(32)
    auth = {"Authorization": f"Bearer {TokenCodec(secret, 120).issue(ctx['admin_id'])}"}
    rules = _rules(ctx)
    with _servers(db_url, redis_url, secret) as (app, bare):
        del bare
        for rule in rules:
            status, text = await asyncio.to_thread(_post, app.base + "/api/v1/assignment-rules", rule, auth)
            if status != 201:
                return [{**base, "error": f"creating rule {rule['name']!r} answered {status}: {text[:200]}"}]
        headers = {**auth, "Content-Type": "application/json"}
        probe = {"company_name": "基准探针科技有限公司", "province_code": ctx["provinces"][0][0]}
        status, text = await asyncio.to_thread(_post, app.base + "/api/v1/leads", probe, auth)
        if status != 201:
            return [{**base, "error": f"POST /api/v1/leads answered {status}: {text[:200]}"}]
        await asyncio.to_thread(
            _wrk_post, app.base, _script(ctx, headers, 10_000_000), WARMUP_SECONDS, connections
        )
        started = time.time()
        task = asyncio.to_thread(_wrk_post, app.base, _script(ctx, headers, 20_000_000), seconds, connections)
        prof = None
        if profile is not None:
            prof = asyncio.ensure_future(profile(app.proc.pid, seconds))
        r = await task
        profile_out = await prof if prof is not None else None
        # the same leads through POST /leads/batch (integrations, landing-page backlogs)
        rb = await asyncio.to_thread(
            _wrk_post, app.base, _script(ctx, headers, 30_000_000, BATCH), seconds, BATCH_CONNECTIONS
        )
    placement = await _placement(db_url, started)
    total = r["created_201"] + r["other_status"]
    share = r["created_201"] / total if total else 0.0
    result = {
        **base,
        "ops_s": r["leads_s"],
        "p50_ms": r["p50_ms"],
        "p95_ms": r["p95_ms"],
        "p99_ms": r["p99_ms"],
        "requests": r["requests"],
        "created_201": r["created_201"],
        "share_201": share,
        "non_2xx": r["non_2xx"],
        "errors": r["errors"],
        "sent_new": r["sent_new"],
        "sent_duplicate": r["sent_duplicate"],
        "target_ops_s": TARGET_LEADS_S,
        "target_p95_ms": None,
        "pass": r["leads_s"] >= TARGET_LEADS_S and share >= 0.999 and not r["errors"],
        "rules": len(rules),
        "routing": placement,
        "tool": "wrk",
        "connections": connections,
        "seconds": r["seconds"],
        "server": "uvicorn --workers 1 (uvloop, httptools)",
    }
    if r["error_samples"]:
        result["error_samples"] = r["error_samples"][:600]
    if profile_out:
        result["profile"] = profile_out
    if r["errors"] or share < 0.999:
        result["error"] = (
            f"{r['other_status']} non-201 answers, {r['errors']} socket errors: {r['error_samples'][:300]}"
        )
    log(
        f"  {name:<20} {r['leads_s']:8.0f} leads/s  p50 {r['p50_ms']:6.2f} ms  p95 {r['p95_ms']:6.2f} ms  "
        f"201s {share:.1%} ({r['created_201']:,}/{total:,})  sent {r['sent_new']:,} new + "
        f"{r['sent_duplicate']:,} dup"
    )
    log(
        f"  {'':<20} placed: {placement['owned']:,} with an owner ({placement['owned_share']:.0%}), "
        f"{placement['queued']:,} in queues {placement['placed']}; duplicates {placement['duplicates']:,}; "
        f"grades {placement['grades']}"
    )
    batch_total = rb["created_201"] + rb["other_status"] * BATCH
    batch = {
        "name": "ingest.batch",
        "group": "ingest",
        "kind": "ingest",
        "description": f"POST /api/v1/leads/batch, {BATCH} leads a request (same de-dup, grading, routing)",
        "ops_s": rb["leads_s"],
        "p50_ms": rb["p50_ms"],
        "p95_ms": rb["p95_ms"],
        "p99_ms": rb["p99_ms"],
        "requests": rb["requests"],
        "created_201": rb["created_201"],
        "target_ops_s": TARGET_LEADS_S,
        "target_p95_ms": None,
        "pass": rb["leads_s"] >= TARGET_LEADS_S and not rb["errors"] and rb["other_status"] == 0,
        "connections": BATCH_CONNECTIONS,
        "tool": "wrk",
    }
    if rb["other_status"] or rb["errors"]:
        batch["error"] = f"{rb['other_status']} non-201 answers: {rb['error_samples'][:300]}"
    log(
        f"  {'ingest.batch':<20} {rb['leads_s']:8.0f} leads/s  p50 {rb['p50_ms']:6.2f} ms  "
        f"p95 {rb['p95_ms']:6.2f} ms per {BATCH}-lead request  ({rb['created_201']:,} leads of {batch_total:,})"
    )
    return [result, batch]
