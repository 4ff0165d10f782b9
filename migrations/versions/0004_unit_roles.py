"""Units in their roles: who receives, who is competent, who processes (README "Who receives,
who is competent, who verifies").

- unit.advises_id: the authority a unit receives for or advises; unit.processing_unit_id: the
  unit whose handlers process the petitions registered there; unit.doc_symbol: the symbol of
  its documents ("UBND", "TTr");
- unit_leader: a unit's head and deputies (who sign its acts, host its receptions);
- case_file.received_unit_id: the unit that received the case's first petition, apart from
  case_file.unit_id, now the competent authority; case_file.authority_ground.

The rule for what exists: a Ban Tiếp công dân or a Thanh tra placed under a People's Committee
(its name begins "UBND" or "Ủy ban nhân dân") advises that committee, and a Ban Tiếp công dân
has its petitions processed by the Thanh tra under the same committee, when there is one. A
committee's documents take the symbol "UBND", a Thanh tra's "TTr". Every case's receiving unit
is the unit it was registered under, and its competent authority the unit that one advises,
else the unit itself. Administrators correct a unit's roles on its page; cases opened later
follow the roles in force when they are accepted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:00:00

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _folded(name: str) -> str:
    text = unicodedata.normalize("NFC", name or "").casefold().strip()
    return text.replace("uỷ", "ủy")


def _is_committee(name: str) -> bool:
    return _folded(name).startswith(("ubnd", "ủy ban nhân dân"))


def _is_reception(name: str) -> bool:
    return _folded(name).startswith(("ban tiếp công dân", "ban tcd"))


def _is_inspectorate(name: str) -> bool:
    return _folded(name).startswith("thanh tra")


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advises_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("processing_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("doc_symbol", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_unit_advises_id_unit"), "unit", ["advises_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_unit_processing_unit_id_unit"), "unit", ["processing_unit_id"], ["id"]
        )
    op.create_table(
        "unit_leader",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_leader_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_leader")),
    )
    with op.batch_alter_table("unit_leader", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_leader_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("authority_ground", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_file_received_unit_id_unit"), "unit", ["received_unit_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_case_file_received_unit_id"), ["received_unit_id"], unique=False
        )

    bind = op.get_bind()
    unit = sa.table(
        "unit",
        sa.column("id"),
        sa.column("name"),
        sa.column("parent_id"),
        sa.column("advises_id"),
        sa.column("processing_unit_id"),
        sa.column("doc_symbol"),
    )
    rows = bind.execute(sa.select(unit.c.id, unit.c.name, unit.c.parent_id)).all()
    names = {r.id: r.name for r in rows}
    for r in rows:
        values = {}
        if _is_committee(r.name):
            values["doc_symbol"] = "UBND"
        elif _is_inspectorate(r.name):
            values["doc_symbol"] = "TTr"
        parent = r.parent_id
        if parent in names and _is_committee(names[parent]):
            if _is_reception(r.name) or _is_inspectorate(r.name):
                values["advises_id"] = parent
            if _is_reception(r.name):
                inspectorate = next(
                    (
                        s.id
                        for s in rows
                        if s.parent_id == parent and _is_inspectorate(s.name)
                    ),
                    None,
                )
                if inspectorate is not None:
                    values["processing_unit_id"] = inspectorate
        if values:
            bind.execute(unit.update().where(unit.c.id == r.id).values(**values))

    case = sa.table(
        "case_file", sa.column("unit_id"), sa.column("received_unit_id")
    )
    op.execute(case.update().values(received_unit_id=case.c.unit_id))
    advised = (
        sa.select(unit.c.advises_id)
        .where(unit.c.id == case.c.received_unit_id, unit.c.advises_id.is_not(None))
        .scalar_subquery()
    )
    op.execute(
        case.update()
        .where(
            sa.exists().where(unit.c.id == case.c.received_unit_id, unit.c.advises_id.is_not(None))
        )
        .values(unit_id=advised)
    )


def downgrade():
    case = sa.table("case_file", sa.column("unit_id"), sa.column("received_unit_id"))
    op.execute(
        case.update()
        .where(case.c.received_unit_id.is_not(None))
        .values(unit_id=case.c.received_unit_id)
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_received_unit_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_case_file_received_unit_id_unit"), type_="foreignkey"
        )
        batch_op.drop_column("authority_ground")
        batch_op.drop_column("received_unit_id")
    with op.batch_alter_table("unit_leader", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_leader_unit_id"))
    op.drop_table("unit_leader")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_unit_processing_unit_id_unit"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_unit_advises_id_unit"), type_="foreignkey")
        batch_op.drop_column("doc_symbol")
        batch_op.drop_column("processing_unit_id")
        batch_op.drop_column("advises_id")
