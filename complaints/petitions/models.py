"""The petition register (sổ đơn): every petition, whatever its channel, with senders, scans."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.cases.models import Case
from complaints.citizen.codes import new_code
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from complaints.core.translate import N_
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.reception.models import Visit
from complaints.units.models import Unit


class PetitionSource(LabelledEnum):
    post = "post"
    reception = "reception"
    mailbox = "mailbox"
    hotline = "hotline"
    deputy = "deputy"
    people_council = "people_council"
    fatherland_front = "fatherland_front"
    press = "press"
    other_body = "other_body"
    leader = "leader"
    online = "online"
    transferred = "transferred"


PetitionSource.LABELS = {
    "post": N_("Qua bưu chính"),
    "reception": N_("Nhận tại buổi tiếp công dân"),
    "mailbox": N_("Hòm thư góp ý"),
    "hotline": N_("Đường dây nóng (ghi lại)"),
    "deputy": N_("Đại biểu Quốc hội chuyển đến"),
    "people_council": N_("Hội đồng nhân dân chuyển đến"),
    "fatherland_front": N_("Mặt trận Tổ quốc chuyển đến"),
    "press": N_("Cơ quan báo chí chuyển đến"),
    "other_body": N_("Cơ quan, tổ chức khác chuyển đến"),
    "leader": N_("Lãnh đạo chuyển xuống"),
    "online": N_("Trực tuyến"),
    "transferred": N_("Cơ quan, đơn vị trong hệ thống chuyển đến"),
}

# Channels through which another body forwarded the petition: its name and letter are recorded.
FORWARDED_SOURCES = frozenset(
    {
        PetitionSource.deputy,
        PetitionSource.people_council,
        PetitionSource.fatherland_front,
        PetitionSource.press,
        PetitionSource.other_body,
        PetitionSource.leader,
        PetitionSource.transferred,
    }
)


class PetitionStatus(LabelledEnum):
    registered = "registered"
    processed = "processed"


PetitionStatus.LABELS = {"registered": N_("Đã vào sổ, chờ xử lý"), "processed": N_("Đã xử lý")}


class ProcessingOutcome(LabelledEnum):
    """What the handler decides for a registered petition (TT 07/2014 Art 6-12)."""

    accept = "accept"
    transfer = "transfer"
    guide = "guide"
    return_ = "return"
    file = "file"
    urge = "urge"


ProcessingOutcome.LABELS = {
    "accept": N_("Thụ lý (thuộc thẩm quyền)"),
    "transfer": N_("Chuyển đơn đến cơ quan có thẩm quyền"),
    "guide": N_("Hướng dẫn người gửi đơn"),
    "return": N_("Trả lại đơn (chuyển đến không đúng thẩm quyền)"),
    "file": N_("Lưu đơn, không xử lý"),
    "urge": N_("Đôn đốc cơ quan cấp dưới giải quyết"),
}


class IneligibleReason(LabelledEnum):
    """Why a petition is not eligible for processing (TT 07/2014 Art 6; LKN Art 11)."""

    not_vietnamese = "not_vietnamese"
    no_date = "no_date"
    no_identity = "no_identity"
    no_signature = "no_signature"
    unclear = "unclear"
    already_processed = "already_processed"
    out_of_time = "out_of_time"
    anonymous = "anonymous"
    several_contents = "several_contents"


IneligibleReason.LABELS = {
    "not_vietnamese": N_("Không dùng tiếng Việt"),
    "no_date": N_("Không ghi ngày, tháng, năm viết đơn"),
    "no_identity": N_("Không ghi họ tên, địa chỉ người viết đơn"),
    "no_signature": N_("Không có chữ ký hoặc điểm chỉ"),
    "unclear": N_("Không rõ nội dung, đối tượng bị khiếu nại, tố cáo"),
    "already_processed": N_("Đã được xử lý, giải quyết theo quy định"),
    "out_of_time": N_("Hết thời hiệu khiếu nại"),
    "anonymous": N_("Đơn nặc danh, mạo danh"),
    "several_contents": N_("Có nhiều nội dung: hướng dẫn tách đơn"),
}


class Petition(TimestampMixin, db.Model):
    __tablename__ = "petition"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    register_year: Mapped[int]
    register_seq: Mapped[int]
    register_no: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # The citizen's receipt code (mã tra cứu): random, given whatever the path that creates the
    # petition (registration, import, demo); printed on the receipts (complaints/citizen/).
    receipt_code: Mapped[str] = mapped_column(sa.String(10), unique=True, default=new_code)
    received_date: Mapped[date]
    source: Mapped[PetitionSource] = enum_column(PetitionSource, "petition_source")
    source_body: Mapped[str] = mapped_column(sa.String(255), default="")
    source_doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("visit.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[PetitionKind] = enum_column(PetitionKind, "petition_kind")
    field: Mapped[Field] = enum_column(Field, "petition_field")
    summary: Mapped[str] = mapped_column(sa.Text)
    signatory_count: Mapped[int] = mapped_column(default=1)
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Once registered as a denunciation, always protected: a later reclassification does not
    # lift the protection of its sender (core/confidentiality.py).
    denounced: Mapped[bool] = mapped_column(default=False)
    # Its matter is a denunciation's: kept by core/confidentiality.py after every flush.
    protected: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PetitionStatus] = enum_column(
        PetitionStatus, "petition_status", default=PetitionStatus.registered
    )
    # fold() of the register number, forwarding letter, senders (names, identity numbers,
    # addresses) and summary: what the search box matches, diacritics ignored.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The same without the senders: all that may be matched on a denunciation by users who may
    # not see who denounced (LTC Art 47), so a name never finds a denouncer's petition for them.
    public_search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    # Processing (xử lý đơn): classification and the outcome, with the document carrying it.
    eligible: Mapped[bool | None]
    ineligible_reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    competent: Mapped[bool | None]
    outcome: Mapped[ProcessingOutcome | None] = enum_column(
        ProcessingOutcome, "processing_outcome", nullable=True
    )
    outcome_body: Mapped[str] = mapped_column(sa.String(255), default="")
    outcome_doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    outcome_date: Mapped[date | None]
    processing_note: Mapped[str] = mapped_column(sa.Text, default="")
    processed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id"), index=True)
    # Hand-off inside the system (petitions/transfers.py): on a copy a unit of the tree
    # transferred here, the sender's petition; on a petition transferred or urged to a unit
    # of the tree, that unit (the copy is in its register, the state on PetitionTransfer).
    forwarded_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("petition.id"), index=True)
    transfer_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    forwarded_from: Mapped[Petition | None] = relationship(
        remote_side=[id], foreign_keys=[forwarded_from_id]
    )
    transfer_unit: Mapped[Unit | None] = relationship(foreign_keys=[transfer_unit_id])
    visit: Mapped[Visit | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    processed_by: Mapped[User | None] = relationship(foreign_keys=[processed_by_id])
    case: Mapped[Case | None] = relationship("Case", foreign_keys=[case_id])
    senders: Mapped[list[PetitionSender]] = relationship(
        back_populates="petition",
        order_by="PetitionSender.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="petition", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "register_year", "register_seq", name="register_seq"),
        sa.CheckConstraint("signatory_count >= 1", name="signatories_positive"),
        # outcome_date too: a report's petitions (received in the period, or before it and
        # processed on or after its start) are picked from the index without reading the
        # rows of ten years of history (bench/README.md).
        sa.Index("ix_petition_unit_received", "unit_id", "received_date", "outcome_date"),
        # The register page, newest first (register_query's order): its first pages read 50
        # entries of this index instead of sorting a province's million petitions.
        sa.Index("ix_petition_register_order", "received_date", "register_seq", "id"),
        # The processing queue and its counts (pending.where: status registered, the units it
        # processes): the few waiting petitions, not every petition of the units' ten years;
        # with the kind the counts group by and the id their deadlines are found by, read from
        # the index alone (pending.count: 18.5 -> 4.6 ms for a country's 11,102 at 5,000,000).
        sa.Index("ix_petition_status_unit", "status", "unit_id", "received_date", "kind", "id"),
        # The reception figures (02/TCD: what the desks received in the period), a fifth of
        # the petitions: one range of their days. Without it PostgreSQL read the whole year's
        # petitions of a country to keep those (142 ms at 1,000,000; 23 ms along it).
        sa.Index(
            "ix_petition_reception",
            "received_date",
            "unit_id",
            postgresql_where=sa.text("source = 'reception'"),
            sqlite_where=sa.text("source = 'reception'"),
        ),
    )

    @property
    def is_denunciation(self) -> bool:
        return self.kind == PetitionKind.denunciation

    @property
    def is_group(self) -> bool:
        """Many signatories (≥5): TT 07/2014 Art 6 classifies it apart."""
        return self.signatory_count >= 5

    @property
    def is_forwarded(self) -> bool:
        return self.source in FORWARDED_SOURCES

    def scope_units(self) -> list[Unit]:
        """The units whose users may open it: the unit that registered it, and the unit that
        processes the petitions registered there (the Thanh tra for a Ban Tiếp công dân)."""
        return [self.unit] if self.unit.processor is self.unit else [self.unit, self.unit.processor]

    def can_process(self, user) -> bool:
        """Classify it and record its outcome: the handlers of the unit that processes it
        (units/roles.py); the unit that only received it follows it."""
        from complaints.units.roles import may_process

        return has_permission(user, "petition.process") and may_process(user, self.unit)

    def can_edit(self, user) -> bool:
        """Petition handlers and registering officers edit the petitions of their units."""
        return (
            has_permission(user, "petition.edit") or has_permission(user, "petition.register")
        ) and unit_in_scope(user, self.unit)


class PetitionSender(db.Model):
    __tablename__ = "petition_sender"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    identity_no: Mapped[str] = mapped_column(sa.String(20), default="", index=True)
    phone: Mapped[str] = mapped_column(sa.String(20), default="")

    petition: Mapped[Petition] = relationship(back_populates="senders")


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    file_type: Mapped[str] = mapped_column(sa.String(10))  # detected from content: pdf, jpg...
    mime_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    petition: Mapped[Petition] = relationship(back_populates="attachments")


class RegisterCounter(db.Model):
    """The last register number given per unit and year; its row lock keeps numbers gapless."""

    __tablename__ = "register_counter"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class PetitionTransfer(db.Model):
    """A petition transferred (or urged) to a unit of the same tree: the copy registered there,
    the answer the sender waits for and the result the receiver reports back (báo cáo kết
    quả). Written only by petitions/transfers.py."""

    __tablename__ = "petition_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_petition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), unique=True
    )
    receiver_petition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), unique=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))  # the receiving unit
    sent_on: Mapped[date]
    doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    # The answer the sender awaits by: set by the transfer, moved by each urging.
    answer_due: Mapped[date]
    result_text: Mapped[str] = mapped_column(sa.Text, default="")
    result_doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    result_on: Mapped[date | None]
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sender: Mapped[Petition] = relationship(foreign_keys=[sender_petition_id])
    receiver: Mapped[Petition] = relationship(foreign_keys=[receiver_petition_id])
    unit: Mapped[Unit] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    urgings: Mapped[list[TransferUrging]] = relationship(
        back_populates="transfer",
        order_by="TransferUrging.id",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        # The sender's overdue list (transfers.overdue_query: no result yet, answer due before
        # today): a range of the unanswered ones, not of every transfer of ten years.
        sa.Index("ix_petition_transfer_unanswered", "result_on", "answer_due"),
    )

    @property
    def reported(self) -> bool:
        return self.result_on is not None

    def is_overdue(self, today: date) -> bool:
        return not self.reported and self.answer_due < today


class TransferUrging(db.Model):
    """An urging (đôn đốc) of a transfer: its date, the new deadline for the answer, a note."""

    __tablename__ = "transfer_urging"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition_transfer.id", ondelete="CASCADE"), index=True
    )
    urged_on: Mapped[date]
    answer_due: Mapped[date]
    doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    transfer: Mapped[PetitionTransfer] = relationship(back_populates="urgings")
    by: Mapped[User | None] = relationship()
