"""Data scope (数据权限): which rows a caller may see, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from uuid import UUID


class ScopeLevel(IntEnum):
    """Ordered so that the widest scope wins with max()."""

    NONE = 0
    OWN = 1
    TEAM = 2
    ZONE = 3
    ALL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> ScopeLevel:
        try:
            return cls[value.upper()]
        except KeyError as exc:
            raise ValueError(f"unknown scope {value!r}") from exc


SCOPE_NAMES = ("own", "team", "zone", "all")


@dataclass(frozen=True, slots=True)
class DataScope:
    """The caller's widest scope for one resource/action, with the ids it expands to.

    own  → rows the user owns;
    team → rows owned by anyone in the user's team(s) and their sub-teams;
    zone → rows in the user's sales zones (plus their own);
    all  → everything.
    """

    level: ScopeLevel
    user_id: UUID | None
    team_user_ids: frozenset[UUID] = field(default_factory=frozenset)
    zone_ids: frozenset[UUID] = field(default_factory=frozenset)

    @property
    def sees_nothing(self) -> bool:
        return self.level is ScopeLevel.NONE

    def covers(self, owner_id: UUID | None, zone_id: UUID | None) -> bool:
        """Same rule as the SQL filter, for objects already in memory."""
        if self.level is ScopeLevel.ALL:
            return True
        if self.level is ScopeLevel.NONE:
            return False
        if owner_id is not None and owner_id == self.user_id:
            return True
        if self.level is ScopeLevel.TEAM:
            return owner_id in self.team_user_ids
        if self.level is ScopeLevel.ZONE:
            return zone_id in self.zone_ids or owner_id in self.team_user_ids
        return False
