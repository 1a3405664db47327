"""The one place a data scope becomes SQL. Every list, detail, update and delete of a scoped
resource goes through `visible_to` (directly or via the customer it belongs to)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, false, or_, true
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


# Statements built once and reused need the scope as bound parameters: the shape of the filter
# depends only on the level, the ids travel in the parameters (SQLAlchemy's compiled cache then
# serves every caller at that level).


def visible_to_bound(
    level: ScopeLevel,
    owner_col: InstrumentedAttribute,
    zone_col: InstrumentedAttribute | None = None,
) -> ColumnElement[bool]:
    if level is ScopeLevel.ALL:
        return true()
    if level is ScopeLevel.NONE:
        return false()
    if level is ScopeLevel.OWN:
        return owner_col == bindparam("scope_user_id")
    users = owner_col.in_(bindparam("scope_user_ids", expanding=True))
    if level is ScopeLevel.TEAM or zone_col is None:
        return users
    return or_(users, zone_col.in_(bindparam("scope_zone_ids", expanding=True)))


def scope_params(scope: DataScope) -> dict[str, object]:
    return {
        "scope_user_id": scope.user_id,
        "scope_user_ids": sorted(scope.team_user_ids) or [scope.user_id],
        "scope_zone_ids": sorted(scope.zone_ids),
    }
