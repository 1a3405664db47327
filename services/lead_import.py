"""Bulk lead import (批量导入): upload a CSV/XLSX, map its columns, and a background job (arq)
takes the rows in through the same intake as POST /leads — de-dup, grading and routing per row.

The job works in chunks, each one transaction that imports its rows, records their problems
and moves the import's checkpoint (`next_row`) and counters. A worker that dies mid-file leaves
a consistent import; the next run (the sweeper re-enqueues stalled imports) resumes at the
checkpoint, so no row is imported twice. Rows that pass are imported even when others fail;
the per-row error report says which row, which column and why.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import Conflict, FieldError, NotFound
from domain.scope import ScopeLevel
from repositories import audit
from repositories import lead_imports as repo
from repositories.models import LeadImport
from services.context import Actor
from services.lead_files import (
    FIELDS,
    FileProblem,
    Lookups,
    RowProblem,
    Table,
    build_lookups,
    column_of,
    iter_rows,
    read_table,
    suggest_mapping,
    to_lead,
)
from services.lead_intake import LeadIntake, NewLead
from services.notifications import notify

log = logging.getLogger(__name__)

CHUNK = 5000
STALLED_AFTER = timedelta(minutes=5)  # a running import with no progress this long is re-run
SAMPLE_ROWS = 5
ANALYZE_EVERY = 10  # chunks (with plans made per statement, a safety net)


class LeadImportService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(self, import_id: uuid.UUID) -> LeadImport:
        """Your own imports; everyone's for company-wide importers (admins, marketing)."""
        found = await repo.get(self.session, import_id)
        if found is None or (
            found.created_by != self.actor.user_id and self.actor.scope.level is not ScopeLevel.ALL
        ):
            raise NotFound("import", import_id)
        return found

    async def listing(self, cursor: str | None, limit: int) -> tuple[list[LeadImport], str | None]:
        mine = None if self.actor.scope.level is ScopeLevel.ALL else self.actor.user_id
        return await repo.listing(self.session, mine, cursor, limit)

    async def upload(self, file_name: str, content: bytes) -> tuple[LeadImport, uuid.UUID | None]:
        """Read the file (every whole-file problem is a 422 on `file`), keep it, and propose a
        column mapping. Returns the import and an earlier import of the very same file, if any."""
        try:
            table = read_table(file_name, content)
        except FileProblem as exc:
            raise FieldError("file", str(exc)) from exc
        digest = hashlib.sha256(content).hexdigest()
        earlier = await repo.same_file(self.session, self.actor.user_id, digest)
        imp = LeadImport(
            id=uuid.uuid4(),
            file_name=file_name[:255],
            file_format=table.format,
            encoding=table.encoding,
            content=content,
            content_sha256=digest,
            size_bytes=len(content),
            headers=table.headers,
            sample=[cells for _, cells in islice(iter_rows(table), SAMPLE_ROWS)],
            mapping=suggest_mapping(table.headers),
            total=len(table.rows),
            created_by=self.actor.user_id,
        )
        self.session.add(imp)
        await self.session.flush()
        return imp, earlier

    async def start(
        self,
        import_id: uuid.UUID,
        mapping: dict[str, str | None] | None,
        defaults: dict[str, Any],
        enqueue: Callable[[uuid.UUID], Awaitable[None]],
    ) -> LeadImport:
        """Check the mapping (company name must be mapped; each field once; only known
        fields and headers) and queue the job. Starting twice is a 409: rows import once."""
        imp = await self.get(import_id)
        if imp.status != "uploaded":
            raise Conflict(f"the import is already {imp.status}")
        chosen = {h: f for h, f in (mapping if mapping is not None else imp.mapping).items() if f}
        unknown_headers = sorted(set(chosen) - set(imp.headers))
        if unknown_headers:
            raise FieldError("mapping", f"no such column in the file: {', '.join(unknown_headers)}")
        unknown = sorted({f for f in chosen.values()} - set(FIELDS))
        if unknown:
            raise FieldError("mapping", f"unknown fields: {', '.join(unknown)}; one of {', '.join(FIELDS)}")
        twice = sorted({f for f in chosen.values() if list(chosen.values()).count(f) > 1})
        if twice:
            raise FieldError("mapping", f"each field from one column only: {', '.join(twice)}")
        if "company_name" not in chosen.values():
            raise FieldError(
                "mapping.company_name", "map a column to the company name (公司名称): it is required"
            )
        if defaults.get("channel_id"):
            intake = LeadIntake(self.session, self.actor)
            channel = (await intake.channels()).get(defaults["channel_id"])
            if channel is None or not channel.is_active:
                raise FieldError("channel_id", "no such active channel")
            defaults = {**defaults, "channel_id": str(defaults["channel_id"])}
        imp.mapping = {
            h: imp.mapping.get(h) if mapping is None else (mapping.get(h) or None) for h in imp.headers
        }
        imp.defaults = defaults
        imp.status = "queued"
        await self.session.flush()
        await enqueue(imp.id)
        return imp


async def _lookups(session: AsyncSession) -> Lookups:
    regions, channels = await repo.reference_data(session)
    return build_lookups(regions, channels)


ActorFor = Callable[[uuid.UUID], Actor | None]


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    import_id: uuid.UUID,
    actor_for: ActorFor,
    chunk_size: int = CHUNK,
) -> str:
    """The job: import the rows from the checkpoint on, chunk by chunk. Idempotent: a finished
    import is left alone; two runs at once cannot both import a chunk (the import row is
    locked and the checkpoint compared before each chunk is written)."""
    async with sessions() as session, session.begin():
        imp = await repo.lock(session, import_id)
        if imp is None or imp.status in ("done", "failed", "uploaded"):
            return imp.status if imp else "missing"
        actor = actor_for(imp.created_by)
        if actor is None:
            await _fail(session, imp, "the importing user is no longer active")
            return "failed"
        try:
            table = read_table(imp.file_name, await repo.content(session, imp.id))
        except FileProblem as exc:
            await _fail(session, imp, str(exc))
            return "failed"
        if imp.status == "queued":
            imp.status, imp.started_at = "running", datetime.now(UTC)
        mapping = {h: f for h, f in imp.mapping.items() if f}
        defaults = dict(imp.defaults)
        if defaults.get("channel_id"):
            defaults["channel_id"] = uuid.UUID(defaults["channel_id"])
        start = imp.next_row
        lookups = await _lookups(session)
    row = start
    token = audit.current_actor.set(
        audit.AuditActor(actor.principal.audit_id, actor.principal.kind, f"import:{import_id}")
    )
    chunks = 0
    total = len(table.rows)

    def convert(start: int) -> Converted:
        return _convert(table, start, min(start + chunk_size, total), mapping, defaults, lookups)

    # rows are checked in a thread while the previous chunk is written: the database and the
    # validation (phone numbers, regions…) then use both cores
    pending = asyncio.ensure_future(asyncio.to_thread(convert, row)) if row < total else None
    try:
        while pending is not None:
            converted = await pending
            end = min(row + chunk_size, total)
            pending = asyncio.ensure_future(asyncio.to_thread(convert, end)) if end < total else None
            if chunks and chunks % ANALYZE_EVERY == 0:
                # the leads table grows fast under an import: keep the planner's numbers true
                async with sessions() as session, session.begin():
                    await repo.analyze_leads(session)
            chunks += 1
            async with sessions() as session, session.begin():
                imp = await repo.lock(session, import_id)
                if imp is None or imp.next_row != row or imp.status != "running":
                    return "superseded"  # another run moved on (or the import was removed)
                await _write(session, imp, actor, converted, end - row, mapping)
            row = end
        async with sessions() as session, session.begin():
            imp = await repo.lock(session, import_id)
            if imp is None or imp.status != "running":
                return "superseded"
            imp.status, imp.finished_at = "done", datetime.now(UTC)
            notify(
                session,
                imp.created_by,
                "lead_import",
                f"导入完成 / Import finished: {imp.file_name}",
                f"新建 {imp.created} · 重复 {imp.duplicates} · 失败 {imp.failed} / "
                f"created {imp.created}, duplicates {imp.duplicates}, failed {imp.failed}",
                "lead_import",
                imp.id,
            )
            audit.record(session, "lead_import", imp.id, "finish", {"status": ["running", "done"]})
        return "done"
    finally:
        if pending is not None:
            pending.cancel()
        audit.current_actor.reset(token)


Converted = tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, RowProblem]]]


def _convert(
    table: Table, start: int, end: int, mapping: dict[str, str], defaults: dict[str, Any], lookups: Lookups
) -> Converted:
    """Rows start…end as lead fields, and the problems of those that cannot be (pure)."""
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, RowProblem]] = []
    for index, cells in iter_rows(table, start):
        if index >= end:
            break
        if not any(cells):
            continue  # blank lines are not rows
        data, found = to_lead(cells, index, table.headers, mapping, defaults, lookups, table.formula_cells)
        if data is None:
            problems += [(index, p) for p in found]
        else:
            rows.append((index, data))
    return rows, problems


async def _write(
    session: AsyncSession,
    imp: LeadImport,
    actor: Actor,
    converted: Converted,
    size: int,
    mapping: dict[str, str],
) -> None:
    rows, checked = converted
    problems = list(checked)
    taken = await LeadIntake(session, actor, import_id=imp.id).ingest(
        [NewLead(d, None) for _, d in rows], bulk=True
    )
    created = duplicates = 0
    for (index, _), result in zip(rows, taken, strict=True):
        if result.lead is None:
            problems += [(index, RowProblem(column_of(_field(f), mapping), m)) for f, m in result.errors]
        elif result.duplicate:
            duplicates += 1
        else:
            created += 1
    await repo.add_errors(session, imp.id, [(index + 2, p.column, p.message) for index, p in problems])
    imp.processed += size
    imp.created += created
    imp.duplicates += duplicates
    imp.failed += len({index for index, _ in problems})
    imp.next_row += size
    await session.flush()


def _field(lead_field: str) -> str:
    """The import field a lead field comes from."""
    return {"province_code": "province", "city_code": "city", "channel_id": "channel"}.get(
        lead_field, lead_field
    )


async def _fail(session: AsyncSession, imp: LeadImport, reason: str) -> None:
    imp.status, imp.error, imp.finished_at = "failed", reason, datetime.now(UTC)
    notify(
        session,
        imp.created_by,
        "lead_import",
        f"导入失败 / Import failed: {imp.file_name}",
        reason,
        "lead_import",
        imp.id,
    )
    await session.flush()


async def stalled(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Imports accepted but not progressing (a worker died or the job was lost): to re-run."""
    return await repo.stalled(session, now - STALLED_AFTER)
