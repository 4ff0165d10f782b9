"""The petitions' processing deadlines not met yet, indexed apart (issue 15, item 2).

`ix_deadline_petition_open` (petition_id, due) WHERE active AND met_on IS NULL AND petition_id
IS NOT NULL: the queue's due dates, the overdue page's heading and the dashboard's tiles join
the waiting petitions to their stored processing deadlines (petitions/pending.py). A deadline
is stored when its petition is processed and met that day, so the index holds next to nothing;
a country's 11,102 waiting petitions each probed the ten million deadlines instead (21 -> 10
ms at 5,000,000 petitions).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# The index's predicate, in the very words the queries state (cases.models.OPEN_PETITION_DUE_SQL).
OPEN_PETITION_DUE_SQL = "active AND met_on IS NULL AND petition_id IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_deadline_petition_open",
        "deadline",
        ["petition_id", "due"],
        sqlite_where=sa.text(OPEN_PETITION_DUE_SQL),
        postgresql_where=sa.text(OPEN_PETITION_DUE_SQL),
    )


def downgrade():
    op.drop_index("ix_deadline_petition_open", table_name="deadline", if_exists=True)
