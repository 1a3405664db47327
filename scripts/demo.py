"""Demo data: two sales zones, three teams, one user per role and a few hundred customers
with contacts, follow-ups and tags, so a fresh install has something to click through.

    CRM_DEMO=1 make run                 # loaded at start-up
    .venv/bin/python -m scripts.demo    # or on its own, against the resolved database

Idempotent: if the demo zones exist nothing is written. Everything goes through the ORM in one
unit of work, so the audit listener records every row like any other write; users are created
by the user service (roles, team membership, access version bump).

All customers, people, USCC codes and phone numbers are generated: the USCC check digits are
valid (GB 32100-2015 and GB 11714), the mobiles are valid numbers of Chinese mobile ranges.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from config import Settings
from domain.contact_info import InvalidPhone, normalize_mobile, normalize_phone
from domain.customers import Attitude, CompanySize, DecisionRole, FollowUpKind
from domain.uscc import validate_uscc
from repositories.db import unit_of_work
from repositories.models import (
    Contact,
    Customer,
    CustomerTag,
    FollowUp,
    Region,
    SalesZone,
    Tag,
    TagCategory,
    Team,
)
from scripts.bootstrap import announce, resources
from services.context import Actor
from services.customer_changes import CustomerChangeService
from services.customer_levels import LevelRequestService
from services.users import UserService

DEFAULT_PASSWORD = "Demo@2026"
DEFAULT_CUSTOMERS = 300
SEED = 20261123

ZONES = (
    # code, name, provinces
    ("DEMO-EAST", "华东战区", ["310000", "320000", "330000"]),
    ("DEMO-SOUTH", "华南战区", ["440000", "450000"]),
)
TEAMS = (
    # key, name, zone code, the provinces its customers come from
    ("sh", "上海销售一组", "DEMO-EAST", ["310000"]),
    ("hz", "江浙销售组", "DEMO-EAST", ["320000", "330000"]),
    ("gz", "广州销售组", "DEMO-SOUTH", ["440000", "450000"]),
)
USERS: tuple[tuple[str, str, list[str], str | None, list[str]], ...] = (
    # username, display name, roles, team key, zone codes (directors), title
    ("boss", "王建国", ["executive"], None, []),
    ("director_east", "陈立华", ["sales_director"], None, ["DEMO-EAST"]),
    ("director_south", "黄志强", ["sales_director"], None, ["DEMO-SOUTH"]),
    ("manager_sh", "李明", ["sales_manager"], "sh", []),
    ("manager_hz", "周婷", ["sales_manager"], "hz", []),
    ("manager_gz", "梁家豪", ["sales_manager"], "gz", []),
    ("rep_sh1", "张伟", ["sales_rep"], "sh", []),
    ("rep_sh2", "刘洋", ["sales_rep"], "sh", []),
    ("rep_hz1", "孙悦", ["sales_rep"], "hz", []),
    ("rep_gz1", "何俊杰", ["sales_rep"], "gz", []),
    ("rep_gz2", "冯嘉欣", ["sales_rep"], "gz", []),
    ("legal1", "赵敏", ["legal"], None, []),
    ("finance1", "钱芳", ["finance"], None, []),
    ("marketing1", "吴倩", ["marketing"], None, []),
    ("service1", "郑晓东", ["customer_service"], None, []),
)
MANAGERS = {"sh": "manager_sh", "hz": "manager_hz", "gz": "manager_gz"}
LEADERS = {"DEMO-EAST": "director_east", "DEMO-SOUTH": "director_south"}

TAGS = {
    "客户意向": [("高意向", "red", 3), ("中意向", "orange", 2), ("低意向", "blue", 1)],
    "客户特征": [
        ("价格敏感", "gold", 1),
        ("决策链清晰", "green", 2),
        ("老客户转介绍", "purple", 2),
        ("招投标", "cyan", 1),
    ],
}

# --- name material --------------------------------------------------------------------------

BRANDS = (
    "华信 恒通 博远 中科 瑞丰 嘉禾 鼎盛 汇金 天成 宏达 新元 卓越 正泰 东方 明德 金桥 长江 海纳 "
    "启航 智联 众合 锦程 安泰 盛世 永诚 联创 凯瑞 德润 华美 腾越 远景 思源 云帆 信达 国邦 万通 "
    "泰和 鸿运 精工 优品 智汇 诺亚 睿达 华康 海川 同创 融信 立邦 中辰 星河"
).split()
TRADES = (
    ("信息技术", "软件和信息技术服务"),
    ("网络科技", "互联网"),
    ("智能制造", "装备制造"),
    ("电子科技", "电子元器件"),
    ("医疗器械", "医疗健康"),
    ("生物医药", "医疗健康"),
    ("新材料", "化工新材料"),
    ("物流", "交通物流"),
    ("供应链管理", "交通物流"),
    ("建设工程", "建筑工程"),
    ("环保科技", "节能环保"),
    ("食品", "食品饮料"),
    ("汽车零部件", "汽车"),
    ("能源科技", "新能源"),
    ("商贸", "批发零售"),
    ("教育科技", "教育培训"),
    ("精密机械", "装备制造"),
    ("数据服务", "软件和信息技术服务"),
)
FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华鹏辉玲丹萍鑫宇浩凯婷雪琳晨阳佳欣怡博文斌"
TITLES = (
    ("总经理", DecisionRole.DECISION_MAKER),
    ("董事长", DecisionRole.DECISION_MAKER),
    ("采购经理", DecisionRole.INFLUENCER),
    ("技术总监", DecisionRole.INFLUENCER),
    ("财务经理", DecisionRole.INFLUENCER),
    ("IT 主管", DecisionRole.USER),
    ("行政主管", DecisionRole.GATEKEEPER),
    ("项目经理", DecisionRole.USER),
)
DEPARTMENTS = {
    "总经理": "总经办",
    "董事长": "董事会",
    "采购经理": "采购部",
    "技术总监": "技术部",
    "财务经理": "财务部",
    "IT 主管": "信息部",
    "行政主管": "行政部",
    "项目经理": "项目部",
}
STREETS = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "科技路",
    "创新大道",
    "滨江大道",
    "长江路",
    "世纪大道",
    "学府路",
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "177",
    "180",
    "181",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
# telephone area codes of the cities customers are placed in (Geography.place: 6 per province)
AREA_CODES = {
    "310100": "21",
    "320100": "25",
    "320200": "510",
    "320300": "516",
    "320400": "519",
    "320500": "512",
    "320600": "513",
    "330100": "571",
    "330200": "574",
    "330300": "577",
    "330400": "573",
    "330500": "572",
    "330600": "575",
    "440100": "20",
    "440200": "751",
    "440300": "755",
    "440400": "756",
    "440500": "754",
    "440600": "757",
    "450100": "771",
    "450200": "772",
    "450300": "773",
    "450400": "774",
    "450500": "779",
    "450600": "770",
}
FOLLOW_UPS = {
    FollowUpKind.CALL: [
        "电话沟通了采购需求，客户预计下季度启动选型",
        "电话回访，客户对报价有疑问，约定发送详细方案",
        "电话确认了付款流程和发票要求",
        "首次电话联系，介绍了公司产品线",
    ],
    FollowUpKind.VISIT: [
        "上门拜访，参观了客户生产线，了解到现有系统痛点",
        "拜访客户技术部门，演示了产品核心功能",
        "与客户管理层面谈，讨论了合作框架",
    ],
    FollowUpKind.MESSAGE: ["微信发送了产品白皮书和案例资料", "微信跟进试用情况，客户反馈整体满意"],
    FollowUpKind.MEETING: [
        "线上会议演示方案，客户 IT 与采购均参加",
        "组织技术交流会，解答了集成与数据安全问题",
    ],
    FollowUpKind.EMAIL: ["邮件发送正式报价单及服务条款", "邮件确认了项目里程碑与交付计划"],
}
NEXT_STEPS = ("发送报价单", "安排产品演示", "约见决策人", "提交技术方案", "跟进合同条款", "邀请参加客户沙龙")


# --- generators -----------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character: the older all-digit
    kind, or the "MA…" kind issued with USCCs since 2015."""
    if rng.random() < 0.5:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    else:
        body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, district_code: str) -> str:
    """91 (industry & commerce, enterprise) + the district code + organisation code + check digit."""
    from stdnum.cn import uscc as stdnum_uscc

    first17 = "91" + district_code + org_code(rng)
    return validate_uscc(first17 + stdnum_uscc.calc_check_digit(first17))


def make_mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        number = normalize_mobile(rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}")
        if number not in used:
            used.add(number)
            return number


def landline(rng: random.Random, area: str | None) -> str | None:
    """A valid fixed-line number in the city (8-digit local numbers, else 7), E.164."""
    if area is None:
        return None
    first = rng.randint(2, 8)
    for digits in (8, 7):
        try:
            return normalize_phone(f"0{area}{first}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}")
        except InvalidPhone:
            continue
    return None


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


@dataclass
class Geography:
    """province → cities → districts from the regions table (GB/T 2260)."""

    cities: dict[str, list[Region]]
    districts: dict[str, list[Region]]

    def place(self, rng: random.Random, province: str) -> tuple[Region, Region | None]:
        city = rng.choice(self.cities[province][:6])  # the larger cities come first
        districts = self.districts.get(city.code) or []
        return city, (rng.choice(districts[:8]) if districts else None)


# --- loading --------------------------------------------------------------------------------


async def load(
    settings: Settings, *, customers: int = DEFAULT_CUSTOMERS, password: str = DEFAULT_PASSWORD
) -> bool:
    """Load the demo data set; False if it is already there."""
    rng = random.Random(SEED)
    async with resources(settings) as (sessions, access):
        async with unit_of_work(sessions) as s:
            if await s.scalar(select(SalesZone.id).where(SalesZone.code == ZONES[0][0])) is not None:
                return False
            provinces = [p for _, _, ps in ZONES for p in ps]
            regions = list((await s.scalars(select(Region).where(Region.level > 1))).all())
            geo = Geography(cities={}, districts={})
            for r in sorted(regions, key=lambda r: r.code):
                if r.level == 2 and r.parent_code in provinces:
                    geo.cities.setdefault(r.parent_code, []).append(r)
                elif r.level == 3 and r.parent_code:
                    geo.districts.setdefault(r.parent_code, []).append(r)

            # organisation
            zones = {code: SalesZone(name=name, code=code, province_codes=ps) for code, name, ps in ZONES}
            s.add_all(zones.values())
            await s.flush()
            teams = {key: Team(name=name, zone_id=zones[zc].id) for key, name, zc, _ in TEAMS}
            s.add_all(teams.values())
            await s.flush()

            service = UserService(s, access)
            used_mobiles: set[str] = set()
            users = {}
            for username, display, roles, team_key, zone_codes in USERS:
                users[username] = await service.create(
                    None,
                    {
                        "username": username,
                        "display_name": display,
                        "password": password,
                        "roles": roles,
                        "team_id": teams[team_key].id if team_key else None,
                        "zone_ids": [zones[z].id for z in zone_codes],
                        "mobile": make_mobile(rng, used_mobiles),
                        "email": f"{username}@demo.l2c-crm.dev",
                    },
                )
            for key, manager in MANAGERS.items():
                teams[key].manager_id = users[manager].id
            for code, leader in LEADERS.items():
                zones[code].leader_id = users[leader].id

            # tags
            tags: list[Tag] = []
            for category_name, entries in TAGS.items():
                category = TagCategory(name=category_name)
                s.add(category)
                await s.flush()
                for name, color, weight in entries:
                    tag = Tag(category_id=category.id, name=name, color=color, weight=weight)
                    tags.append(tag)
            s.add_all(tags)
            await s.flush()

            # customers
            reps_by_team = {
                key: [
                    users[u].id
                    for u, _, roles, team_key, _ in USERS
                    if team_key == key and "sales_rep" in roles
                ]
                for key in teams
            }
            names: set[str] = set()
            now = datetime.now(UTC)
            # built first, then written table by table (the models have no relationship() for
            # the unit of work to order inserts by, so parents are flushed before children)
            rows: dict[str, list[Any]] = {"customers": [], "contacts": [], "follow_ups": [], "tags": []}
            for i in range(customers):
                team_key, _, zone_code, team_provinces = TEAMS[i % len(TEAMS)]
                province = rng.choice(team_provinces)
                city, district = geo.place(rng, province)
                owned = rng.random() < 0.75
                owner_id = rng.choice(reps_by_team[team_key]) if owned else None
                customer = _customer(rng, i, province, city, district, names, used_mobiles)
                customer.zone_id = zones[zone_code].id
                customer.owner_id = owner_id
                customer.created_by = owner_id or users[MANAGERS[team_key]].id
                rows["customers"].append(customer)

                contacts = _contacts(rng, customer, used_mobiles) if customer.kind == "enterprise" else []
                rows["contacts"] += contacts

                authors = [owner_id] if owner_id else reps_by_team[team_key]
                follow_ups = _follow_ups(rng, customer, contacts, authors, now)
                rows["follow_ups"] += follow_ups
                if follow_ups:
                    customer.last_followed_up_at = max(f.happened_at for f in follow_ups)

                for tag in rng.sample(tags, k=rng.choice((0, 1, 1, 2, 2, 3))):
                    rows["tags"].append(
                        CustomerTag(
                            customer_id=customer.id,
                            tag_id=tag.id,
                            count=rng.randint(1, 4),
                            weight=tag.weight,
                            last_tagged_by=owner_id,
                        )
                    )
            for kind in ("customers", "contacts", "follow_ups", "tags"):
                s.add_all(rows[kind])
                await s.flush()
            counts = {kind: len(items) for kind, items in rows.items()}
            own = [
                (c.id, c.name)
                for c in rows["customers"]
                if c.owner_id == users["rep_sh1"].id and c.kind == "enterprise"
            ]
            rep_id = users["rep_sh1"].id
        # a few requests waiting in 李明's (manager_sh) approval inbox
        await access.changed()
        rep = access.user_principal(rep_id)
        assert rep is not None
        actor = Actor(rep, access.scope(rep, "customer", "update"), access)
        async with unit_of_work(sessions) as s:
            levels = LevelRequestService(s, actor)
            reasons = ("年采购额超过 200 万，已合作两年", "集团总部，计划明年扩大采购")
            for (customer_id, _name), reason in zip(own[:2], reasons, strict=False):
                await levels.request(customer_id, "KA", reason)
            if len(own) > 2:
                customer_id, name = own[2]
                await CustomerChangeService(s, actor).request_finance_change(
                    customer_id,
                    {
                        "billing_title": name,
                        "bank_name": "招商银行上海分行",
                        "bank_account": "6214830123456789",
                    },
                    "客户更换开户行",
                )
            counts["approvals"] = min(len(own), 3)
        counts["opportunities"] = await _opportunities(sessions, access, users, rows["customers"], rng)
    announce(
        "Demo data loaded",
        [
            "2 sales zones (华东战区, 华南战区), 3 teams, "
            f"{counts['customers']} customers, {counts['contacts']} contacts, "
            f"{counts['follow_ups']} follow-ups, {counts['tags']} tags, "
            f"{counts['approvals']} requests in manager_sh's approval inbox, "
            f"{counts['opportunities']} opportunities across the reps' pipelines",
            f"users (all with the password {password}):",
            *(
                f"  {username:<15} {display:<5} {', '.join(roles)}"
                for username, display, roles, _, _ in USERS
            ),
        ],
    )
    return True


OPPORTUNITY_NAMES = (
    "智能制造 MES 项目",
    "ERP 升级",
    "CRM 实施",
    "数据中台建设",
    "供应链协同平台",
    "设备物联网改造",
)
COMPETITORS = ("用友网络科技股份有限公司", "金蝶软件（中国）有限公司", "浪潮通用软件有限公司")


async def _opportunities(
    sessions: Any, access: Any, users: dict[str, Any], customers: list[Customer], rng: random.Random
) -> int:
    """Each rep's pipeline: open opportunities across the standard line's stages, one won and
    one lost this month, with this month's targets — so the kanban and the funnel have data."""
    from domain.opportunities import StageKind
    from repositories import business_lines as lines_repo
    from repositories.models import SalesTarget
    from services.opportunities import LostData, OpportunityService, WonData

    made = 0
    month = datetime.now(UTC).date().replace(day=1)
    for team_key, manager in MANAGERS.items():
        principal = access.user_principal(users[manager].id)
        actor = Actor(principal, access.scope(principal, "opportunity", "create"), access)
        reps = [users[u] for u, _, roles, key, _ in USERS if key == team_key and "sales_rep" in roles]
        async with unit_of_work(sessions) as s:
            line = await lines_repo.default_line(s)
            assert line is not None
            stages = await lines_repo.stages(s, line.id)
            open_stages = [st for st in stages if st.kind is StageKind.OPEN]
            service = OpportunityService(s, actor)
            for rep in reps:
                mine = [c for c in customers if c.owner_id == rep.id and c.kind == "enterprise"][:8]
                for i, customer in enumerate(mine):
                    stage = open_stages[min(i, len(open_stages) - 1)] if i < 6 else open_stages[-1]
                    amount = Decimal(rng.randrange(50_000, 3_000_000, 1000))
                    opp = await service.create(
                        {
                            "customer_id": customer.id,
                            "name": f"{customer.short_name or customer.name[:8]} {rng.choice(OPPORTUNITY_NAMES)}",
                            "amount": amount,
                            "expected_close_date": date.today() + timedelta(days=rng.randint(10, 120)),
                            "stage_id": stage.id,
                            "owner_id": rep.id,
                            "product": rng.choice(OPPORTUNITY_NAMES),
                            "next_step": "约客户高层做方案汇报",
                        }
                    )
                    if i == 6:
                        await service.move(opp.id, stage_code="won", won=WonData(amount, date.today()))
                    elif i == 7:
                        await service.move(
                            opp.id,
                            stage_code="lost",
                            lost=LostData("competitor", competitor_name=rng.choice(COMPETITORS)),
                        )
                    made += 1
                s.add(
                    SalesTarget(scope_type="user", scope_id=rep.id, month=month, amount=Decimal("5000000.00"))
                )
    return made


def _customer(
    rng: random.Random,
    i: int,
    province: str,
    city: Region,
    district: Region | None,
    names: set[str],
    used_mobiles: set[str],
) -> Customer:
    location = district or city
    address = f"{city.name}{district.name if district else ''}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
    common: dict[str, Any] = {
        "id": uuid.uuid4(),
        "province_code": province,
        "city_code": city.code,
        "district_code": district.code if district else None,
        "address": address,
        "level": rng.choices(("normal", "KA", "SKA"), weights=(85, 12, 3))[0],
        "tier": rng.choices("ABCDE", weights=(10, 20, 35, 25, 10))[0],
    }
    if i % 20 == 19:  # some individual customers (个人客户)
        return Customer(
            kind="individual",
            name=person_name(rng),
            mobile=make_mobile(rng, used_mobiles),
            gender=rng.choice(("male", "female")),
            birthday=date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            occupation=rng.choice(("企业主", "个体经营", "自由职业", "工程师")),
            **common,
        )
    city_short = city.name.removesuffix("市") if city.name != "市辖区" else "上海"
    while True:
        brand = rng.choice(BRANDS) + rng.choice(("", "", rng.choice(BRANDS)))
        trade, industry = rng.choice(TRADES)
        name = f"{city_short}{brand}{trade}{rng.choice(FORMS)}"
        if name not in names:
            names.add(name)
            break
    phone = landline(rng, AREA_CODES.get(city.code))
    return Customer(
        kind="enterprise",
        name=name,
        short_name=brand + trade[:2],
        industry=industry,
        uscc=make_uscc(rng, location.code),
        size=rng.choice([s.value for s in CompanySize]),
        company_type=rng.choice(("有限责任公司", "股份有限公司", "民营企业", "外商独资企业")),
        phone=phone,
        website=f"https://www.demo-{i:04d}.example.cn",
        **common,
    )


def _contacts(rng: random.Random, customer: Customer, used_mobiles: set[str]) -> list[Contact]:
    titles = rng.sample(TITLES, k=rng.choice((2, 2, 3)))
    contacts = []
    for k, (title, role) in enumerate(titles):
        contacts.append(
            Contact(
                id=uuid.uuid4(),
                customer_id=customer.id,
                name=person_name(rng),
                title=title,
                department=DEPARTMENTS[title],
                mobile=make_mobile(rng, used_mobiles),
                email=f"contact{k + 1}@{customer.website.removeprefix('https://www.')}"
                if customer.website
                else None,
                gender=rng.choice(("male", "female")),
                decision_role=role.value,
                attitude=rng.choice(list(Attitude)).value,
                is_key_person=role is DecisionRole.DECISION_MAKER,
            )
        )
    return contacts


def _follow_ups(
    rng: random.Random, customer: Customer, contacts: list[Contact], authors: list[uuid.UUID], now: datetime
) -> list[FollowUp]:
    out = []
    for _ in range(rng.randint(2, 5)):
        kind = rng.choice(list(FOLLOW_UPS))
        happened = now - timedelta(
            days=rng.randint(0, 60), hours=rng.randint(0, 9), minutes=rng.randint(0, 59)
        )
        out.append(
            FollowUp(
                customer_id=customer.id,
                contact_id=rng.choice(contacts).id if contacts else None,
                kind=kind.value,
                content=rng.choice(FOLLOW_UPS[kind]),
                happened_at=happened,
                next_step=rng.choice(NEXT_STEPS),
                next_follow_up_on=(happened + timedelta(days=rng.randint(3, 14))).date(),
                author_id=rng.choice(authors),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("CRM_DEMO_CUSTOMERS", DEFAULT_CUSTOMERS))
    )
    args = parser.parse_args(argv)
    from scripts.run import export_environment

    export_environment()
    settings = Settings()
    if not asyncio.run(load(settings, customers=args.customers, password=demo_password())):
        print("[demo] demo data already loaded: nothing to do")
    return 0


def demo_password() -> str:
    return os.environ.get("CRM_DEMO_PASSWORD") or DEFAULT_PASSWORD


if __name__ == "__main__":
    raise SystemExit(main())
