"""audit chain key ids: each row and the head name the HMAC key that made them ('' = legacy sha256)

Revision ID: c81a0d17a001
Revises: 3dd0794ee20c
Create Date: 2026-12-01 09:00:00.000000

Existing rows keep key_id '' and their sha256 hashes; the application seals them with an audit.key_rotated entry
('' -> current key id) at its next audited event or at `flask --app run gems audit-checkpoint`.
Adding a column with a default does not fire the append-only trigger (it guards UPDATE, DELETE and TRUNCATE).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c81a0d17a001'
down_revision = '3dd0794ee20c'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_log', sa.Column('key_id', sa.String(length=16), nullable=False, server_default=''))
    op.add_column('audit_head', sa.Column('key_id', sa.String(length=16), nullable=False, server_default=''))


def downgrade():
    # Keyed rows cannot be verified by the old sha256 code: downgrading is for development databases only. A plain
    # DROP COLUMN (SQLite >= 3.35) keeps audit_log's append-only triggers, which a batch table rebuild would lose.
    op.execute('ALTER TABLE audit_head DROP COLUMN key_id')
    op.execute('ALTER TABLE audit_log DROP COLUMN key_id')
