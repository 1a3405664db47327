"""pipeline indexes (issue 6): the funnel reached through a zone or an owner, and the period's
stage moves, answered from the index alone

Revision ID: 7b1d4e2f9a60
Revises: c5f37a684e81
Create Date: 2026-11-23 12:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7b1d4e2f9a60"
down_revision: str | None = "c5f37a684e81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_opportunities_zone_funnel",
        "opportunities",
        ["zone_id", "business_line_id"],
        postgresql_include=[
            "stage_id",
            "status",
            "amount",
            "currency",
            "furthest_position",
            "owner_id",
            "created_at",
        ],
    )
    op.create_index(
        "ix_opportunities_owner_funnel",
        "opportunities",
        ["owner_id", "business_line_id"],
        postgresql_include=[
            "stage_id",
            "status",
            "amount",
            "currency",
            "furthest_position",
            "zone_id",
            "created_at",
        ],
    )
    op.drop_index("ix_opportunity_stage_changes_line", table_name="opportunity_stage_changes")
    op.create_index(
        "ix_opportunity_stage_changes_line",
        "opportunity_stage_changes",
        ["business_line_id", "moved_at"],
        postgresql_include=[
            "from_stage_id",
            "seconds_in_from",
            "owner_id",
            "zone_id",
            "team_id",
            "opportunity_id",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_opportunity_stage_changes_line", table_name="opportunity_stage_changes")
    op.create_index(
        "ix_opportunity_stage_changes_line", "opportunity_stage_changes", ["business_line_id", "moved_at"]
    )
    op.drop_index("ix_opportunities_owner_funnel", table_name="opportunities")
    op.drop_index("ix_opportunities_zone_funnel", table_name="opportunities")
