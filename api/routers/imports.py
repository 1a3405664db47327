"""Bulk lead import (批量导入): upload, column mapping, progress, error report, template."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, File, Form, Query, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.context import AppContext
from api.deps import Authorize, Ctx, Session
from api.routing import ResourceRouter
from api.schemas import Input, Output, Page
from domain.errors import FieldError
from repositories import lead_imports as repo
from repositories.db import after_commit
from repositories.models import LeadImport
from services.context import Actor
from services.lead_files import FIELDS, MAX_BYTES, read_table, template_rows
from services.lead_import import LeadImportService
from services.spreadsheet import XLSX_TYPE, ExportFormat, spreadsheet

router = ResourceRouter(tags=["imports"])
MAX_ERROR_ROWS = 200_000


class ImportOut(Output):
    id: UUID
    file_name: str
    file_format: str
    encoding: str | None = Field(description="what the CSV was read as (utf-8 or gb18030)")
    size_bytes: int
    headers: list[str]
    sample: list[list[str]] = Field(description="the first rows, for the mapping step")
    mapping: dict[str, str | None] = Field(description="column header → lead field (null: not imported)")
    defaults: dict[str, Any]
    status: Literal["uploaded", "queued", "running", "done", "failed"]
    total: int
    processed: int
    created: int
    duplicates: int
    failed: int
    error: str | None = Field(description="why the whole import failed, when it did")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    same_file_as: UUID | None = Field(None, description="an earlier import of the very same file")


class FieldInfo(Output):
    field: str
    label: str
    required: bool


class StartIn(Input):
    mapping: dict[str, str | None] | None = Field(
        None, description="column header → lead field; left out: the suggested mapping"
    )
    channel_id: UUID | None = Field(None, description="channel for rows that name none")
    product: str | None = Field(None, max_length=100, description="product for rows that name none")
    campaign: str | None = Field(None, max_length=100, description="campaign for rows that name none")


def _out(imp: LeadImport, same_file_as: UUID | None = None) -> dict[str, Any]:
    data = {k: getattr(imp, k) for k in ImportOut.model_fields if k != "same_file_as"}
    data["same_file_as"] = same_file_as
    return data


def _enqueue(ctx: AppContext, session: AsyncSession) -> Callable[[UUID], Awaitable[None]]:
    """Queue the job once the import's row is committed (the worker must see it)."""

    async def enqueue(import_id: UUID) -> None:
        async def later() -> None:
            await ctx.enqueue("import_leads", str(import_id), job_id=f"lead-import:{import_id}")

        after_commit(session, later)

    return enqueue


@router.get("/imports/fields", operation_id="list_import_fields", response_model=list[FieldInfo])
async def import_fields(_: Annotated[Actor, Depends(Authorize("lead", "import"))]) -> list[dict[str, Any]]:
    """The lead fields a column can be mapped to."""
    return [{"field": f, "label": label, "required": f == "company_name"} for f, (label, _) in FIELDS.items()]


@router.get(
    "/imports/template",
    operation_id="download_import_template",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
async def template(
    _: Annotated[Actor, Depends(Authorize("lead", "import"))], format: ExportFormat = ExportFormat.XLSX
) -> StreamingResponse:
    """The import template: the recognised column names (Chinese, English in brackets) and an
    example row."""
    headers, rows = template_rows()

    async def lines() -> Any:
        for row in rows:
            yield row

    return spreadsheet("lead-import-template", "线索导入模板", headers, lines(), format)


@router.post(
    "/imports",
    operation_id="upload_import",
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
)
async def upload(
    ctx: Ctx,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "import"))],
    file: Annotated[
        UploadFile, File(description=f"CSV (UTF-8 or GB18030) or XLSX, at most {MAX_BYTES // 2**20} MB")
    ],
    start: Annotated[
        bool, Form(description="queue the import at once with `mapping` or the suggested one")
    ] = False,
    mapping: Annotated[str | None, Form(description="JSON {column header: lead field}")] = None,
    channel_id: Annotated[UUID | None, Form()] = None,
) -> dict[str, Any]:
    """Upload a lead file. The file is read at once: a file that cannot be imported (empty, not
    CSV/XLSX, wrong encoding, no data rows, too big) is a 422 naming `file`. The answer holds
    the columns, the first rows and a suggested mapping for the mapping step; `start=true`
    queues it straight away. With the same Idempotency-Key a re-upload returns this import
    instead of importing again."""
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise FieldError(
            "file", f"文件超过 {MAX_BYTES // 2**20} MB / the file is larger than {MAX_BYTES // 2**20} MB"
        )
    service = LeadImportService(session, actor)
    imp, earlier = await service.upload(file.filename or "upload", content)
    if start:
        chosen = None
        if mapping is not None:
            try:
                chosen = json.loads(mapping)
                if not isinstance(chosen, dict):
                    raise ValueError
            except ValueError as exc:
                raise FieldError("mapping", "a JSON object {column header: lead field}") from exc
        imp = await service.start(
            imp.id, chosen, {"channel_id": channel_id} if channel_id else {}, _enqueue(ctx, session)
        )
    return _out(imp, earlier)


@router.get("/imports", operation_id="list_imports", response_model=Page[ImportOut])
async def list_imports(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "import"))],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    rows, next_cursor = await LeadImportService(session, actor).listing(cursor, limit)
    return {"items": [_out(r) for r in rows], "next_cursor": next_cursor}


@router.get("/imports/{import_id}", operation_id="get_import", response_model=ImportOut)
async def get_import(
    import_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("lead", "import"))]
) -> dict[str, Any]:
    """Progress: total, processed, created, duplicates, failed."""
    return _out(await LeadImportService(session, actor).get(import_id))


@router.post(
    "/imports/{import_id}/start",
    operation_id="start_import",
    response_model=ImportOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def start_import(
    import_id: UUID,
    body: StartIn,
    ctx: Ctx,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "import"))],
) -> dict[str, Any]:
    """Confirm the column mapping and queue the import (202); follow it at GET /imports/{id}.
    The company name must be mapped. Starting an import twice is a 409."""
    defaults = {
        k: v
        for k, v in {
            "channel_id": body.channel_id,
            "product": body.product,
            "campaign": body.campaign,
        }.items()
        if v
    }
    imp = await LeadImportService(session, actor).start(
        import_id, body.mapping, defaults, _enqueue(ctx, session)
    )
    return _out(imp)


@router.get(
    "/imports/{import_id}/errors",
    operation_id="download_import_errors",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
async def error_report(
    import_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "import"))],
    format: ExportFormat = ExportFormat.XLSX,
) -> StreamingResponse:
    """The per-row error report: row (as the spreadsheet numbers it), column, message, then the
    row's own cells — fix them there and import the report again."""
    imp = await LeadImportService(session, actor).get(import_id)
    problems = await repo.errors(session, imp.id, MAX_ERROR_ROWS)
    table = None
    stored = await repo.content(session, imp.id)
    if stored:
        table = read_table(imp.file_name, stored)
    headers = ["行号 Row", "列 Column", "错误 Message", *(table.headers if table else [])]

    async def lines() -> Any:
        for p in problems:
            cells = table.rows[p.row - 2] if table and 0 <= p.row - 2 < len(table.rows) else []
            yield [p.row, p.column, p.message, *cells]

    return spreadsheet("lead-import-errors", "导入错误 Import errors", headers, lines(), format)
