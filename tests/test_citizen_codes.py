"""Receipt codes (mã tra cứu): their shape, their uniqueness, and where staff find and print
them (the petition's page, the slip, the visit receipt, the search box)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.citizen import codes
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.petitions import operations as pops
from complaints.petitions.models import Petition

from . import factories
from . import factories_petitions as fp
from .factories_cases import petition as make_petition

pytestmark = pytest.mark.usefixtures("today")
CODE_RE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$")


def test_codes_are_random_typeable_and_well_formed():
    made = {codes.new_code() for _ in range(5000)}
    assert len(made) == 5000  # 31**10 codes: a repeat here would mean a broken generator
    for code in list(made)[:200]:
        assert codes.is_valid(code) and CODE_RE.match(codes.display(code))
        assert not set(code) & set("01ILO")
    code = "K7M4Q2XP9D"
    assert codes.display(code) == "K7M4-Q2XP-9D"
    # A Vietnamese keyboard (Telex) may turn "dd" into "đ": read as D.
    for typed in ("k7m4-q2xp-9d", " K7M4 Q2XP 9D ", "K7M4.Q2XP.9D", "k7m4q2xp9d", "K7M4-Q2XP-9Đ"):
        assert codes.normalise(typed) == code
    for bad in ("", "K7M4-Q2XP", "K7M4-Q2XP-9D1", "O7M4-Q2XP-9D", "K7M4-Q2XP-1D", "K7M4-Q2XP-9?"):
        assert not codes.is_valid(codes.normalise(bad)), bad


def test_registration_gives_a_code_shown_on_the_petition_page(db, web, province, login_as):
    user = login_as(Role.petition_handler)
    resp = web.post_form(
        "/petitions/new",
        {
            "unit_id": str(user.unit_id),
            "received_date": "02/03/2026",
            "source": "post",
            "kind": "complaint",
            "field": "land",
            "summary": "Khiếu nại việc thu hồi đất.",
            "senders-0-full_name": "Nguyễn Văn A",
            "senders-0-identity_no": "031088012345",
            "senders-0-phone": "0912 345 678",
            "signatory_count": "1",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    p = db.session.query(Petition).one()
    assert codes.is_valid(p.receipt_code)
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"<strong data-receipt-code>{codes.display(p.receipt_code)}</strong>" in page
    slip = web.get(f"/citizen/slip/{p.id}")
    html = slip.get_data(as_text=True)
    assert slip.status_code == 200 and codes.display(p.receipt_code) in html
    assert "http://localhost/tra-cuu" in html and "4 số cuối" in html
    assert "data-unusable" not in html and "Nguyễn Văn A" not in html


def test_the_public_address_printed_is_configurable(app, db, web, province, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_PUBLIC_URL", "https://tiepdan.haiphong.gov.vn/tra-cuu")
    login_as(Role.petition_handler)
    p = make_petition(province["province"], senders=(("Ẩn Danh", "", ""),))
    html = web.get(f"/citizen/slip/{p.id}").get_data(as_text=True)
    assert "https://tiepdan.haiphong.gov.vn/tra-cuu" in html
    assert "data-unusable" in html  # no phone, no identity number: cannot be looked up


def test_a_denunciations_code_only_for_who_may_see_the_denouncer(db, web, province, login_as):
    p = make_petition(province["province"], kind=PetitionKind.denunciation)
    login_as(Role.case_handler)
    page = web.get(f"/petitions/{p.id}").get_data(as_text=True)
    assert "Mã tra cứu" not in page and codes.display(p.receipt_code) not in page
    assert web.get(f"/citizen/slip/{p.id}").status_code == 403


def test_the_slip_of_another_units_petition_is_not_found(db, web, province, login_as):
    p = make_petition(province["other"])
    login_as(Role.petition_handler)
    assert web.get(f"/citizen/slip/{p.id}").status_code == 404
    assert web.get("/citizen/slip/99999999999").status_code == 404


def test_the_visit_receipt_prints_the_codes_of_its_petitions(db, web, province, login_as):
    login_as(Role.reception_officer)
    visit = fp.VisitFactory(unit=province["province"])
    first = make_petition(province["province"])
    second = make_petition(province["province"])
    first.visit_id = second.visit_id = visit.id
    html = web.get(f"/reception/visits/{visit.id}/receipt").get_data(as_text=True)
    for p in (first, second):
        assert codes.display(p.receipt_code) in html and p.register_no in html
    assert "http://localhost/tra-cuu" in html
    lonely = fp.VisitFactory(unit=province["province"])
    html = web.get(f"/reception/visits/{lonely.id}/receipt").get_data(as_text=True)
    assert "data-receipt-codes" not in html


def test_staff_find_a_petition_by_the_code_a_citizen_reads_out(db, province):
    user = factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])
    data = pops.PetitionData(
        received_date=date(2026, 3, 2),
        source="post",
        kind="complaint",
        field="land",
        summary="Khiếu nại việc cấp giấy chứng nhận.",
        senders=[pops.SenderData(full_name="Trần Thị B", identity_no="031088012345")],
        unit=province["province"],
    )
    p = pops.register_petition(user, data)
    for typed in (codes.display(p.receipt_code), p.receipt_code.lower()):
        found = db.session.scalars(pops.search_petitions(user, typed)).all()
        assert found == [p], typed
