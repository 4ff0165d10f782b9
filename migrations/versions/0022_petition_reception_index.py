"""The petitions received at the reception desks, by day (issue 15, item 4).

`ix_petition_reception` (received_date, unit_id) WHERE source = 'reception': the reception
figures (form 02/TCD) count a fifth of the petitions. PostgreSQL found them by reading the
period's petitions through another index and keeping those received at the desks: a year of a
country's centre at 1,000,000 petitions, 100,000 rows for 20,149, took 86-156 ms depending on
what the cache held (the report's ratio to its floor 0.90 in one run, 1.59 in the next); along
this index, 23 ms (bench/README.md).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

RECEPTION = "source = 'reception'"


def upgrade():
    op.create_index(
        "ix_petition_reception",
        "petition",
        ["received_date", "unit_id"],
        unique=False,
        if_not_exists=True,
        postgresql_where=sa.text(RECEPTION),
        sqlite_where=sa.text(RECEPTION),
    )


def downgrade():
    op.drop_index("ix_petition_reception", table_name="petition", if_exists=True)
