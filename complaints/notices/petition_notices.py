"""The slips of a processed petition (transfer, guidance) and the apology letter for a
missed deadline, each built once as a `Notice` (notices/render.py)."""

from __future__ import annotations

from complaints.cases.models import (
    ApologyLetter,
)
from complaints.core import confidentiality
from complaints.core.vocab import PetitionKind
from complaints.notices.render import (
    BLANK,
    CONFIDENTIALITY,
    KIND_TEXT,
    Notice,
    NoticeUnavailable,
    Para,
    base,
    case_identity,
    dmy,
    identity_for,
    number_line,
    place_date,
    received,
    sender_word,
    to_sender,
)
from complaints.petitions.models import IneligibleReason, Petition, ProcessingOutcome

# --- notices on a petition -----------------------------------------------------------------------


def drafting_unit(petition: Petition):
    """The unit that drafts a petition's slip: the one that processes the petitions of its
    receiving unit (the Thanh tra for the Ban TCD), when that is another unit."""
    processor = petition.unit.processor
    return processor if processor.id != petition.unit_id else None


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
    identity = identity_for(petition, [petition], user, to_sender=False)
    body = petition.outcome_body
    forwarded = ""
    if petition.is_forwarded and petition.source_body:
        forwarded = f" do {petition.source_body} chuyển đến" + (
            f" (văn bản số {petition.source_doc_no})" if petition.source_doc_no else ""
        )
    if kind == PetitionKind.denunciation:
        paras = [
            Para(
                f"Ngày {dmy(petition.received_date)}, {unit.name} nhận được đơn tố cáo{forwarded} "
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
        # Addressed to another body: the senders are named unless the petition belongs to a
        # denunciation's matter (a complaint handed in with a denunciation...).
        protected = confidentiality.is_protected(petition)
        identity = identity_for(petition, [petition], user, to_sender=not protected)
        paras = received(unit, petition.received_date, kind, identity)
        if forwarded:
            paras.append(Para(f"Đơn{forwarded}."))
        paras += [
            Para(f"Nội dung đơn: {identity.clause(petition.summary)}."),
            Para(
                f"Sau khi xem xét nội dung đơn, căn cứ quy định của pháp luật, {unit.name} chuyển "
                f"đơn đến {body} để xem xét, giải quyết theo thẩm quyền."
            ),
        ]
        recipients = ["Như trên;", f"{sender_word(kind)} (để biết);"]
    paras.append(Para("Kèm theo: đơn và tài liệu kèm theo (nếu có)."))
    return base(
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
        drafting=drafting_unit(petition),
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
    identity = identity_for(petition, [petition], user, to_sender=True)
    paras = received(unit, petition.received_date, kind, identity)
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
    if identity.protected:
        paras.append(Para(CONFIDENTIALITY))
    addressee = [f"Ông (bà) {identity.names(sender_word(kind))}"]
    if identity.parties:
        addressee.append(f"Địa chỉ: {identity.parties[0].address or BLANK}")
    notice = base(
        "guidance",
        f"phieu-huong-dan-{petition.register_no}",
        unit,
        number_line=number_line(petition.outcome_doc_no, "HD", unit),
        place_date=place_date(unit, petition.outcome_date),
        title="PHIẾU HƯỚNG DẪN",
        subtitle="",
        addressee=addressee,
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ đơn {petition.register_no}."],
        entity_type="petition",
        entity_id=petition.id,
        drafting=drafting_unit(petition),
    )
    return to_sender(notice, identity)


# --- the apology letter --------------------------------------------------------------------------


def apology(letter: ApologyLetter, user) -> Notice:
    """Thư xin lỗi for a missed deadline toward the citizen: which one, and what next."""
    case, missed = letter.case, letter.deadline
    identity = case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = [
        Para(
            f"Ngày {dmy(case.received_on)}, {unit.name} tiếp nhận đơn {KIND_TEXT[kind]} của ông "
            f"(bà) về việc: {identity.clause(case.title)} (vụ việc số {case.case_no})."
        ),
        Para(
            f"Theo quy định, việc “{missed.label}” phải hoàn thành chậm nhất vào ngày "
            f"{dmy(missed.due)} ({missed.basis}), tính từ ngày {dmy(missed.start)}."
        ),
    ]
    if missed.met_on is not None:
        late = (missed.met_on - missed.due).days
        paras.append(
            Para(f"Việc này đã được thực hiện ngày {dmy(missed.met_on)}, chậm {late} ngày.")
        )
    else:
        late = (letter.prepared_on - missed.due).days
        paras.append(
            Para(
                f"Đến ngày {dmy(letter.prepared_on)}, việc này chưa hoàn thành, đã quá thời hạn "
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
                f"{dmy(later.due)}."
            )
        )
    elif missed.met_on is None:
        paras.append(
            Para(
                f"{unit.name} đang khẩn trương giải quyết và sẽ thông báo kết quả đến ông (bà) "
                "ngay khi hoàn thành."
            )
        )
    if identity.protected:
        paras.append(Para(CONFIDENTIALITY))
    paras.append(Para("Rất mong nhận được sự thông cảm của ông (bà). Trân trọng!"))
    addressee = [f"Ông (bà) {identity.names(sender_word(kind))}"]
    if identity.parties:
        addressee.append(f"Địa chỉ: {identity.parties[0].address or BLANK}")
    notice = base(
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
    return to_sender(notice, identity)
