"""The queue's waiting petitions and the periodic sessions counted from indexes alone (issue
15, item 2).

- `ix_petition_status_unit` (status, unit_id, received_date) gains `kind` and `id`: the
  overdue list's heading and the dashboard's tiles count the petitions waiting to be processed
  by kind and day of receipt, each one's stored deadline found by its id (pending.count). At a
  country's 5,000,000 petitions the centre's 11,102 waiting petitions were each fetched from
  the table for those two columns (18.5 ms of the statement's 40; from the index, 4.6 ms).
- `ix_reception_session_kind_date` (kind, session_date, unit_id): the obligations page counts
  the periodic sessions of its months for the plan's pager; the range of days read every
  regular session of the desks too (three for each periodic one at the country), from the
  table (40 -> 16.5 ms).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 21:20:00

"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _status_unit(columns: list[str]) -> None:
    op.drop_index("ix_petition_status_unit", table_name="petition", if_exists=True)
    op.create_index("ix_petition_status_unit", "petition", columns)


def upgrade():
    _status_unit(["status", "unit_id", "received_date", "kind", "id"])
    op.create_index(
        "ix_reception_session_kind_date", "reception_session", ["kind", "session_date", "unit_id"]
    )


def downgrade():
    op.drop_index("ix_reception_session_kind_date", table_name="reception_session", if_exists=True)
    _status_unit(["status", "unit_id", "received_date"])
