"""partial lead indexes: mobile, e-mail, USCC and duplicate_of are indexed only where set

Most leads have no USCC, many no e-mail, few are duplicates: indexing their NULLs cost every
insert (a bulk import most of all) and served no query — de-duplication and the duplicates
list only look up values that are set.

Revision ID: 220a8bbf0795
Revises: 5b1e0f7c2d9a
Create Date: 2026-11-23 03:56:08.360907+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "220a8bbf0795"
down_revision: str | None = "5b1e0f7c2d9a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_leads_mobile", ["mobile", "created_at"], "mobile"),
    ("ix_leads_email", ["email", "created_at"], "email"),
    ("ix_leads_uscc", ["uscc", "created_at"], "uscc"),
    ("ix_leads_duplicate_of", ["duplicate_of_id"], "duplicate_of_id"),
]


def upgrade() -> None:
    for name, columns, column in INDEXES:
        op.drop_index(name, table_name="leads")
        op.create_index(name, "leads", columns, postgresql_where=sa.text(f"{column} IS NOT NULL"))


def downgrade() -> None:
    for name, columns, _ in INDEXES:
        op.drop_index(name, table_name="leads")
        op.create_index(name, "leads", columns)
