"""the funnel's running totals (issue 6): opportunity_funnel_deltas, written by statement
triggers on opportunities and folded by the worker, so the pipeline board sums a few thousand
rows instead of every opportunity of a line; the covering funnel indexes on opportunities go
(every stage move wrote an entry in each)

Revision ID: 3e8c0a7d5b21
Revises: 7b1d4e2f9a60
Create Date: 2026-11-23 15:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "3e8c0a7d5b21"
down_revision: str | None = "7b1d4e2f9a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "business_line_id, currency, stage_id, furthest_position, status, owner_id, zone_id, team_id"

# One function for the three statement triggers: what a statement removed counts -1 and its
# amount negative, what it added +1; groups whose totals did not change write nothing (an edit
# of a name or a checklist costs one grouped read of the statement's own rows).
FUNCTION = f"""
CREATE FUNCTION opportunity_funnel_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount)
    SELECT {KEY}, count(*), sum(amount) FROM funnel_new GROUP BY {KEY};
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount)
    SELECT {KEY}, -count(*), -sum(amount) FROM funnel_old GROUP BY {KEY};
  ELSE
    INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount)
    SELECT {KEY}, sum(n), sum(amount)
    FROM (
      SELECT {KEY}, 1 AS n, amount FROM funnel_new
      UNION ALL
      SELECT {KEY}, -1, -amount FROM funnel_old
    ) AS d
    GROUP BY {KEY}
    HAVING sum(n) <> 0 OR sum(amount) <> 0;
  END IF;
  RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER opportunities_funnel_insert AFTER INSERT ON opportunities "
    "REFERENCING NEW TABLE AS funnel_new FOR EACH STATEMENT EXECUTE FUNCTION opportunity_funnel_track()",
    "CREATE TRIGGER opportunities_funnel_update AFTER UPDATE ON opportunities "
    "REFERENCING OLD TABLE AS funnel_old NEW TABLE AS funnel_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION opportunity_funnel_track()",
    "CREATE TRIGGER opportunities_funnel_delete AFTER DELETE ON opportunities "
    "REFERENCING OLD TABLE AS funnel_old FOR EACH STATEMENT EXECUTE FUNCTION opportunity_funnel_track()",
)


FUNNEL_INDEXES = {
    "ix_opportunities_funnel": (
        ["business_line_id", "stage_id", "status"],
        ["amount", "currency", "furthest_position", "owner_id", "zone_id", "created_at"],
    ),
    "ix_opportunities_zone_funnel": (
        ["zone_id", "business_line_id"],
        ["stage_id", "status", "amount", "currency", "furthest_position", "owner_id", "created_at"],
    ),
    "ix_opportunities_owner_funnel": (
        ["owner_id", "business_line_id"],
        ["stage_id", "status", "amount", "currency", "furthest_position", "zone_id", "created_at"],
    ),
}


def upgrade() -> None:
    op.create_table(
        "opportunity_funnel_deltas",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("business_line_id", UUID(as_uuid=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stage_id", UUID(as_uuid=True), nullable=False),
        sa.Column("furthest_position", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("owner_id", UUID(as_uuid=True), nullable=True),
        sa.Column("zone_id", UUID(as_uuid=True), nullable=True),
        sa.Column("team_id", UUID(as_uuid=True), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_funnel_deltas")),
    )
    op.create_index(
        "ix_opportunity_funnel_deltas_line",
        "opportunity_funnel_deltas",
        ["business_line_id", "currency"],
    )
    # no writer may slip between the backfill and the triggers
    op.execute("LOCK TABLE opportunities IN SHARE ROW EXCLUSIVE MODE")
    op.execute(FUNCTION)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(
        f"INSERT INTO opportunity_funnel_deltas ({KEY}, n, amount) "
        f"SELECT {KEY}, count(*), sum(amount) FROM opportunities GROUP BY {KEY}"
    )
    for name in FUNNEL_INDEXES:
        op.drop_index(name, table_name="opportunities")


def downgrade() -> None:
    for name, (columns, included) in FUNNEL_INDEXES.items():
        op.create_index(name, "opportunities", columns, postgresql_include=included)
    for name in ("opportunities_funnel_insert", "opportunities_funnel_update", "opportunities_funnel_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON opportunities")
    op.execute("DROP FUNCTION IF EXISTS opportunity_funnel_track()")
    op.drop_index("ix_opportunity_funnel_deltas_line", table_name="opportunity_funnel_deltas")
    op.drop_table("opportunity_funnel_deltas")
