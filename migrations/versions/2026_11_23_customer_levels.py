"""customer levels and tiers with their criteria; level-change requests

Revision ID: f6b2d1c8e3a5
Revises: e5a1c0b7d2f4
Create Date: 2026-11-23 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = 'f6b2d1c8e3a5'
down_revision: str | None = 'e5a1c0b7d2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
