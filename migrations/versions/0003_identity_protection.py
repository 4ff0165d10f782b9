"""The protection of a denouncer's identity, stored with the records (LTC Art 47).

- petition.denounced, visit.denounced: once recorded as a denunciation, always protected (a
  later reclassification does not lift it);
- petition.protected, visit.protected, case_file.protected: the record's matter is a
  denunciation's (core/confidentiality.py keeps them after every change); computed here for
  the records already written: the marks, then their spread along the links (a case's
  petitions, the petitions taken at a visit) until nothing changes;
- a pending task to rebuild the petitions' search texts, stripped of the identities of their
  matter (`flask --app complaints maintenance`, run by `make migrate`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FLAG = dict(nullable=False, server_default=sa.false())


def upgrade():
    for table in ("petition", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("denounced", sa.Boolean(), **FLAG))
            batch_op.add_column(sa.Column("protected", sa.Boolean(), **FLAG))
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protected", sa.Boolean(), **FLAG))
    op.create_table(
        "pending_task",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pending_task")),
    )

    p = sa.table(
        "petition",
        sa.column("id"),
        sa.column("kind"),
        sa.column("case_id"),
        sa.column("visit_id"),
        sa.column("denounced", sa.Boolean()),
        sa.column("protected", sa.Boolean()),
    )
    v = sa.table(
        "visit",
        sa.column("id"),
        sa.column("kind"),
        sa.column("is_repeat", sa.Boolean()),
        sa.column("denounced", sa.Boolean()),
        sa.column("protected", sa.Boolean()),
    )
    c = sa.table(
        "case_file", sa.column("id"), sa.column("kind"), sa.column("protected", sa.Boolean())
    )
    ps = sa.table("petition_sender", sa.column("petition_id"), sa.column("identity_no"))
    vp = sa.table("visit_person", sa.column("visit_id"), sa.column("identity_no"))
    den = "denunciation"
    # What is a denunciation now was one: the earlier kinds are not kept elsewhere.
    op.execute(p.update().where(p.c.kind == den).values(denounced=True, protected=True))
    op.execute(v.update().where(v.c.kind == den).values(denounced=True, protected=True))
    op.execute(c.update().where(c.c.kind == den).values(protected=True))
    # A repeat visit (the same matter again) of a denouncer.
    q, w = p.alias(), v.alias()
    denouncers = sa.union(
        sa.select(ps.c.identity_no)
        .join(q, q.c.id == ps.c.petition_id)
        .where(q.c.kind == den, ps.c.identity_no != ""),
        sa.select(vp.c.identity_no)
        .join(w, w.c.id == vp.c.visit_id)
        .where(w.c.kind == den, vp.c.identity_no != ""),
    )
    op.execute(
        v.update()
        .where(
            v.c.is_repeat.is_(True),
            sa.exists(
                sa.select(1).where(
                    vp.c.visit_id == v.c.id,
                    vp.c.identity_no != "",
                    vp.c.identity_no.in_(denouncers),
                )
            ),
        )
        .values(protected=True)
    )
    bind = op.get_bind()
    while True:  # the spread along the links, to the fixpoint
        q, w, k = p.alias(), v.alias(), c.alias()
        spread = bind.execute(
            c.update()
            .where(
                c.c.protected.is_(False),
                sa.exists(sa.select(1).where(q.c.case_id == c.c.id, q.c.protected.is_(True))),
            )
            .values(protected=True)
        ).rowcount
        spread += bind.execute(
            p.update()
            .where(
                p.c.protected.is_(False),
                sa.or_(
                    sa.exists(sa.select(1).where(k.c.id == p.c.case_id, k.c.protected.is_(True))),
                    sa.exists(sa.select(1).where(w.c.id == p.c.visit_id, w.c.protected.is_(True))),
                ),
            )
            .values(protected=True)
        ).rowcount
        spread += bind.execute(
            v.update()
            .where(
                v.c.protected.is_(False),
                sa.exists(sa.select(1).where(q.c.visit_id == v.c.id, q.c.protected.is_(True))),
            )
            .values(protected=True)
        ).rowcount
        if not spread:
            break
    t = sa.table("pending_task", sa.column("name"))
    op.execute(t.insert().values(name="refresh_search_texts"))


def downgrade():
    op.drop_table("pending_task")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("protected")
    for table in ("petition", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("protected")
            batch_op.drop_column("denounced")
