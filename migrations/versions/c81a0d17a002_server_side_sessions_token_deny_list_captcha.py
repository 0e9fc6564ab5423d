"""server-side sessions, JWT deny-list, single-use captcha challenges, per-account auth epoch

Revision ID: c81a0d17a002
Revises: c81a0d17a001
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c81a0d17a002'
down_revision = 'c81a0d17a001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('captcha_challenge',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('captcha_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_challenge_expires_at'), ['expires_at'], unique=False)

    op.create_table('revoked_token',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('jti')
    )
    with op.batch_alter_table('revoked_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_token_expires_at'), ['expires_at'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    # a plain ADD COLUMN (no batch rebuild of ab_user)
    op.add_column('ab_user', sa.Column('auth_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.execute('ALTER TABLE ab_user DROP COLUMN auth_epoch')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_session_expires_at'))

    op.drop_table('user_session')
    with op.batch_alter_table('revoked_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_token_expires_at'))

    op.drop_table('revoked_token')
    with op.batch_alter_table('captcha_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_challenge_expires_at'))

    op.drop_table('captcha_challenge')
