"""reference data, employers and ab_user.employer_id (rows seeded by `flask gems bootstrap`)

Code tables: destination codes, 单位性质, 行业, 职位类别, rejection reasons, countries.

Revision ID: c10a0e0d0004
Revises: c91d0a7a0003
Create Date: 2026-12-01 21:10:49.545564

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c10a0e0d0004'
down_revision = 'c91d0a7a0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('country',
    sa.Column('alpha_3', sa.String(length=3), nullable=True),
    sa.Column('numeric', sa.String(length=3), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('destination_code',
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('placed', sa.Boolean(), nullable=False),
    sa.Column('rate_group', sa.String(length=20), nullable=False),
    sa.Column('rate_group_2021', sa.String(length=20), nullable=False),
    sa.Column('form_kind', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['destination_code.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('destination_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destination_code_parent_id'), ['parent_id'], unique=False)

    op.create_table('employer_nature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('industry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('job_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('rejection_reason',
    sa.Column('needs_text', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('employer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('nature_id', sa.Integer(), nullable=True),
    sa.Column('industry_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=True),
    sa.Column('contact_mobile', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['industry_id'], ['industry.id'], ),
    sa.ForeignKeyConstraint(['merged_into_id'], ['employer.id'], ),
    sa.ForeignKeyConstraint(['nature_id'], ['employer_nature.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credit_code')
    )
    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_industry_id'), ['industry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_nature_id'), ['nature_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_status'), ['status'], unique=False)

    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ab_user_employer_id'), ['employer_id'], unique=False)
        batch_op.create_foreign_key('fk_ab_user_employer_id', 'employer', ['employer_id'], ['id'])



def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ab_user_employer_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ab_user_employer_id'))
        batch_op.drop_column('employer_id')

    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employer_status'))
        batch_op.drop_index(batch_op.f('ix_employer_nature_id'))
        batch_op.drop_index(batch_op.f('ix_employer_name'))
        batch_op.drop_index(batch_op.f('ix_employer_merged_into_id'))
        batch_op.drop_index(batch_op.f('ix_employer_industry_id'))

    op.drop_table('employer')
    op.drop_table('rejection_reason')
    op.drop_table('job_category')
    op.drop_table('industry')
    op.drop_table('employer_nature')
    with op.batch_alter_table('destination_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destination_code_parent_id'))

    op.drop_table('destination_code')
    op.drop_table('country')
