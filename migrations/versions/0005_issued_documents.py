"""The register of documents issued (sổ đăng ký văn bản đi): notices and decisions numbered in
their authority's yearly series, with who signed and which unit drafted them
(complaints/notices/models.py, notices/issuing.py).

Nothing existing is numbered again: the numbers typed on the steps of older cases stay what
their notices print until a notice is issued in the application.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "issued_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=10), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("petition_id", sa.Integer(), nullable=True),
        sa.Column("notice_key", sa.String(length=30), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signing_mode", sa.String(length=10), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signer_title", sa.String(length=120), nullable=False),
        sa.Column("head_title", sa.String(length=120), nullable=False),
        sa.Column("drafting_unit_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(case_id IS NULL) <> (petition_id IS NULL)",
            name=op.f("ck_issued_document_one_record"),
        ),
        sa.CheckConstraint(
            "signing_mode IN ('head', 'deputy')", name=op.f("ck_issued_document_signing_mode")
        ),
        sa.CheckConstraint("seq > 0", name=op.f("ck_issued_document_seq_positive")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_issued_document_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["drafting_unit_id"],
            ["unit.id"],
            name=op.f("fk_issued_document_drafting_unit_id_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_issued_document_issued_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"], ["petition.id"], name=op.f("fk_issued_document_petition_id_petition")
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"], ["unit_leader.id"], name=op.f("fk_issued_document_signer_id_unit_leader")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_issued_document_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint(
            "case_id", "notice_key", "n", name=op.f("uq_issued_document_case_id_notice_key_n")
        ),
        sa.UniqueConstraint(
            "petition_id",
            "notice_key",
            "n",
            name=op.f("uq_issued_document_petition_id_notice_key_n"),
        ),
        sa.UniqueConstraint(
            "unit_id", "year", "seq", name=op.f("uq_issued_document_unit_id_year_seq")
        ),
    )
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issued_document_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_issued_document_petition_id"), ["petition_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_document_petition_id"))
        batch_op.drop_index(batch_op.f("ix_issued_document_case_id"))
    op.drop_table("issued_document")
