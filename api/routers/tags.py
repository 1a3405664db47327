"""Tags (标签): categories, tags, and tagging customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, status
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output
from api.schemas_customers import TagRef
from repositories import tags as tags_repo
from services.context import Actor
from services.tags import TagService

router = ResourceRouter(tags=["tags"])


class CategoryIn(Input):
    name: str = Field(min_length=1, max_length=50)


class CategoryOut(Output):
    id: UUID
    name: str
    created_at: datetime


class TagIn(Input):
    category_id: UUID
    name: str = Field(min_length=1, max_length=50)
    color: str | None = Field(None, pattern=r"^(#[0-9a-fA-F]{6}|[a-z]{3,12})$")
    weight: int = Field(1, ge=0, le=100, description="default weight (权重) when applied to a customer")


class TagOut(Output):
    id: UUID
    category_id: UUID
    name: str
    color: str | None
    weight: int


class CustomerTagIn(Input):
    tag_id: UUID
    weight: int | None = Field(None, ge=0, le=100)


@router.get("/tag-categories", operation_id="list_tag_categories", response_model=Items[CategoryOut])
async def list_categories(
    session: Session, _: Annotated[Actor, Depends(Authorize("tag", "read"))]
) -> Items[CategoryOut]:
    return Items[CategoryOut](
        items=[CategoryOut.model_validate(c) for c in await tags_repo.categories(session)]
    )


@router.post(
    "/tag-categories",
    operation_id="create_tag_category",
    response_model=CategoryOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_category(
    body: CategoryIn, session: Session, actor: Annotated[Actor, Depends(Authorize("tag", "create"))]
) -> CategoryOut:
    return CategoryOut.model_validate(await TagService(session, actor).create_category(body.name))


@router.get("/tags", operation_id="list_tags", response_model=Items[TagOut])
async def list_tags(
    session: Session, _: Annotated[Actor, Depends(Authorize("tag", "read"))], category_id: UUID | None = None
) -> Items[TagOut]:
    return Items[TagOut](items=[TagOut.model_validate(t) for t in await tags_repo.tags(session, category_id)])


@router.post("/tags", operation_id="create_tag", response_model=TagOut, status_code=status.HTTP_201_CREATED)
async def create_tag(
    body: TagIn, session: Session, actor: Annotated[Actor, Depends(Authorize("tag", "create"))]
) -> TagOut:
    return TagOut.model_validate(await TagService(session, actor).create_tag(body.model_dump()))


@router.post(
    "/customers/{customer_id}/tags",
    operation_id="tag_customer",
    response_model=TagRef,
    status_code=status.HTTP_200_OK,
)
async def tag_customer(
    customer_id: UUID,
    body: CustomerTagIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> TagRef:
    """Adds the tag, or counts one more application of it (次数)."""
    return TagRef.model_validate(
        await TagService(session, actor).tag_customer(customer_id, body.tag_id, body.weight)
    )


@router.delete(
    "/customers/{customer_id}/tags/{tag_id}",
    operation_id="untag_customer",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def untag_customer(
    customer_id: UUID,
    tag_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> None:
    await TagService(session, actor).untag_customer(customer_id, tag_id)
