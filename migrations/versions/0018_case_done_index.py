"""A whole country's cases by the day they finished (issue 15, item 3).

`ix_case_file_done_unit` (the day the case finished or '9999-12-31' while it runs, unit_id,
accepted_on): the reports' and the dashboard's case base, "not finished before the period's
start" (cases.models.not_finished_before), over every unit of a country is one range of it.
Through `ix_case_file_unit_done` (migration 0015: unit first) it was one range per unit, 4,295
of them, whose order is not the table's: PostgreSQL read every case instead (the year of the
centre's dashboard, 112,086 cases of 1,801,982: 698 ms, 209 ms with this index,
bench/README.md).

PostgreSQL only (the model's Index is ddl_if postgresql): SQLite's planner serves a province,
whose reports and dashboard the benchmark keeps flat with the index of migration 0015.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# cases.models.FINISHED_ON_SQL as of this revision (a migration does not import the models)
FINISHED_ON_SQL = "coalesce(decided_on, closed_on, '9999-12-31')"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_case_file_done_unit",
            "case_file",
            [sa.text(FINISHED_ON_SQL), "unit_id", "accepted_on"],
            unique=False,
            if_not_exists=True,
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_file_done_unit", table_name="case_file", if_exists=True)
