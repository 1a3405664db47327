"""Tags (标签): categories, tags with a default weight, and tagging customers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound
from repositories import audit
from repositories import customers as customers_repo
from repositories import tags as repo
from repositories.models import Tag, TagCategory
from services.context import Actor


class TagService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def create_category(self, name: str) -> TagCategory:
        if await repo.category_by_name(self.session, name) is not None:
            raise DuplicateRecord("name", f"tag category {name!r} exists")
        category = TagCategory(name=name)
        self.session.add(category)
        await self.session.flush()
        return category

    async def create_tag(self, data: dict[str, Any]) -> Tag:
        if await repo.get_category(self.session, data["category_id"]) is None:
            raise FieldError("category_id", "no such tag category")
        if await repo.tag_by_name(self.session, data["category_id"], data["name"]) is not None:
            raise DuplicateRecord("name", f"tag {data['name']!r} exists in this category")
        tag = Tag(**data)
        self.session.add(tag)
        await self.session.flush()
        return tag

    async def tag_customer(
        self, customer_id: uuid.UUID, tag_id: uuid.UUID, weight: int | None
    ) -> dict[str, Any]:
        """Needs customer:update on the customer (the caller's scope)."""
        if not await customers_repo.is_visible(self.session, customer_id, self.actor.scope):
            raise NotFound("customer", customer_id)
        tag = await repo.get_tag(self.session, tag_id)
        if tag is None:
            raise FieldError("tag_id", "no such tag")
        count, applied_weight = await repo.apply(self.session, customer_id, tag, weight, self.actor.user_id)
        audit.record(
            self.session,
            "customer_tag",
            f"{customer_id}:{tag_id}",
            "tag",
            {
                "tag": [None, tag.name],
                "count": [count - 1 if count > 1 else None, count],
                "weight": [None, applied_weight],
            },
            root_entity_id=customer_id,
        )
        return {"id": tag.id, "name": tag.name, "color": tag.color, "count": count, "weight": applied_weight}

    async def untag_customer(self, customer_id: uuid.UUID, tag_id: uuid.UUID) -> None:
        if not await customers_repo.is_visible(self.session, customer_id, self.actor.scope):
            raise NotFound("customer", customer_id)
        tag = await repo.get_tag(self.session, tag_id)
        if tag is None or not await repo.remove(self.session, customer_id, tag_id):
            raise NotFound("tag on customer", tag_id)
        audit.record(
            self.session,
            "customer_tag",
            f"{customer_id}:{tag_id}",
            "untag",
            {"tag": [tag.name, None], "tag_id": [str(tag_id), None]},
            root_entity_id=customer_id,
        )
