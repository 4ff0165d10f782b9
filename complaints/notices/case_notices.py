"""The notices of a case, each built once as a `Notice` (notices/render.py): acceptance, the
notice to the person denounced, refusal, extension, the decision or conclusion, publication."""

from __future__ import annotations

import sqlalchemy as sa

from complaints.cases.models import (
    Case,
    Complexity,
    ComplexityCriterion,
    Deadline,
)
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.notices.render import (
    BLANK,
    CONFIDENTIALITY,
    KIND_TEXT,
    OUTCOME_TEXT,
    Notice,
    NoticeUnavailable,
    Para,
    base,
    case_identity,
    dmy,
    head_title,
    heading_name,
    last_event,
    measures,
    number_line,
    place_date,
    received,
    sender_word,
    sentence,
    to_sender,
)

# --- notices on a case -------------------------------------------------------------------------


def acceptance(case: Case, user) -> Notice:
    """Thông báo thụ lý: to the complainant, the denouncer or the sender of a feedback."""
    if case.accepted_on is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} chưa được thụ lý (trạng thái “{case.state.label}”): "
            "chưa thể lập thông báo thụ lý."
        )
    identity = case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = received(unit, case.received_on, kind, identity)
    paras.append(Para(f"Nội dung {KIND_TEXT[kind]}: {identity.clause(case.title)}."))
    if kind == PetitionKind.complaint:
        paras.append(
            Para(
                "Sau khi xem xét nội dung đơn, căn cứ Điều 27 Luật Khiếu nại năm 2011, đơn khiếu "
                f"nại đủ điều kiện thụ lý và thuộc thẩm quyền giải quyết của {unit.name}. Ngày "
                f"{dmy(case.accepted_on)}, {unit.name} đã thụ lý giải quyết khiếu nại "
                f"{'lần hai' if case.round == 2 else 'lần đầu'} (vụ việc số {case.case_no})."
            )
        )
    elif kind == PetitionKind.denunciation:
        paras.append(
            Para(
                f"Căn cứ Điều 29 Luật Tố cáo năm 2018, ngày {dmy(case.accepted_on)}, {unit.name} "
                f"đã thụ lý tố cáo (vụ việc số {case.case_no})."
            )
        )
    else:
        paras.append(
            Para(
                f"Ngày {dmy(case.accepted_on)}, {unit.name} đã tiếp nhận và thụ lý giải quyết "
                f"kiến nghị, phản ánh (vụ việc số {case.case_no})."
            )
        )
    # The period set at acceptance, under the case's procedure (a case reclassified after
    # acceptance keeps the other procedure's first deadline among its retired ones).
    first_resolve = db.session.scalar(
        sa.select(Deadline)
        .where(
            Deadline.case_id == case.id,
            Deadline.step == "resolve",
            Deadline.rule.startswith(f"{case.kind.value}.", autoescape=True),
        )
        .order_by(Deadline.id)
        .limit(1)
    )
    if first_resolve is not None:
        paras.append(
            Para(
                f"Thời hạn giải quyết: {first_resolve.days} ngày kể từ ngày thụ lý, đến hết ngày "
                f"{dmy(first_resolve.due)} ({first_resolve.basis})."
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
    notice = base(
        "acceptance",
        f"thong-bao-thu-ly-{case.case_no}",
        unit,
        number_line=number_line(case.accept_doc_no, "TB", unit),
        place_date=place_date(unit, case.accepted_on),
        title="THÔNG BÁO",
        subtitle=f"Về việc thụ lý giải quyết {KIND_TEXT[kind]}"
        if kind != PetitionKind.denunciation
        else "Về việc thụ lý tố cáo",
        addressee=[f"Ông (bà) {identity.names(sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
        drafting=case.assigned_unit,
    )
    return to_sender(notice, identity)


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
    identity = case_identity(case, user, to_sender=False)
    unit = case.unit
    paras = [
        Para(
            f"Ngày {dmy(case.accepted_on)}, {unit.name} đã thụ lý tố cáo đối với cơ quan, tổ "
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
    return base(
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
        drafting=case.assigned_unit,
    )


def refusal(case: Case, user) -> Notice:
    """Thông báo không thụ lý, with the ground recorded on the refusal."""
    event = last_event(case, "refuse")
    if event is None:
        raise NoticeUnavailable(
            f"Vụ việc {case.case_no} không có quyết định không thụ lý (trạng thái "
            f"“{case.state.label}”): không lập được thông báo không thụ lý."
        )
    identity = case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    paras = received(unit, case.received_on, kind, identity)
    paras.append(Para(f"Nội dung {KIND_TEXT[kind]}: {identity.clause(case.title)}."))
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
                f"{unit.name} không thụ lý giải quyết {KIND_TEXT[kind]} vì lý do: {ground}."
            )
        )
    paras.append(Para(f"{unit.name} thông báo để ông (bà) được biết."))
    notice = base(
        "refusal",
        f"thong-bao-khong-thu-ly-{case.case_no}",
        unit,
        number_line=number_line(event.doc_no, "TB", unit),
        place_date=place_date(unit, event.occurred_on),
        title="THÔNG BÁO",
        subtitle="Về việc không thụ lý tố cáo"
        if kind == PetitionKind.denunciation
        else f"Về việc không thụ lý giải quyết {KIND_TEXT[kind]}",
        addressee=[f"Ông (bà) {identity.names(sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
        drafting=case.assigned_unit,
    )
    return to_sender(notice, identity)


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
    identity = case_identity(case, user, to_sender=False)
    unit = case.unit
    criteria = ""
    if case.complexity != Complexity.normal:
        labels = [ComplexityCriterion(c).label.lower() for c in case.complexity_criteria]
        criteria = f" ({case.complexity.label.lower()}: {'; '.join(labels)})" if labels else ""
    paras = [
        Para(f"{head_title(unit)} {heading_name(unit)}", "heading"),
        Para("Căn cứ Luật Tố cáo ngày 12 tháng 6 năm 2018;"),
        Para(
            f"Căn cứ việc thụ lý tố cáo ngày {dmy(case.accepted_on)}"
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
        paras.append(Para(f"Lý do gia hạn: {sentence(identity.scrub(event.note))}"))
    if nth == len(events):
        # The period this decision set: the current resolution deadline (met or not).
        resolve = next((d for d in case.deadlines if d.step == "resolve" and d.active), None)
        if resolve is not None:
            paras.append(Para(f"Thời hạn giải quyết tố cáo đến hết ngày {dmy(resolve.due)}."))
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
    return base(
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
        entity_type="case_file",
        entity_id=case.id,
        drafting=case.assigned_unit,
        in_own_name=True,
        n=nth,
    )


def outcome_sentence(case: Case) -> str:
    word = OUTCOME_TEXT.get(case.outcome.value, "") if case.outcome else ""
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
    identity = case_identity(case, user, to_sender=True)
    unit, kind = case.unit, case.kind
    names = identity.names(sender_word(kind).lower())
    doc = f"số {case.decision_no}" if case.decision_no else f"số {BLANK}"
    about = identity.clause(case.title)
    if kind == PetitionKind.complaint:
        rnd = "lần hai" if case.round == 2 else "lần đầu"
        paras = [
            Para(
                f"Ngày {dmy(case.decided_on)}, {unit.name} đã ban hành Quyết định giải quyết "
                f"khiếu nại {rnd} {doc} đối với khiếu nại của ông (bà) {names} về việc: {about} "
                f"(vụ việc số {case.case_no})."
            )
        ]
    elif kind == PetitionKind.denunciation:
        paras = [
            Para(
                f"Ngày {dmy(case.decided_on)}, {unit.name} đã ban hành Kết luận nội dung tố cáo "
                f"{doc} đối với tố cáo của ông (bà) {names} về việc: {about} (vụ việc số "
                f"{case.case_no})."
            )
        ]
    else:
        paras = [
            Para(
                f"Ngày {dmy(case.decided_on)}, {unit.name} đã trả lời kiến nghị, phản ánh của ông "
                f"(bà) {names} về việc: {about} (văn bản {doc}, vụ việc số {case.case_no})."
            )
        ]
    if outcome := outcome_sentence(case):
        paras.append(Para(outcome))
    summary = case.decision_summary
    if kind == PetitionKind.feedback and not summary:
        answer = last_event(case, "answer")
        summary = answer.note if answer else ""
    if summary:
        paras.append(Para(f"Nội dung: {sentence(identity.scrub(summary))}"))
    measure_items = measures(case)
    if measure_items:
        paras.append(Para("Biện pháp xử lý, kiến nghị:"))
        paras += measure_items
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
    notice = base(
        "result",
        f"thong-bao-ket-qua-{case.case_no}",
        unit,
        number_line=number_line("", "TB", unit),
        place_date=place_date(unit, case.sent_on),
        title="THÔNG BÁO",
        subtitle=subtitle,
        addressee=[f"Ông (bà) {identity.names(sender_word(kind))}"],
        paragraphs=paras,
        recipients=["Như trên;", f"Lưu: VT, hồ sơ vụ việc {case.case_no}."],
        entity_type="case_file",
        entity_id=case.id,
        drafting=case.assigned_unit,
    )
    return to_sender(notice, identity)


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
    identity = case_identity(case, user, to_sender=False)
    unit = case.unit
    doc = f"số {case.decision_no}" if case.decision_no else f"số {BLANK}"
    paras = [
        Para(
            f"Thực hiện Điều 40 Luật Tố cáo năm 2018, {unit.name} công khai Kết luận nội dung "
            f"tố cáo {doc} ngày {dmy(case.decided_on)} (vụ việc số {case.case_no}) như sau:"
        ),
        Para(f"1. Nội dung tố cáo: {identity.clause(case.title)}."),
        Para(f"2. {outcome_sentence(case)}"),
    ]
    if case.decision_summary:
        paras.append(Para(sentence(identity.scrub(case.decision_summary))))
    measure_items = measures(case)
    paras.append(Para("3. Biện pháp xử lý, kiến nghị:" + ("" if measure_items else " không có.")))
    paras += measure_items
    paras.append(
        Para(
            "Thông tin về người tố cáo được giữ bí mật theo Điều 47 Luật Tố cáo năm 2018 và "
            "không được công khai."
        )
    )
    return base(
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
        drafting=case.assigned_unit,
    )
