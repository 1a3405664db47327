"""Solution documents (方案) with versions (seed 002, 方案沟通: "CRM系统需要具备文档和资料的版本
管理，方便记录方案的变更过程").

A document is a `document_id` with one row per uploaded version (1, 2, 3…); each row names its
bytes by a storage key made of ids (services/file_storage.py), never by the file name. The
file is written before the row is flushed: if the flush fails the file is deleted again; if the
transaction fails later, the file stays behind unreferenced (harmless: nothing serves it).

The client's content type is kept only for the download's Content-Type header (the download is
always an attachment, with nosniff); the size and SHA-256 are computed here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, FieldError, NotFound
from domain.opportunities import DocumentKind
from repositories import opportunities as opportunities_repo
from repositories import opportunity_work as repo
from repositories.models import OpportunityDocument
from services.context import Actor
from services.file_storage import FileStorage, StoredFileMissing, new_key
from services.opportunity_access import OpportunityAccess
from services.outbox import emit

MAX_BYTES = 50 * 1024 * 1024
_MIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Upload:
    """An uploaded file as the service sees it: its claimed name and type, and a reader."""

    file_name: str | None
    content_type: str | None
    read: Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Document:
    """One document: its versions newest first (`versions[0]` is the latest)."""

    versions: list[OpportunityDocument]

    @property
    def latest(self) -> OpportunityDocument:
        return self.versions[0]


def clean_file_name(name: str | None) -> str:
    """The name shown and offered on download: the last path segment, without control
    characters, at most 255 characters (keeping the extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    base = base.strip(". ") or "file"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


def clean_content_type(value: str | None) -> str:
    raw = (value or "").split(";", 1)[0].strip().lower()
    return raw if _MIME.fullmatch(raw) else "application/octet-stream"


def group(rows: list[OpportunityDocument]) -> list[Document]:
    """Rows ordered by document, newest version first → one Document per document_id."""
    out: dict[uuid.UUID, list[OpportunityDocument]] = {}
    for row in rows:
        out.setdefault(row.document_id, []).append(row)
    return [Document(v) for v in out.values()]


class DocumentService:
    def __init__(self, session: AsyncSession, actor: Actor, storage: FileStorage) -> None:
        self.session = session
        self.actor = actor
        self.storage = storage
        self.access = OpportunityAccess(session, actor)

    async def listing(self, opportunity_id: uuid.UUID) -> list[Document]:
        await self.access.get(opportunity_id, "read")
        return group(await repo.document_versions(self.session, opportunity_id))

    async def add(
        self, opportunity_id: uuid.UUID, kind: DocumentKind, title: str, note: str | None, upload: Upload
    ) -> Document:
        """A new document, version 1."""
        opp = await self.access.get(opportunity_id, "update")
        title = title.strip()
        if not title:
            raise FieldError("title", "may not be empty")
        row = await self._store(opp.id, uuid.uuid4(), kind.value, title, 1, note, upload)
        return Document([row])

    async def add_version(
        self, opportunity_id: uuid.UUID, document_id: uuid.UUID, note: str | None, upload: Upload
    ) -> Document:
        """The next version of a document (its kind and title carry over). The opportunity row is
        locked so two uploads of one document number their versions one after the other."""
        opp = await self.access.get(opportunity_id, "update", lock=True)
        versions = await repo.versions_of(self.session, opp.id, document_id)
        if not versions:
            raise NotFound("document", document_id)
        latest = versions[0]
        row = await self._store(
            opp.id, document_id, latest.kind, latest.title, latest.version_number + 1, note, upload
        )
        return Document([row, *versions])

    async def content(
        self, opportunity_id: uuid.UUID, version_id: uuid.UUID
    ) -> tuple[OpportunityDocument, AsyncIterator[bytes]]:
        await self.access.get(opportunity_id, "read")
        row = await repo.document_version(self.session, opportunity_id, version_id)
        if row is None:
            raise NotFound("document version", version_id)
        try:
            stream = await self.storage.open(row.storage_key)
        except StoredFileMissing as exc:
            raise NotFound("document file", version_id) from exc
        return row, stream

    async def _store(
        self,
        opportunity_id: uuid.UUID,
        document_id: uuid.UUID,
        kind: str,
        title: str,
        number: int,
        note: str | None,
        upload: Upload,
    ) -> OpportunityDocument:
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            mb = MAX_BYTES / 2**20
            limit = f"{mb:g} MB" if mb >= 1 else f"{MAX_BYTES} bytes"
            raise FieldError("file", f"文件超过 {limit} / the file is larger than {limit}")
        if not data:
            raise FieldError("file", "文件为空 / the file is empty")
        version_id = uuid.uuid4()
        key = new_key(opportunity_id, document_id, version_id)
        row = OpportunityDocument(
            id=version_id,
            document_id=document_id,
            opportunity_id=opportunity_id,
            kind=kind,
            title=title[:200],
            version_number=number,
            file_name=clean_file_name(upload.file_name),
            content_type=clean_content_type(upload.content_type),
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            note=note or None,
            uploaded_by=self.actor.user_id,
        )
        await self.storage.put(key, data)
        self.session.add(row)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            await self.storage.delete(key)
            raise Conflict(
                "another version of this document was uploaded at the same time; try again"
            ) from exc
        except BaseException:
            await self.storage.delete(key)
            raise
        await opportunities_repo.touch(self.session, opportunity_id)
        emit(
            self.session,
            "opportunity.document_added",
            _event(row),
            entity="opportunity",
            entity_id=opportunity_id,
            actor_id=self.actor.user_id,
        )
        return row


def _event(row: OpportunityDocument) -> dict[str, Any]:
    return {
        "opportunity_id": row.opportunity_id,
        "document_id": row.document_id,
        "version_id": row.id,
        "version_number": row.version_number,
        "kind": row.kind,
        "title": row.title,
        "file_name": row.file_name,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "uploaded_by": row.uploaded_by,
    }
