"""graduate: one ID number per cohort (unique cohort_id, id_number)

Revision ID: c91d0a7a0003
Revises: c81a0d17a002
Create Date: 2026-12-01 21:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c91d0a7a0003'
down_revision = 'c81a0d17a002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_graduate_cohort_id_number', ['cohort_id', 'id_number'])


def downgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_graduate_cohort_id_number', type_='unique')
