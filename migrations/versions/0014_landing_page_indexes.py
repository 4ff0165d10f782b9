"""The landing pages flat (issue 15, item 2): indexes of what is still running.

- `ix_case_file_open`: the open cases (partial, `cases.models.OPEN_CASE_SQL`), with the
  columns the open / overdue / due-soon counts read. The lists' scope is an OR of three unit
  columns that no index serves: the counts of the dashboard, the case lists and the overdue
  page read every case of the history without it.
- `ix_petition_status_unit`: the petitions waiting to be processed, by unit (the queue, its
  counts on the dashboard and the overdue page).
- `ix_petition_transfer_unanswered` (result_on, answer_due) replaces the index of answer_due
  alone: the sender's late transfers are a range of the unanswered ones.

Plain CREATE INDEX on both databases: no table is rebuilt (the FTS5 triggers of petition and
visit, migration 0013, stay as they are).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# cases.models.OPEN_CASE_SQL as of this revision (a migration does not import the models)
OPEN_CASE_SQL = (
    "state NOT IN ('answered', 'appealed', 'enforced', 'final', 'merged', 'not_accepted', "
    "'terminated', 'transferred')"
)


def upgrade():
    op.create_index(
        "ix_case_file_open",
        "case_file",
        ["unit_id", "assigned_unit_id", "received_unit_id", "received_on", "next_due", "state"],
        unique=False,
        sqlite_where=sa.text(OPEN_CASE_SQL),
        postgresql_where=sa.text(OPEN_CASE_SQL),
    )
    op.create_index(
        "ix_petition_status_unit",
        "petition",
        ["status", "unit_id", "received_date"],
        unique=False,
    )
    op.drop_index("ix_petition_transfer_answer_due", table_name="petition_transfer")
    op.create_index(
        "ix_petition_transfer_unanswered",
        "petition_transfer",
        ["result_on", "answer_due"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_petition_transfer_unanswered", table_name="petition_transfer")
    op.create_index(
        "ix_petition_transfer_answer_due", "petition_transfer", ["answer_due"], unique=False
    )
    op.drop_index("ix_petition_status_unit", table_name="petition")
    op.drop_index("ix_case_file_open", table_name="case_file")
