"""pool administration: target pools, per-role pool permissions, pool edit and deactivation

Revision ID: e5a1c0b7d2f4
Revises: 41d7ef9a6d07
Create Date: 2026-11-23 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = 'e5a1c0b7d2f4'
down_revision: str | None = '41d7ef9a6d07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
