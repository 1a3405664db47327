"""Exports as XLSX or CSV (UTF-8 with a BOM, so Excel opens Chinese text correctly). Every text
cell a spreadsheet would read as a formula (= + - @ TAB CR) is neutralised with a quote."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from openpyxl import Workbook

from domain.customers import neutralise_formula

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


def cell(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.isoformat(timespec="seconds")
    elif isinstance(value, date):
        value = value.isoformat()
    elif value is not None and not isinstance(value, int | float | str):
        value = str(value)
    return neutralise_formula(value)


def spreadsheet(
    name: str, sheet: str, header: list[str], rows: AsyncIterator[list[Any]], fmt: ExportFormat
) -> StreamingResponse:
    """`name` is the file's English stem; the download also carries a UTF-8 name with the sheet's title."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    utf8_name = f"{sheet}-{stamp}.{fmt.value}"
    disposition = f"attachment; filename=\"{name}-{stamp}.{fmt.value}\"; filename*=UTF-8''{quote(utf8_name)}"
    headers = {"Content-Disposition": disposition}
    if fmt is ExportFormat.CSV:
        return StreamingResponse(_csv(header, rows), media_type="text/csv; charset=utf-8", headers=headers)
    return StreamingResponse(_xlsx(sheet, header, rows), media_type=XLSX_TYPE, headers=headers)


async def _csv(header: list[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    async for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue().encode("utf-8")


async def _xlsx(sheet_title: str, header: list[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.append(header)
    async for row in rows:
        sheet.append([cell(v) for v in row])
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as tmp:
        workbook.save(tmp)
        tmp.seek(0)
        yield tmp.read()
