"""Contacts (联系人) of a customer and follow-ups (跟进记录)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Response, status

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Items, Page
from api.schemas_customers import (
    ContactCreate,
    ContactOut,
    ContactUpdate,
    FollowUpCreate,
    FollowUpOut,
    FollowUpUpdate,
)
from services.contacts import ContactService
from services.context import Actor
from services.follow_ups import FollowUpService

router = ResourceRouter()


@router.get(
    "/customers/{customer_id}/contacts",
    operation_id="list_contacts",
    response_model=Items[ContactOut],
    tags=["contacts"],
)
async def list_contacts(
    customer_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("contact", "read"))]
) -> Items[ContactOut]:
    rows = await ContactService(session, actor).list(customer_id)
    return Items[ContactOut](items=[ContactOut.model_validate(c) for c in rows])


@router.post(
    "/customers/{customer_id}/contacts",
    operation_id="create_contact",
    response_model=ContactOut,
    status_code=status.HTTP_201_CREATED,
    tags=["contacts"],
)
async def create_contact(
    customer_id: UUID,
    body: ContactCreate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("contact", "create"))],
    response: Response,
) -> ContactOut:
    contact = await ContactService(session, actor).create(customer_id, body.model_dump(exclude_unset=True))
    response.headers["ETag"] = etag(contact.version)
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    return ContactOut.model_validate(contact)


@router.get(
    "/contacts/{contact_id}", operation_id="get_contact", response_model=ContactOut, tags=["contacts"]
)
async def get_contact(
    contact_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("contact", "read"))],
    response: Response,
) -> ContactOut:
    contact = await ContactService(session, actor).get(contact_id)
    response.headers["ETag"] = etag(contact.version)
    return ContactOut.model_validate(contact)


@router.patch(
    "/contacts/{contact_id}", operation_id="update_contact", response_model=ContactOut, tags=["contacts"]
)
async def update_contact(
    contact_id: UUID,
    body: ContactUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("contact", "update"))],
    expected: IfMatch,
    response: Response,
) -> ContactOut:
    contact = await ContactService(session, actor).update(
        contact_id, body.model_dump(exclude_unset=True), expected
    )
    response.headers["ETag"] = etag(contact.version)
    return ContactOut.model_validate(contact)


@router.delete(
    "/contacts/{contact_id}",
    operation_id="delete_contact",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["contacts"],
)
async def delete_contact(
    contact_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("contact", "delete"))],
    expected: IfMatch,
) -> None:
    await ContactService(session, actor).delete(contact_id, expected)


def _follow_up_out(follow_up, author_name: str | None) -> FollowUpOut:  # noqa: ANN001
    return FollowUpOut.model_validate(
        {
            **{k: getattr(follow_up, k) for k in FollowUpOut.model_fields if k != "author"},
            "author": {"id": follow_up.author_id, "display_name": author_name}
            if follow_up.author_id
            else None,
        }
    )


@router.get(
    "/customers/{customer_id}/follow-ups",
    operation_id="list_follow_ups",
    response_model=Page[FollowUpOut],
    tags=["follow-ups"],
)
async def list_follow_ups(
    customer_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("follow_up", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[FollowUpOut]:
    rows, next_cursor = await FollowUpService(session, actor).timeline(customer_id, cursor, limit)
    return Page[FollowUpOut](items=[_follow_up_out(f, name) for f, name in rows], next_cursor=next_cursor)


@router.post(
    "/customers/{customer_id}/follow-ups",
    operation_id="create_follow_up",
    response_model=FollowUpOut,
    status_code=status.HTTP_201_CREATED,
    tags=["follow-ups"],
)
async def create_follow_up(
    customer_id: UUID,
    body: FollowUpCreate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("follow_up", "create"))],
) -> FollowUpOut:
    follow_up = await FollowUpService(session, actor).log(customer_id, body.model_dump(exclude_unset=True))
    return _follow_up_out(follow_up, actor.principal.display_name)


@router.patch(
    "/follow-ups/{follow_up_id}",
    operation_id="update_follow_up",
    response_model=FollowUpOut,
    tags=["follow-ups"],
)
async def update_follow_up(
    follow_up_id: UUID,
    body: FollowUpUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("follow_up", "update"))],
    expected: IfMatch,
    response: Response,
) -> FollowUpOut:
    follow_up = await FollowUpService(session, actor).update(
        follow_up_id, body.model_dump(exclude_unset=True), expected
    )
    response.headers["ETag"] = etag(follow_up.version)
    author = actor.access.org.users.get(follow_up.author_id) if follow_up.author_id else None
    return _follow_up_out(follow_up, author.display_name if author else None)


@router.delete(
    "/follow-ups/{follow_up_id}",
    operation_id="delete_follow_up",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["follow-ups"],
)
async def delete_follow_up(
    follow_up_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("follow_up", "delete"))]
) -> None:
    await FollowUpService(session, actor).delete(follow_up_id)
