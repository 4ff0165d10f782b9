"""Leaders' sessions: who hosted a reception session and who recorded it.

- reception_session.host_leader_id: the leader of the session's unit who hosted it (its head in
  person, a deputy by delegation), when the unit's leaders are recorded; host_name and
  host_title keep his name and title as they were on the day;
- reception_session.recorded_by_unit_id: the unit whose officers filed the session under the
  authority they receive for (the Ban TCD for the chairman's periodic sessions of UBND thành
  phố); its officers keep seeing and editing it, and the petitions taken go in its register.

Existing sessions keep their typed host and are their own unit's (both columns NULL): which of
the Ban TCD's past sessions were the chairman's is not recorded, so none is moved.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reception_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host_leader_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reception_session_host_leader_id_unit_leader"),
            "unit_leader",
            ["host_leader_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reception_session_recorded_by_unit_id_unit"),
            "unit",
            ["recorded_by_unit_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_reception_session_recorded_by_unit_id"),
            ["recorded_by_unit_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("reception_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_session_recorded_by_unit_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_reception_session_recorded_by_unit_id_unit"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_reception_session_host_leader_id_unit_leader"), type_="foreignkey"
        )
        batch_op.drop_column("recorded_by_unit_id")
        batch_op.drop_column("host_leader_id")
