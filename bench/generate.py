"""Reference data set generator (PRODUCT.md, "Scale the product must hold"), scaled.

scale 1.0 = 10 zones, 500 users, 1,000,000 customers, 2,000,000 contacts, 5,000,000 follow-ups
(opportunities and contracts are skipped: their tables do not exist yet).

The organisation keeps its real shape at every scale: `max(2, round(10 * scale))` zones of 50
users (a director, 5 teams of ~10 with a manager each; one executive), so a rep owns about
`customers * 0.8 / reps` customers and a zone always is a strict subset of the data set.

How it is fast: the database is built by the Alembic migrations with every index in place
(they are part of the realism); customers are generated in Python (valid unique USCCs, Chinese
names so `name_bigrams` gets real bigrams) and streamed with COPY; contacts and follow-ups are
set-based `INSERT ... SELECT ... generate_series` from a staging table holding each customer's
skewed counts, run concurrently on two connections (one per core); VACUUM ANALYZE at the end.
Referential integrity holds by construction, so the loader session runs with
`session_replication_role = replica` (no per-row FK trigger checks) and `synchronous_commit = off`.

Idempotent: `_bench_meta` records the scale generated; a second run with the same scale skips,
another scale (or --regenerate) drops and rebuilds the database.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from stdnum.cn import uscc as stdnum_uscc

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "crm_bench"
SEED = 20261123
GENERATOR_VERSION = 1

REFERENCE = {
    "zones": 10,
    "users": 500,
    "customers": 1_000_000,
    "contacts": 2_000_000,
    "follow_ups": 5_000_000,
}
SKIPPED = {"opportunities": 500_000, "contracts": 200_000}
USERS_PER_ZONE = 50
TEAMS_PER_ZONE = 5
POOL_SHARE = 0.20  # customers in the public pool (owner NULL)
USCC_SHARE = 0.30  # enterprise customers with a (unique, valid) USCC
INDIVIDUAL_SHARE = 0.10
CUSTOMER_CHUNK = 20_000
CHILD_CHUNK = 25_000  # customers per contacts / follow-ups statement

Log = Callable[[str], None]


# --- where ------------------------------------------------------------------------------------


def plain_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def server_url(database_url: str | None = None) -> str:
    """The PostgreSQL server to use: --database-url, else DATABASE_URL, else 127.0.0.1:5432,
    else the embedded pgserver of scripts.embedded."""
    url = database_url or os.environ.get("DATABASE_URL")
    if url:
        return plain_url(url)
    if _reachable("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    from scripts.embedded import embedded_postgres

    return plain_url(embedded_postgres("pg"))


def bench_url(database_url: str | None = None, database: str = DEFAULT_DATABASE) -> str:
    return with_database(server_url(database_url), database)


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(url, "postgres"))


async def database_exists(url: str) -> bool:
    admin = await _admin(url)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database_name(url)))
    finally:
        await admin.close()


async def create_database(url: str) -> None:
    admin = await _admin(url)
    try:
        await admin.execute(f'CREATE DATABASE "{database_name(url)}"')
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = database_name(url)
    if name in ("postgres", "template0", "template1"):
        raise ValueError(f"refusing to drop {name}")
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = plain_url(url).replace("postgresql://", "postgresql+asyncpg://", 1)
    command.upgrade(cfg, "head")


# --- what -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    scale: float
    zones: int
    users: int
    customers: int
    contacts: int
    follow_ups: int

    @classmethod
    def for_scale(cls, scale: float) -> Plan:
        if scale <= 0:
            raise ValueError("scale must be > 0")
        zones = max(2, round(REFERENCE["zones"] * scale))
        return cls(
            scale=scale,
            zones=zones,
            users=zones * USERS_PER_ZONE,
            customers=max(10, round(REFERENCE["customers"] * scale)),
            contacts=round(REFERENCE["contacts"] * scale),
            follow_ups=round(REFERENCE["follow_ups"] * scale),
        )


@dataclass
class GenerationResult:
    database_url: str
    scale: float
    skipped: bool
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)
    estimate_full_scale_seconds: float | None = None
    generated_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["database_url"] = _redact(self.database_url)
        out["not_generated"] = {
            k: f"{v:,} at scale 1.0: table does not exist yet" for k, v in SKIPPED.items()
        }
        return out


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


# --- vocabulary -------------------------------------------------------------------------------

# (code, name, provinces): ordered so the first zones hold the biggest markets
ZONE_DEFS = [
    ("EAST1", "华东一区", ["310000", "320000"]),
    ("SOUTH", "华南区", ["440000", "450000", "460000"]),
    ("NORTH", "华北区", ["110000", "120000", "130000", "140000", "150000"]),
    ("EAST2", "华东二区", ["330000", "340000"]),
    ("CENTRAL", "华中区", ["420000", "430000", "410000"]),
    ("SOUTHWEST", "西南区", ["500000", "510000", "520000", "530000", "540000"]),
    ("SHANDONG", "山东区", ["370000"]),
    ("FUJIAN", "闽赣区", ["350000", "360000"]),
    ("NORTHEAST", "东北区", ["210000", "220000", "230000"]),
    ("NORTHWEST", "西北区", ["610000", "620000", "630000", "640000", "650000"]),
]

BRAND_CHARS = (
    "华鼎盛恒泰通达金鑫隆瑞丰宏远嘉信德兴长安新天宇博创智联海中众优汇源明辉立佳永正和润诚益凯腾"
    "飞翔捷顺祥福康乐美亿万方圆星光晨阳东南云峰川江林森力航迅易锐卓越奥蓝弘昊启睿铭"
)
# (word in the name, industry, weight)
INDUSTRIES = [
    ("科技", "信息技术", 18),
    ("贸易", "批发零售", 12),
    ("制造", "制造业", 10),
    ("电子", "电子", 6),
    ("机械", "机械设备", 6),
    ("物流", "交通运输", 5),
    ("信息技术", "信息技术", 5),
    ("生物医药", "医药", 3),
    ("新材料", "材料", 3),
    ("建筑工程", "建筑", 5),
    ("食品", "食品", 4),
    ("化工", "化工", 3),
    ("服装", "纺织服装", 3),
    ("文化传媒", "文化传媒", 3),
    ("环保科技", "环保", 2),
    ("能源", "能源", 3),
    ("网络科技", "互联网", 4),
    ("咨询", "商务服务", 3),
    ("实业", "综合", 5),
    ("汽车配件", "汽车", 2),
    ("餐饮管理", "餐饮", 2),
    ("教育科技", "教育", 2),
    ("医疗器械", "医疗", 2),
    ("电气", "电气", 3),
    ("包装", "包装", 1),
    ("家具", "家具", 1),
    ("农业发展", "农业", 2),
]
SUFFIXES = [
    ("有限公司", "有限责任公司", 60),
    ("有限责任公司", "有限责任公司", 15),
    ("股份有限公司", "股份有限公司", 12),
    ("集团有限公司", "有限责任公司", 5),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文斌宇浩凯晨欣怡婷雪琳颖倩俊帅鑫博翔飞亮峰丹阳健波宁"
ROADS = [
    "人民",
    "建设",
    "解放",
    "中山",
    "和平",
    "新华",
    "胜利",
    "长江",
    "黄河",
    "科技",
    "创业",
    "工业",
    "滨江",
    "世纪",
    "金融",
]
SIZES = [("1-19", 30), ("20-99", 35), ("100-499", 22), ("500-999", 8), ("1000+", 5)]
LEVELS = [("normal", 88), ("KA", 10), ("SKA", 2)]
TIERS = [("A", 5), ("B", 15), ("C", 30), ("D", 30), ("E", 15), (None, 5)]
OCCUPATIONS = ["个体经营", "教师", "医生", "工程师", "律师", "自由职业", "公务员", "企业主"]

TITLES = [
    "总经理",
    "副总经理",
    "采购经理",
    "采购专员",
    "技术总监",
    "IT经理",
    "财务经理",
    "行政主管",
    "项目经理",
    "工程师",
    "董事长",
    "销售总监",
]
DEPARTMENTS = ["采购部", "技术部", "财务部", "行政部", "信息部", "总经办", "销售部", "生产部", "研发部"]
DECISION_ROLES = ["influencer", "user", "gatekeeper", "other"]
ATTITUDES = ["supporter", "neutral", "neutral", "opponent"]
FU_KINDS = ["call", "call", "call", "call", "message", "message", "visit", "visit", "meeting", "email"]
FU_CONTENTS = [
    "电话沟通采购需求，客户对报价有疑问，需要补充技术参数",
    "上门拜访，演示产品功能，对方技术负责人参加",
    "微信发送产品资料和成功案例",
    "约定下周安排技术交流会",
    "客户反馈预算尚未审批，月底再跟进",
    "参加客户年度供应商大会，结识采购总监",
    "邮件发送报价单及付款方式说明",
    "与采购经理确认合同条款，法务在审核",
    "回访使用情况，客户整体满意，提出两个改进建议",
    "客户表示暂时没有需求，三个月后再联系",
    "陪同客户参观样板工程",
    "电话未接通，已发短信说明来意",
    "客户更换了对接人，重新介绍方案",
    "讨论二期项目范围和时间表",
    "催收第二期回款，财务承诺本周安排",
]
NEXT_STEPS = ["发送报价单", "安排技术交流", "约见决策人", "跟进合同审批", "准备方案演示", "确认回款时间"]

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seq: int, region_code: str) -> str:
    """A valid, unique 统一社会信用代码: 9 (工商) + 1 (企业) + region + 9-char code from seq +
    the GB 32100-2015 check character."""
    n, body = seq, []
    for _ in range(9):
        n, r = divmod(n, 31)
        body.append(_USCC_ALPHABET[r])
    first17 = "91" + region_code[:6] + "".join(reversed(body))
    return first17 + stdnum_uscc.calc_check_digit(first17)


def _short_city(name: str, province: str) -> str:
    if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        name = province
    for suffix in (
        "特别行政区",
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "省",
        "市",
        "地区",
        "盟",
    ):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    if name.endswith("自治州"):
        return name[:2]
    return name


def _cum(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class _City:
    province_code: str
    city_code: str
    short: str
    label: str  # province + city for addresses
    districts: list[tuple[str, str]]


@dataclass
class _Zone:
    id: uuid.UUID
    code: str
    name: str
    provinces: list[str]
    cities: list[_City] = field(default_factory=list)
    city_cum: list[float] = field(default_factory=list)
    owners: list[uuid.UUID] = field(default_factory=list)
    owner_cum: list[float] = field(default_factory=list)
    director: uuid.UUID | None = None


# --- the generator ----------------------------------------------------------------------------


async def _meta(conn: asyncpg.Connection) -> dict[str, Any] | None:
    exists = await conn.fetchval("SELECT to_regclass('public._bench_meta') IS NOT NULL")
    if not exists:
        return None
    raw = await conn.fetchval("SELECT value FROM _bench_meta WHERE key = 'generation'")
    return json.loads(raw) if raw else None


async def read_meta(url: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(url)
    try:
        return await _meta(conn)
    finally:
        await conn.close()


async def _refuse_foreign(url: str, database: str) -> None:
    """Only ever drop a database this generator made (marker table) or an empty one."""
    if database.startswith("crm_bench"):
        return
    conn = await asyncpg.connect(url)
    try:
        ours = await conn.fetchval("SELECT to_regclass('public._bench_meta') IS NOT NULL")
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    if not ours and tables:
        raise RuntimeError(
            f"database {database!r} exists and was not made by the bench generator; refusing to replace it "
            "(pick another --database)"
        )


TABLE_ORDER = ("sales_zones", "teams", "users", "customers", "contacts", "follow_ups")


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    out = {}
    for table in TABLE_ORDER:
        out[table] = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    return out


async def _loader(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(
        url,
        server_settings={
            "application_name": "crm-bench-generate",
            "timezone": "UTC",
            "synchronous_commit": "off",
            "work_mem": "64MB",
            "gin_pending_list_limit": "32MB",
        },
    )
    if await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
        # consistent by construction: skip the per-row FK trigger checks
        await conn.execute("SET session_replication_role = replica")
    return conn


async def generate(
    scale: float,
    database_url: str | None = None,
    database: str = DEFAULT_DATABASE,
    regenerate: bool = False,
    log: Log = print,
) -> GenerationResult:
    """Create/fill the bench database at `scale` (skips when already generated at that scale)."""
    plan = Plan.for_scale(scale)
    url = bench_url(database_url, database)
    exists = await database_exists(url)
    if exists:
        await _refuse_foreign(url, database)
    if exists and not regenerate:
        meta = await read_meta(url)
        if (
            meta
            and meta.get("status") == "complete"
            and math.isclose(meta.get("scale", -1), scale)
            and (meta.get("generator_version") == GENERATOR_VERSION)
        ):
            log(
                f"bench database {database} already generated at scale {scale} ({meta['generated_at']}): skipping"
            )
            return GenerationResult(
                url,
                scale,
                True,
                meta["counts"],
                meta.get("seconds", {}),
                meta.get("rates", {}),
                meta.get("estimate_full_scale_seconds"),
                meta.get("generated_at"),
            )
        if meta:
            log(
                f"bench database {database} holds scale {meta.get('scale')} ({meta.get('status')}): rebuilding"
            )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    await drop_database(url)
    await create_database(url)
    await asyncio.to_thread(migrate, url)
    timings["migrate"] = time.perf_counter() - t0
    log(
        f"database {database} created and migrated in {timings['migrate']:.1f}s; plan: "
        f"{plan.zones} zones, {plan.users} users, {plan.customers:,} customers, {plan.contacts:,} contacts, "
        f"{plan.follow_ups:,} follow-ups (opportunities/contracts skipped: tables do not exist yet)"
    )

    rng = random.Random(SEED)
    conn = await _loader(url)
    try:
        await conn.execute("CREATE TABLE _bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        await _set_meta(
            conn, {"status": "generating", "scale": scale, "generator_version": GENERATOR_VERSION}
        )
        t = time.perf_counter()
        zones = await _organisation(conn, plan, rng)
        timings["organisation"] = time.perf_counter() - t
        t = time.perf_counter()
        await _customers(conn, plan, zones, rng, log)
        timings["customers"] = time.perf_counter() - t
        log(
            f"customers: {plan.customers:,} in {timings['customers']:.1f}s "
            f"({plan.customers / timings['customers']:,.0f}/s)"
        )
    finally:
        await conn.close()

    t = time.perf_counter()
    child_times = await _children(url, plan, log)
    timings.update(child_times)
    timings["contacts+follow_ups"] = time.perf_counter() - t

    conn = await _loader(url)
    try:
        t = time.perf_counter()
        await conn.execute("DROP TABLE _bench_gen")
        await conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = time.perf_counter() - t
        log(f"VACUUM ANALYZE in {timings['vacuum_analyze']:.1f}s")
        counts = await table_counts(conn)
        timings["total"] = time.perf_counter() - t0
        rates = {
            "customers_per_s": plan.customers / timings["customers"],
            "contacts_per_s": plan.contacts / max(timings.get("contacts", 0.0), 1e-9),
            "follow_ups_per_s": plan.follow_ups / max(timings.get("follow_ups", 0.0), 1e-9),
        }
        estimate = _estimate_full_scale(plan, timings)
        generated_at = datetime.now(UTC).isoformat(timespec="seconds")
        await _set_meta(
            conn,
            {
                "status": "complete",
                "scale": scale,
                "generator_version": GENERATOR_VERSION,
                "seed": SEED,
                "plan": asdict(plan),
                "counts": counts,
                "seconds": timings,
                "rates": rates,
                "estimate_full_scale_seconds": estimate,
                "generated_at": generated_at,
            },
        )
    finally:
        await conn.close()
    log(
        f"generated in {timings['total']:.1f}s; estimated at scale 1.0: ~{estimate / 60:.1f} min linear from "
        f"this run's phase times, ~{estimate * FULL_SCALE_DRAG / 60:.1f} min with index growth"
    )
    return GenerationResult(url, scale, False, counts, timings, rates, estimate, generated_at)


# measured on the 2-core reference machine: scale 0.1 took 13 s (linear estimate 2.0 min),
# scale 1.0 took 3.0 min — bigger indexes no longer fit the buffer cache
FULL_SCALE_DRAG = 1.5


def _estimate_full_scale(plan: Plan, timings: dict[str, float]) -> float:
    factor = 1.0 / plan.scale
    fixed = timings.get("migrate", 0.0) + timings.get("organisation", 0.0)
    scaled = (
        timings.get("customers", 0.0)
        + timings.get("contacts+follow_ups", 0.0)
        + timings.get("vacuum_analyze", 0.0)
    )
    return fixed + scaled * factor


async def _set_meta(conn: asyncpg.Connection, value: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO _bench_meta (key, value) VALUES ('generation', $1::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        json.dumps(value, ensure_ascii=False),
    )


async def _organisation(conn: asyncpg.Connection, plan: Plan, rng: random.Random) -> list[_Zone]:
    """Zones with their provinces/cities, teams of ~10 with a manager, a director per zone, one
    executive; roles as Casbin 'g' rows."""
    regions = await conn.fetch("SELECT code, name, level, parent_code FROM regions")
    names = {r["code"]: r["name"] for r in regions}
    cities_of: dict[str, list[str]] = {}
    districts_of: dict[str, list[tuple[str, str]]] = {}
    for r in regions:
        if r["level"] == 2:
            cities_of.setdefault(r["parent_code"], []).append(r["code"])
        elif r["level"] == 3:
            districts_of.setdefault(r["parent_code"], []).append((r["code"], r["name"]))

    from pwdlib import PasswordHash

    password_hash = PasswordHash.recommended().hash("bench-password")
    now = datetime.now(UTC)
    zones: list[_Zone] = []
    zone_rows: list[tuple[Any, ...]] = []
    team_rows: list[tuple[Any, ...]] = []
    user_rows: list[tuple[Any, ...]] = []
    member_rows: list[tuple[Any, ...]] = []
    rule_rows: list[tuple[Any, ...]] = []
    for z in range(plan.zones):
        code, name, provinces = ZONE_DEFS[z % len(ZONE_DEFS)]
        if z >= len(ZONE_DEFS):
            code, name = f"{code}{z // len(ZONE_DEFS) + 1}", f"{name}{z // len(ZONE_DEFS) + 1}"
        zone = _Zone(uuid.UUID(int=rng.getrandbits(128), version=4), code, name, provinces)
        weights = []
        for p in provinces:
            for c in cities_of.get(p, []):
                districts = districts_of.get(c) or [(c, names[c])]
                zone.cities.append(
                    _City(
                        p,
                        c,
                        _short_city(names[c], names[p]),
                        names[p] + ("" if names[c] == "市辖区" else names[c]),
                        districts,
                    )
                )
                weights.append(6.0 if c.endswith("0100") else 1.0)  # capitals are bigger markets
        zone.city_cum = _cum(weights)
        zones.append(zone)
        zone_rows.append((zone.id, name, code, provinces, [], None, 500, now, now, 1))

        users = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(USERS_PER_ZONE)]
        teams = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(TEAMS_PER_ZONE)]
        zone.director = users[0]
        rep_weights: list[float] = []
        for j, uid in enumerate(users):
            display = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            team_id, zone_ids, role = None, [], "sales_rep"
            if j == 0:
                role, zone_ids = "sales_director", [zone.id]
            elif z == 0 and j == USERS_PER_ZONE - 1:
                role = "executive"
            else:
                t = min((j - 1) // 10, TEAMS_PER_ZONE - 1)
                team_id = teams[t]
                if (j - 1) % 10 == 0:
                    role = "sales_manager"
                zone.owners.append(uid)
                # reps carry the book; managers own a few accounts; some reps are busier
                rep_weights.append(0.15 if role == "sales_manager" else rng.lognormvariate(0.0, 0.35))
                member_rows.append((uid, team_id, now - timedelta(days=rng.randint(30, 900))))
            user_rows.append(
                (
                    uid,
                    f"b{z:02d}u{j:02d}",
                    display,
                    f"139{z:04d}{j:04d}",
                    f"b{z:02d}u{j:02d}@bench.example",
                    password_hash,
                    team_id,
                    zone_ids,
                    now,
                    now,
                    now,
                    1,
                )
            )
            rule_rows.append(("g", str(uid), role))
        zone.owner_cum = _cum(rep_weights)
        for t, team_id in enumerate(teams):
            manager = users[1 + 10 * t]
            team_rows.append((team_id, f"{name}第{t + 1}组", zone.id, None, manager, now, now, 1))

    await conn.copy_records_to_table(
        "sales_zones",
        records=zone_rows,
        columns=[
            "id",
            "name",
            "code",
            "province_codes",
            "city_codes",
            "leader_id",
            "weekly_quota",
            "created_at",
            "updated_at",
            "version",
        ],
    )
    await conn.copy_records_to_table(
        "teams",
        records=team_rows,
        columns=["id", "name", "zone_id", "parent_id", "manager_id", "created_at", "updated_at", "version"],
    )
    await conn.copy_records_to_table(
        "users",
        records=user_rows,
        columns=[
            "id",
            "username",
            "display_name",
            "mobile",
            "email",
            "password_hash",
            "team_id",
            "zone_ids",
            "password_changed_at",
            "created_at",
            "updated_at",
            "version",
        ],
    )
    await conn.executemany(
        "UPDATE sales_zones SET leader_id = $2 WHERE id = $1", [(zn.id, zn.director) for zn in zones]
    )
    await conn.copy_records_to_table(
        "team_memberships", records=member_rows, columns=["user_id", "team_id", "started_at"]
    )
    await conn.copy_records_to_table("casbin_rule", records=rule_rows, columns=["ptype", "v0", "v1"])
    return zones


_CUSTOMER_COLUMNS = [
    "id",
    "kind",
    "name",
    "short_name",
    "industry",
    "uscc",
    "country",
    "province_code",
    "city_code",
    "district_code",
    "address",
    "size",
    "company_type",
    "phone",
    "email",
    "website",
    "parent_id",
    "gender",
    "birthday",
    "mobile",
    "occupation",
    "owner_id",
    "zone_id",
    "level",
    "tier",
    "last_followed_up_at",
    "created_by",
    "created_at",
    "updated_at",
    "version",
]
_GEN_COLUMNS = ["seq", "id", "owner_id", "created_at", "last_fu", "n_contacts", "n_follow_ups"]


def _allocate(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Split `total` over `weights` exactly (floors, then the largest remainders)."""
    wsum = sum(weights)
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    exact = [total * w / wsum for w in weights]
    counts = [int(e) for e in exact]
    rest = total - sum(counts)
    if rest:
        order = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], rng.random()), reverse=True)
        for i in order[:rest]:
            counts[i] += 1
    return counts


async def _customers(
    conn: asyncpg.Connection, plan: Plan, zones: list[_Zone], rng: random.Random, log: Log
) -> None:
    await conn.execute(
        "CREATE UNLOGGED TABLE _bench_gen (seq int PRIMARY KEY, id uuid NOT NULL, owner_id uuid, "
        "created_at timestamptz NOT NULL, last_fu timestamptz, n_contacts int NOT NULL, n_follow_ups int NOT NULL)"
    )
    now = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=3 * 365).total_seconds()
    ids: list[uuid.UUID] = []
    choices, rnd, randint, choice = rng.choices, rng.random, rng.randint, rng.choice
    brand_pool = BRAND_CHARS
    ind_words = [i[0] for i in INDUSTRIES]
    ind_cum = _cum([i[2] for i in INDUSTRIES])
    ind_label = {i[0]: i[1] for i in INDUSTRIES}
    suf_words = [s[0] for s in SUFFIXES]
    suf_cum = _cum([s[2] for s in SUFFIXES])
    suf_type = {s[0]: s[1] for s in SUFFIXES}
    size_vals, size_cum = [s[0] for s in SIZES], _cum([s[1] for s in SIZES])
    level_vals, level_cum = [x[0] for x in LEVELS], _cum([x[1] for x in LEVELS])
    tier_vals, tier_cum = [x[0] for x in TIERS], _cum([x[1] for x in TIERS])

    for start in range(0, plan.customers, CUSTOMER_CHUNK):
        stop = min(plan.customers, start + CUSTOMER_CHUNK)
        rows, gen, fu_w, ct_w = [], [], [], []
        for seq in range(start, stop):
            cid = uuid.UUID(int=rng.getrandbits(128), version=4)
            # the first zones hold the biggest markets
            zone = zones[min(int(len(zones) * rnd() ** 1.25), len(zones) - 1)]
            pooled = rnd() < POOL_SHARE
            owner = None if pooled else choices(zone.owners, cum_weights=zone.owner_cum)[0]
            city = choices(zone.cities, cum_weights=zone.city_cum)[0]
            district_code, district_name = choice(city.districts)
            created = now - timedelta(seconds=span * (1 - (seq + rnd()) / plan.customers) + 86400)
            updated = created + (now - created) * (rnd() ** 0.5)
            individual = rnd() < INDIVIDUAL_SHARE
            uscc = phone = email = website = gender = birthday = mobile = occupation = parent = None
            if individual:
                kind = "individual"
                name = choice(SURNAMES) + "".join(choice(GIVEN) for _ in range(choice((1, 2))))
                short_name = industry = size = company_type = None
                gender = "male" if rnd() < 0.55 else "female"
                birthday = (now - timedelta(days=randint(22 * 365, 65 * 365))).date()
                mobile = f"1{choice('3578')}{seq:09d}"
                occupation = choice(OCCUPATIONS)
                address = f"{city.label}{district_name}{choice(ROADS)}路{randint(1, 999)}号"
                ct_w.append(0.0)
            else:
                kind = "enterprise"
                brand = choice(brand_pool) + choice(brand_pool)
                word = choices(ind_words, cum_weights=ind_cum)[0]
                suffix = choices(suf_words, cum_weights=suf_cum)[0]
                prefix = city.short if rnd() < 0.85 else ""
                name = f"{prefix}{brand}{word}{suffix}"
                short_name = brand + word[:2]
                industry = ind_label[word]
                size = choices(size_vals, cum_weights=size_cum)[0]
                company_type = suf_type[suffix]
                if rnd() < USCC_SHARE:
                    uscc = make_uscc(seq, district_code)
                phone = f"0{randint(10, 999)}-{randint(20000000, 89999999)}"
                if rnd() < 0.5:
                    email = f"contact{seq}@c{seq}.example.cn"
                if rnd() < 0.3:
                    website = f"https://www.c{seq}.example.cn"
                if seq > 1000 and rnd() < 0.02:
                    parent = ids[randint(0, len(ids) - 1)]
                address = f"{city.label}{district_name}{choice(ROADS)}路{randint(1, 999)}号"
                ct_w.append(rng.lognormvariate(0.0, 0.6))
            fu_w.append(rng.lognormvariate(0.0, 1.0) * (0.35 if pooled else 1.0))
            level = choices(level_vals, cum_weights=level_cum)[0]
            tier = choices(tier_vals, cum_weights=tier_cum)[0]
            ids.append(cid)
            rows.append(
                [
                    cid,
                    kind,
                    name,
                    short_name,
                    industry,
                    uscc,
                    "CN",
                    city.province_code,
                    city.city_code,
                    district_code,
                    address,
                    size,
                    company_type,
                    phone,
                    email,
                    website,
                    parent,
                    gender,
                    birthday,
                    mobile,
                    occupation,
                    owner,
                    zone.id,
                    level,
                    tier,
                    None,
                    owner,
                    created,
                    updated,
                    1,
                ]
            )
            gen.append([seq, cid, owner, created, None, 0, 0])
        # exact totals per chunk, skewed within it
        n_ct = _allocate(
            round(plan.contacts * stop / plan.customers) - round(plan.contacts * start / plan.customers),
            ct_w,
            rng,
        )
        n_fu = _allocate(
            round(plan.follow_ups * stop / plan.customers) - round(plan.follow_ups * start / plan.customers),
            fu_w,
            rng,
        )
        for row, g, c, f in zip(rows, gen, n_ct, n_fu, strict=True):
            g[5], g[6] = c, f
            if f:
                owned = row[21] is not None
                days = 180 * (rnd() ** (1.6 if owned else 0.7))  # owned books are followed more recently
                last = max(row[27], now - timedelta(days=days, seconds=randint(0, 86399)))
                row[25] = g[4] = last
                if row[28] < last:
                    row[28] = last
        await conn.copy_records_to_table("customers", records=rows, columns=_CUSTOMER_COLUMNS)
        await conn.copy_records_to_table("_bench_gen", records=gen, columns=_GEN_COLUMNS)
        if (stop // CUSTOMER_CHUNK) % 10 == 0 or stop == plan.customers:
            log(f"  customers {stop:,}/{plan.customers:,}")


def _pick(param: int, values: Sequence[str]) -> str:
    return f"(${param}::text[])[1 + floor(random() * {len(values)})::int]"


_CONTACTS_SQL = f"""
INSERT INTO contacts (id, customer_id, name, title, department, mobile, phone, email, wechat, gender,
                      decision_role, attitude, is_key_person, created_by, created_at, updated_at, version)
SELECT gen_random_uuid(), g.id,
       {_pick(3, SURNAMES)} || {_pick(4, GIVEN)} || CASE WHEN random() < 0.6 THEN {_pick(4, GIVEN)} ELSE '' END,
       {_pick(5, TITLES)}, {_pick(6, DEPARTMENTS)},
       '1' || (30 + floor(random() * 60))::int || lpad(floor(random() * 100000000)::bigint::text, 8, '0'),
       CASE WHEN random() < 0.3 THEN '0' || (10 + floor(random() * 900))::int || '-'
            || (20000000 + floor(random() * 70000000))::bigint END,
       CASE WHEN random() < 0.5 THEN 'p' || g.seq || '_' || k || '@c' || g.seq || '.example.cn' END,
       CASE WHEN random() < 0.4 THEN 'wx_' || substr(md5(g.id::text || k), 1, 10) END,
       CASE WHEN random() < 0.6 THEN 'male' ELSE 'female' END,
       CASE WHEN k = 1 THEN 'decision_maker' ELSE {_pick(7, DECISION_ROLES)} END,
       {_pick(8, ATTITUDES)},
       k = 1,
       g.owner_id, g.created_at, g.created_at, 1
FROM _bench_gen g CROSS JOIN LATERAL generate_series(1, g.n_contacts) AS k
WHERE g.seq >= $1 AND g.seq < $2
"""

_FOLLOW_UPS_SQL = f"""
INSERT INTO follow_ups (id, customer_id, contact_id, kind, content, happened_at, next_step, next_follow_up_on,
                        author_id, created_at, updated_at, version)
SELECT gen_random_uuid(), s.id, NULL, {_pick(3, FU_KINDS)}, {_pick(4, FU_CONTENTS)}, s.happened,
       CASE WHEN random() < 0.5 THEN {_pick(5, NEXT_STEPS)} END,
       CASE WHEN s.k = 1 AND random() < 0.6 THEN (s.happened + (1 + floor(random() * 14))::int
            * interval '1 day')::date END,
       s.owner_id, s.happened, s.happened, 1
FROM (
    SELECT g.id, g.owner_id, k,
           CASE WHEN k = 1 THEN g.last_fu
                ELSE g.last_fu - random() * least(interval '365 days', g.last_fu - g.created_at) END AS happened
    FROM _bench_gen g CROSS JOIN LATERAL generate_series(1, g.n_follow_ups) AS k
    WHERE g.seq >= $1 AND g.seq < $2 AND g.last_fu IS NOT NULL
    OFFSET 0
) s
"""


async def _children(url: str, plan: Plan, log: Log) -> dict[str, float]:
    """Contacts and follow-ups: two loaders in parallel (one table each, one core each)."""
    ranges = [(s, min(plan.customers, s + CHILD_CHUNK)) for s in range(0, plan.customers, CHILD_CHUNK)]
    times: dict[str, float] = {}

    async def run(table: str, sql: str, arrays: list[list[str]]) -> None:
        conn = await _loader(url)
        t = time.perf_counter()
        try:
            for n, (lo, hi) in enumerate(ranges, 1):
                await conn.execute(sql, lo, hi, *arrays)
                if n % 10 == 0 or n == len(ranges):
                    log(f"  {table}: customers {hi:,}/{plan.customers:,} done")
        finally:
            await conn.close()
        times[table] = time.perf_counter() - t

    await asyncio.gather(
        run(
            "contacts",
            _CONTACTS_SQL,
            [list(SURNAMES), list(GIVEN), TITLES, DEPARTMENTS, DECISION_ROLES, ATTITUDES],
        ),
        run("follow_ups", _FOLLOW_UPS_SQL, [FU_KINDS, FU_CONTENTS, NEXT_STEPS]),
    )
    log(
        f"contacts: {plan.contacts:,} in {times['contacts']:.1f}s; "
        f"follow-ups: {plan.follow_ups:,} in {times['follow_ups']:.1f}s (in parallel)"
    )
    return times
