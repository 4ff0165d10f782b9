"""The dashboard flat (issue 15, item 2): the reports' cases by the day they finished.

`ix_case_file_unit_done` (unit_id, the day the case finished or '9999-12-31' while it runs,
accepted_on) replaces `ix_case_file_unit_accepted` (unit_id, accepted_on, decided_on,
closed_on). The reports' and the dashboard's case base, "not finished before the period's start
and accepted by its end" (reports/figures.py, cases.models.not_finished_before), is a range of
the new index: the cases finished since the period's start and those still running. On the old
one it was the range "accepted by the period's end", every case of ten years, read again for
each of the dashboard chart's twelve months.

Plain CREATE INDEX / DROP INDEX on both databases: no table is rebuilt.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# cases.models.FINISHED_ON_SQL as of this revision (a migration does not import the models)
FINISHED_ON_SQL = "coalesce(decided_on, closed_on, '9999-12-31')"


def upgrade():
    op.create_index(
        "ix_case_file_unit_done",
        "case_file",
        ["unit_id", sa.text(FINISHED_ON_SQL), "accepted_on"],
        unique=False,
    )
    op.drop_index("ix_case_file_unit_accepted", table_name="case_file")


def downgrade():
    op.create_index(
        "ix_case_file_unit_accepted",
        "case_file",
        ["unit_id", "accepted_on", "decided_on", "closed_on"],
        unique=False,
    )
    op.drop_index("ix_case_file_unit_done", table_name="case_file")
