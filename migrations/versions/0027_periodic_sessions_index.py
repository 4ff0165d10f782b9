"""Who is behind read from an index of the periodic sessions alone (issue 15, item 2).

`ix_reception_session_periodic` (session_date, unit_id, status, host_mode, published_on)
WHERE kind = 'periodic': the obligations page and the dashboard count the periodic sessions of
a range of days by unit, month and week, held, in person, planned, cancelled, postponed and
published late (obligations/compliance.py). PostgreSQL read them from the table along the
index of days, three regular sessions of the desks for each periodic one: a country's seven
months at 5,000,000 petitions, 17,080 sessions, 48 -> 30 ms for the statement.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 00:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# The index's predicate, in the very words the query states (reception.models.PERIODIC_SQL).
PERIODIC_SQL = "kind = 'periodic'"


def upgrade():
    op.create_index(
        "ix_reception_session_periodic",
        "reception_session",
        ["session_date", "unit_id", "status", "host_mode", "published_on"],
        sqlite_where=sa.text(PERIODIC_SQL),
        postgresql_where=sa.text(PERIODIC_SQL),
    )


def downgrade():
    op.drop_index("ix_reception_session_periodic", table_name="reception_session", if_exists=True)
