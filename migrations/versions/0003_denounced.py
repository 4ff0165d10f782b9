"""Once a denunciation, always protected: petitions and visits remember that they were
recorded as a denunciation, so that a later reclassification does not lift the protection of
the denouncer's identity (LTC Art 47).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("petition", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("denounced", sa.Boolean(), nullable=False, server_default=sa.false())
            )
        # What is a denunciation now was one: the earlier kinds are not kept elsewhere.
        rows = sa.table(table, sa.column("kind"), sa.column("denounced", sa.Boolean()))
        op.execute(rows.update().where(rows.c.kind == "denunciation").values(denounced=True))


def downgrade():
    for table in ("petition", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("denounced")
