"""The content of a denunciation's case as handed on to the verifier, stripped of the
denouncer's identity (LTC Art 47, 56).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verifier_summary", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("verifier_summary")
