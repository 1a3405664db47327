"""What a service needs to know about the caller."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.scope import DataScope
from services.authz import AccessControl, Principal


@dataclass(frozen=True, slots=True)
class Actor:
    principal: Principal
    scope: DataScope
    access: AccessControl

    @property
    def user_id(self) -> UUID:
        return self.principal.user_id

    def scope_for(self, resource: str, action: str) -> DataScope:
        return self.access.scope(self.principal, resource, action)
