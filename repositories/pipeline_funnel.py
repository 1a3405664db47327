"""The funnel's running totals (opportunity_funnel_deltas): PostgreSQL's statement triggers on
opportunities append one row per group a statement changed (migration 3e8c0a7d5b21); the
worker folds them back into one row per group here, and `rebuild` recomputes them from the
opportunities themselves (after a restore, or to check them).

Appending instead of updating keeps writers off shared rows: two reps moving deals in the same
stage never wait on each other. Folding deletes only what its snapshot saw, so rows appended
meanwhile are kept for the next fold.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

KEY = "business_line_id, currency, stage_id, furthest_position, status, owner_id, zone_id, team_id"
_MATCH = " AND ".join(f"d.{c} IS NOT DISTINCT FROM g.{c}" for c in KEY.split(", "))

# the groups holding more than one row (or a zero total) become one row each, or none
COMPACT = text(f"""
WITH groups AS (
  SELECT {KEY} FROM opportunity_funnel_deltas
  GROUP BY {KEY}
  HAVING count(*) > 1 OR (sum(n) = 0 AND sum(amount) = 0)
), gone AS (
  DELETE FROM opportunity_funnel_deltas AS d USING groups AS g WHERE {_MATCH}
  RETURNING d.business_line_id, d.currency, d.stage_id, d.furthest_position, d.status,
            d.owner_id, d.zone_id, d.team_id, d.n, d.amount
), folded AS (
  INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount)
  SELECT {KEY}, sum(n), sum(amount) FROM gone GROUP BY {KEY}
  HAVING sum(n) <> 0 OR sum(amount) <> 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM folded)
""")

# one fold at a time across workers (a second would only wait on the first's rows)
_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('opportunity_funnel_deltas'))")


async def compact(session: AsyncSession) -> tuple[int, int]:
    """Folds the appended rows; returns (rows removed, rows written). (0, 0) when another fold
    holds the lock."""
    if not await session.scalar(_LOCK):
        return 0, 0
    removed, written = (await session.execute(COMPACT)).one()
    return int(removed), int(written)


async def rebuild(session: AsyncSession) -> int:
    """Recomputes the totals from the opportunities, blocking their writers meanwhile; returns
    the rows written."""
    await session.execute(text("LOCK TABLE opportunities IN SHARE ROW EXCLUSIVE MODE"))
    await session.execute(text("DELETE FROM opportunity_funnel_deltas"))
    result = await session.execute(
        text(
            f"INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount) "
            f"SELECT {KEY}, count(*), sum(amount) FROM opportunities GROUP BY {KEY}"
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
