"""Report conventions: a unit may print complaints' and denunciations' rates each apart.

- report_settings.rate_kinds also takes 'each' (complaints and denunciations, each kind with its
  own rate, in one sentence as provinces publish it); the rounding 'truncate_0' needs no schema
  change (rounding has no check constraint).

Existing settings keep their value.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:00:00

"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS_BEFORE = "rate_kinds IN ('both', 'complaint', 'denunciation')"
KINDS_AFTER = "rate_kinds IN ('both', 'complaint', 'denunciation', 'each')"


def upgrade():
    with op.batch_alter_table("report_settings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_report_settings_rate_kinds"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_report_settings_rate_kinds"), KINDS_AFTER)


def downgrade():
    # A unit printing each kind apart goes back to both kinds together.
    op.execute("UPDATE report_settings SET rate_kinds = 'both' WHERE rate_kinds = 'each'")
    op.execute(
        "UPDATE report_settings SET rounding = 'truncate_1' WHERE rounding = 'truncate_0'"
    )
    with op.batch_alter_table("report_settings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_report_settings_rate_kinds"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_report_settings_rate_kinds"), KINDS_BEFORE
        )
