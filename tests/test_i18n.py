"""The English interface: every page each role uses renders in English when asked (?lang=en),
Vietnamese stays the default and comes back with ?lang=vi, and the legal forms stay Vietnamese
in both languages.

The check on a rendered page: strip what is allowed to stay Vietnamese (elements marked
data-i18n="vi-only" (legal forms) or translate="no" (the language switch), form field values,
and every string stored in the database: names, addresses, summaries are data, not interface),
then no letter of the Vietnamese alphabet beyond ASCII may remain."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from complaints import ROOT
from complaints.cases.models import Case
from complaints.cases.workflow import allowed_actions
from complaints.core.access import Role
from complaints.core.db import LabelledEnum
from complaints.demo import seed_demo
from complaints.extensions import babel
from complaints.extensions import db as _db
from complaints.i18n import LEGAL_TEMPLATES
from complaints.i18n_scan import VI_LETTERS, scan_source, scan_templates
from complaints.petitions.models import Petition
from complaints.reception.models import ReceptionSession, Visit
from complaints.units.models import Unit

from .conftest import bound_session, make_app

TODAY = date(2026, 11, 20)
PO = ROOT / "complaints" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([A-Za-z_0-9]+\)s|%%")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The .mo `make install` builds from the committed .po; rebuilt here if missing or stale."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as f:
            catalog = read_po(f, locale="en")
        buf = BytesIO()
        write_mo(buf, catalog)
        MO.write_bytes(buf.getvalue())


# --- the catalogue -----------------------------------------------------------------------------


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def test_every_message_is_translated_with_its_placeholders():
    catalog = _catalogue()
    messages = [m for m in catalog if m.id]
    assert len(messages) > 1000
    untranslated = [m.id for m in messages if not m.string]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
    for m in messages:
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), m.id
        assert not any(ch in VI_LETTERS for ch in m.string), (m.id, m.string)


def test_every_enum_label_has_an_english_translation():
    translated = {m.id for m in _catalogue() if m.id and m.string}
    missing = []
    stack = list(LabelledEnum.__subclasses__())
    while stack:
        enum_cls = stack.pop()
        stack.extend(enum_cls.__subclasses__())
        missing += [
            f"{enum_cls.__name__}.{m.name}"
            for m in enum_cls
            if m.label_vi not in translated and any(ch in VI_LETTERS for ch in m.label_vi)
        ]
    assert not missing


# --- the templates' source ---------------------------------------------------------------------


def test_no_template_shows_text_outside_gettext():
    findings = scan_templates(ROOT / "templates", LEGAL_TEMPLATES)
    assert not findings, "\n".join(str(f) for f in findings)


def test_the_scanner_finds_what_it_should_and_skips_the_rest():
    source = """{% extends 'base.html' %}{% block title %}Sổ đơn{% endblock %}
    {% block body_class %}document{% endblock %}
    <p title="Xem chi tiết">{{ _('Đã dịch') }} · {{ x.name }}</p>
    <p>Vụ việc {{ case.no }}</p>
    {{ field(form.a, help='Ghi chú cho ô') }} {{ _('Có') if y else 'Không' }}
    <div data-i18n="vi-only"><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong></div>
    <a href="?lang=en" translate="no">English</a>
    {% trans %}Một đoạn dài{% endtrans %}
    <script>var s = "chuỗi";</script>"""
    found = {(f.kind, f.text.strip()) for f in scan_source(source)}
    assert found == {
        ("text", "Sổ đơn"),
        ("attribute", "Xem chi tiết"),
        ("text", "Vụ việc"),
        ("literal", "Ghi chú cho ô"),
        ("literal", "Không"),
    }


# --- rendered pages ----------------------------------------------------------------------------


class _Chrome(HTMLParser):
    """Collects the text a reader sees, minus what may stay Vietnamese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0  # inside a vi-only / translate="no" element, a script or a style
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (
            attrs.get("data-i18n") == "vi-only"
            or attrs.get("translate") == "no"
            or tag in ("script", "style", "textarea")
        )
        if tag not in VOID:
            self.stack.append((tag, skipped))
            if skipped:
                self.skip_depth += 1
        if self.skip_depth or (skipped and tag in VOID):
            return
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        while self.stack:
            name, skipped = self.stack.pop()
            if skipped:
                self.skip_depth -= 1
            if name == tag:
                break

    def handle_data(self, data):
        if not self.skip_depth and data.strip():
            self.parts.append(data)


def _stored_strings() -> list[str]:
    """Every non-ASCII string stored in the database (the data the pages show)."""
    values: set[str] = set()
    for table in _db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text) and not isinstance(c.type, sa.Enum)
        ]
        if not columns:
            continue
        for row in _db.session.execute(sa.select(*columns)):
            for value in row:
                if isinstance(value, str) and any(ch in VI_LETTERS for ch in value):
                    values.add(value.strip())
                    values.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted(values, key=len, reverse=True)


def untranslated(html: str, data: list[str]) -> list[str]:
    """The pieces of the page's chrome that still hold Vietnamese letters."""
    parser = _Chrome()
    parser.feed(html)
    left = []
    for part in parser.parts:
        for value in data:
            if value in part:
                part = part.replace(value, " ")
        if any(ch in VI_LETTERS for ch in part):
            left.append(" ".join(part.split())[:120])
    return left


def get_en(web, url):
    resp = web.get(url, follow_redirects=True)
    assert resp.status_code == 200, (url, resp.status_code)
    html = resp.get_data(as_text=True)
    assert '<html lang="en">' in html, url
    return html


# The demo is built once for the module, each test in a savepoint of it
# (conftest.module_connection).
pytestmark = pytest.mark.usefixtures("module_connection")


@pytest.fixture(scope="module")
def built_demo(app, module_connection):
    before = app.config.get("TODAY")
    app.config["TODAY"] = TODAY.isoformat()  # the operations' clock, as the tests see it
    try:
        with app.app_context(), bound_session(module_connection) as db:
            seed_demo(today=TODAY, months=1)
            db.session.commit()  # seed-demo's command commits it
    finally:
        app.config["TODAY"] = before


@pytest.fixture()
def demo(app, db, monkeypatch, built_demo):
    """The demo province (built by the real operations), seen on TODAY."""
    monkeypatch.setitem(app.config, "TODAY", TODAY.isoformat())
    return {u.code: u for u in db.session.scalars(sa.select(Unit))}


@pytest.fixture()
def province(demo):
    """login_as() logs its fresh users into the demo province."""
    return {"province": demo["HP"]}


def _english(web):
    resp = web.get("/login?lang=en")
    assert resp.status_code == 303 and "lang=" not in resp.headers["Location"]


def _check_pages(web, urls):
    data = _stored_strings()
    problems = {}
    for url in urls:
        left = untranslated(get_en(web, url), data)
        if left:
            problems[url] = left
    assert not problems, "\n".join(f"{u}: {v}" for u, v in problems.items())


def _first(model, *where):
    return _db.session.scalars(sa.select(model).where(*where).order_by(model.id)).first()


def test_reception_officer_pages_in_english(web, login_as, demo):
    _english(web)
    login_as(Role.reception_officer, unit=demo["HPBTCD"])
    session = _first(ReceptionSession, ReceptionSession.unit_id == demo["HPBTCD"].id)
    visit = _first(Visit, Visit.session_id == session.id)
    _check_pages(
        web,
        [
            "/reception/sessions",
            f"/reception/sessions/{session.id}",
            f"/reception/sessions/{session.id}/edit",
            f"/reception/sessions/{session.id}/visits/new",
            "/reception/sessions/new",
            f"/reception/visits/{visit.id}",
            f"/reception/visits/{visit.id}/edit",
            f"/reception/visits/{visit.id}/receipt",
            "/reception/log?date_from=01/11/2026&date_to=20/11/2026",
            "/petitions/",
            "/petitions/new",
            "/petitions/search?q=dat",
            "/petitions/search?q=x",
        ],
    )


def test_petition_handler_pages_in_english(web, login_as, demo):
    _english(web)
    login_as(Role.petition_handler, unit=demo["HPTTR"])
    waiting = _first(Petition, Petition.unit_id == demo["HPTTR"].id, Petition.outcome.is_(None))
    done = _first(Petition, Petition.unit_id == demo["HPTTR"].id, Petition.outcome.is_not(None))
    urls = ["/cases/process", "/petitions/", "/cases/", "/cases/overdue"]
    urls += [f"/cases/process/{p.id}" for p in (waiting, done) if p is not None]
    urls += [f"/petitions/{p.id}/edit" for p in (waiting,) if p is not None]
    urls += [f"/petitions/{p.id}" for p in (waiting, done) if p is not None]
    urls += [f"/citizen/slip/{p.id}" for p in (waiting,) if p is not None]
    urls.append("/registers/export")
    _check_pages(web, urls)


def test_case_handler_pages_in_english(web, login_as, demo):
    _english(web)
    login_as(Role.case_handler, unit=demo["HPTTR"])
    cases = _db.session.scalars(
        sa.select(Case).where(Case.assigned_unit_id == demo["HPTTR"].id).order_by(Case.id)
    ).all()
    assert cases
    urls = ["/cases/", "/cases/mine", "/cases/overdue", "/cases/?overdue=y&closed=y"]
    urls += [f"/cases/{c.id}" for c in cases[:6]]
    seen: set[str] = set()
    for c in cases:  # the step forms of a few different actions
        for action in allowed_actions(c.kind.value, c.state):
            if action.name not in seen and len(seen) < 5:
                seen.add(action.name)
                urls.append(f"/cases/{c.id}/action/{action.name}")
    assert seen
    _check_pages(web, urls)


def test_leader_pages_in_english(web, login_as, demo):
    _english(web)
    login_as(Role.leader, unit=demo["HP"])
    case = _first(Case, Case.unit_id == demo["HP"].id)
    _check_pages(
        web,
        [
            "/dashboard/",
            "/citizen/ratings",
            "/obligations/",
            "/obligations/rules",
            "/obligations/rules/new",
            "/obligations/plan",
            "/obligations/publish",
            f"/cases/{case.id}",
            f"/cases/{case.id}/assign",
            f"/cases/{case.id}/flags",
            f"/cases/{case.id}/merge",
        ],
    )


def test_report_maker_pages_in_english(web, login_as, demo):
    _english(web)
    login_as(Role.report_maker, unit=demo["HP"])
    _check_pages(
        web,
        [
            "/reports/",
            "/reports/?form=01-TCD&period=year&year=2026&unit=HP&sub=1",
            "/reports/?form=01-XLD&period=year&year=2026&unit=HP",
            "/reports/?form=01-KQGQ&period=q4&year=2026&unit=HP",
            "/reports/?form=summary&period=year&year=2026&unit=HP",
            "/reports/closed",
            "/reports/settings",
            "/registers/",
            "/registers/import",
            "/registers/balances",
            "/registers/export",
        ],
    )


def test_admin_pages_in_english(web, login_as, demo):
    _english(web)
    admin = login_as(Role.admin, unit=demo["HP"])
    _check_pages(
        web,
        [
            "/admin/units",
            f"/admin/units/{demo['HPTTR'].id}",
            "/admin/units/new",
            "/admin/users",
            f"/admin/users/{admin.id}",
            "/admin/users/new",
            "/cases/calendar",
            "/reports/settings",
            "/admin/tokens/",
            "/registers/",
        ],
    )


def test_anonymous_and_error_pages_in_english(web, db):
    _english(web)
    _check_pages(web, ["/login", "/tra-cuu"])
    resp = web.get("/no-such-page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert '<html lang="en">' in html and "Page or record not found" in html


# --- the switch --------------------------------------------------------------------------------


def test_vietnamese_is_the_default_and_comes_back(web, login_as, demo):
    resp = web.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = resp.get_data(as_text=True)
    assert '<html lang="vi">' in html and "Đăng nhập" in html  # the browser's language is ignored
    assert 'href="/login?lang=en"' in html
    login_as(Role.reception_officer, unit=demo["HPBTCD"])
    html = get_en(web, "/reception/sessions?lang=en")
    assert "Sign out" in html and "Citizen reception sessions" in html
    assert 'href="/reception/sessions?lang=vi"' in html
    resp = web.get("/reception/sessions?lang=vi&page=1")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(
        "/reception/sessions?page=1"
    )
    html = web.get("/reception/sessions").get_data(as_text=True)
    assert '<html lang="vi">' in html and "Đăng xuất" in html and "Sign out" not in html


def test_an_unknown_language_is_ignored(web, db):
    web.get("/login?lang=fr")
    html = web.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html


def test_flash_messages_and_form_errors_are_translated(web, login_as, demo):
    _english(web)
    resp = web.post_form("/login", {"username": "nobody", "password": "wrong-password"})
    assert "Wrong username or password." in resp.get_data(as_text=True)
    login_as(Role.admin, unit=demo["HP"])
    resp = web.post_form("/admin/units/new", {"code": "", "name": "", "level": "commune"})
    html = resp.get_data(as_text=True)
    assert "Please fill in this field." in html
    assert "Vui lòng nhập" not in html


# --- what stays Vietnamese ---------------------------------------------------------------------


def test_legal_forms_stay_vietnamese_in_english(web, login_as, demo):
    """Mẫu 03/TCD (the reception log), Mẫu 02/TCD (the receipt), the report forms (page and
    .xlsx) and the notices keep the law's words; the chrome around them is English."""
    _english(web)
    login_as(Role.reception_officer, Role.petition_handler, Role.leader, unit=demo["HP"])
    log = get_en(web, "/reception/log?date_from=01/11/2026&date_to=20/11/2026&all=1")
    assert "Mẫu số 03/TCD" in log and "SỔ TIẾP CÔNG DÂN" in log and "Họ tên, địa chỉ" in log
    assert "Print the log" in log
    visit = _first(Visit, Visit.unit_id == demo["HPBTCD"].id)
    receipt = get_en(web, f"/reception/visits/{visit.id}/receipt")
    assert "GIẤY BIÊN NHẬN" in receipt and "Mẫu số 02/TCD" in receipt
    report = get_en(web, "/reports/?form=02-TCD&period=year&year=2026&unit=HP&sub=1")
    assert "Mẫu số 02/TCD" in report and "Tổng cộng" in report and "Khiếu nại" in report
    assert "Download .xlsx" in report
    resp = web.get("/reports/report.xlsx?form=02-TCD&period=year&year=2026&unit=HP&sub=1")
    assert resp.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(resp.data)).active
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "Tổng cộng" in cells and "Khiếu nại" in cells and "Total" not in cells
    case = _first(Case, Case.unit_id == demo["HPTTR"].id, Case.accept_doc_no.is_not(None))
    if case is not None:
        notice = get_en(web, f"/notices/case/{case.id}/acceptance")
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in notice and "Print the document" in notice


# --- without the compiled catalogue ------------------------------------------------------------


def test_without_the_mo_file_the_app_stays_vietnamese(tmp_path):
    """A checkout where `make install` has not compiled the catalogue: no crash, Vietnamese."""
    empty = tmp_path / "no-translations"
    empty.mkdir()
    app = make_app(tmp_path, None, BABEL_TRANSLATION_DIRECTORIES=str(empty))
    # Flask-Babel keeps loaded catalogues on its one Domain, shared by every app of the process.
    babel.domain_instance.cache.clear()
    try:
        resp = app.test_client().get("/login?lang=en", follow_redirects=True)
    finally:
        babel.domain_instance.cache.clear()
        with app.app_context():
            _db.engine.dispose()
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<html lang="en">' in html and "Đăng nhập" in html


def test_translation_directory_is_inside_the_package():
    assert PO.is_file()
    assert Path(ROOT / "complaints" / "translations").is_dir()


def test_citizen_status_page_in_english(web, demo):
    """The public page: the status words made in complaints/citizen/status.py are translated."""
    from complaints.citizen import codes

    _english(web)
    data = _stored_strings()
    checked = 0
    petitions = _db.session.scalars(
        sa.select(Petition).where(Petition.anonymous.is_(False)).order_by(Petition.id)
    ).all()
    for p in petitions:
        sender = next((s for s in p.senders if s.identity_no or s.phone), None)
        if sender is None or not p.receipt_code:
            continue
        digits = "".join(ch for ch in (sender.identity_no or sender.phone) if ch.isdigit())[-4:]
        resp = web.post_form("/tra-cuu", {"code": codes.display(p.receipt_code), "digits": digits})
        html = resp.get_data(as_text=True)
        assert '<html lang="en">' in html and "Petition status" in html, p.register_no
        assert not untranslated(html, data), (p.register_no, untranslated(html, data))
        checked += 1
        if checked == 12:
            break
    assert checked
