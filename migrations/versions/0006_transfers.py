"""Hand-off inside the system: a petition transferred or urged to a unit of the same tree lands
in its register, and the sender follows it (petitions/transfers.py).

- petition.source takes "transferred" (Cơ quan, đơn vị trong hệ thống chuyển đến);
- petition.forwarded_from_id: on the receiver's copy, the sender's petition;
  petition.transfer_unit_id: on the sender's petition, the unit it was handed to;
- petition_transfer: the hand-off (sender and receiver petitions, the unit, date, document,
  the answer deadline) and the result the receiver reports back;
- transfer_urging: each urging (đôn đốc) with its date and the new answer deadline.

Nothing existing is rewritten: earlier transfers named their body in free text and stay so.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SOURCES = (
    "post",
    "reception",
    "mailbox",
    "hotline",
    "deputy",
    "people_council",
    "fatherland_front",
    "press",
    "other_body",
    "leader",
    "online",
)


def _source_check(values) -> str:
    return "source IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_petition_petition_source"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_petition_petition_source"), _source_check((*SOURCES, "transferred"))
        )
        batch_op.add_column(sa.Column("forwarded_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transfer_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_petition_forwarded_from_id_petition"),
            "petition",
            ["forwarded_from_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_petition_transfer_unit_id_unit"), "unit", ["transfer_unit_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_petition_forwarded_from_id"), ["forwarded_from_id"], unique=False
        )
    op.create_table(
        "petition_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_petition_id", sa.Integer(), nullable=False),
        sa.Column("receiver_petition_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("result_text", sa.Text(), nullable=False),
        sa.Column("result_doc_no", sa.String(length=64), nullable=False),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_transfer_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["receiver_petition_id"],
            ["petition.id"],
            name=op.f("fk_petition_transfer_receiver_petition_id_petition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_transfer_reported_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_petition_id"],
            ["petition.id"],
            name=op.f("fk_petition_transfer_sender_petition_id_petition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_petition_transfer_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_transfer")),
        sa.UniqueConstraint(
            "receiver_petition_id", name=op.f("uq_petition_transfer_receiver_petition_id")
        ),
        sa.UniqueConstraint(
            "sender_petition_id", name=op.f("uq_petition_transfer_sender_petition_id")
        ),
    )
    with op.batch_alter_table("petition_transfer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_transfer_answer_due"), ["answer_due"], unique=False
        )
    op.create_table(
        "transfer_urging",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("urged_on", sa.Date(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["user_account.id"], name=op.f("fk_transfer_urging_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["petition_transfer.id"],
            name=op.f("fk_transfer_urging_transfer_id_petition_transfer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_urging")),
    )
    with op.batch_alter_table("transfer_urging", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_urging_transfer_id"), ["transfer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("transfer_urging", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_urging_transfer_id"))
    op.drop_table("transfer_urging")
    with op.batch_alter_table("petition_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_transfer_answer_due"))
    op.drop_table("petition_transfer")
    op.execute(sa.text("UPDATE petition SET source = 'other_body' WHERE source = 'transferred'"))
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_forwarded_from_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_petition_transfer_unit_id_unit"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_petition_forwarded_from_id_petition"), type_="foreignkey"
        )
        batch_op.drop_column("transfer_unit_id")
        batch_op.drop_column("forwarded_from_id")
        batch_op.drop_constraint(op.f("ck_petition_petition_source"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_petition_petition_source"), _source_check(SOURCES)
        )
