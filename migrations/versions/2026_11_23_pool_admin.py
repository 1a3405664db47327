"""pool administration: target pools, per-role pool permissions, pool edit and deactivation

Revision ID: e5a1c0b7d2f4
Revises: 41d7ef9a6d07
Create Date: 2026-11-23 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'e5a1c0b7d2f4'
down_revision: str | None = '41d7ef9a6d07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pool_permissions',
        sa.Column('pool_id', sa.UUID(), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('can_view', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('can_claim', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('can_allocate', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.ForeignKeyConstraint(
            ['pool_id'], ['pools.id'], name=op.f('fk_pool_permissions_pool_id_pools'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['role'],
            ['roles.name'],
            name=op.f('fk_pool_permissions_role_roles'),
            onupdate='CASCADE',
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('pool_id', 'role', name=op.f('pk_pool_permissions')),
    )
    op.create_table(
        'pool_target_rules',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('industries', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
        sa.Column('tiers', postgresql.ARRAY(sa.String(length=8)), server_default='{}', nullable=False),
        sa.Column('levels', postgresql.ARRAY(sa.String(length=8)), server_default='{}', nullable=False),
        sa.Column('zone_ids', postgresql.ARRAY(sa.UUID()), server_default='{}', nullable=False),
        sa.Column('pool_id', sa.UUID(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['pool_id'], ['pools.id'], name=op.f('fk_pool_target_rules_pool_id_pools'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_target_rules')),
        sa.UniqueConstraint('position', name=op.f('uq_pool_target_rules_position')),
    )


def downgrade() -> None:
    op.drop_table('pool_target_rules')
    op.drop_table('pool_permissions')
