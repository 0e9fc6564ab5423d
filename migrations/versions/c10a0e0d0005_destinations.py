"""destinations (one row per version, one current per graduate), their evidence, cohort change deadline and lock

Revision ID: c10a0e0d0005
Revises: c10a0e0d0004
Create Date: 2026-12-02 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0005'
down_revision = 'c10a0e0d0004'
branch_labels = None
depends_on = None

INDEXES = ("code_id", "employer_id", "job_category_id", "country_id", "status")


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('plan_locked', sa.Boolean(), server_default='0', nullable=False))

    op.create_table('destination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('kind', sa.String(length=10), server_default='original', nullable=False),
    sa.Column('from_agreement', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('job_category_id', sa.Integer(), nullable=True),
    sa.Column('host_unit', sa.String(length=200), nullable=True),
    sa.Column('venture_name', sa.String(length=200), nullable=True),
    sa.Column('venture_credit_code', sa.String(length=18), nullable=True),
    sa.Column('online_shop', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('shop_address', sa.String(length=300), nullable=True),
    sa.Column('work_description', sa.Text(), nullable=True),
    sa.Column('school_name', sa.String(length=200), nullable=True),
    sa.Column('foreign_school_name', sa.String(length=200), nullable=True),
    sa.Column('country_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('transfer_no', sa.String(length=40), nullable=True),
    sa.Column('verification_no', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('college_decision', sa.String(length=10), nullable=True),
    sa.Column('college_remark', sa.Text(), nullable=True),
    sa.Column('college_decided_at', sa.DateTime(), nullable=True),
    sa.Column('college_decided_by', sa.String(length=64), nullable=True),
    sa.Column('school_decision', sa.String(length=10), nullable=True),
    sa.Column('school_remark', sa.Text(), nullable=True),
    sa.Column('school_decided_at', sa.DateTime(), nullable=True),
    sa.Column('school_decided_by', sa.String(length=64), nullable=True),
    sa.Column('rejection_reasons', sa.String(length=200), nullable=True),
    sa.Column('rejection_text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['destination_code.id'], ),
    sa.ForeignKeyConstraint(['country_id'], ['country.id'], ),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], ),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], ),
    sa.ForeignKeyConstraint(['job_category_id'], ['job_category.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('graduate_id', 'version_no', name='uq_destination_graduate_version')
    )
    with op.batch_alter_table('destination', schema=None) as batch_op:
        for column in INDEXES:
            batch_op.create_index(batch_op.f(f'ix_destination_{column}'), [column], unique=False)
        batch_op.create_index('ix_destination_status_code', ['status', 'code_id'], unique=False)
        batch_op.create_index('uq_destination_one_current', ['graduate_id'], unique=True,
                              postgresql_where=sa.text('is_current'), sqlite_where=sa.text('is_current'))

    op.create_table('destination_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('destination_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['destination_id'], ['destination.id'], ),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('destination_id', 'evidence_id', name='uq_destination_evidence')
    )
    with op.batch_alter_table('destination_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destination_evidence_destination_id'), ['destination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_evidence_evidence_id'), ['evidence_id'], unique=False)


def downgrade():
    with op.batch_alter_table('destination_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destination_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_destination_evidence_destination_id'))
    op.drop_table('destination_evidence')
    with op.batch_alter_table('destination', schema=None) as batch_op:
        batch_op.drop_index('uq_destination_one_current')
        batch_op.drop_index('ix_destination_status_code')
        for column in INDEXES:
            batch_op.drop_index(batch_op.f(f'ix_destination_{column}'))
    op.drop_table('destination')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('plan_locked')
        batch_op.drop_column('change_deadline')
