"""Identity numbers (số giấy tờ): one rule for reception, the petition register, the API and the
register import, so the same citizen is stored, searched and matched under the same string."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.identity import identity_problem, normalise_identity
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import Petition
from complaints.reception import operations as reception_ops
from complaints.reception.models import Visit

from .factories_reception import SessionFactory
from .test_petitions_register import form_data
from .test_reception_views import visit_form as reception_form

pytestmark = pytest.mark.usefixtures("today")

SHAPE = "Số giấy tờ chỉ gồm chữ và số, từ 6 đến 20 ký tự."
CCCD = "Số CCCD, số định danh cá nhân gồm 12 chữ số (CMND cũ: 9 chữ số)."


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("031-085-001234", "031085001234"),
        ("031.085.001.234", "031085001234"),
        (" 031 085 001 234 ", "031085001234"),
        ("031\t085-001.234", "031085001234"),
        ("c1234567", "C1234567"),
        ("c-123 4.567", "C1234567"),
        ("", ""),
        (None, ""),
    ],
)
def test_separators_go_and_letters_become_capitals(typed, stored):
    assert normalise_identity(typed) == stored


@pytest.mark.parametrize(
    "number",
    [
        "031085001",  # old CMND: 9 digits
        "031085001234",  # CCCD, personal identification number: 12 digits
        "C1234567",  # passport
        "AB12CD",  # 6 letters and digits
        "A" + "1" * 19,  # 20
    ],
)
def test_well_formed_numbers_pass(number):
    assert identity_problem(number) is None


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0310850012", CCCD),  # 10 digits
        ("03108500123", CCCD),  # 11 digits: a CCCD that lost its leading zero
        ("0310850012345", CCCD),  # 13 digits
        ("1234567", CCCD),  # 7 digits
        ("12345", SHAPE),  # too short
        ("AB1", SHAPE),
        ("A" + "1" * 20, SHAPE),  # 21
        ("C123/4567", SHAPE),
        ("ĐC123456", SHAPE),  # a letter outside A-Z
        ("c1234567", SHAPE),  # not normalised: the rule reads capitals only
    ],
)
def test_malformed_numbers_are_named(number, message):
    assert identity_problem(number) == message


def test_reception_and_petitions_apply_the_same_rule():
    for typed in ("031-085-001234", "0310850012", "12-AB", "c1234567", "031 085 001"):
        expected = identity_problem(normalise_identity(typed))
        assert petition_ops.identity_error(typed) == expected
        visit = reception_ops.VisitData(
            kind="complaint",
            content="Khiếu nại",
            outcome="answered",
            persons=[reception_ops.PersonData(full_name="A", identity_no=typed)],
        )
        messages = dict(reception_ops.visit_problems(visit))
        assert messages.get("persons.0.identity_no") == expected
    assert petition_ops.identity_error("") is None
    assert petition_ops.SenderData("A", identity_no="031-085-001234").identity_no == (
        "031085001234"
    )


# --- through the forms: one citizen, one string -------------------------------------------


@pytest.fixture()
def held(province, db):
    made = SessionFactory(unit=province["commune"], session_date=date(2026, 3, 2))
    db.session.commit()  # a view that rolls back a refused form must not undo the test's data
    return made


def visit_form(identity: str) -> dict:
    return reception_form(persons=[{"full_name": "Trần Văn Dân", "identity_no": identity}])


def test_a_number_typed_with_dashes_is_one_citizen_at_reception_and_in_the_register(
    web, login_as, province, db, held
):
    login_as(Role.reception_officer, Role.petition_handler)
    typed = "031-085-001234"

    resp = web.post_form(f"/reception/sessions/{held.id}/visits/new", visit_form(typed))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.persons[0].identity_no == "031085001234"

    data = form_data(
        province["inspectorate"],
        **{"senders-0-full_name": "Trần Văn Dân", "senders-0-identity_no": typed},
    )
    resp = web.post_form("/petitions/new", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalars(sa.select(Petition)).one()
    assert petition.senders[0].identity_no == "031085001234"

    for term in ("031085001234", typed):
        html = web.get("/petitions/search", query_string={"q": term}).get_data(as_text=True)
        assert f'data-petition="{petition.id}"' in html, term
        assert f'data-visit="{visit.id}"' in html, term


def test_a_ten_digit_number_is_refused_on_both_forms(web, login_as, province, db, held):
    login_as(Role.reception_officer, Role.petition_handler)
    resp = web.post_form(f"/reception/sessions/{held.id}/visits/new", visit_form("0310850012"))
    assert resp.status_code == 200 and CCCD in resp.get_data(as_text=True)
    data = form_data(province["inspectorate"], **{"senders-0-identity_no": "031.085.0012"})
    resp = web.post_form("/petitions/new", data)
    assert resp.status_code == 200 and CCCD in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0
