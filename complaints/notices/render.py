"""The content of every notice, built once as a `Notice` and written out as HTML or .docx.

Each builder takes the record and the acting user and returns a `Notice`: plain strings, no
markup. The Jinja template and `to_docx` only lay those strings out, so the printed page and
the Word file always say the same thing.

The denouncer rule (LTC Art 9, 47, 56) is core/confidentiality.py's, applied in `_identity`: a
denouncer's name, address and papers appear only in a notice addressed to the denouncer and
only for a user who may see them; other users read the masked text; notices to anyone else (the
accused, the public, the competent body, the extension decision) carry no sender data at all,
and the free text they quote is stripped of every identity of the matter.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from complaints.cases.models import (
    ApologyLetter,
    Case,
    CaseEvent,
    Complexity,
    ComplexityCriterion,
    Deadline,
)
from complaints.core import confidentiality
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions.models import IneligibleReason, Petition, ProcessingOutcome
from complaints.units.models import Unit, UnitLevel

REDACTED = str(confidentiality.MASK)
BLANK = "……"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_NAMES = 5  # a group petition names its first signatories, then "và N người khác"

_UNIT_PREFIX = re.compile(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(thành phố|tỉnh)\s+", re.I)
_KIND_TEXT = {
    PetitionKind.complaint: "khiếu nại",
    PetitionKind.denunciation: "tố cáo",
    PetitionKind.feedback: "kiến nghị, phản ánh",
}
# The denunciation conclusion says "tố cáo đúng / đúng một phần / sai".
_OUTCOME_TEXT = {"upheld": "đúng", "partly_upheld": "đúng một phần", "rejected": "sai"}


class NoticeUnavailable(OperationError):
    """The record is not in a state where this notice makes sense; the message says why."""


# --- the content -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Para:
    """One paragraph of the body: `body` (justified, indented), `item` (a dash line),
    `heading` (centred, bold: "QUYẾT ĐỊNH:")."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Signer:
    authority: str  # "TM. ỦY BAN NHÂN DÂN", or "" when the head signs in their own name
    title: str  # "CHỦ TỊCH", "CHÁNH THANH TRA" ...
    name: str = ""  # written in by hand or in Word


@dataclass
class Notice:
    """Everything a notice says, in order; both outputs are drawn from it alone."""

    key: str
    filename: str  # without extension, ASCII
    issuer_parent: str
    issuer: str
    number_line: str
    place_date: str
    title: str
    subtitle: str
    addressee: list[str]
    paragraphs: list[Para]
    recipients: list[str]
    signer: Signer
    # For the audit of identity views: which record, and which petitions' senders were shown.
    entity_type: str = ""
    entity_id: int | None = None
    unit_id: int | None = None
    reveals_identity: bool = False
    revealed_petition_ids: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Every text line of the notice, in reading order (what both outputs must contain)."""
        out = [self.issuer_parent, self.issuer, self.number_line, MOTTO, MOTTO_SUB]
        out += [self.place_date, self.title, self.subtitle]
        out += [f"Kính gửi: {a}" if i == 0 else a for i, a in enumerate(self.addressee)]
        out += [p.text for p in self.paragraphs]
        out += ["Nơi nhận:", *[f"- {r}" for r in self.recipients]]
        out += [self.signer.authority, self.signer.title, self.signer.name]
        return [line for line in out if line]


# --- who the notice may name -------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    identity_no: str


@dataclass
class Identity:
    """What a notice may say about the people who sent the petitions of its record."""

    parties: list[Party]
    protected: bool  # a denunciation: the senders are protected denouncers
    shown: bool  # the real identities are written in the notice
    petition_ids: list[int]
    _pattern: re.Pattern | None = None

    @property
    def reveals(self) -> bool:
        """True when the notice shows a protected denouncer's identity (to be audited)."""
        return self.protected and self.shown and bool(self.parties)

    def names(self, fallback: str) -> str:
        if not self.parties:
            return fallback
        names = [p.name for p in self.parties]
        if len(names) > MAX_NAMES:
            return f"{', '.join(names[:MAX_NAMES])} và {len(names) - MAX_NAMES} người khác"
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} và {names[-1]}"

    def clause(self, text: str | None) -> str:
        """Scrubbed free text to be quoted inside a sentence (no closing full stop)."""
        return self.scrub(text).rstrip(" .;:")

    def scrub(self, text: str | None) -> str:
        """Free text from the file with every sender's name, number and address masked, when
        the notice may not show them (the text is written by staff and may quote them)."""
        return confidentiality.strip((text or "").strip(), self._pattern)


def _identity(record, petitions: list[Petition], user, *, to_sender: bool) -> Identity:
    """What a notice shows of the senders of its record (a case or a petition), by the
    denouncer rule of core/confidentiality.py (LTC Art 47).

    Not a denunciation's matter: senders are named. A denunciation's: named only in a notice
    addressed to the denouncer read by a user who may see them; the masked text for other
    users; nothing at all in a notice addressed to anyone else; and the free text quoted is
    stripped of every identity of the matter (names written on an anonymous or impersonated
    petition too)."""
    senders = [(p, s) for p in petitions if not p.anonymous for s in p.senders]
    real = [Party(s.full_name, s.address, s.identity_no) for _, s in senders]
    ids = sorted({p.id for p, _ in senders})
    if not confidentiality.is_protected(record):
        return Identity(real, protected=False, shown=True, petition_ids=ids)
    every = [x for p in petitions for s in p.senders for x in (s.full_name, s.identity_no)]
    every += [x for p in petitions for s in p.senders for x in (s.address, s.phone)]
    values = every + confidentiality.matter_values([record])[(record.__tablename__, record.id)]
    pattern = confidentiality.pattern_for(v for v in values if v)
    if to_sender and confidentiality.may_see_identity(user, record):
        return Identity(real, protected=True, shown=True, petition_ids=ids)
    if to_sender and real:
        hidden = [Party(REDACTED, REDACTED, REDACTED)]
        return Identity(hidden, protected=True, shown=False, petition_ids=ids, _pattern=pattern)
    return Identity([], protected=True, shown=False, petition_ids=ids, _pattern=pattern)


def _party_items(identity: Identity) -> list[Para]:
    return [
        Para(
            f"Ông (bà) {p.name}; địa chỉ: {p.address or BLANK}; "
            f"số CCCD/số định danh/hộ chiếu: {p.identity_no or BLANK}.",
            "item",
        )
        for p in identity.parties[:MAX_NAMES]
    ]


# --- the parts every notice shares ---------------------------------------------------------------


def _sentence(text: str) -> str:
    """Free text ended with a full stop when it has no closing punctuation of its own."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else f"{text}."


def _d(day: date | None) -> str:
    return fmt_date(day) if day else BLANK


def _place_name(unit: Unit) -> str:
    """The locality written before the date ("Hải Phòng, ngày ..."): the unit's province."""
    ids = [int(x) for x in unit.path.strip("/").split("/") if x.isdigit()]
    province = db.session.scalar(
        sa.select(Unit).where(Unit.id.in_(ids), Unit.level == UnitLevel.province).limit(1)
    )
    return _UNIT_PREFIX.sub("", province.name).strip() if province else ""


def place_date(unit: Unit, day: date | None) -> str:
    """ "Hải Phòng, ngày 05 tháng 3 năm 2026" (leading zero for days < 10 and months 1-2,
    NĐ 30/2020); dotted blanks when the document has no recorded date yet."""
    place = _place_name(unit) or BLANK
    if day is None:
        return f"{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(doc_no: str, symbol: str, unit: Unit) -> str:
    return f"Số: {doc_no}" if doc_no else f"Số: {BLANK}/{symbol}-{unit.code}"


def signer(unit: Unit, *, in_own_name: bool = False) -> Signer:
    """The signature block of the unit's head; the name is written in when signing."""
    name = unit.name.casefold()
    if name.startswith(("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân")):
        authority, title = "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    elif name.startswith("thanh tra"):
        authority, title = "", "CHÁNH THANH TRA"
    elif name.startswith("sở"):
        authority, title = "", "GIÁM ĐỐC"
    elif name.startswith("ban tiếp công dân"):
        authority, title = "", "TRƯỞNG BAN"
    else:
        authority, title = "", "THỦ TRƯỞNG CƠ QUAN"
    return Signer("" if in_own_name else authority, title)


def _base(key: str, filename: str, unit: Unit, **kw) -> Notice:
    return Notice(
        key=key,
        filename=filename,
        issuer_parent=unit.parent.name.upper() if unit.parent else "",
        issuer=unit.name.upper(),
        signer=kw.pop("signer", None) or signer(unit),
        unit_id=unit.id,
        **kw,
    )


def _money(value: Decimal | None) -> str:
    return fmt_int(int(value or 0))


def _area(value: Decimal | None) -> str:
    value = Decimal(value or 0)
    return fmt_int(int(value)) if value == value.to_integral_value() else fmt_decimal(value, 1)


def _measures(case: Case) -> list[Para]:
    """The money, land and people the decision or conclusion deals with (only those set)."""
    items = []
    if case.money_to_recover:
        items.append(f"Thu hồi về ngân sách nhà nước: {_money(case.money_to_recover)} đồng.")
    if case.money_to_return:
        items.append(f"Trả lại cho tổ chức, cá nhân: {_money(case.money_to_return)} đồng.")
    if case.land_to_recover_m2:
        items.append(f"Thu hồi đất: {_area(case.land_to_recover_m2)} m².")
    if case.land_to_return_m2:
        items.append(f"Trả lại đất cho tổ chức, cá nhân: {_area(case.land_to_return_m2)} m².")
    if case.people_to_discipline:
        items.append(
            f"Kiến nghị xem xét xử lý kỷ luật: {fmt_int(case.people_to_discipline)} người."
        )
    return [Para(t, "item") for t in items]


def _case_petitions(case: Case) -> list[Petition]:
    return list(
        db.session.scalars(
            sa.select(Petition)
            .where(Petition.case_id == case.id)
            .order_by(Petition.received_date, Petition.id)
        )
    )


def _case_identity(case: Case, user, *, to_sender: bool) -> Identity:
    return _identity(case, _case_petitions(case), user, to_sender=to_sender)


def _last_event(case: Case, action: str) -> CaseEvent | None:
    return next((e for e in reversed(case.events) if e.action == action), None)


def _to_sender(notice: Notice, identity: Identity) -> Notice:
    """Finish a notice addressed to the sender: the audit facts of what it shows."""
    notice.reveals_identity = identity.reveals
    notice.revealed_petition_ids = identity.petition_ids if identity.reveals else []
    return notice


def _sender_word(kind: PetitionKind) -> str:
    return {
        PetitionKind.complaint: "Người khiếu nại",
        PetitionKind.denunciation: "Người tố cáo",
    }.get(kind, "Người gửi đơn")


def _received(unit: Unit, on: date, kind: PetitionKind, identity: Identity) -> list[Para]:
    """ "Ngày ..., <unit> nhận được đơn ... của:" and one line per sender."""
    if not identity.parties:
        return [Para(f"Ngày {_d(on)}, {unit.name} nhận được đơn {_KIND_TEXT[kind]}.")]
    return [
        Para(f"Ngày {_d(on)}, {unit.name} nhận được đơn {_KIND_TEXT[kind]} của:"),
        *_party_items(identity),
    ]


CONFIDENTIALITY = (
    "Họ tên, địa chỉ, bút tích và các thông tin cá nhân khác của người tố cáo được giữ bí mật "
    "theo Điều 47 Luật Tố cáo năm 2018."
)


# --- notices on a case -------------------------------------------------------------------------


def acceptance(case: Case, user) -> Notice:
    """Thông báo thụ lý: to the complainant, the denouncer or the sender of a feedback."""
    if case.accepted_on is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa được thụ lý (trạng thái “{case.state.label}”): "
            "chưa thể lập thông báo thụ lý."
        )
    identity = _case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = _received(unit, case.received_on, kind, identity)
    paras.append(Para(f"Nội dung {_KIND_TEXT[kind]}: {identity.clause(case.title)}."))
    if kind == PetitionKind.complaint:
        paras.append(
            Para(
                "Sau khi xem xét nội dung đơn, căn cứ Điều 27 Luật Khiếu nại năm 2011, đơn khiếu "
                f"nại đủ điều kiện thụ lý và thuộc thẩm quyền giải quyết của {unit.name}. Ngày "
                f"{_d(case.accepted_on)}, {unit.name} đã thụ lý giải quyết khiếu nại "
                f"{'lần hai' if case.round == 2 else 'lần đầu'} (vụ việc số {case.case_no})."
            )
        )
    elif kind == PetitionKind.denunciation:
        paras.append(
            Para(
                f"Căn cứ Điều 29 Luật Tố cáo năm 2018, ngày {_d(case.accepted_on)}, {unit.name} "
                f"đã thụ lý tố cáo (vụ việc số {case.case_no})."
            )
        )
    else:
        paras.append(
            Para(
                f"Ngày {_d(case.accepted_on)}, {unit.name} đã tiếp nhận và thụ lý giải quyết "
                f"kiến nghị, phản ánh (vụ việc số {case.case_no})."
            )
        )
    first_resolve = db.session.scalar(
        sa.select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.step == "resolve")
        .order_by(Deadline.id)
        .limit(1)
    )
    if first_resolve is not None:
        paras.append(
            Para(
                f"Thời hạn giải quyết: {first_resolve.days} ngày kể từ ngày thụ lý, đến hết ngày "
                f"{_d(first_resolve.due)} ({first_resolve.basis})."
            )
        )
    if kind == PetitionKind.denunciation:
        paras.append(
            Para(
                "Người tố cáo có các quyền và nghĩa vụ quy định tại Điều 9 Luật Tố cáo năm 2018. "
                + CONFIDENTIALITY
            )
        )
    paras.append(Para(f"{unit.name} thông báo để ông (bà) được biết."))
    notice = _base(
        "acceptance",
        f"thong-bao-thu-ly-{case.case_no}",
        unit,
        number_line=number_line(case.accept_doc_no, "TB", unit),
        place_date=place_date(unit, case.accepted_on),
        title="THÔNG BÁO",
        subtitle=f"Về việc thụ lý giải quyết {_KIND_TEXT[kind]}"
        if kind != PetitionKind.denunciation
        else "Về việc thụ lý tố cáo",
        addressee=[f"Ông (bà) {identity.names(_sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
    )
    return _to_sender(notice, identity)


def accused(case: Case, user) -> Notice:
    """Thông báo về việc thụ lý tố cáo gửi người bị tố cáo: never any sender data."""
    if case.kind != PetitionKind.denunciation:
        raise NoticeUnavailable(
            "Thông báo gửi người bị tố cáo chỉ lập cho vụ việc tố cáo "
            f"(vụ việc {case.case_no} là {case.kind.label.lower()})."
        )
    if case.accepted_on is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa được thụ lý (trạng thái “{case.state.label}”): "
            "chưa thể thông báo cho người bị tố cáo."
        )
    identity = _case_identity(case, user, to_sender=False)
    unit = case.unit
    paras = [
        Para(
            f"Ngày {_d(case.accepted_on)}, {unit.name} đã thụ lý tố cáo đối với cơ quan, tổ "
            f"chức, cá nhân có tên nêu trên (vụ việc số {case.case_no})."
        ),
        Para(f"Nội dung tố cáo được thụ lý: {identity.clause(case.title)}."),
        Para(
            f"Căn cứ khoản 3 Điều 29 và Điều 10 Luật Tố cáo năm 2018, {unit.name} thông báo để "
            "người bị tố cáo biết và thực hiện các quyền, nghĩa vụ của người bị tố cáo: được "
            "thông báo về nội dung tố cáo; giải trình, đưa ra chứng cứ để chứng minh nội dung "
            "tố cáo là không đúng sự thật; cung cấp thông tin, tài liệu liên quan khi cơ quan "
            "có thẩm quyền yêu cầu."
        ),
        Para(
            "Thông tin về người tố cáo được giữ bí mật theo Điều 47 Luật Tố cáo năm 2018; "
            "thông báo này không nêu họ tên, địa chỉ, bút tích hay thông tin cá nhân nào của "
            "người tố cáo."
        ),
    ]
    return _base(
        "accused",
        f"thong-bao-nguoi-bi-to-cao-{case.case_no}",
        unit,
        number_line=number_line("", "TB", unit),
        place_date=place_date(unit, None),
        title="THÔNG BÁO",
        subtitle="Về việc thụ lý tố cáo",
        addressee=[f"{BLANK * 8} (người bị tố cáo)"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
    )


def refusal(case: Case, user) -> Notice:
    """Thông báo không thụ lý, with the ground recorded on the refusal."""
    event = _last_event(case, "refuse")
    if event is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} không có quyết định không thụ lý (trạng thái "
            f"“{case.state.label}”): không lập được thông báo không thụ lý."
        )
    identity = _case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = _received(unit, case.received_on, kind, identity)
    paras.append(Para(f"Nội dung {_KIND_TEXT[kind]}: {identity.clause(case.title)}."))
    ground = identity.clause(event.note)
    if kind == PetitionKind.denunciation:
        paras.append(
            Para(
                f"Căn cứ Điều 29 Luật Tố cáo năm 2018, {unit.name} không thụ lý tố cáo vì lý "
                f"do: {ground}."
            )
        )
    else:
        paras.append(
            Para(
                f"Sau khi xem xét nội dung đơn, căn cứ Điều 11 Luật Khiếu nại năm 2011, "
                f"{unit.name} không thụ lý giải quyết {_KIND_TEXT[kind]} vì lý do: {ground}."
            )
        )
    paras.append(Para(f"{unit.name} thông báo để ông (bà) được biết."))
    notice = _base(
        "refusal",
        f"thong-bao-khong-thu-ly-{case.case_no}",
        unit,
        number_line=number_line(event.doc_no, "TB", unit),
        place_date=place_date(unit, event.occurred_on),
        title="THÔNG BÁO",
        subtitle="Về việc không thụ lý tố cáo"
        if kind == PetitionKind.denunciation
        else f"Về việc không thụ lý giải quyết {_KIND_TEXT[kind]}",
        addressee=[f"Ông (bà) {identity.names(_sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
    )
    return _to_sender(notice, identity)


def extension(case: Case, user, nth: int | None = None) -> Notice:
    """Quyết định gia hạn giải quyết tố cáo (the nth extension, the last by default)."""
    if case.kind != PetitionKind.denunciation:
        raise NoticeUnavailable("Quyết định gia hạn giải quyết chỉ áp dụng cho vụ việc tố cáo.")
    events = [e for e in case.events if e.action == "extend"]
    if not events:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa có quyết định gia hạn giải quyết tố cáo."
        )
    if nth is not None and not 1 <= nth <= len(events):
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chỉ có {len(events)} lần gia hạn, không có lần {nth}."
        )
    nth = nth or len(events)
    event = events[nth - 1]
    identity = _case_identity(case, user, to_sender=False)
    unit = case.unit
    sign = signer(unit, in_own_name=True)
    criteria = ""
    if case.complexity != Complexity.normal:
        labels = [ComplexityCriterion(c).label.lower() for c in case.complexity_criteria]
        criteria = f" ({case.complexity.label.lower()}: {'; '.join(labels)})" if labels else ""
    paras = [
        Para(f"{sign.title} {unit.name.upper()}", "heading"),
        Para("Căn cứ Luật Tố cáo ngày 12 tháng 6 năm 2018;"),
        Para(
            f"Căn cứ việc thụ lý tố cáo ngày {_d(case.accepted_on)}"
            + (f" (văn bản số {case.accept_doc_no})" if case.accept_doc_no else "")
            + f", vụ việc số {case.case_no};"
        ),
        Para(f"Xét tính chất vụ việc{criteria},"),
        Para("QUYẾT ĐỊNH:", "heading"),
        Para(
            f"Điều 1. Gia hạn giải quyết tố cáo đối với vụ việc số {case.case_no}, nội dung: "
            f"{identity.clause(case.title)}. Thời gian gia hạn: không quá 30 ngày (gia hạn lần "
            f"{nth}) theo khoản 2 Điều 30 Luật Tố cáo năm 2018."
        ),
    ]
    if event.note:
        paras.append(Para(f"Lý do gia hạn: {_sentence(identity.scrub(event.note))}"))
    if nth == len(events):
        # The period this decision set: the current resolution deadline (met or not).
        resolve = next((d for d in case.deadlines if d.step == "resolve" and d.active), None)
        if resolve is not None:
            paras.append(Para(f"Thời hạn giải quyết tố cáo đến hết ngày {_d(resolve.due)}."))
    paras += [
        Para(
            "Điều 2. Người được giao xác minh nội dung tố cáo và các cơ quan, tổ chức, cá nhân "
            "có liên quan chịu trách nhiệm thi hành Quyết định này."
        ),
        Para(
            "Điều 3. Quyết định này được gửi đến người tố cáo và người bị tố cáo (khoản 2 Điều "
            "30 Luật Tố cáo năm 2018). " + CONFIDENTIALITY
        ),
    ]
    return _base(
        "extension",
        f"quyet-dinh-gia-han-{case.case_no}-lan-{nth}",
        unit,
        number_line=number_line(event.doc_no, "QĐ", unit),
        place_date=place_date(unit, event.occurred_on),
        title="QUYẾT ĐỊNH",
        subtitle="Về việc gia hạn giải quyết tố cáo",
        addressee=[],
        paragraphs=paras,
        recipients=[
            "Như Điều 2;",
            "Người tố cáo;",
            "Người bị tố cáo;",
            f"Lưu: VT, hồ sơ vụ việc {case.case_no}.",
        ],
        signer=sign,
        entity_type="case_file",
        entity_id=case.id,
    )


def _outcome_sentence(case: Case) -> str:
    word = _OUTCOME_TEXT.get(case.outcome.value, "") if case.outcome else ""
    if case.kind == PetitionKind.denunciation:
        return f"Kết luận: tố cáo {word}." if word else ""
    return f"Kết quả giải quyết: khiếu nại {word}." if word else ""


def result(case: Case, user) -> Notice:
    """Thông báo kết quả giải quyết (complaint decision, denunciation conclusion, answer)."""
    if case.decided_on is None:
        what = {
            PetitionKind.complaint: "quyết định giải quyết khiếu nại",
            PetitionKind.denunciation: "kết luận nội dung tố cáo",
            PetitionKind.feedback: "văn bản trả lời kiến nghị, phản ánh",
        }[case.kind]
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa có {what} (trạng thái “{case.state.label}”): "
            "chưa thể lập thông báo kết quả giải quyết."
        )
    identity = _case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    names = identity.names(_sender_word(kind).lower())
    doc = f"số {case.decision_no}" if case.decision_no else f"số {BLANK}"
    about = identity.clause(case.title)
    if kind == PetitionKind.complaint:
        rnd = "lần hai" if case.round == 2 else "lần đầu"
        paras = [
            Para(
                f"Ngày {_d(case.decided_on)}, {unit.name} đã ban hành Quyết định giải quyết "
                f"khiếu nại {rnd} {doc} đối với khiếu nại của ông (bà) {names} về việc: {about} "
                f"(vụ việc số {case.case_no})."
            )
        ]
    elif kind == PetitionKind.denunciation:
        paras = [
            Para(
                f"Ngày {_d(case.decided_on)}, {unit.name} đã ban hành Kết luận nội dung tố cáo "
                f"{doc} đối với tố cáo của ông (bà) {names} về việc: {about} (vụ việc số "
                f"{case.case_no})."
            )
        ]
    else:
        paras = [
            Para(
                f"Ngày {_d(case.decided_on)}, {unit.name} đã trả lời kiến nghị, phản ánh của ông "
                f"(bà) {names} về việc: {about} (văn bản {doc}, vụ việc số {case.case_no})."
            )
        ]
    if sentence := _outcome_sentence(case):
        paras.append(Para(sentence))
    summary = case.decision_summary
    if kind == PetitionKind.feedback and not summary:
        answer = _last_event(case, "answer")
        summary = answer.note if answer else ""
    if summary:
        paras.append(Para(f"Nội dung: {_sentence(identity.scrub(summary))}"))
    measures = _measures(case)
    if measures:
        paras.append(Para("Biện pháp xử lý, kiến nghị:"))
        paras += measures
    if kind == PetitionKind.complaint and case.round == 1:
        paras.append(
            Para(
                "Trường hợp không đồng ý với quyết định giải quyết khiếu nại lần đầu, ông (bà) có "
                "quyền khiếu nại lần hai đến người có thẩm quyền hoặc khởi kiện vụ án hành chính "
                "tại Tòa án theo quy định tại Điều 33 Luật Khiếu nại năm 2011."
            )
        )
    elif kind == PetitionKind.complaint:
        paras.append(
            Para(
                "Trường hợp không đồng ý với quyết định giải quyết khiếu nại lần hai, ông (bà) có "
                "quyền khởi kiện vụ án hành chính tại Tòa án theo quy định của Luật Tố tụng hành "
                "chính."
            )
        )
    elif kind == PetitionKind.denunciation:
        paras.append(
            Para(
                "Trường hợp có căn cứ cho rằng việc giải quyết tố cáo không đúng pháp luật, ông "
                "(bà) có quyền tố cáo tiếp đến cơ quan, người có thẩm quyền cấp trên theo Điều 37 "
                "Luật Tố cáo năm 2018. " + CONFIDENTIALITY
            )
        )
    paras.append(Para(f"{unit.name} thông báo để ông (bà) được biết."))
    subtitle = {
        PetitionKind.complaint: "Về kết quả giải quyết khiếu nại",
        PetitionKind.denunciation: "Về kết quả giải quyết tố cáo",
        PetitionKind.feedback: "Về kết quả giải quyết kiến nghị, phản ánh",
    }[kind]
    notice = _base(
        "result",
        f"thong-bao-ket-qua-{case.case_no}",
        unit,
        number_line=number_line("", "TB", unit),
        place_date=place_date(unit, case.sent_on),
        title="THÔNG BÁO",
        subtitle=subtitle,
        addressee=[f"Ông (bà) {identity.names(_sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
    )
    return _to_sender(notice, identity)


def publication(case: Case, user) -> Notice:
    """Công khai kết luận nội dung tố cáo (LTC Art 40): never the denouncer's identity."""
    if case.kind != PetitionKind.denunciation:
        raise NoticeUnavailable(
            "Công khai kết luận nội dung tố cáo chỉ lập cho vụ việc tố cáo "
            f"(vụ việc {case.case_no} là {case.kind.label.lower()})."
        )
    if case.decided_on is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa có kết luận nội dung tố cáo (trạng thái "
            f"“{case.state.label}”): chưa có gì để công khai."
        )
    identity = _case_identity(case, user, to_sender=False)
    unit = case.unit
    doc = f"số {case.decision_no}" if case.decision_no else f"số {BLANK}"
    paras = [
        Para(
            f"Thực hiện Điều 40 Luật Tố cáo năm 2018, {unit.name} công khai Kết luận nội dung "
            f"tố cáo {doc} ngày {_d(case.decided_on)} (vụ việc số {case.case_no}) như sau:"
        ),
        Para(f"1. Nội dung tố cáo: {identity.clause(case.title)}."),
        Para(f"2. {_outcome_sentence(case)}"),
    ]
    if case.decision_summary:
        paras.append(Para(_sentence(identity.scrub(case.decision_summary))))
    measures = _measures(case)
    paras.append(Para("3. Biện pháp xử lý, kiến nghị:" + ("" if measures else " không có.")))
    paras += measures
    paras.append(
        Para(
            "Thông tin về người tố cáo được giữ bí mật theo Điều 47 Luật Tố cáo năm 2018 và "
            "không được công khai."
        )
    )
    return _base(
        "publication",
        f"cong-khai-ket-luan-{case.case_no}",
        unit,
        number_line=number_line("", "TB", unit),
        place_date=place_date(unit, case.published_on),
        title="THÔNG BÁO",
        subtitle="Công khai kết luận nội dung tố cáo",
        addressee=[],
        paragraphs=paras,
        recipients=[
            f"Niêm yết tại trụ sở {unit.name};",
            f"Trang thông tin điện tử của {unit.name};",
            f"Lưu: VT, hồ sơ vụ việc {case.case_no}.",
        ],
        entity_type="case_file",
        entity_id=case.id,
    )


# --- notices on a petition -----------------------------------------------------------------------


def transfer(petition: Petition, user) -> Notice:
    """Phiếu chuyển đơn to the competent body; a denunciation slip names no denouncer and
    states the receiving body's duty of confidentiality."""
    if petition.outcome != ProcessingOutcome.transfer:
        raise NoticeUnavailable(
            f"Đơn {petition.register_no} không được xử lý theo hướng chuyển đơn"
            + (f" (hướng xử lý: {petition.outcome.label})" if petition.outcome else "")
            + ": không lập được phiếu chuyển đơn."
        )
    kind, unit = petition.kind, petition.unit
    # A transfer slip goes to another body: a denunciation's senders never appear on it.
    identity = _identity(petition, [petition], user, to_sender=False)
    body = petition.outcome_body
    forwarded = ""
    if petition.is_forwarded and petition.source_body:
        forwarded = f" do {petition.source_body} chuyển đến" + (
            f" (văn bản số {petition.source_doc_no})" if petition.source_doc_no else ""
        )
    if kind == PetitionKind.denunciation:
        paras = [
            Para(
                f"Ngày {_d(petition.received_date)}, {unit.name} nhận được đơn tố cáo{forwarded} "
                f"(số vào sổ {petition.register_no})."
            ),
            Para(f"Nội dung đơn: {identity.clause(petition.summary)}."),
            Para(
                f"Căn cứ khoản 2 Điều 24 Luật Tố cáo năm 2018, nội dung tố cáo không thuộc thẩm "
                f"quyền giải quyết của {unit.name}; {unit.name} chuyển đơn tố cáo (kèm theo "
                f"phiếu này) đến {body} để xem xét, giải quyết theo thẩm quyền."
            ),
            Para(
                f"Đề nghị {body} giữ bí mật họ tên, địa chỉ, bút tích và các thông tin cá nhân "
                "khác của người tố cáo theo Điều 47 và Điều 48 Luật Tố cáo năm 2018; không tiết "
                "lộ thông tin về người tố cáo, không chuyển đơn tố cáo hoặc bản sao đơn cho người "
                "bị tố cáo hay cơ quan, tổ chức, cá nhân không có thẩm quyền giải quyết. Phiếu "
                "chuyển đơn này không ghi thông tin về người tố cáo."
            ),
        ]
        recipients = ["Như trên;", "Người tố cáo (để biết);"]
    else:
        identity = _identity(petition, [petition], user, to_sender=True)
        paras = _received(unit, petition.received_date, kind, identity)
        if forwarded:
            paras.append(Para(f"Đơn{forwarded}."))
        paras += [
            Para(f"Nội dung đơn: {identity.clause(petition.summary)}."),
            Para(
                f"Sau khi xem xét nội dung đơn, căn cứ quy định của pháp luật, {unit.name} chuyển "
                f"đơn đến {body} để xem xét, giải quyết theo thẩm quyền."
            ),
        ]
        recipients = ["Như trên;", f"{_sender_word(kind)} (để biết);"]
    paras.append(Para("Kèm theo: đơn và tài liệu kèm theo (nếu có)."))
    return _base(
        "transfer",
        f"phieu-chuyen-don-{petition.register_no}",
        unit,
        number_line=number_line(petition.outcome_doc_no, "PC", unit),
        place_date=place_date(unit, petition.outcome_date),
        title="PHIẾU CHUYỂN ĐƠN",
        subtitle="",
        addressee=[body],
        paragraphs=paras,
        recipients=[*recipients, f"Lưu: VT, hồ sơ đơn {petition.register_no}."],
        entity_type="petition",
        entity_id=petition.id,
    )


def guidance(petition: Petition, user) -> Notice:
    """Phiếu hướng dẫn: tells the sender where to take the petition (or what it lacks)."""
    if petition.outcome != ProcessingOutcome.guide:
        raise NoticeUnavailable(
            f"Đơn {petition.register_no} không được xử lý theo hướng hướng dẫn"
            + (f" (hướng xử lý: {petition.outcome.label})" if petition.outcome else "")
            + ": không lập được phiếu hướng dẫn."
        )
    kind, unit = petition.kind, petition.unit
    identity = _identity(petition, [petition], user, to_sender=True)
    paras = _received(unit, petition.received_date, kind, identity)
    paras.append(Para(f"Nội dung đơn: {identity.clause(petition.summary)}."))
    if petition.eligible is False and petition.ineligible_reasons:
        reasons = "; ".join(IneligibleReason(r).label.lower() for r in petition.ineligible_reasons)
        paras.append(Para(f"Đơn chưa đủ điều kiện xử lý vì: {reasons}."))
    else:
        paras.append(
            Para(
                f"Sau khi xem xét, nội dung đơn không thuộc thẩm quyền giải quyết của {unit.name}."
            )
        )
    paras.append(
        Para(
            f"Căn cứ quy định của pháp luật, {unit.name} hướng dẫn ông (bà) gửi đơn đến "
            f"{petition.outcome_body} để được xem xét, giải quyết theo thẩm quyền."
        )
    )
    if kind == PetitionKind.denunciation:
        paras.append(Para(CONFIDENTIALITY))
    addressee = [f"Ông (bà) {identity.names(_sender_word(kind))}"]
    if identity.parties:
        addressee.append(f"Địa chỉ: {identity.parties[0].address or BLANK}")
    notice = _base(
        "guidance",
        f"phieu-huong-dan-{petition.register_no}",
        unit,
        number_line=number_line(petition.outcome_doc_no, "PHD", unit),
        place_date=place_date(unit, petition.outcome_date),
        title="PHIẾU HƯỚNG DẪN",
        subtitle="",
        addressee=addressee,
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ đơn {petition.register_no}."],
        entity_type="petition",
        entity_id=petition.id,
    )
    return _to_sender(notice, identity)


# --- the apology letter --------------------------------------------------------------------------


def apology(letter: ApologyLetter, user) -> Notice:
    """Thư xin lỗi for a missed deadline toward the citizen: which one, and what next."""
    case, missed = letter.case, letter.deadline
    identity = _case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = [
        Para(
            f"Ngày {_d(case.received_on)}, {unit.name} tiếp nhận đơn {_KIND_TEXT[kind]} của ông "
            f"(bà) về việc: {identity.clause(case.title)} (vụ việc số {case.case_no})."
        ),
        Para(
            f"Theo quy định, việc “{missed.label}” phải hoàn thành chậm nhất vào ngày "
            f"{_d(missed.due)} ({missed.basis}), tính từ ngày {_d(missed.start)}."
        ),
    ]
    if missed.met_on is not None:
        late = (missed.met_on - missed.due).days
        paras.append(
            Para(f"Việc này đã được thực hiện ngày {_d(missed.met_on)}, chậm {late} ngày.")
        )
    else:
        late = (letter.prepared_on - missed.due).days
        paras.append(
            Para(
                f"Đến ngày {_d(letter.prepared_on)}, việc này chưa hoàn thành, đã quá thời hạn "
                f"{late} ngày."
            )
        )
    paras.append(
        Para(
            f"{unit.name} chân thành xin lỗi ông (bà) về sự chậm trễ nêu trên, đã ảnh hưởng đến "
            "quyền và lợi ích hợp pháp của ông (bà)."
        )
    )
    later = next(
        (
            d
            for d in case.deadlines
            if d.step == missed.step
            and d.id != missed.id
            and d.active
            and d.met_on is None
            and d.due > missed.due
        ),
        None,
    )
    if later is not None:
        paras.append(
            Para(
                f"{unit.name} đang khẩn trương giải quyết và dự kiến hoàn thành trước ngày "
                f"{_d(later.due)}."
            )
        )
    elif missed.met_on is None:
        paras.append(
            Para(
                f"{unit.name} đang khẩn trương giải quyết và sẽ thông báo kết quả đến ông (bà) "
                "ngay khi hoàn thành."
            )
        )
    if kind == PetitionKind.denunciation:
        paras.append(Para(CONFIDENTIALITY))
    paras.append(Para("Rất mong nhận được sự thông cảm của ông (bà). Trân trọng!"))
    addressee = [f"Ông (bà) {identity.names(_sender_word(kind))}"]
    if identity.parties:
        addressee.append(f"Địa chỉ: {identity.parties[0].address or BLANK}")
    notice = _base(
        "apology",
        f"thu-xin-loi-{case.case_no}-{letter.id}",
        unit,
        number_line=number_line("", "TXL", unit),
        place_date=place_date(unit, letter.prepared_on),
        title="THƯ XIN LỖI",
        subtitle="",
        addressee=addressee,
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="apology_letter",
        entity_id=letter.id,
    )
    return _to_sender(notice, identity)


# --- .docx ---------------------------------------------------------------------------------------


def _docx_para(container, text: str, *, bold=False, italic=False, underline=False,
               size=None, align=None, indent=False, after=0, reuse=False):  # fmt: skip
    """Add a paragraph of one run; `reuse` writes into the empty paragraph a new cell has."""
    from docx.shared import Mm, Pt

    p = container.paragraphs[0] if reuse else container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Mm(12.7)
    p.paragraph_format.space_after = Pt(after)
    return p


def _docx_columns(doc, widths):
    """A borderless one-row table with fixed column widths (header and signature blocks)."""
    table = doc.add_table(rows=1, cols=len(widths))
    table.autofit = False
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
        column.width = cell.width = width
    return table.rows[0].cells


def to_docx(notice: Notice) -> bytes:
    """The notice as a Word document (A4 portrait, Times New Roman, NĐ 30/2020 layout)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    center, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    para = _docx_para
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.title = " ".join(x for x in (notice.title, notice.subtitle) if x)
    props.author = props.last_modified_by = notice.issuer
    props.comments = props.subject = props.keywords = ""

    # Issuer and number on the left, motto and place-date on the right.
    left, right = _docx_columns(doc, (Mm(68), Mm(97)))
    if notice.issuer_parent:
        para(left, notice.issuer_parent, size=12, align=center, reuse=True)
    para(left, notice.issuer, bold=True, size=12, align=center, reuse=not notice.issuer_parent)
    para(left, "———", align=center)
    para(left, notice.number_line, align=center)
    para(right, MOTTO, bold=True, size=12, align=center, reuse=True)
    para(right, MOTTO_SUB, bold=True, underline=True, align=center)
    para(right, "", align=center)
    para(right, notice.place_date, italic=True, align=center)

    para(doc, "", after=6)
    para(doc, notice.title, bold=True, size=14, align=center)
    if notice.subtitle:
        para(doc, notice.subtitle, bold=True, align=center)
    para(doc, "———", align=center, after=6)
    for i, line in enumerate(notice.addressee):
        para(doc, f"Kính gửi: {line}" if i == 0 else line, align=center, after=3)
    if notice.addressee:
        para(doc, "", after=3)
    for p in notice.paragraphs:
        if p.style == "heading":
            para(doc, p.text, bold=True, align=center, after=6)
        elif p.style == "item":
            para(doc, f"- {p.text}", align=justify, indent=True, after=3)
        else:
            para(doc, p.text, align=justify, indent=True, after=6)

    # Recipients on the left, the signature block on the right.
    para(doc, "", after=6)
    left, right = _docx_columns(doc, (Mm(80), Mm(85)))
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, reuse=True)
    for r in notice.recipients:
        para(left, f"- {r}", size=11)
    s = notice.signer
    if s.authority:
        para(right, s.authority, bold=True, align=center, reuse=True)
    para(right, s.title, bold=True, align=center, reuse=not s.authority)
    para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=center)
    for _ in range(4):
        para(right, "", align=center)
    para(right, s.name, bold=True, align=center)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
