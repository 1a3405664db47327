"""Export of the filtered customer list (XLSX or CSV, see services/spreadsheet.py), within the
caller's scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.customers import CustomerFilters
from repositories import customers as repo
from services.context import Actor
from services.spreadsheet import ExportFormat, spreadsheet

MAX_ROWS = 200_000

COLUMNS: list[tuple[str, str]] = [
    ("name", "客户名称 Name"),
    ("kind", "类型 Kind"),
    ("short_name", "简称 Short name"),
    ("uscc", "统一社会信用代码 USCC"),
    ("industry", "行业 Industry"),
    ("level", "等级 Level"),
    ("tier", "分层 Tier"),
    ("province_code", "省 Province"),
    ("city_code", "市 City"),
    ("district_code", "区 District"),
    ("mobile", "手机 Mobile"),
    ("phone", "电话 Phone"),
    ("email", "邮箱 Email"),
    ("owner", "负责人 Owner"),
    ("zone", "战区 Zone"),
    ("last_followed_up_at", "最近跟进 Last follow-up"),
    ("created_at", "创建时间 Created"),
    ("id", "ID"),
]


def _cells(customer: Any, owner: str | None, zone: str | None) -> list[Any]:
    out: list[Any] = []
    for key, _ in COLUMNS:
        if key == "owner":
            value: Any = owner
        elif key == "zone":
            value = zone
        else:
            value = getattr(customer, key)
        out.append(value)
    return out


async def export_customers(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    filters: CustomerFilters,
    sort: str,
    descending: bool,
    fmt: ExportFormat,
) -> StreamingResponse:
    """The response streams after the request's transaction has ended, so the rows come from
    a read-only session of their own."""

    async def rows() -> AsyncIterator[tuple[Any, str | None, str | None]]:
        async with sessions() as session:
            async for row in repo.stream(session, actor.scope, filters, sort, descending, MAX_ROWS):
                yield row

    async def lines() -> AsyncIterator[list[Any]]:
        async for customer, owner, zone in rows():
            yield _cells(customer, owner, zone)

    return spreadsheet("customers", "客户 Customers", [label for _, label in COLUMNS], lines(), fmt)
