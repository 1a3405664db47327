"""Export of the filtered customer list (XLSX or CSV), within the caller's scope.

CSV is UTF-8 with a BOM so Excel opens Chinese text correctly; every text cell that a
spreadsheet would read as a formula (= + - @ TAB CR) is neutralised with a leading quote.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.customers import CustomerFilters, neutralise_formula
from repositories import customers as repo
from services.context import Actor

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


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


def _cells(customer: Any, owner: str | None, zone: str | None) -> list[Any]:
    out: list[Any] = []
    for key, _ in COLUMNS:
        if key == "owner":
            value: Any = owner
        elif key == "zone":
            value = zone
        else:
            value = getattr(customer, key)
        if isinstance(value, datetime):
            value = value.isoformat(timespec="seconds")
        elif value is not None and not isinstance(value, int | float | str):
            value = str(value)
        out.append(neutralise_formula(value))
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

    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    filename = f"客户-customers-{stamp}.{fmt.value}"
    disposition = (
        f"attachment; filename=\"customers-{stamp}.{fmt.value}\"; filename*=UTF-8''{quote(filename)}"
    )
    if fmt is ExportFormat.CSV:
        return StreamingResponse(
            _csv(rows()), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
        )
    data = await _xlsx(rows())
    return StreamingResponse(
        iter([data]),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": disposition},
    )


async def _csv(rows: AsyncIterator[tuple[Any, str | None, str | None]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    async for customer, owner, zone in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_cells(customer, owner, zone))
        yield buffer.getvalue().encode("utf-8")


async def _xlsx(rows: AsyncIterator[tuple[Any, str | None, str | None]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户 Customers")
    sheet.append([label for _, label in COLUMNS])
    async for customer, owner, zone in rows:
        sheet.append(_cells(customer, owner, zone))
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as tmp:
        workbook.save(tmp)
        tmp.seek(0)
        return tmp.read()
