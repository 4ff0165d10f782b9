"""The register of documents issued (sổ đăng ký văn bản đi, Nghị định 30/2020/NĐ-CP Art 15):
one row per notice or decision issued in an authority's name, numbered in its yearly series
(one series per authority and year across every kind of document: "07/TB-UBND", "08/QĐ-UBND"),
signed by its head or a deputy on the head's behalf. notices/issuing.py writes it; the notices
(notices/render.py) read it to print the number, the signer and the drafting unit."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.core.db import TimestampMixin
from complaints.extensions import db
from complaints.units.models import Unit, UnitLeader

# How the leader signs (NĐ 30/2020 Phụ lục I): the head in the authority's name ("TM. ỦY BAN
# NHÂN DÂN / CHỦ TỊCH", or in the head's own title), a deputy on the head's behalf ("KT. CHỦ
# TỊCH / PHÓ CHỦ TỊCH").
HEAD, DEPUTY = "head", "deputy"


class IssuedDocument(TimestampMixin, db.Model):
    __tablename__ = "issued_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The issuing authority, whose register numbers it, and its series.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    year: Mapped[int]
    seq: Mapped[int]
    doc_kind: Mapped[str] = mapped_column(sa.String(10))  # "TB", "QĐ", "PC" (NĐ 30 Phụ lục III)
    symbol: Mapped[str] = mapped_column(sa.String(20))  # the authority's: "UBND", "TTr"
    number: Mapped[str] = mapped_column(sa.String(64))  # "07/TB-UBND"
    # The record and the notice it is: a case's or a petition's, its key in notices/registry.py,
    # and which extension (0: the notice has one issue only).
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id"), index=True)
    petition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("petition.id"), index=True)
    notice_key: Mapped[str] = mapped_column(sa.String(30))
    n: Mapped[int] = mapped_column(default=0)
    # Who signed, as at the day of signing (a later change of title does not rewrite it).
    signer_id: Mapped[int] = mapped_column(sa.ForeignKey("unit_leader.id"))
    signing_mode: Mapped[str] = mapped_column(sa.String(10))
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    signer_title: Mapped[str] = mapped_column(sa.String(120))  # "Phó Chủ tịch"
    head_title: Mapped[str] = mapped_column(sa.String(120))  # "Chủ tịch" (the KT. line)
    # The advisory unit that drafted it ("Lưu: VT, TTr.").
    drafting_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    issued_on: Mapped[date]
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    drafting_unit: Mapped[Unit] = relationship(foreign_keys=[drafting_unit_id])
    signer: Mapped[UnitLeader] = relationship()

    __table_args__ = (
        # One number per authority and year; one issue per notice of a record.
        sa.UniqueConstraint("unit_id", "year", "seq"),
        sa.UniqueConstraint("case_id", "notice_key", "n"),
        sa.UniqueConstraint("petition_id", "notice_key", "n"),
        sa.CheckConstraint("(case_id IS NULL) <> (petition_id IS NULL)", name="one_record"),
        sa.CheckConstraint("signing_mode IN ('head', 'deputy')", name="signing_mode"),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
    )

    def __repr__(self) -> str:
        return f"<IssuedDocument {self.number}>"
