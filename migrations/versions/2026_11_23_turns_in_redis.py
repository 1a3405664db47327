"""routing turns move to Redis: drop routing_cursors

Round-robin / weighted turns are now one atomic INCRBY in Redis (services/lead_routing.py):
no database connection per routed lead, and no second pooled connection a busy request could
wait on while holding its own.

Revision ID: 5b1e0f7c2d9a
Revises: 0ec829c44bc1
Create Date: 2026-11-23 03:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0f7c2d9a"
down_revision: str | None = "0ec829c44bc1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("routing_cursors")


def downgrade() -> None:
    op.create_table(
        "routing_cursors",
        sa.Column("rule_id", sa.UUID(), nullable=False),
        sa.Column("next_index", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["assignment_rules.id"],
            name=op.f("fk_routing_cursors_rule_id_assignment_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_routing_cursors")),
    )
