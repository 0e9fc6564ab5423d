"""employment plan: confirmations, lock history, statistics rollup, refresh marks and daily snapshots

Revision ID: c10a0e0d0007
Revises: c10a0e0d0006
Create Date: 2026-12-02 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0007'
down_revision = 'c10a0e0d0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('destination_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['destination_id'], ['destination.id'], ),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('graduate_id')
    )
    with op.batch_alter_table('plan_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_confirmation_destination_id'), ['destination_id'], unique=False)

    op.create_table('plan_lock_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_lock_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_lock_event_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('stat_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=True),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('graduates', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['destination_code.id'], ),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stat_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_stat_rollup_lookup', ['cohort_id', 'dimension', 'department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stat_rollup_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stat_rollup_department_id'), ['department_id'], unique=False)

    op.create_table('stat_refresh',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.Column('graduates', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.PrimaryKeyConstraint('cohort_id')
    )

    op.create_table('stat_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('graduates', sa.Integer(), nullable=False),
    sa.Column('placed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cohort_id', 'department_id', 'day', name='uq_stat_snapshot_day')
    )
    with op.batch_alter_table('stat_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stat_snapshot_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stat_snapshot_department_id'), ['department_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stat_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_snapshot_department_id'))
        batch_op.drop_index(batch_op.f('ix_stat_snapshot_cohort_id'))
    op.drop_table('stat_snapshot')
    op.drop_table('stat_refresh')
    with op.batch_alter_table('stat_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_rollup_department_id'))
        batch_op.drop_index(batch_op.f('ix_stat_rollup_code_id'))
        batch_op.drop_index('ix_stat_rollup_lookup')
    op.drop_table('stat_rollup')
    with op.batch_alter_table('plan_lock_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_lock_event_cohort_id'))
    op.drop_table('plan_lock_event')
    with op.batch_alter_table('plan_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_confirmation_destination_id'))
    op.drop_table('plan_confirmation')
