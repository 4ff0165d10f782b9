"""The reception log in its order (issue 15, item 3).

`ix_visit_log_order` (visit_date, id): the log (sổ tiếp công dân) lists a range of days in
this order. Without it the database read and sorted every visit of the range before the first
page: the centre of a country opening half a year (1.25 million visits) waited 9.7 s
(bench/README.md). Along it, the first page is the range's first visits of the units asked.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 07:30:00

"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_visit_log_order", "visit", ["visit_date", "id"], unique=False, if_not_exists=True
    )


def downgrade():
    op.drop_index("ix_visit_log_order", table_name="visit", if_exists=True)
