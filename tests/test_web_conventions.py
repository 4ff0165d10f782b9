"""What a new office stumbled on in its first week (issue 14, item 13), each kept by a check:
titles cut at a word, each role's landing page, dates typed another way shown back as
dd/mm/yyyy, and one spelling of the tone marks (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask_wtf import FlaskForm

from complaints.core.access import Role
from complaints.core.forms import VNDateField
from complaints.core.text import NEW_STYLE_TONE, old_style_tones, shorten
from complaints.petitions.processing import ProcessingInput, process
from complaints.web import LANDING, landing_endpoint

from . import factories
from .factories_cases import petition as make_petition

ROOT = Path(__file__).resolve().parent.parent

# --- long titles and summaries: cut at a word, with an ellipsis ---------------------------


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis():
    text = "Khiếu nại quyết định thu hồi đất số 12/QĐ-UBND của UBND phường Lê Chân"
    assert shorten(text, 200) == text
    cut = shorten(text, 30)
    assert cut == "Khiếu nại quyết định thu hồi…" and len(cut) <= 30
    assert shorten("Tố cáo, ông A", 9) == "Tố cáo…"  # no dangling comma before the ellipsis
    # one huge word (a pasted code, 10,000 characters) is still cut to the limit
    assert shorten("x" * 10_000, 50) == "x" * 49 + "…"
    assert shorten(None, 10) == ""


def test_a_case_title_taken_from_a_long_summary_ends_on_a_whole_word(db, province):
    handler = factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])
    words = "Khiếu nại việc bồi thường, hỗ trợ tái định cư khi thu hồi đất ở tổ dân phố số 7 "
    p = make_petition(province["province"], summary=(words * 6).strip())
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True,
            competent=True,
            outcome="accept",
            on=date(2026, 3, 5),
            doc_no="01/TB-TTR",
        ),
    )
    title = p.case.title
    assert len(title) <= 200 and title.endswith("…")
    assert (words * 6).startswith(title[:-1]) and (words * 6)[len(title) - 1] == " "


def test_no_template_or_view_cuts_text_by_characters():
    """One way to cut a text for display: the `shorten` filter / core.text.shorten."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "templates").rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "|truncate" in line
    ]
    assert offenders == []


# --- each role's landing page -------------------------------------------------------------


EXPECTED_LANDING = {
    Role.leader: "/dashboard/",
    Role.reception_officer: "/reception/sessions",
    Role.case_handler: "/cases/mine",
    Role.petition_handler: "/petitions/",
    Role.report_maker: "/reports/",
    Role.admin: "/admin/units",
}


def test_every_role_has_one_landing_page():
    assert {role for role, _ in LANDING} == set(Role)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_lands_where_its_day_starts(db, web, province, role):
    user = factories.UserFactory(unit=province["province"], roles=[role])
    resp = web.post_form("/login", {"username": user.username, "password": factories.PASSWORD})
    assert resp.status_code == 302
    home = web.get(resp.headers["Location"])
    assert home.status_code == 302
    assert home.headers["Location"].endswith(EXPECTED_LANDING[role])
    assert web.get(home.headers["Location"]).status_code == 200


def test_a_verifier_who_also_handles_petitions_lands_on_their_cases(db, province):
    user = factories.UserFactory(
        unit=province["inspectorate"], roles=[Role.petition_handler, Role.case_handler]
    )
    assert landing_endpoint(user) == "cases.mine"


# --- dates: another way of writing them is read, and shown back as dd/mm/yyyy -------------


class _DayForm(FlaskForm):
    class Meta:
        csrf = False

    on = VNDateField("Ngày")


@pytest.mark.parametrize("typed", ["2026-12-01", "01/12/2026", "1/12/2026", "01.12.2026"])
def test_a_date_typed_another_way_is_shown_back_as_dd_mm_yyyy(app, typed):
    with app.test_request_context(method="POST", data={"on": typed}):
        form = _DayForm()
        assert form.validate()
        assert form.on.data == date(2026, 12, 1)
        assert form.on._value() == "01/12/2026"
        assert 'value="01/12/2026"' in form.on()


def test_what_is_no_date_is_refused_in_vietnamese_and_kept_as_typed(app):
    with app.test_request_context(method="POST", data={"on": "2026-13-45"}):
        form = _DayForm()
        assert not form.validate()
        assert form.on.errors == ["Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 05/01/2026."]
        assert 'value="2026-13-45"' in form.on()


# --- one spelling: the tone marks of Nghị định 30/2020/NĐ-CP --------------------------------


def _sources():
    yield from (p for p in (ROOT / "complaints").rglob("*.py") if "translations" not in p.parts)
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "static").rglob("*.js")


def test_templates_and_python_write_the_decrees_tone_marks():
    """ "CỘNG HÒA", "Ủy ban", "Hủy", "khóa", "xóa": never "CỘNG HOÀ", "Uỷ", "Huỷ", "khoá"..."""
    found = [
        f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r} -> {old_style_tones(m.group(0))!r}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in re.finditer(rf"\w*{NEW_STYLE_TONE.pattern}", line)
    ]
    assert found == []


def test_the_national_title_is_written_as_the_decree_writes_it():
    titles = {
        m.group(0)
        for path in _sources()
        for m in re.finditer(r"CỘNG H\w+ XÃ HỘI CHỦ NGHĨA VIỆT NAM", path.read_text("utf-8"))
    }
    assert titles == {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}


def test_old_style_tones_moves_the_mark_to_the_first_vowel():
    assert old_style_tones("CỘNG HOÀ, Huỷ, khoá, Uỷ ban, tuỳ, khoẻ") == (
        "CỘNG HÒA, Hủy, khóa, Ủy ban, tùy, khỏe"
    )
    # a closed syllable, or qu + y, is the same in both styles
    assert old_style_tones("hoàn thành, thuyền, quý, quỹ, Huỳnh") == (
        "hoàn thành, thuyền, quý, quỹ, Huỳnh"
    )


def test_a_unit_named_with_the_other_spelling_heads_its_documents_as_the_decree_writes(db):
    from complaints.notices.render import heading_name, is_committee

    unit = factories.UnitFactory(code="QN", name="Uỷ ban nhân dân tỉnh Quảng Ninh")
    assert is_committee(unit)
    assert heading_name(unit) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"
