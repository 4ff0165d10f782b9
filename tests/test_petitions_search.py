"""Search (tra cứu): one box over petitions and visits, diacritics ignored both ways, scoped to
the user's units, grouped, paginated, and blind to denouncers for roles that may not see them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core import confidentiality
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.petitions import operations as ops

from . import factories_petitions as fp

pytestmark = pytest.mark.usefixtures("today")

REDACTED = str(confidentiality.MASK)  # the one masked text


@pytest.fixture()
def records(province, db):
    ttr, lc = province["inspectorate"], province["commune"]
    return {
        "complaint": fp.PetitionFactory(
            unit=ttr,
            received_date=date(2026, 3, 2),
            senders=[("Nguyễn Văn A", "031088012345", "Số 5 Lạch Tray, Ngô Quyền")],
            summary="Khiếu nại việc lấn chiếm đất ngõ đi chung.",
        ),
        "plain": fp.PetitionFactory(  # typed without diacritics by the sender
            unit=lc,
            received_date=date(2026, 3, 3),
            source="online",
            senders=[("Nguyen Van Binh", "031090000777")],
            summary="Phan anh den duong hong",
        ),
        "denunciation": fp.PetitionFactory(
            unit=ttr,
            received_date=date(2026, 4, 1),
            kind="denunciation",
            field="corruption",
            senders=[("Nguyễn Văn A", "031088012345")],
            summary="Tố cáo cán bộ địa chính nhận tiền khi làm sổ đỏ.",
        ),
        "foreign": fp.PetitionFactory(
            unit=province["other"],
            senders=[("Nguyễn Văn A", "001088012345")],
            summary="Khiếu nại lấn chiếm đất ở Hà Nội.",
        ),
        "visit": fp.VisitFactory(
            unit=lc,
            visit_date=date(2026, 2, 10),
            content="Hỏi về thủ tục cấp giấy chứng nhận quyền sử dụng đất.",
            persons=[("Nguyễn Văn A", "031088012345"), ("Hoàng Thị Cúc", "031066000888")],
        ),
        "denounce_visit": fp.VisitFactory(
            unit=ttr,
            visit_date=date(2026, 2, 11),
            kind="denunciation",
            content="Tố cáo chủ tịch xã chiếm dụng quỹ đất công.",
            persons=[("Phạm Tố Giác", "031077000999")],
        ),
        "foreign_visit": fp.VisitFactory(
            unit=province["other"],
            content="Hỏi về đất đai",
            persons=[("Nguyễn Văn A", "001088012345")],
        ),
    }


def search(web, q, **extra):
    resp = web.get("/petitions/search", query_string={"q": q, **extra})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def found(html, records):
    """Which records the page lists: petitions by number, visits by their 'register' link."""
    kind = lambda r: "petition" if hasattr(r, "register_no") else "visit"  # noqa: E731
    return {k for k, r in records.items() if f'data-{kind(r)}="{r.id}"' in html}


@pytest.fixture()
def handler(login_as, province):
    return login_as(Role.petition_handler, unit=province["province"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguyen van a", {"complaint", "denunciation", "visit"}),
        ("Nguyễn Văn A", {"complaint", "denunciation", "visit"}),
        ("NGUYEN VAN A", {"complaint", "denunciation", "visit"}),
        ("Nguyễn", {"complaint", "plain", "denunciation", "visit"}),  # finds "Nguyen" too
        ("nguyễn văn bình", {"plain"}),
        ("  nguyen    van   binh ", {"plain"}),
        ("031088012345", {"complaint", "denunciation", "visit"}),
        ("lan chiem dat", {"complaint"}),
        ("lấn chiếm", {"complaint"}),
        ("đèn đường", {"plain"}),
        ("so do", {"denunciation"}),
        ("lach tray", {"complaint"}),
        ("hoang thi cuc", {"visit"}),
        ("giấy chứng nhận", {"visit"}),
        ("chu tich xa", {"denounce_visit"}),
        ("phạm tố giác", {"denounce_visit"}),
        ("khong co ai ten nay", set()),
    ],
)
def test_search_ignores_diacritics_and_case(web, handler, records, q, expected):
    assert found(search(web, q), records) == expected


def test_search_by_register_number(web, handler, records):
    number = records["complaint"].register_no
    assert found(search(web, number), records) == {"complaint"}
    assert found(search(web, number.lower()), records) == {"complaint"}


def test_results_are_grouped(web, handler, records):
    html = search(web, "nguyen van a")
    assert "<h2>Đơn" in html and "<h2>Lượt tiếp" in html
    petitions_part, visits_part = html.split("<h2>Lượt tiếp")
    assert records["complaint"].register_no in petitions_part
    assert "Hoàng Thị Cúc" in visits_part and "10/02/2026" in visits_part


def test_search_is_scoped_to_the_users_units(web, login_as, province, records):
    login_as(Role.petition_handler, unit=province["commune"])
    html = search(web, "nguyen van a")
    assert found(html, records) == {"visit"}
    assert "Hà Nội" not in html


def test_other_province_sees_only_its_own(web, login_as, province, records):
    login_as(Role.petition_handler, unit=province["other"])
    assert found(search(web, "nguyen van a"), records) == {"foreign", "foreign_visit"}


def test_wildcards_are_literal(web, handler, records):
    assert found(search(web, "%%"), records) == set()
    assert found(search(web, "__"), records) == set()
    assert found(search(web, "a%a"), records) == set()


@pytest.mark.parametrize("q", ["a", " ", "đ"])
def test_too_short_or_empty_query(web, handler, records, q):
    html = search(web, q)
    assert found(html, records) == set()
    if q.strip():
        assert "Nhập ít nhất 2 ký tự" in html


def test_overlong_query_is_a_message_not_a_500(web, handler, records):
    html = search(web, "x" * 500)
    assert "Tối đa 200 ký tự." in html
    assert found(html, records) == set()


def test_search_pages_each_group(web, handler, province, app, monkeypatch, db):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for day in range(1, 6):
        fp.PetitionFactory(
            unit=province["commune"],
            received_date=date(2026, 3, day),
            senders=[("Vũ Văn Trang", f"03109000{day:04d}")],
        )
    html = search(web, "vu van trang")
    assert "Trang 1/3" in html and "05/03/2026" in html and "01/03/2026" not in html
    assert "pd=2" in html and "q=vu+van+trang" in html
    last = search(web, "vu van trang", pd="3")
    assert "01/03/2026" in last
    assert search(web, "vu van trang", pd="abc")  # bad page numbers do not break it
    assert search(web, "vu van trang", pv="-5", pd="99999999999999")


# --- denouncers ---------------------------------------------------------------------------


def test_name_search_does_not_find_denunciations_for_case_handlers(
    web, login_as, province, records, db
):
    login_as(Role.case_handler, unit=province["province"])
    for q in ("nguyen van a", "031088012345", "Phạm Tố Giác", "031077000999"):
        hits = found(search(web, q), records)
        assert "denunciation" not in hits and "denounce_visit" not in hits, q
    assert found(search(web, "nguyen van a"), records) == {"complaint", "visit"}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.kind == "identity.viewed")
        )
        == 0
    )


def test_case_handlers_find_denunciations_by_number_and_content_redacted(
    web, login_as, province, records
):
    login_as(Role.case_handler, unit=province["province"])
    html = search(web, records["denunciation"].register_no)
    assert found(html, records) == {"denunciation"}
    assert REDACTED in html and "Nguyễn Văn A" not in html
    html = search(web, "dia chinh nhan tien")
    assert found(html, records) == {"denunciation"}
    assert REDACTED in html and "Nguyễn Văn A" not in html
    html = search(web, "quỹ đất công")
    assert "Tố cáo chủ tịch xã" in html and "Phạm Tố Giác" not in html and REDACTED in html


def test_allowed_roles_find_denouncers_and_the_view_is_logged(web, handler, records, db):
    html = search(web, "nguyen van a")
    assert "denunciation" in found(html, records)
    html = search(web, "pham to giac")
    assert "Phạm Tố Giác" in html
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "identity.viewed").order_by(AuditEvent.seq)
    ).all()
    assert [e.after["petition_ids"] for e in events] == [[records["denunciation"].id], []]
    assert [e.after["visit_ids"] for e in events] == [[], [records["denounce_visit"].id]]
    assert all(e.actor_id == handler.id for e in events)


def test_search_needs_a_role_that_sees_receptions(web, login_as):
    login_as(Role.admin)
    assert web.get("/petitions/search?q=nguyen").status_code == 403


def test_search_operation_directly(db, province, records):
    """The queries serve the API and the CLI too: scoped and blind to denouncers the same way."""
    from .factories import UserFactory

    verifier = UserFactory(unit=province["province"], roles=[Role.case_handler])
    handler = UserFactory(unit=province["province"], roles=[Role.petition_handler])
    ids = db.session.scalars(ops.search_petitions(verifier, "Nguyễn Văn A"))
    assert {p.id for p in ids} == {records["complaint"].id}
    ids = db.session.scalars(ops.search_petitions(handler, "Nguyễn Văn A"))
    assert {p.id for p in ids} == {records["complaint"].id, records["denunciation"].id}
