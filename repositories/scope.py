"""The one place a data scope becomes SQL. Every list, detail, update and delete of a scoped
resource goes through `visible_to` (directly or via the customer it belongs to)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from domain.scope import DataScope, ScopeLevel


def visible_to(
    scope: DataScope,
    owner_col: InstrumentedAttribute,
    zone_col: InstrumentedAttribute | None = None,
) -> ColumnElement[bool]:
    if scope.level is ScopeLevel.ALL:
        return true()
    if scope.level is ScopeLevel.NONE or scope.user_id is None:
        return false()
    if scope.level is ScopeLevel.OWN:
        return owner_col == scope.user_id
    if scope.level is ScopeLevel.TEAM:
        return owner_col.in_(sorted(scope.team_user_ids))
    # ZONE: the zones' rows, plus anything owned by me or my teams wherever it sits
    clauses = [owner_col.in_(sorted(scope.team_user_ids))]
    if zone_col is not None and scope.zone_ids:
        clauses.append(zone_col.in_(sorted(scope.zone_ids)))
    return or_(*clauses)
