"""Issuing a notice in its authority's name (NĐ 30/2020/NĐ-CP): the next number of the
authority's register of documents issued ("07/TB-UBND"), signed by its head or by a deputy on
the head's behalf, chosen when issuing; the advisory unit that drafted it is kept for the
"Nơi nhận" ("Lưu: VT, TTr.").

The issuing authority is the unit that heads the notice: a case's competent authority
(Case.unit), the unit that processed a petition's slip. Numbers run per authority and year
across every kind of document; they are taken from the gapless counter of core/numbering.py
(the row stays locked until commit, so a concurrent issue waits and takes the next one), and
the register's unique constraints stand behind it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from complaints.cases.models import Case
from complaints.core import audit, clock
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.numbering import next_number
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.notices import registry
from complaints.notices.models import DEPUTY, HEAD, IssuedDocument
from complaints.notices.render import DOC_KIND, Notice, head_title, issued_for
from complaints.petitions.models import Petition
from complaints.units import roles
from complaints.units.models import Unit, UnitLeader

SERIES = "issued_doc"  # core/numbering.py's series of the register of documents issued


class IssuingError(OperationError):
    """A notice that cannot be issued as asked; the message is for the user."""


def kinds_for(record) -> dict:
    """The notices of a record's kind (notices/registry.py)."""
    return registry.CASE if isinstance(record, Case) else registry.PETITION


def may_issue(user, record) -> bool:
    """The user may issue the record's notices: the permission, and a unit that acts on the
    record (not one that only follows a case it received)."""
    if not has_permission(user, "notice.issue"):
        return False
    if isinstance(record, Case):
        return not record.follows_only(user)
    if isinstance(record, Petition):
        return unit_in_scope(user, record.unit) or roles.may_process(user, record.unit)
    return False


def signers(authority: Unit) -> list[UnitLeader]:
    """The leaders who may sign in the authority's name: its active leaders, the head first."""
    return [x for x in authority.leaders if x.active]


def signer_label(leader: UnitLeader) -> str:
    """ "Trần Quang Vinh — Chủ tịch (ký thay mặt)" / "Nguyễn Đức Thọ — Phó Chủ tịch (ký thay)"."""
    if leader.is_head:
        return _("%(name)s — %(title)s (ký thay mặt)", name=leader.full_name, title=leader.title)
    return _("%(name)s — %(title)s (ký thay)", name=leader.full_name, title=leader.title)


def _check_signer(signer: UnitLeader | None, authority: Unit) -> None:
    if signer is None:
        raise IssuingError(_("Chọn lãnh đạo ký ban hành văn bản."), "signer_id")
    if signer.unit_id != authority.id:
        raise IssuingError(
            _(
                "%(name)s không phải lãnh đạo của %(authority)s: văn bản ban hành nhân danh "
                "%(authority)s do người đứng đầu hoặc cấp phó của cơ quan này ký.",
                name=signer.full_name,
                authority=authority.name,
            ),
            "signer_id",
        )
    if not signer.active:
        raise IssuingError(
            _(
                "%(name)s không còn giữ chức vụ lãnh đạo của %(authority)s.",
                name=signer.full_name,
                authority=authority.name,
            ),
            "signer_id",
        )


def _drafting_unit(actor, record, notice: Notice) -> Unit:
    """The advisory unit that drafted it: the unit assigned to verify a case, the unit that
    processes a petition's receiving unit, else the issuing user's unit."""
    if isinstance(record, Case) and record.assigned_unit is not None:
        return record.assigned_unit
    if isinstance(record, Petition) and record.unit.processor.id != record.unit_id:
        return record.unit.processor
    return actor.unit


def issue(
    actor, record, key: str, *, signer: UnitLeader | None, on: date | None = None, n=None
) -> IssuedDocument:
    """Number the record's notice `key` (the nth extension) in its authority's register and
    record who signs it. Refused (IssuingError, NoticeUnavailable) when the user may not, the
    notice cannot be made yet, it was issued already, or the signer is not a leader of the
    authority. Flushes; the request commits."""
    kinds = kinds_for(record)
    if key not in kinds or key not in DOC_KIND:
        raise IssuingError(_("Văn bản này không cấp số trong ứng dụng."), "key")
    if not may_issue(actor, record):
        raise IssuingError(
            _("Bạn không có quyền cấp số, ban hành văn bản của hồ sơ này."), "signer_id"
        )
    notice = kinds[key].build(record, actor, *((n,) if n is not None else ()))
    authority = db.session.get(Unit, notice.unit_id)
    already = issued_for(notice.entity_type, notice.entity_id, key, notice.n)
    if already is not None:
        raise IssuingError(
            _(
                "Văn bản đã được cấp số %(number)s ngày %(day)s (%(name)s ký); không cấp số lại.",
                number=already.number,
                day=fmt_date(already.issued_on),
                name=already.signer_name,
            ),
            "signer_id",
        )
    _check_signer(signer, authority)
    on = on or clock.today()
    clock.not_after_today(on)
    kind = DOC_KIND[key]
    doc = IssuedDocument(
        unit_id=authority.id,
        year=on.year,
        doc_kind=kind,
        symbol=authority.symbol,
        case_id=record.id if isinstance(record, Case) else None,
        petition_id=record.id if isinstance(record, Petition) else None,
        notice_key=key,
        n=notice.n or 0,
        signer_id=signer.id,
        signing_mode=HEAD if signer.is_head else DEPUTY,
        signer_name=signer.full_name,
        signer_title=signer.title,
        head_title=head_title(authority),
        drafting_unit_id=_drafting_unit(actor, record, notice).id,
        issued_on=on,
        issued_by_id=actor.id,
    )
    doc.seq = next_number(SERIES, authority.id, on.year)
    doc.number = f"{doc.seq:02d}/{kind}-{authority.symbol}"
    try:
        with db.session.begin_nested():
            db.session.add(doc)
            db.session.flush()
    except IntegrityError:
        # Another request issued this notice meanwhile (its row was committed first).
        raise IssuingError(
            _("Văn bản vừa được cấp số trong một phiên làm việc khác; tải lại trang."),
            "signer_id",
        ) from None
    audit.record(
        "notice.issued",
        doc,
        actor=actor,
        unit_id=authority.id,
        summary=_(
            "Cấp số %(number)s: %(label)s, %(name)s ký",
            number=doc.number,
            label=str(kinds[key].label),
            name=signer.full_name,
        ),
        after={
            "number": doc.number,
            "record": notice.entity_type,
            "record_id": notice.entity_id,
            "notice": key,
            "n": doc.n,
            "signer": signer.full_name,
            "signing_mode": doc.signing_mode,
            "drafting_unit_id": doc.drafting_unit_id,
            "issued_on": on,
        },
    )
    return doc


def issued_numbers(record) -> dict[tuple[str, int], str]:
    """The numbers of a record's issued notices by (key, n)."""
    column = IssuedDocument.case_id if isinstance(record, Case) else IssuedDocument.petition_id
    rows = db.session.execute(
        sa.select(IssuedDocument.notice_key, IssuedDocument.n, IssuedDocument.number).where(
            column == record.id
        )
    )
    return {(k, n): number for k, n, number in rows}
