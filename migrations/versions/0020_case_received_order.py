"""The cases in the order the API lists them (issue 15, item 2).

`ix_case_file_received_order` (received_on, id): `GET /api/v1/cases` lists the cases of the
caller's units newest first. Without it the database joined and sorted every case before the
first page: a country's centre (369,999 cases at 1,000,000 petitions) waited 1.2 s; along it,
1.5 ms (bench/README.md).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 13:00:00

"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_case_file_received_order",
        "case_file",
        ["received_on", "id"],
        unique=False,
        if_not_exists=True,
    )


def downgrade():
    op.drop_index("ix_case_file_received_order", table_name="case_file", if_exists=True)
