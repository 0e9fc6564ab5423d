"""issue 12, terminations part: model changes of this part (empty until it needs one)

Revision ID: c12a0e0d0014
Revises: c12a0e0d0013
Create Date: 2026-12-02 06:00:00.000000

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'c12a0e0d0014'
down_revision = 'c12a0e0d0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
