"""The work under an opportunity: requirements (需求跟进), solution documents with versions (方案),
sample / POC requests (送样) through approval, and follow-ups and visits (拜访) that may invite
colleagues. Every route resolves the opportunity first: not visible → 404; visible but the
caller may not change it → 403 on writes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import Field, field_validator

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, NamedRef, Output, Page, UserRef
from domain.customers import FollowUpKind
from domain.opportunities import DocumentKind
from repositories.models import FollowUp, OpportunityDocument, OpportunityRequirement, SampleRequest, Task
from services.context import Actor
from services.file_storage import get_storage
from services.opportunity_documents import MAX_BYTES, Document, DocumentService, Upload
from services.opportunity_follow_ups import MAX_INVITEES, OpportunityFollowUpService
from services.opportunity_requirements import RequirementService
from services.samples import SampleService

router = ResourceRouter()

Reader = Annotated[Actor, Depends(Authorize("opportunity", "read"))]
BASE = "/opportunities/{opportunity_id}"


def _user(actor: Actor, user_id: UUID | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    row = actor.access.org.users.get(user_id)
    return {"id": user_id, "display_name": row.display_name if row else ""}


# --- requirements ------------------------------------------------------------------------------

Priority = Literal["high", "medium", "low"]


class RequirementCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    detail: str | None = Field(None, max_length=10000)
    priority: Priority = "medium"
    assignee_id: UUID | None = Field(None, description="the owner or an opportunity team member")


class RequirementUpdate(Input):
    title: str | None = Field(None, min_length=1, max_length=200)
    detail: str | None = Field(None, max_length=10000)
    priority: Priority | None = None
    assignee_id: UUID | None = Field(None, description="null unassigns")


class RespondIn(Input):
    response: str = Field(min_length=1, max_length=10000, description="需求应答: the answer to the customer")


class RequirementOut(Output):
    id: UUID
    opportunity_id: UUID
    title: str
    detail: str | None
    priority: Priority
    status: Literal["open", "confirmed", "responded", "closed"]
    assignee: UserRef | None
    confirmed_at: datetime | None
    confirmed_by: UserRef | None
    response: str | None
    responded_at: datetime | None
    responded_by: UserRef | None
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime
    version: int


class RequirementCounts(Output):
    open: int
    confirmed: int
    responded: int
    closed: int


class RequirementList(Output):
    items: list[RequirementOut]
    counts: RequirementCounts


def _requirement(actor: Actor, r: OpportunityRequirement) -> RequirementOut:
    return RequirementOut.model_validate(
        {
            **{k: getattr(r, k) for k in RequirementOut.model_fields if hasattr(r, k)},
            "assignee": _user(actor, r.assignee_id),
            "confirmed_by": _user(actor, r.confirmed_by),
            "responded_by": _user(actor, r.responded_by),
            "created_by": _user(actor, r.created_by),
        }
    )


@router.get(
    BASE + "/requirements",
    operation_id="list_opportunity_requirements",
    response_model=RequirementList,
    tags=["opportunity-requirements"],
)
async def list_requirements(opportunity_id: UUID, session: Session, actor: Reader) -> RequirementList:
    """The opportunity's requirements, oldest first, with how many are in each status."""
    rows, counts = await RequirementService(session, actor).listing(opportunity_id)
    return RequirementList(
        items=[_requirement(actor, r) for r in rows], counts=RequirementCounts.model_validate(counts)
    )


@router.post(
    BASE + "/requirements",
    operation_id="create_opportunity_requirement",
    response_model=RequirementOut,
    status_code=status.HTTP_201_CREATED,
    tags=["opportunity-requirements"],
)
async def create_requirement(
    opportunity_id: UUID, body: RequirementCreate, session: Session, actor: Reader, response: Response
) -> RequirementOut:
    """Record a customer requirement. An assignee (the owner or a team member; anyone else is
    422 naming `assignee_id`) is notified and gets a task of kind `requirement`."""
    req = await RequirementService(session, actor).create(opportunity_id, body.model_dump())
    response.headers["ETag"] = etag(req.version)
    return _requirement(actor, req)


@router.patch(
    BASE + "/requirements/{requirement_id}",
    operation_id="update_opportunity_requirement",
    response_model=RequirementOut,
    tags=["opportunity-requirements"],
)
async def update_requirement(
    opportunity_id: UUID,
    requirement_id: UUID,
    body: RequirementUpdate,
    session: Session,
    actor: Reader,
    expected: IfMatch,
    response: Response,
) -> RequirementOut:
    """Edit title, detail, priority or assignee (If-Match: the ETag; stale → 412). A new
    assignee gets the task; the previous one's open task is dropped."""
    req = await RequirementService(session, actor).update(
        opportunity_id, requirement_id, body.model_dump(exclude_unset=True), expected
    )
    response.headers["ETag"] = etag(req.version)
    return _requirement(actor, req)


@router.delete(
    BASE + "/requirements/{requirement_id}",
    operation_id="delete_opportunity_requirement",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["opportunity-requirements"],
)
async def delete_requirement(
    opportunity_id: UUID, requirement_id: UUID, session: Session, actor: Reader, expected: IfMatch
) -> None:
    await RequirementService(session, actor).delete(opportunity_id, requirement_id, expected)


async def _transition(
    action: str,
    opportunity_id: UUID,
    requirement_id: UUID,
    session: Any,
    actor: Actor,
    expected: int | None,
    response: Response,
    answer: str | None = None,
) -> RequirementOut:
    req = await RequirementService(session, actor).transition(
        opportunity_id, requirement_id, action, expected, answer
    )
    response.headers["ETag"] = etag(req.version)
    return _requirement(actor, req)


@router.post(
    BASE + "/requirements/{requirement_id}/confirm",
    operation_id="confirm_opportunity_requirement",
    response_model=RequirementOut,
    tags=["opportunity-requirements"],
)
async def confirm_requirement(
    opportunity_id: UUID,
    requirement_id: UUID,
    session: Session,
    actor: Reader,
    expected: IfMatch,
    response: Response,
) -> RequirementOut:
    """需求确认: confirmed with the customer (open → confirmed; otherwise 409)."""
    return await _transition("confirm", opportunity_id, requirement_id, session, actor, expected, response)


@router.post(
    BASE + "/requirements/{requirement_id}/respond",
    operation_id="respond_opportunity_requirement",
    response_model=RequirementOut,
    tags=["opportunity-requirements"],
)
async def respond_requirement(
    opportunity_id: UUID,
    requirement_id: UUID,
    body: RespondIn,
    session: Session,
    actor: Reader,
    expected: IfMatch,
    response: Response,
) -> RequirementOut:
    """需求应答: the assignee, the owner or their managers answer (others 403); confirmed (or
    responded, to revise) → responded, else 409. Closes the assignee's task and tells the
    requirement's author and the owner."""
    return await _transition(
        "respond", opportunity_id, requirement_id, session, actor, expected, response, body.response
    )


@router.post(
    BASE + "/requirements/{requirement_id}/close",
    operation_id="close_opportunity_requirement",
    response_model=RequirementOut,
    tags=["opportunity-requirements"],
)
async def close_requirement(
    opportunity_id: UUID,
    requirement_id: UUID,
    session: Session,
    actor: Reader,
    expected: IfMatch,
    response: Response,
) -> RequirementOut:
    """Open, confirmed or responded → closed (a closed one: 409)."""
    return await _transition("close", opportunity_id, requirement_id, session, actor, expected, response)


@router.post(
    BASE + "/requirements/{requirement_id}/reopen",
    operation_id="reopen_opportunity_requirement",
    response_model=RequirementOut,
    tags=["opportunity-requirements"],
)
async def reopen_requirement(
    opportunity_id: UUID,
    requirement_id: UUID,
    session: Session,
    actor: Reader,
    expected: IfMatch,
    response: Response,
) -> RequirementOut:
    """Responded or closed → open again (confirmation and answer times cleared, the answer's
    text kept); the assignee's task opens again."""
    return await _transition("reopen", opportunity_id, requirement_id, session, actor, expected, response)


# --- documents ---------------------------------------------------------------------------------


class DocumentVersionOut(Output):
    id: UUID
    document_id: UUID
    version_number: int
    file_name: str
    size_bytes: int
    content_type: str
    sha256: str
    note: str | None
    uploaded_by: UserRef | None
    uploaded_at: datetime
    download_url: str = Field(description="GET it for the bytes (with the caller's credentials)")


class DocumentOut(Output):
    document_id: UUID
    kind: DocumentKind
    title: str
    latest: DocumentVersionOut
    versions: list[DocumentVersionOut] = Field(description="newest first; versions[0] is latest")


def _version(actor: Actor, v: OpportunityDocument) -> dict[str, Any]:
    return {
        **{k: getattr(v, k) for k in DocumentVersionOut.model_fields if hasattr(v, k)},
        "uploaded_by": _user(actor, v.uploaded_by),
        "download_url": f"/api/v1/opportunities/{v.opportunity_id}/documents/versions/{v.id}/content",
    }


def _document(actor: Actor, d: Document) -> DocumentOut:
    versions = [_version(actor, v) for v in d.versions]
    return DocumentOut.model_validate(
        {
            "document_id": d.latest.document_id,
            "kind": d.latest.kind,
            "title": d.latest.title,
            "latest": versions[0],
            "versions": versions,
        }
    )


def _upload(file: UploadFile) -> Upload:
    return Upload(file.filename, file.content_type, file.read)


_LIMIT = f"at most {MAX_BYTES // 2**20} MB, not empty"


@router.get(
    BASE + "/documents",
    operation_id="list_opportunity_documents",
    response_model=Items[DocumentOut],
    tags=["opportunity-documents"],
)
async def list_documents(
    opportunity_id: UUID, session: Session, actor: Reader, ctx: Ctx
) -> Items[DocumentOut]:
    """Documents in the order they were first uploaded, each with all its versions."""
    docs = await DocumentService(session, actor, get_storage(ctx.settings)).listing(opportunity_id)
    return Items[DocumentOut](items=[_document(actor, d) for d in docs])


@router.post(
    BASE + "/documents",
    operation_id="upload_opportunity_document",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["opportunity-documents"],
)
async def upload_document(
    opportunity_id: UUID,
    session: Session,
    actor: Reader,
    ctx: Ctx,
    file: Annotated[UploadFile, File(description=_LIMIT)],
    kind: Annotated[DocumentKind, Form()],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> DocumentOut:
    """A new document (version 1), multipart/form-data. Too big or empty: 422 naming `file`.
    Emits `opportunity.document_added`."""
    doc = await DocumentService(session, actor, get_storage(ctx.settings)).add(
        opportunity_id, kind, title, note, _upload(file)
    )
    return _document(actor, doc)


@router.post(
    BASE + "/documents/{document_id}/versions",
    operation_id="upload_opportunity_document_version",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["opportunity-documents"],
)
async def upload_document_version(
    opportunity_id: UUID,
    document_id: UUID,
    session: Session,
    actor: Reader,
    ctx: Ctx,
    file: Annotated[UploadFile, File(description=_LIMIT)],
    note: Annotated[str | None, Form(max_length=500, description="what changed")] = None,
) -> DocumentOut:
    """The next version of a document (kind and title carry over); answers the whole document."""
    doc = await DocumentService(session, actor, get_storage(ctx.settings)).add_version(
        opportunity_id, document_id, note, _upload(file)
    )
    return _document(actor, doc)


_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()\[\]+-]")


def content_disposition(file_name: str) -> str:
    """An attachment with an ASCII fallback name and the real (e.g. Chinese) one per RFC 5987 /
    RFC 6266: 技术方案-v2.pdf → `filename="download-v2.pdf"; filename*=UTF-8''%E6%8A%80…-v2.pdf`."""
    stem, dot, ext = file_name.rpartition(".") if "." in file_name else (file_name, "", "")
    safe_stem = _ASCII_UNSAFE.sub("_", stem)
    if safe_stem != stem:
        rest = re.sub(r"_+", "_", safe_stem).strip("_-. ")
        safe_stem = "download" + (f"-{rest}" if rest else "")
    safe_ext = ext if dot and ext and not _ASCII_UNSAFE.search(ext) else ""
    fallback = (safe_stem or "download") + ("." + safe_ext if safe_ext else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.get(
    BASE + "/documents/versions/{version_id}/content",
    operation_id="download_opportunity_document_version",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"}},
    tags=["opportunity-documents"],
)
async def download_document_version(
    opportunity_id: UUID, version_id: UUID, session: Session, actor: Reader, ctx: Ctx
) -> StreamingResponse:
    """The file as uploaded, as an attachment (Content-Disposition with filename*)."""
    row, stream = await DocumentService(session, actor, get_storage(ctx.settings)).content(
        opportunity_id, version_id
    )
    return StreamingResponse(
        stream,
        media_type=row.content_type,
        headers={
            "Content-Disposition": content_disposition(row.file_name),
            "Content-Length": str(row.size_bytes),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{row.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


# --- samples / POC -----------------------------------------------------------------------------


class SampleCreate(Input):
    kind: Literal["sample", "poc"] = "sample"
    product: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=1_000_000)
    purpose: str = Field(min_length=1, max_length=1000)
    ship_to: str | None = Field(None, max_length=300)
    needed_by: date | None = None


class SampleApproval(Output):
    id: UUID
    status: Literal["pending", "approved", "rejected", "withdrawn"]
    step_name: str | None = Field(description="the open step while pending")


class SampleOut(Output):
    id: UUID
    opportunity_id: UUID
    kind: Literal["sample", "poc"]
    product: str
    quantity: int
    purpose: str
    ship_to: str | None
    needed_by: date | None
    status: Literal["pending", "approved", "rejected", "withdrawn", "shipped"]
    approval: SampleApproval | None
    requested_by: UserRef | None
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None = Field(description="when it was marked shipped")


def _sample(actor: Actor, row: tuple[SampleRequest, str | None, str | None]) -> SampleOut:
    s, approval_status, step_name = row
    return SampleOut.model_validate(
        {
            **{k: getattr(s, k) for k in SampleOut.model_fields if hasattr(s, k)},
            "approval": {"id": s.approval_request_id, "status": approval_status, "step_name": step_name}
            if s.approval_request_id and approval_status
            else None,
            "requested_by": _user(actor, s.requested_by),
            "shipped_at": s.updated_at if s.status == "shipped" else None,
        }
    )


@router.get(BASE + "/samples", operation_id="list_samples", response_model=Items[SampleOut], tags=["samples"])
async def list_samples(opportunity_id: UUID, session: Session, actor: Reader) -> Items[SampleOut]:
    """The opportunity's sample / POC requests, newest first, with their approval's progress."""
    rows = await SampleService(session, actor).listing(opportunity_id)
    return Items[SampleOut](items=[_sample(actor, r) for r in rows])


@router.post(
    BASE + "/samples",
    operation_id="create_sample",
    response_model=SampleOut,
    status_code=status.HTTP_201_CREATED,
    tags=["samples"],
)
async def create_sample(
    opportunity_id: UUID, body: SampleCreate, session: Session, actor: Reader
) -> SampleOut:
    """Request a sample or a POC: pending, submitted to the `sample` approval flow (tiered by
    quantity). A closed opportunity: 422. Follow the request at /approvals/{approval.id}."""
    row = await SampleService(session, actor).request(opportunity_id, **body.model_dump())
    return _sample(actor, row)


@router.post(
    BASE + "/samples/{sample_id}/shipped",
    operation_id="ship_sample",
    response_model=SampleOut,
    tags=["samples"],
)
async def ship_sample(opportunity_id: UUID, sample_id: UUID, session: Session, actor: Reader) -> SampleOut:
    """Mark an approved request shipped (anything else: 409); the requester is notified."""
    row = await SampleService(session, actor).shipped(opportunity_id, sample_id)
    return _sample(actor, row)


# --- follow-ups and visits ---------------------------------------------------------------------


class OpportunityFollowUpCreate(Input):
    kind: FollowUpKind
    content: str = Field(min_length=1, max_length=10000)
    happened_at: datetime | None = Field(None, description="defaults to now; must carry a UTC offset")
    next_step: str | None = Field(None, max_length=500)
    next_follow_up_on: date | None = Field(
        None, description="the next visit: invitations are due that day, 09:00"
    )
    contact_id: UUID | None = Field(None, description="a contact of the opportunity's customer")
    invite_user_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_INVITEES,
        description="visits only: colleagues asked to join (each gets a join_visit task)",
    )

    @field_validator("happened_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a timezone offset, e.g. 2026-11-23T10:00:00+08:00")
        return value


class InvitationOut(Output):
    task_id: UUID
    user: UserRef
    status: Literal["open", "done", "declined"] = Field(description="open: not answered; done: joining")
    due_at: datetime | None


class OpportunityFollowUpOut(Output):
    id: UUID
    customer_id: UUID
    opportunity_id: UUID
    kind: FollowUpKind
    content: str
    happened_at: datetime
    next_step: str | None
    next_follow_up_on: date | None
    contact: NamedRef | None
    author: UserRef | None
    invitations: list[InvitationOut]
    created_at: datetime
    version: int


def _follow_up(
    actor: Actor, f: FollowUp, contact_name: str | None, invited: list[Task]
) -> OpportunityFollowUpOut:
    return OpportunityFollowUpOut.model_validate(
        {
            **{k: getattr(f, k) for k in OpportunityFollowUpOut.model_fields if hasattr(f, k)},
            "contact": {"id": f.contact_id, "name": contact_name or ""} if f.contact_id else None,
            "author": _user(actor, f.author_id),
            "invitations": [
                {"task_id": t.id, "user": _user(actor, t.assignee_id), "status": t.status, "due_at": t.due_at}
                for t in invited
            ],
        }
    )


@router.get(
    BASE + "/follow-ups",
    operation_id="list_opportunity_follow_ups",
    response_model=Page[OpportunityFollowUpOut],
    tags=["follow-ups"],
)
async def list_follow_ups(
    opportunity_id: UUID,
    session: Session,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[OpportunityFollowUpOut]:
    """The opportunity's follow-ups and visits, newest first (keyset: pass next_cursor)."""
    rows, next_cursor = await OpportunityFollowUpService(session, actor).timeline(
        opportunity_id, cursor, limit
    )
    return Page[OpportunityFollowUpOut](
        items=[_follow_up(actor, f, name, invited) for f, name, invited in rows], next_cursor=next_cursor
    )


@router.post(
    BASE + "/follow-ups",
    operation_id="create_opportunity_follow_up",
    response_model=OpportunityFollowUpOut,
    status_code=status.HTTP_201_CREATED,
    tags=["follow-ups"],
)
async def create_follow_up(
    opportunity_id: UUID, body: OpportunityFollowUpCreate, session: Session, actor: Reader, response: Response
) -> OpportunityFollowUpOut:
    """Log a follow-up or visit on the opportunity (also on its customer's timeline; moves the
    customer's last follow-up). A visit may invite colleagues: each gets a task and a
    notification (they do not join the opportunity team)."""
    f, contact_name, invited = await OpportunityFollowUpService(session, actor).log(
        opportunity_id, body.model_dump(exclude_unset=True)
    )
    response.headers["ETag"] = etag(f.version)
    return _follow_up(actor, f, contact_name, invited)
