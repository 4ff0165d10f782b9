"""The dashboard's cases read from the index alone (issue 15, item 3).

`ix_case_file_done_unit` (migration 0018) again, with the columns the dashboard's figures read
(kind, state, decided_on, closed_on, termination_reason) carried in it (INCLUDE): the months
and the year of a country's centre, 37,655 cases at 1,000,000 petitions, were fetched row by
row from the table (28 ms of a 78 ms statement); from the index alone, 9 ms
(bench/README.md).

PostgreSQL only, as migration 0018.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# cases.models.FINISHED_ON_SQL as of this revision (a migration does not import the models)
FINISHED_ON_SQL = "coalesce(decided_on, closed_on, '9999-12-31')"
CARRIED = ["kind", "state", "decided_on", "closed_on", "termination_reason"]


def _create(include: list[str]) -> None:
    op.create_index(
        "ix_case_file_done_unit",
        "case_file",
        [sa.text(FINISHED_ON_SQL), "unit_id", "accepted_on"],
        unique=False,
        postgresql_include=include,
    )


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_file_done_unit", table_name="case_file", if_exists=True)
        _create(CARRIED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_file_done_unit", table_name="case_file", if_exists=True)
        _create([])
