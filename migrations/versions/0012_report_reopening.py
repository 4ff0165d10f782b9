"""Locking a period only after its end, and reopening a lock (issue 14, item 6).

closed_report.early_reason: the reason given when a period was locked before its end (an
explicit override; "" for a lock after the end). report_reopening: one row per lock reopened by
a leader or an administrator, keeping the lock as it was (its frozen figures, who and when, the
early reason) beside who reopened it, when and why; the period can then be locked again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("closed_report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("early_reason", sa.Text(), server_default="", nullable=False)
        )
    op.create_table(
        "report_reopening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("with_subunits", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("early_reason", sa.Text(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_report_reopening_reason_given")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_reopening_closed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_reopening_reopened_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_report_reopening_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reopening")),
    )
    with op.batch_alter_table("report_reopening", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_reopening_period", ["unit_id", "form", "start", "end"], unique=False
        )


def downgrade():
    with op.batch_alter_table("report_reopening", schema=None) as batch_op:
        batch_op.drop_index("ix_report_reopening_period")
    op.drop_table("report_reopening")
    with op.batch_alter_table("closed_report", schema=None) as batch_op:
        batch_op.drop_column("early_reason")
