"""workflow settings: one or two review levels per reviewed workflow (EMP-2)

Revision ID: c10a0e0d0006
Revises: c10a0e0d0005
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0006'
down_revision = 'c10a0e0d0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workflow_setting',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('levels', sa.Integer(), server_default='2', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade():
    op.drop_table('workflow_setting')
