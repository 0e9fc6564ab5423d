"""issue 12, offline part: the evidence files of an out-of-province application

Revision ID: c12a0e0d0011
Revises: c12a0e0d0010
Create Date: 2026-12-02 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c12a0e0d0011'
down_revision = 'c12a0e0d0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('out_of_province_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['out_of_province_application.id'], ),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'evidence_id', name='uq_out_of_province_evidence')
    )
    with op.batch_alter_table('out_of_province_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_out_of_province_evidence_application_id'), ['application_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_out_of_province_evidence_evidence_id'), ['evidence_id'], unique=False)


def downgrade():
    with op.batch_alter_table('out_of_province_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_out_of_province_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_out_of_province_evidence_application_id'))

    op.drop_table('out_of_province_evidence')
