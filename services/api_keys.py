"""API keys for integrations: each key acts for one user with exactly one role's rules.

The key is shown once; only its SHA-256 and a display prefix are stored. Every process keeps
the active keys in its access snapshot, so a new or revoked key takes effect after the commit
(AccessControl.changed).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound
from repositories import access as access_repo
from repositories import identity
from repositories import org as org_repo
from repositories.db import after_commit
from repositories.models import ApiKey
from repositories.scope import visible_to
from services.auth import new_api_key
from services.authz import AccessControl
from services.context import Actor

KeyView = tuple[ApiKey, str]


class ApiKeyService:
    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    async def search(self, actor: Actor, cursor: str | None, limit: int) -> tuple[list[KeyView], str | None]:
        return await identity.list_api_keys_page(
            self.session, visible_to(actor.scope, ApiKey.user_id), cursor, limit
        )

    async def create(self, actor: Actor, data: dict[str, Any]) -> tuple[KeyView, str]:
        """→ (the stored key with its user's name, the raw key to show once)."""
        role = data["role"]
        if await access_repo.get_role(self.session, role) is None:
            raise FieldError("role", f"unknown role {role!r}")
        # no escalation: bind only a role you hold yourself, unless you manage roles
        if role not in self.access.roles(actor.principal) and not self.access.allowed(
            actor.principal, "role", "manage"
        ):
            raise FieldError("role", "you may only bind a role you hold yourself")
        user_id: uuid.UUID = data.get("user_id") or actor.user_id
        if user_id != actor.user_id and not actor.scope.covers(user_id, None):
            raise FieldError("user_id", "no such active user")
        user = await org_repo.active_user_ref(self.session, user_id)
        if user is None:
            raise FieldError("user_id", "no such active user")
        raw, prefix, key_hash = new_api_key()
        key = ApiKey(
            name=data["name"],
            prefix=prefix,
            key_hash=key_hash,
            role=role,
            user_id=user_id,
            created_by=actor.user_id,
        )
        self.session.add(key)
        await self.session.flush()
        after_commit(self.session, self.access.changed)
        return (key, user.display_name), raw

    async def revoke(self, actor: Actor, key_id: uuid.UUID) -> None:
        """Idempotent: revoking a revoked key changes nothing."""
        view = await identity.api_key_view(self.session, key_id, visible_to(actor.scope, ApiKey.user_id))
        if view is None:
            raise NotFound("api key", key_id)
        key = view[0]
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            await self.session.flush()
            after_commit(self.session, self.access.changed)
