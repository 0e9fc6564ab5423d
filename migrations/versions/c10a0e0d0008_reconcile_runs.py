"""reconciliation with the national system: runs and their differences (EMP-5)

Revision ID: c10a0e0d0008
Revises: c10a0e0d0007
Create Date: 2026-12-02 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0008'
down_revision = 'c10a0e0d0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconcile_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('national_rows', sa.Integer(), nullable=False),
    sa.Column('gems_rows', sa.Integer(), nullable=False),
    sa.Column('counts_json', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconcile_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconcile_run_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('reconcile_difference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=True),
    sa.Column('student_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('national_value', sa.String(length=300), nullable=True),
    sa.Column('gems_value', sa.String(length=300), nullable=True),
    sa.Column('gems_status', sa.String(length=20), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['reconcile_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconcile_difference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconcile_difference_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_reconcile_difference_run_kind', ['run_id', 'kind', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('reconcile_difference', schema=None) as batch_op:
        batch_op.drop_index('ix_reconcile_difference_run_kind')
        batch_op.drop_index(batch_op.f('ix_reconcile_difference_graduate_id'))

    op.drop_table('reconcile_difference')
    with op.batch_alter_table('reconcile_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconcile_run_cohort_id'))

    op.drop_table('reconcile_run')
