"""Notices as HTML and .docx: content, wrong states, unit scope, and the denouncer's secrecy."""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date

import docx
import pytest
import sqlalchemy as sa

from complaints.cases import apology
from complaints.cases import operations as ops
from complaints.cases.models import ApologyLetter, Case
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.vocab import Field, PetitionKind
from complaints.notices import registry, render
from complaints.petitions.models import Petition
from complaints.petitions.processing import ProcessingInput, process

from . import factories
from .factories_cases import petition as make_petition

D = date
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SENTINEL_NAME = "Nguyễn Bí Mật Sentinel"
SENTINEL_ID = "099999999999"
SENTINEL_ADDRESS = "Số 9 ngõ Kín Đáo, phường Lê Chân"
DENOUNCER = ((SENTINEL_NAME, SENTINEL_ADDRESS, SENTINEL_ID),)
# Staff sometimes quote the denouncer in free text: without diacritics, in lower case too.
FOLDED_SENTINEL = "nguyen bi mat sentinel"
ALL_ROLES = list(Role)
MAY_SEE = {Role.reception_officer, Role.petition_handler, Role.leader}
MAY_PRINT = {Role.reception_officer, Role.petition_handler, Role.case_handler, Role.leader}
TO_DENOUNCER = {"acceptance", "refusal", "result", "guidance", "apology"}
NEVER_IDENTITY = {"accused", "publication", "extension", "transfer"}


# --- reading what was served -------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_text(resp) -> str:
    body = resp.get_data(as_text=True)
    return _norm(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


def docx_text(data: bytes) -> str:
    """The text of a .docx as python-docx reads it: body paragraphs and every table cell."""
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(_norm(line) for line in lines if line.strip())


def docx_raw(data: bytes) -> str:
    """Every XML part of the package (body, properties, styles): nothing may hide anywhere."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def get_docx(web, url):
    resp = web.get(f"{url}?format=docx")
    assert resp.status_code == 200, (url, resp.status_code)
    assert resp.mimetype == DOCX_MIME
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".docx" in disposition
    return resp.data


def leaks(text: str) -> bool:
    low = text.lower()
    return "sentinel" in low or SENTINEL_ID in text or "ngõ kín" in low


# --- the data --------------------------------------------------------------------------------


@pytest.fixture()
def handler(db, province):
    return factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])


def _denunciation(unit, summary, received=D(2026, 3, 2)):
    return make_petition(
        unit,
        kind=PetitionKind.denunciation,
        summary=summary,
        received=received,
        senders=DENOUNCER,
        field=Field.corruption,
    )


@dataclass
class World:
    concluded: Case  # accepted, extended, concluded, sent late, published
    refused: Case
    transferred: Petition
    guided: Petition
    letter: ApologyLetter

    def urls(self) -> dict[str, str]:
        c = f"/notices/case/{self.concluded.id}"
        return {
            "acceptance": f"{c}/acceptance",
            "accused": f"{c}/accused",
            "extension": f"{c}/extension",
            "result": f"{c}/result",
            "publication": f"{c}/publication",
            "refusal": f"/notices/case/{self.refused.id}/refusal",
            "transfer": f"/notices/petition/{self.transferred.id}/transfer",
            "guidance": f"/notices/petition/{self.guided.id}/guidance",
            "apology": f"/notices/apology/{self.letter.id}",
        }


def build_world(unit, handler) -> World:
    """Denunciations by the sentinel denouncer in every state a notice needs."""
    p = _denunciation(
        unit,
        "Tố cáo ông Trần Văn Bị, cán bộ địa chính phường, nhận tiền khi cấp giấy chứng nhận "
        f"quyền sử dụng đất. Người tố cáo: {SENTINEL_NAME}, CCCD {SENTINEL_ID}.",
    )
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 5), doc_no="01/TB-TTR"
        ),
    )
    case = p.case
    ops.perform(handler, case, "start_verification", ops.StepInput(on=D(2026, 3, 6)))
    ops.set_flags(
        handler,
        case,
        complexity="complex",
        criteria=["several_places"],
        remote_area=False,
        on=D(2026, 3, 20),
    )
    ops.perform(
        handler,
        case,
        "extend",
        ops.StepInput(
            on=D(2026, 3, 30),
            doc_no="05/QĐ-TTR",
            note=f"Cần xác minh thêm tại hai địa điểm theo tài liệu {FOLDED_SENTINEL} bổ sung.",
        ),
    )
    ops.perform(
        handler,
        case,
        "decide",
        ops.StepInput(
            on=D(2026, 4, 20),
            doc_no="20/KL-TTR",
            outcome="partly_upheld",
            money_to_recover="15.000.000",
            people_to_discipline=2,
            note=f"Ông Trần Văn Bị đã nhận 15 triệu đồng của ông {SENTINEL_NAME}.",
        ),
    )
    ops.perform(handler, case, "send", ops.StepInput(on=D(2026, 5, 4)))  # late: due 28/4
    ops.perform(handler, case, "publish", ops.StepInput(on=D(2026, 5, 6)))
    missed = apology.missed_deadlines_without_letter(case, D(2026, 5, 5))
    assert [d.step for d in missed] == ["send_conclusion"]
    letter = apology.prepare_apology(handler, case, missed[0], D(2026, 5, 5))

    r = _denunciation(
        unit,
        "Tố cáo bà Lê Thị Cũ chiếm dụng quỹ khuyến học của tổ dân phố",
        received=D(2026, 3, 9),
    )
    refused = ops.open_case(
        handler,
        unit=unit,
        kind=PetitionKind.denunciation,
        field=Field.corruption,
        title=r.summary,
        received_on=r.received_date,
    )
    r.case_id = refused.id
    ops.perform(
        handler,
        refused,
        "refuse",
        ops.StepInput(
            on=D(2026, 3, 12),
            doc_no="02/TB-TTR",
            note="Nội dung tố cáo đã được giải quyết theo Kết luận số 3/KL-UBND; người tố cáo "
            f"{SENTINEL_NAME} không nêu thêm thông tin, tình tiết mới",
        ),
    )

    t = _denunciation(
        unit,
        "Tố cáo hành vi làm giả hồ sơ đấu thầu có dấu hiệu tội phạm. Người tố cáo "
        f"{SENTINEL_NAME} (CCCD {SENTINEL_ID}) đề nghị giữ bí mật.",
        received=D(2026, 3, 10),
    )
    process(
        handler,
        t,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="transfer",
            on=D(2026, 3, 13),
            doc_no="07/PC-TTR",
            body="Công an thành phố Hải Phòng",
        ),
    )
    g = _denunciation(
        unit,
        "Tố cáo trưởng thôn thu tiền đóng góp xây dựng nhà văn hóa trái quy định",
        received=D(2026, 3, 11),
    )
    process(
        handler,
        g,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="guide",
            on=D(2026, 3, 16),
            doc_no="03/PHD-TTR",
            body="UBND phường Hải An",
        ),
    )
    return World(case, refused, t, g, letter)


@pytest.fixture()
def world(db, province, handler):
    return build_world(province["province"], handler)


def identity_events(db):
    return db.session.scalars(
        sa.select(audit.AuditEvent)
        .where(audit.AuditEvent.kind == "identity.viewed")
        .order_by(audit.AuditEvent.seq)
    ).all()


# --- the confidentiality matrix ----------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
def test_denouncer_confidentiality_matrix(db, web, login_as, world, role):
    """Every notice URL, as HTML and as .docx, for one role."""
    login_as(role)
    for name, url in world.urls().items():
        seen_before = len(identity_events(db))
        html_resp = web.get(url)
        docx_resp = web.get(f"{url}?format=docx")
        page, data = html_resp.get_data(as_text=True), docx_resp.data
        if role not in MAY_PRINT:
            assert (html_resp.status_code, docx_resp.status_code) == (403, 403), name
            assert not leaks(page) and not leaks(docx_resp.get_data(as_text=True)), name
            continue
        assert (html_resp.status_code, docx_resp.status_code) == (200, 200), name
        assert docx_resp.mimetype == DOCX_MIME, name
        text, raw = docx_text(data), docx_raw(data)
        new_events = identity_events(db)[seen_before:]
        if name in TO_DENOUNCER and role in MAY_SEE:
            for output in (page, text):
                assert SENTINEL_NAME in output and SENTINEL_ID in output, name
            # One event per generation: the page and the Word file.
            assert [e.after["format"] for e in new_events] == ["html", "docx"], name
            assert all(e.after["where"] == f"notice:{name}" for e in new_events), name
        else:
            for output in (page, text, raw):
                assert not leaks(output), (role, name)
            assert new_events == [], name
            if name in TO_DENOUNCER:
                assert render.REDACTED in page and render.REDACTED in text, name
    if role not in MAY_PRINT:
        assert identity_events(db) == []


# --- content of each notice --------------------------------------------------------------------

COMMON = [
    # Headed by the authority, "UBND" spelled in full (NĐ 30/2020 Phụ lục I).
    "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Nơi nhận:",
    "CHỦ TỊCH",
]
EXPECTED = {
    "acceptance": [
        "THÔNG BÁO",
        "Về việc thụ lý tố cáo",
        "Số: 01/TB-TTR",
        "Hải Phòng, ngày 05 tháng 3 năm 2026",
        f"Kính gửi: Ông (bà) {SENTINEL_NAME}",
        f"số CCCD/số định danh/hộ chiếu: {SENTINEL_ID}",
        "Thời hạn giải quyết: 30 ngày kể từ ngày thụ lý, đến hết ngày 06/04/2026",
        "Điều 29 Luật Tố cáo năm 2018",
        "TM. ỦY BAN NHÂN DÂN",
    ],
    "accused": [
        "Về việc thụ lý tố cáo",
        "(người bị tố cáo)",
        "Số: ……/TB-HP",
        "Hải Phòng, ngày …… tháng …… năm ……",
        "Nội dung tố cáo được thụ lý: Tố cáo ông Trần Văn Bị",
        "Điều 10 Luật Tố cáo năm 2018",
        "không nêu họ tên, địa chỉ, bút tích",
    ],
    "refusal": [
        "Về việc không thụ lý tố cáo",
        "Số: 02/TB-TTR",
        "Hải Phòng, ngày 12 tháng 3 năm 2026",
        "không thụ lý tố cáo vì lý do: Nội dung tố cáo đã được giải quyết theo Kết luận số "
        "3/KL-UBND",
    ],
    "extension": [
        "QUYẾT ĐỊNH",
        "Về việc gia hạn giải quyết tố cáo",
        "Số: 05/QĐ-TTR",
        "Hải Phòng, ngày 30 tháng 3 năm 2026",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        "gia hạn lần 1",
        "phải xác minh ở từ 2 địa điểm trở lên",
        "Thời hạn giải quyết tố cáo đến hết ngày 04/05/2026",
        "Người bị tố cáo;",
    ],
    "result": [
        "Về kết quả giải quyết tố cáo",
        "Kết luận nội dung tố cáo số 20/KL-TTR",
        "Ngày 20/04/2026",
        "Kết luận: tố cáo đúng một phần.",
        "Thu hồi về ngân sách nhà nước: 15.000.000 đồng.",
        "Kiến nghị xem xét xử lý kỷ luật: 2 người.",
        "Hải Phòng, ngày 04 tháng 5 năm 2026",
        f"Kính gửi: Ông (bà) {SENTINEL_NAME}",
        "Điều 37 Luật Tố cáo năm 2018",
    ],
    "publication": [
        "Công khai kết luận nội dung tố cáo",
        "Kết luận nội dung tố cáo số 20/KL-TTR ngày 20/04/2026",
        "2. Kết luận: tố cáo đúng một phần.",
        "Thu hồi về ngân sách nhà nước: 15.000.000 đồng.",
        "Hải Phòng, ngày 06 tháng 5 năm 2026",
        "không được công khai",
        "Niêm yết tại trụ sở UBND thành phố Hải Phòng;",
    ],
    "transfer": [
        "PHIẾU CHUYỂN ĐƠN",
        "Số: 07/PC-TTR",
        "Hải Phòng, ngày 13 tháng 3 năm 2026",
        "Kính gửi: Công an thành phố Hải Phòng",
        "khoản 2 Điều 24 Luật Tố cáo năm 2018",
        "Đề nghị Công an thành phố Hải Phòng giữ bí mật họ tên, địa chỉ, bút tích",
        "Phiếu chuyển đơn này không ghi thông tin về người tố cáo.",
        "làm giả hồ sơ đấu thầu",
    ],
    "guidance": [
        "PHIẾU HƯỚNG DẪN",
        "Số: 03/PHD-TTR",
        "Hải Phòng, ngày 16 tháng 3 năm 2026",
        f"Kính gửi: Ông (bà) {SENTINEL_NAME}",
        f"Địa chỉ: {SENTINEL_ADDRESS}",
        "hướng dẫn ông (bà) gửi đơn đến UBND phường Hải An",
    ],
    "apology": [
        "THƯ XIN LỖI",
        "Hải Phòng, ngày 05 tháng 5 năm 2026",
        # 27/4/2026 is the day off for the Hùng Kings' day falling on a Sunday.
        "“Gửi kết luận nội dung tố cáo” phải hoàn thành chậm nhất vào ngày 28/04/2026",
        "Khoản 3 Điều 35 Luật Tố cáo 2018",
        "đã được thực hiện ngày 04/05/2026, chậm 6 ngày",
        "chân thành xin lỗi ông (bà)",
        f"Kính gửi: Ông (bà) {SENTINEL_NAME}",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_notice_in_html_and_docx(db, web, login_as, world, name):
    user = login_as(Role.petition_handler)
    url = world.urls()[name]
    resp = web.get(url)
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert ' style="' not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert f'href="{url}?format=docx"' in page
    text_html, text_docx = html_text(resp), docx_text(get_docx(web, url))
    for expected in COMMON + EXPECTED[name]:
        assert expected in text_html, (name, expected)
        assert expected in text_docx, (name, expected)
    # Both outputs are drawn from one Notice: every line of it is in each.
    notice = _build(world, name, user)
    for line in notice.lines():
        assert _norm(line) in text_html, (name, line)
        assert _norm(line) in text_docx, (name, line)


def _build(world: World, name: str, user) -> render.Notice:
    if name in registry.CASE:
        case = world.refused if name == "refusal" else world.concluded
        return registry.CASE[name].build(case, user)
    if name in registry.PETITION:
        petition = world.transferred if name == "transfer" else world.guided
        return registry.PETITION[name].build(petition, user)
    return registry.APOLOGY.build(world.letter, user)


def test_docx_is_a4_portrait_with_the_file_name(db, web, login_as, world):
    login_as(Role.leader)
    resp = web.get(f"{world.urls()['result']}?format=docx")
    assert (
        f"thong-bao-ket-qua-{world.concluded.case_no}.docx" in resp.headers["Content-Disposition"]
    )
    document = docx.Document(io.BytesIO(resp.data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30
    assert document.core_properties.author == "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"
    assert "python-docx" not in docx_raw(resp.data)


def test_the_second_extension_and_a_missing_one(db, web, login_as, world):
    login_as(Role.case_handler)
    url = world.urls()["extension"]
    assert web.get(f"{url}?n=1").status_code == 200
    missing = web.get(f"{url}?n=2")
    assert missing.status_code == 409
    assert "chỉ có 1 lần gia hạn" in html_text(missing)
    assert web.get(f"{url}?n=abc").status_code == 400


# --- complaints and feedback: the senders are not protected --------------------------------------


def test_complaint_result_names_the_complainant_for_every_printing_role(
    db, web, login_as, province, handler
):
    p = make_petition(province["province"])
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 5), doc_no="11/TB-HP"
        ),
    )
    case = p.case
    ops.perform(handler, case, "start_verification", ops.StepInput(on=D(2026, 3, 6)))
    ops.perform(
        handler,
        case,
        "decide",
        ops.StepInput(
            on=D(2026, 4, 2),
            doc_no="15/QĐ-UBND",
            outcome="partly_upheld",
            money_to_return="120.000.000",
            land_to_return_m2="35,5",
        ),
    )
    login_as(Role.case_handler)
    url = f"/notices/case/{case.id}/result"
    for text in (html_text(web.get(url)), docx_text(get_docx(web, url))):
        assert "Kính gửi: Ông (bà) Nguyễn Văn An" in text
        assert "Quyết định giải quyết khiếu nại lần đầu số 15/QĐ-UBND" in text
        assert "Kết quả giải quyết: khiếu nại đúng một phần." in text
        assert "Trả lại cho tổ chức, cá nhân: 120.000.000 đồng." in text
        assert "Trả lại đất cho tổ chức, cá nhân: 35,5 m²." in text
        assert "Điều 33 Luật Khiếu nại năm 2011" in text
    accepted = html_text(web.get(f"/notices/case/{case.id}/acceptance"))
    assert "Về việc thụ lý giải quyết khiếu nại" in accepted
    assert "031085001234" in accepted and "Điều 27 Luật Khiếu nại năm 2011" in accepted
    assert identity_events(db) == []


def test_feedback_answer_is_its_result(db, web, login_as, province, handler):
    p = make_petition(
        province["province"],
        kind=PetitionKind.feedback,
        summary="Phản ánh đèn chiếu sáng ngõ 12 hỏng kéo dài",
    )
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 4), doc_no="4/TB"
        ),
    )
    url = f"/notices/case/{p.case_id}/result"
    login_as(Role.reception_officer)
    assert web.get(url).status_code == 409
    ops.perform(
        handler,
        p.case,
        "answer",
        ops.StepInput(on=D(2026, 3, 20), doc_no="12/UBND", note="Đã thay bóng đèn ngày 18/3."),
    )
    text = html_text(web.get(url))
    assert "Về kết quả giải quyết kiến nghị, phản ánh" in text
    assert "văn bản số 12/UBND" in text and "Nội dung: Đã thay bóng đèn ngày 18/3." in text


# --- wrong states: a clear refusal, never a 500 ------------------------------------------------


def test_notices_refused_before_their_step(db, web, login_as, province, handler):
    unit = province["province"]
    complaint = make_petition(unit)
    process(
        handler,
        complaint,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 5), doc_no="1/TB"
        ),
    )
    received = ops.open_case(
        handler,
        unit=unit,
        kind=PetitionKind.denunciation,
        field=Field.corruption,
        title="Tố cáo chưa xử lý",
        received_on=D(2026, 3, 2),
    )
    running = _denunciation(unit, "Tố cáo chủ tịch xã chiếm dụng quỹ", received=D(2026, 3, 3))
    process(
        handler,
        running,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 5), doc_no="2/TB"
        ),
    )
    registered = _denunciation(unit, "Tố cáo chưa phân loại", received=D(2026, 3, 4))
    cases = {"complaint": complaint.case_id, "received": received.id, "running": running.case_id}
    refusals = [
        ("complaint", "result", "chưa có quyết định giải quyết khiếu nại"),
        ("complaint", "publication", "chỉ lập cho vụ việc tố cáo"),
        ("complaint", "accused", "chỉ lập cho vụ việc tố cáo"),
        ("complaint", "extension", "chỉ áp dụng cho vụ việc tố cáo"),
        ("complaint", "refusal", "không có quyết định không thụ lý"),
        ("received", "acceptance", "chưa được thụ lý"),
        ("received", "accused", "chưa được thụ lý"),
        ("running", "result", "chưa có kết luận nội dung tố cáo"),
        ("running", "publication", "chưa có kết luận nội dung tố cáo"),
        ("running", "extension", "chưa có quyết định gia hạn"),
    ]
    login_as(Role.leader)
    for which, name, message in refusals:
        for suffix in ("", "?format=docx"):
            resp = web.get(f"/notices/case/{cases[which]}/{name}{suffix}")
            assert resp.status_code == 409, (which, name)
            assert resp.mimetype == "text/html"
            assert message in html_text(resp), (which, name)
    for name, message in (("transfer", "chuyển đơn"), ("guidance", "hướng dẫn")):
        resp = web.get(f"/notices/petition/{registered.id}/{name}")
        assert resp.status_code == 409
        assert f"không được xử lý theo hướng {message}" in html_text(resp)
    accepted_as_transfer = web.get(f"/notices/petition/{complaint.id}/transfer")
    assert "(hướng xử lý: Thụ lý (thuộc thẩm quyền))" in html_text(accepted_as_transfer)
    # Notices that are allowed at this stage work.
    assert web.get(f"/notices/case/{cases['running']}/acceptance").status_code == 200
    assert web.get(f"/notices/case/{cases['running']}/accused").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/notices/case/1/acceptance?format=pdf",
        "/notices/case/1/acceptance?format=",
    ],
)
def test_unknown_format_is_400(db, web, login_as, url):
    login_as(Role.leader)
    assert web.get(url).status_code == 400


# --- scope -------------------------------------------------------------------------------------


def test_records_of_another_unit_are_404(db, web, login_as, province, handler):
    other_handler = factories.UserFactory(unit=province["other"], roles=[Role.petition_handler])
    world = build_world(province["other"], other_handler)
    login_as(Role.leader)  # a leader of Hải Phòng
    for name, url in world.urls().items():
        for suffix in ("", "?format=docx"):
            assert web.get(url + suffix).status_code == 404, name
    assert identity_events(db) == []


def test_a_commune_does_not_see_the_province_records(db, web, login_as, province, world):
    login_as(Role.leader, unit=province["commune"])
    for name, url in world.urls().items():
        assert web.get(url).status_code == 404, name


@pytest.mark.parametrize(
    "url",
    [
        "/notices/case/999999/acceptance",
        "/notices/case/99999999999999/result",
        "/notices/petition/999999/transfer",
        "/notices/apology/999999",
        "/notices/apology/99999999999999",
        "/notices/case/1/unknown",
    ],
)
def test_missing_records_are_404(db, web, login_as, url):
    login_as(Role.leader)
    assert web.get(url).status_code == 404


def test_anonymous_user_is_sent_to_login(client, world):
    resp = client.get(world.urls()["acceptance"])
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# --- the audit of identity views ----------------------------------------------------------------


def test_identity_view_is_audited_with_the_record(db, web, login_as, world):
    user = login_as(Role.leader)
    web.get(world.urls()["acceptance"])
    get_docx(web, world.urls()["apology"])
    web.get(world.urls()["guidance"])
    first, second, third = identity_events(db)
    assert (first.entity_type, first.entity_id) == ("case_file", world.concluded.id)
    assert (second.entity_type, second.entity_id) == ("apology_letter", world.letter.id)
    assert (third.entity_type, third.entity_id) == ("petition", world.guided.id)
    assert {e.actor_id for e in (first, second, third)} == {user.id}
    assert first.after["petition_ids"] == [
        p.id
        for p in db.session.scalars(
            sa.select(Petition).where(Petition.case_id == world.concluded.id)
        )
    ]
    assert second.after["format"] == "docx"
    assert audit.verify().ok


def test_the_page_warns_when_it_shows_a_denouncer(db, web, login_as, world):
    login_as(Role.petition_handler)
    assert "Việc xem đã được ghi nhật ký" in html_text(web.get(world.urls()["result"]))
    assert "Việc xem đã được ghi nhật ký" not in html_text(web.get(world.urls()["publication"]))


# --- the scrubbing of free text ------------------------------------------------------------------


def test_scrub_masks_names_with_or_without_diacritics(db, province, world):
    petitions = [world.transferred]
    hidden = render.identity_for(world.transferred, petitions, None, to_sender=False)
    text = (
        f"Ông {SENTINEL_NAME.upper()} và ông nguyen  bi mat SENTINEL, CCCD {SENTINEL_ID}, "
        "ở Số 9 ngõ Kín Đáo, phường Lê Chân; ông Nguyễn Bí Mật Sentinelson thì không."
    )
    scrubbed = hidden.scrub(text)
    assert scrubbed.count(render.REDACTED) == 4
    assert SENTINEL_ID not in scrubbed and "Sentinelson" in scrubbed
    assert "ngõ kín" not in scrubbed.lower()
