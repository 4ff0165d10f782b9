"""The dashboard's closed months kept per unit (issue 15, item 3).

month_figures: a unit's figures of one report month (cases carried over, new, in all, resolved;
by the kinds counted), computed from the registers when the dashboard first reads them and
deleted with any change to what they count (reports/month_figures.py). A country's centre
counted its year of cases (112,086 of 1,801,982 at 5,000,000 petitions) on every view.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "month_figures",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.String(length=60), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("carried_over", sa.BigInteger(), nullable=False),
        sa.Column("new", sa.BigInteger(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.Column("resolved", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_month_figures_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", "kinds", "start", "end", name=op.f("pk_month_figures")),
    )
    with op.batch_alter_table("month_figures", schema=None) as batch_op:
        batch_op.create_index("ix_month_figures_unit_end", ["unit_id", "end"], unique=False)


def downgrade():
    with op.batch_alter_table("month_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_month_figures_unit_end")
    op.drop_table("month_figures")
