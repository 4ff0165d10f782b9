"""Citizens rate a finished petition once (1-5, a short comment); leaders see the average on
their dashboard and read the comments, escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import operations as case_ops
from complaints.citizen import codes
from complaints.citizen import operations as ops
from complaints.citizen.models import COMMENT_MAX, CitizenRating
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.dashboard import queries
from complaints.petitions.processing import ProcessingInput, process

from . import factories
from .conftest import csrf_from
from .factories_cases import petition as make_petition

D = date
TODAY = D(2026, 6, 30)
IDENT = "031085001234"


@pytest.fixture(autouse=True)
def fixed_today(set_today):
    set_today(TODAY)


@pytest.fixture()
def officer(db, province):
    return factories.UserFactory(
        unit=province["province"], roles=[Role.petition_handler, Role.leader]
    )


def petition_at(unit, **kw):
    return make_petition(unit, senders=(("Nguyễn Văn An", "Lê Chân", IDENT),), **kw)


def transferred(officer, unit):
    """Finished without a case: transferred to the competent body (by the officer, or by a
    handler of the unit when another province's)."""
    p = petition_at(unit)
    if not p.can_process(officer):
        officer = factories.UserFactory(unit=unit, roles=[Role.petition_handler])
    process(
        officer,
        p,
        ProcessingInput(
            eligible=True, competent=False, outcome="transfer", on=D(2026, 3, 4),
            doc_no="1/PC", body="UBND phường Lê Chân",
        ),
    )  # fmt: skip
    return p


def answered(officer, unit):
    """A feedback accepted then answered: its case is closed."""
    p = petition_at(unit, kind=PetitionKind.feedback)
    process(
        officer,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 4), doc_no="1/TB"
        ),
    )
    case_ops.perform(
        officer, p.case, "answer", case_ops.StepInput(on=D(2026, 3, 9), doc_no="2/TL", note="x")
    )
    return p


def open_page(web, p) -> str:
    resp = web.post_form("/tra-cuu", {"code": codes.display(p.receipt_code), "digits": "1234"})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def token_in(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def send_rating(web, html: str, score="4", comment=""):
    return web.client.post(
        "/tra-cuu/danh-gia",
        data={
            "csrf_token": csrf_from(html),
            "token": token_in(html),
            "score": score,
            "comment": comment,
        },
    )


def ratings(db):
    return db.session.scalars(sa.select(CitizenRating)).all()


def test_rating_a_finished_petition_once(db, web, province, officer):
    p = answered(officer, province["province"])
    html = open_page(web, p)
    assert "Đánh giá việc giải quyết đơn" in html
    resp = send_rating(web, html, "5", "Cán bộ trả lời rõ ràng, đúng hạn.")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Cảm ơn ông/bà đã đánh giá" in page
    assert "5/5 – Rất hài lòng" in page and "trả lời rõ ràng" in page
    [r] = ratings(db)
    assert (r.score, r.unit_id, r.case_id, r.rated_on) == (5, p.case.unit_id, p.case_id, TODAY)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(audit.AuditEvent)
            .where(audit.AuditEvent.kind == "citizen.rated")
        )
        == 1
    )
    # Sending the same form again (a reload, another tab) is refused; looking up again shows
    # the rating instead of the form.
    again = send_rating(web, html, "1", "")
    assert again.status_code == 400 and "mỗi đơn chỉ đánh giá một lần" in again.get_data(
        as_text=True
    )
    assert len(ratings(db)) == 1 and ratings(db)[0].score == 5
    html = open_page(web, p)
    assert "Đánh giá của ông/bà" in html and 'name="score"' not in html


def test_a_petition_finished_without_a_case_can_be_rated(db, web, province, officer):
    p = transferred(officer, province["commune"])
    html = open_page(web, p)
    assert "UBND phường Lê Chân" in html
    assert send_rating(web, html, "3").status_code == 200
    assert ratings(db)[0].unit_id == p.unit_id


def test_no_rating_before_the_case_is_closed(db, app, web, province, officer):
    p = petition_at(province["province"])
    process(
        officer,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 3, 4), doc_no="1/TB"
        ),
    )
    html = open_page(web, p)
    assert 'name="score"' not in html and "Đánh giá việc giải quyết đơn" not in html
    # A hand-made request with a valid token is refused by the operation.
    from complaints.citizen.views import _token_for

    resp = web.client.post(
        "/tra-cuu/danh-gia",
        data={
            "csrf_token": csrf_from(web.get("/tra-cuu").get_data(as_text=True)),
            "token": _token_for(p),
            "score": "5",
        },
    )
    assert resp.status_code == 400
    assert "Chỉ đánh giá được khi đơn đã được giải quyết xong" in resp.get_data(as_text=True)
    assert ratings(db) == []
    with pytest.raises(ops.RatingError):
        ops.rate(petition_at(province["province"]), 5, "", today=TODAY)  # only registered


@pytest.mark.parametrize("score", ["0", "6", "abc", "", "4.5", "-1"])
def test_the_score_is_one_to_five(db, web, province, officer, score):
    p = transferred(officer, province["province"])
    resp = send_rating(web, open_page(web, p), score)
    assert resp.status_code == 400
    assert "Chọn một mức từ 1 đến 5" in resp.get_data(as_text=True)
    assert ratings(db) == []


def test_the_comment_is_capped(db, web, province, officer):
    p = transferred(officer, province["province"])
    html = open_page(web, p)
    assert f'maxlength="{COMMENT_MAX}"' in html
    too_long = send_rating(web, html, "2", "ý" * (COMMENT_MAX + 1))
    assert too_long.status_code == 400
    assert f"Ý kiến tối đa {COMMENT_MAX} ký tự" in too_long.get_data(as_text=True)
    assert ratings(db) == []
    with pytest.raises(ops.RatingError, match="dài quá"):
        ops.rate(p, 2, "x" * (COMMENT_MAX + 1), today=TODAY)
    assert send_rating(web, html, "2", "ý" * COMMENT_MAX).status_code == 200
    assert len(ratings(db)[0].comment) == COMMENT_MAX


def test_the_comment_is_escaped_everywhere(db, app, web, province, officer):
    p = transferred(officer, province["province"])
    evil = '<script>alert("x")</script> <b onclick="steal()">& đẹp</b>'
    page = send_rating(web, open_page(web, p), "1", evil).get_data(as_text=True)
    assert "<script>alert" not in page and "<b onclick" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    from .conftest import WebUser

    staff = WebUser(app.test_client())
    staff.login(leader)
    listing = staff.get("/citizen/ratings").get_data(as_text=True)
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing
    assert p.register_no in listing


def test_an_expired_or_forged_token_is_refused(db, web, province, officer):
    p = transferred(officer, province["province"])
    html = open_page(web, p)
    resp = web.client.post(
        "/tra-cuu/danh-gia",
        data={"csrf_token": csrf_from(html), "token": token_in(html) + "x", "score": "5"},
    )
    assert resp.status_code == 400
    assert "Phiên tra cứu đã hết hạn" in resp.get_data(as_text=True)
    assert ratings(db) == []


def test_the_dashboard_shows_the_average_of_its_tree(db, app, web, province, officer):
    for unit, score in (
        (province["province"], 4),
        (province["commune"], 5),
        (province["commune2"], 5),
        (province["other"], 1),  # another province: not in HP's average
    ):
        ops.rate(transferred(officer, unit), score, "", today=TODAY)
    board = queries.satisfaction(province["province"])
    assert board["count"] == 3 and board["average_text"] == "4,7"
    only = queries.satisfaction(province["commune"])
    assert (only["count"], only["average_text"]) == (1, "5,0")

    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    from .conftest import WebUser

    staff = WebUser(app.test_client())
    staff.login(leader)
    html = staff.get("/dashboard/").get_data(as_text=True)
    assert '<span class="kpi-value">4,7</span> điểm trung bình, từ 3 đánh giá' in html
    assert "/citizen/ratings" in html
    listing = staff.get("/citizen/ratings").get_data(as_text=True)
    assert "<strong data-average>4,7</strong>" in listing
    assert listing.count("data-rating=") == 3


def test_only_leaders_and_report_makers_read_the_ratings(db, app, province):
    from .conftest import WebUser

    for role, expected in ((Role.reception_officer, 403), (Role.report_maker, 200)):
        user = factories.UserFactory(unit=province["province"], roles=[role])
        client = WebUser(app.test_client())
        client.login(user)
        assert client.get("/citizen/ratings").status_code == expected
    assert app.test_client().get("/citizen/ratings").status_code == 302  # to the login page
