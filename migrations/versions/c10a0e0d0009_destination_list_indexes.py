"""destination review list: the open-version probe and the default order over all cohorts (issue 10, speed)

Revision ID: c10a0e0d0009
Revises: c10a0e0d0008
Create Date: 2026-12-02 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0009'
down_revision = 'c10a0e0d0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('destination', schema=None) as batch_op:
        batch_op.create_index('ix_destination_open_versions', ['graduate_id', 'status'], unique=False,
                              postgresql_where=sa.text('NOT is_current'), sqlite_where=sa.text('NOT is_current'))
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.create_index('ix_graduate_student_no_id', ['student_no', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.drop_index('ix_graduate_student_no_id')
    with op.batch_alter_table('destination', schema=None) as batch_op:
        batch_op.drop_index('ix_destination_open_versions')
