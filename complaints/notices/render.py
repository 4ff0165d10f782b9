"""What every notice is made of: the `Notice` (plain strings, no markup), who it may name (the
denouncer rule), and the parts all notices share (the heading, the place and date, the
signature block, the senders' lines). The builders are in case_notices.py and
petition_notices.py, the Word file in docx.py; notices/registry.py lists them.

Each builder takes the record and the acting user and returns a `Notice`: plain strings, no
markup. The Jinja template and `to_docx` only lay those strings out, so the printed page and
the Word file always say the same thing.

The denouncer rule (LTC Art 9, 47, 56) is core/confidentiality.py's, applied in `identity_for`: a
denouncer's name, address and papers appear only in a notice addressed to the denouncer and
only for a user who may see them; other users read the masked text; notices to anyone else (the
accused, the public, the competent body, the extension decision) carry no sender data at all,
and the free text they quote is stripped of every identity of the matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from complaints.cases.models import (
    Case,
    CaseEvent,
)
from complaints.core import confidentiality
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int
from complaints.core.text import old_style_tones
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.notices.models import DEPUTY, IssuedDocument
from complaints.petitions.models import Petition
from complaints.units.models import Unit, UnitLevel

REDACTED = str(confidentiality.MASK)
BLANK = "……"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_NAMES = 5  # a group petition names its first signatories, then "và N người khác"

# Matched on the name in the decree's spelling (core/text.old_style_tones): a unit's name typed
# with the tone mark on the second vowel of "Ủy" matches too.
UNIT_PREFIX = re.compile(r"^(UBND|Ủy ban nhân dân)\s+(thành phố|tỉnh)\s+", re.I)
COMMITTEE = re.compile(r"^(UBND|Ủy ban nhân dân)\s+", re.I)
# The kind of document in its number ("07/TB-UBND"), NĐ 30/2020 Phụ lục III: thông báo TB,
# quyết định QĐ, phiếu chuyển PC, hướng dẫn HD.
DOC_KIND = {
    "acceptance": "TB",
    "accused": "TB",
    "refusal": "TB",
    "extension": "QĐ",
    "result": "TB",
    "publication": "TB",
    "transfer": "PC",
    "guidance": "HD",
}
KIND_TEXT = {
    PetitionKind.complaint: "khiếu nại",
    PetitionKind.denunciation: "tố cáo",
    PetitionKind.feedback: "kiến nghị, phản ánh",
}
# The denunciation conclusion says "tố cáo đúng / đúng một phần / sai".
OUTCOME_TEXT = {"upheld": "đúng", "partly_upheld": "đúng một phần", "rejected": "sai"}


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
    title: str  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "CHÁNH THANH TRA" ...
    name: str = ""  # the leader who signed it, once issued (notices/issuing.py)
    on_behalf: str = ""  # "KT. CHỦ TỊCH" when a deputy signs on the head's behalf


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
    # Which of the record's notices of this kind (the nth extension), and its entry in the
    # register of issued documents once issued (notices/issuing.py).
    n: int | None = None
    issued: IssuedDocument | None = None

    def lines(self) -> list[str]:
        """Every text line of the notice, in reading order (what both outputs must contain)."""
        out = [self.issuer_parent, self.issuer, self.number_line, MOTTO, MOTTO_SUB]
        out += [self.place_date, self.title, self.subtitle]
        out += [f"Kính gửi: {a}" if i == 0 else a for i, a in enumerate(self.addressee)]
        out += [p.text for p in self.paragraphs]
        out += ["Nơi nhận:", *[f"- {r}" for r in self.recipients]]
        s = self.signer
        out += [s.authority, s.on_behalf, s.title, s.name]
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


def identity_for(record, petitions: list[Petition], user, *, to_sender: bool) -> Identity:
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
    # A case's notice is printed from the case file: never a verifier's (whatever their roles).
    on_file = record.__tablename__ == "case_file"
    if to_sender and confidentiality.may_see_identity(user, record, case_file=on_file):
        return Identity(real, protected=True, shown=True, petition_ids=ids)
    if to_sender and real:
        hidden = [Party(REDACTED, REDACTED, REDACTED)]
        return Identity(hidden, protected=True, shown=False, petition_ids=ids, _pattern=pattern)
    return Identity([], protected=True, shown=False, petition_ids=ids, _pattern=pattern)


def party_items(identity: Identity) -> list[Para]:
    return [
        Para(
            f"Ông (bà) {p.name}; địa chỉ: {p.address or BLANK}; "
            f"số CCCD/số định danh/hộ chiếu: {p.identity_no or BLANK}.",
            "item",
        )
        for p in identity.parties[:MAX_NAMES]
    ]


# --- the parts every notice shares ---------------------------------------------------------------


def sentence(text: str) -> str:
    """Free text ended with a full stop when it has no closing punctuation of its own."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else f"{text}."


def dmy(day: date | None) -> str:
    return fmt_date(day) if day else BLANK


def place_name(unit: Unit) -> str:
    """The locality written before the date ("Hải Phòng, ngày ..."): the unit's province."""
    ids = [int(x) for x in unit.path.strip("/").split("/") if x.isdigit()]
    province = db.session.scalar(
        sa.select(Unit).where(Unit.id.in_(ids), Unit.level == UnitLevel.province).limit(1)
    )
    return UNIT_PREFIX.sub("", old_style_tones(province.name)).strip() if province else ""


def place_date(unit: Unit, day: date | None) -> str:
    """ "Hải Phòng, ngày 05 tháng 3 năm 2026" (leading zero for days < 10 and months 1-2,
    NĐ 30/2020); dotted blanks when the document has no recorded date yet."""
    place = place_name(unit) or BLANK
    if day is None:
        return f"{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(doc_no: str, kind: str, unit: Unit) -> str:
    """ "Số: 07/TB-UBND": the number typed on the step, else blank with the unit's symbol (a
    draft); an issued notice prints its register number instead (`base`)."""
    return f"Số: {doc_no}" if doc_no else f"Số: {BLANK}/{kind}-{unit.symbol}"


def is_committee(unit: Unit) -> bool:
    """A People's Committee (its acts are the collective's: "TM. ỦY BAN NHÂN DÂN")."""
    return bool(COMMITTEE.match(old_style_tones(unit.name.strip())))


def heading_name(unit: Unit) -> str:
    """The unit's name as it heads a document: upper case, "UBND" spelled in full ("ỦY BAN
    NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", NĐ 30/2020 Phụ lục I)."""
    return COMMITTEE.sub("Ủy ban nhân dân ", old_style_tones(unit.name.strip()), count=1).upper()


def _guessed_title(unit: Unit) -> str:
    """The head's title read from the unit's name, when its leaders are not recorded."""
    name = unit.name.casefold()
    if is_committee(unit):
        return "CHỦ TỊCH"
    if name.startswith("thanh tra"):
        return "CHÁNH THANH TRA"
    if name.startswith("sở"):
        return "GIÁM ĐỐC"
    if name.startswith("ban tiếp công dân"):
        return "TRƯỞNG BAN"
    return "THỦ TRƯỞNG CƠ QUAN"


def head_title(unit: Unit) -> str:
    """The title of the unit's head, upper case: the one recorded, else the guess."""
    head = unit.head()
    return head.title.upper() if head is not None else _guessed_title(unit)


def signer(
    unit: Unit, *, in_own_name: bool = False, issued: IssuedDocument | None = None
) -> Signer:
    """The signature block (NĐ 30/2020 Phụ lục I): a committee's acts "TM. ỦY BAN NHÂN DÂN",
    other units' and the head's own decisions in the head's title; a deputy signs "KT. <head's
    title>" above their own. Not issued yet: the head's title, no name."""
    authority = "TM. ỦY BAN NHÂN DÂN" if is_committee(unit) and not in_own_name else ""
    if issued is None:
        return Signer(authority, head_title(unit))
    on_behalf = f"KT. {issued.head_title.upper()}" if issued.signing_mode == DEPUTY else ""
    return Signer(authority, issued.signer_title.upper(), issued.signer_name, on_behalf)


def issued_for(entity_type: str, entity_id: int | None, key: str, n: int | None):
    """The register entry of a record's notice, if it was issued."""
    column = {"case_file": IssuedDocument.case_id, "petition": IssuedDocument.petition_id}
    if entity_type not in column or entity_id is None:
        return None
    return db.session.scalar(
        sa.select(IssuedDocument).where(
            column[entity_type] == entity_id,
            IssuedDocument.notice_key == key,
            IssuedDocument.n == (n or 0),
        )
    )


def base(
    key: str,
    filename: str,
    unit: Unit,
    *,
    in_own_name: bool = False,
    drafting: Unit | None = None,
    n: int | None = None,
    **kw,
) -> Notice:
    """A notice headed by `unit` (the competent authority of a case; the unit that processed a
    petition), under its parent's name when it has one. Once issued it carries its register
    number, its signer and the unit that drafted it ("Lưu: VT, TTr."; a draft names the unit
    assigned to verify, when there is one); a date left blank is the day it was issued."""
    issued = issued_for(kw.get("entity_type", ""), kw.get("entity_id"), key, n)
    sign = kw.pop("signer", None)
    if issued is not None:
        kw["number_line"] = f"Số: {issued.number}"
        sign = signer(unit, in_own_name=in_own_name, issued=issued)
        drafting = issued.drafting_unit
        if f"ngày {BLANK}" in kw.get("place_date", ""):
            kw["place_date"] = place_date(unit, issued.issued_on)
    recipients = list(kw.pop("recipients", []))
    if drafting is not None and recipients and recipients[-1].startswith("Lưu:"):
        recipients[-1] = f"Lưu: VT, {drafting.symbol}."
    return Notice(
        key=key,
        filename=filename,
        issuer_parent=heading_name(unit.parent) if unit.parent else "",
        issuer=heading_name(unit),
        signer=sign or signer(unit, in_own_name=in_own_name),
        unit_id=unit.id,
        recipients=recipients,
        n=n,
        issued=issued,
        **kw,
    )


def money(value: Decimal | None) -> str:
    return fmt_int(int(value or 0))


def area(value: Decimal | None) -> str:
    value = Decimal(value or 0)
    return fmt_int(int(value)) if value == value.to_integral_value() else fmt_decimal(value, 1)


def measures(case: Case) -> list[Para]:
    """The money, land and people the decision or conclusion deals with (only those set)."""
    items = []
    if case.money_to_recover:
        items.append(f"Thu hồi về ngân sách nhà nước: {money(case.money_to_recover)} đồng.")
    if case.money_to_return:
        items.append(f"Trả lại cho tổ chức, cá nhân: {money(case.money_to_return)} đồng.")
    if case.land_to_recover_m2:
        items.append(f"Thu hồi đất: {area(case.land_to_recover_m2)} m².")
    if case.land_to_return_m2:
        items.append(f"Trả lại đất cho tổ chức, cá nhân: {area(case.land_to_return_m2)} m².")
    if case.people_to_discipline:
        items.append(
            f"Kiến nghị xem xét xử lý kỷ luật: {fmt_int(case.people_to_discipline)} người."
        )
    return [Para(t, "item") for t in items]


def case_petitions(case: Case) -> list[Petition]:
    return list(
        db.session.scalars(
            sa.select(Petition)
            .where(Petition.case_id == case.id)
            .order_by(Petition.received_date, Petition.id)
        )
    )


def case_identity(case: Case, user, *, to_sender: bool) -> Identity:
    return identity_for(case, case_petitions(case), user, to_sender=to_sender)


def last_event(case: Case, action: str) -> CaseEvent | None:
    return next((e for e in reversed(case.events) if e.action == action), None)


def to_sender(notice: Notice, identity: Identity) -> Notice:
    """Finish a notice addressed to the sender: the audit facts of what it shows."""
    notice.reveals_identity = identity.reveals
    notice.revealed_petition_ids = identity.petition_ids if identity.reveals else []
    return notice


def sender_word(kind: PetitionKind) -> str:
    return {
        PetitionKind.complaint: "Người khiếu nại",
        PetitionKind.denunciation: "Người tố cáo",
    }.get(kind, "Người gửi đơn")


def received(unit: Unit, on: date, kind: PetitionKind, identity: Identity) -> list[Para]:
    """ "Ngày ..., <unit> nhận được đơn ... của:" and one line per sender."""
    if not identity.parties:
        return [Para(f"Ngày {dmy(on)}, {unit.name} nhận được đơn {KIND_TEXT[kind]}.")]
    return [
        Para(f"Ngày {dmy(on)}, {unit.name} nhận được đơn {KIND_TEXT[kind]} của:"),
        *party_items(identity),
    ]


CONFIDENTIALITY = (
    "Họ tên, địa chỉ, bút tích và các thông tin cá nhân khác của người tố cáo được giữ bí mật "
    "theo Điều 47 Luật Tố cáo năm 2018."
)
