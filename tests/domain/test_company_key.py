"""The company key is computed twice — in Python for leads (domain.leads) and in SQL for the
generated customers.name_key column (crm_company_key) — and leads are matched to customers by
comparing the two. They must agree on everything real Chinese data throws at them."""

from __future__ import annotations

import asyncpg

from config import Settings
from domain.leads import normalize_company_name

NAMES = [
    "华为技术有限公司",
    "华为技术 有限公司",
    "阿里巴巴（中国）有限公司",
    "阿里巴巴 (中国) 网络技术有限责任公司",
    "深圳市腾讯计算机系统股份有限公司",
    "万科集团",
    "万科集团有限公司",
    "ＡＢＣ科技有限公司",
    "Acme Trading Co., Ltd.",
    "ACME TRADING CO.,LTD",
    "Acme Trading Company Limited",
    "Foo Corp.",
    "Bar Inc",
    "上海 浦东 发展银行",
    "有限公司",
    "集团",
    "公司",
    "  北京·字节跳动—科技 & 有限公司  ",
    "“引号”科技有限公司",
    "中国平安保险（集团）股份有限公司",
    "株式会社ＸＹＺ　Ｇｒｏｕｐ",
    "",
]


async def test_sql_and_python_keys_agree(settings: Settings) -> None:
    conn = await asyncpg.connect(settings.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT n, crm_company_key(n) AS k FROM unnest($1::text[]) AS n", NAMES)
    finally:
        await conn.close()
    assert {r["n"]: r["k"] for r in rows} == {n: normalize_company_name(n) for n in NAMES}
