"""Reported figures: what a unit reported for a period, kept to be checked against the
registers (issue 13, "check a report you were sent").

One row per report received (a corrected report is a new row); `figures` maps each figure id
to the integer reported and the resolution rate to the text published ("88,9").

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reported_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("period_label", sa.String(length=80), nullable=False),
        sa.Column("with_subunits", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("checking_unit_id", sa.Integer(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('typed', 'file')", name=op.f("ck_reported_figures_source")),
        sa.CheckConstraint('"end" >= start', name=op.f("ck_reported_figures_period_order")),
        sa.ForeignKeyConstraint(
            ["checking_unit_id"], ["unit.id"], name=op.f("fk_reported_figures_checking_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user_account.id"],
            name=op.f("fk_reported_figures_entered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_reported_figures_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reported_figures")),
    )
    with op.batch_alter_table("reported_figures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reported_figures_period", ["unit_id", "form", "start", "end"], unique=False
        )


def downgrade():
    with op.batch_alter_table("reported_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_reported_figures_period")
    op.drop_table("reported_figures")
