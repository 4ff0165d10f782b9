"""Two officers open the same record's edit page, both save: the first save stands, the second
is told someone else changed the record, and nothing of the first is lost. Each browser posts
back exactly the form it was given (hidden version included), as a real browser would."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from complaints.core.access import Role

from . import factories
from .conftest import WebUser
from .factories_obligations import RuleFactory
from .factories_petitions import PetitionFactory
from .factories_reception import SessionFactory, VisitFactory


class EditForm(HTMLParser):
    """The fields a browser would submit from the page's form that carries `version`."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
            self.forms.append([])
        elif not self._in_form:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("file", "submit", "button", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _ in self._options[:1]]
            self.forms[-1].extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None

    def data(self) -> dict[str, list[str]]:
        (form,) = [f for f in self.forms if any(name == "version" for name, _ in f)]
        fields: dict[str, list[str]] = {}
        for name, value in form:
            fields.setdefault(name, []).append(value)
        return fields


@pytest.fixture()
def officer(db, province):
    return factories.UserFactory(
        unit=province["province"],
        roles=[Role.petition_handler, Role.reception_officer, Role.leader],
    )


@pytest.fixture()
def admin(db, province):
    """An administrator of the province: may edit the units and accounts of its tree."""
    return factories.UserFactory(unit=province["province"], roles=[Role.admin])


# The administration pages are acted on by an administrator, the others by the officer.
ADMIN_KINDS = ("unit", "user")


def records(province):
    hp = province["province"]
    session = SessionFactory(unit=hp)
    return {
        "petition": (PetitionFactory(unit=hp), "/petitions/{}/edit", "summary"),
        "session": (session, "/reception/sessions/{}/edit", "place"),
        "visit": (VisitFactory(session=session), "/reception/visits/{}/edit", "content"),
        "rule": (RuleFactory(unit=hp), "/obligations/rules/{}", "place"),
        "unit": (factories.UnitFactory(parent=hp), "/admin/units/{}", "name"),
        "user": (factories.UserFactory(unit=province["commune"]), "/admin/users/{}", "full_name"),
    }


@pytest.mark.parametrize("kind", ["petition", "session", "visit", "rule", "unit", "user"])
def test_the_second_of_two_concurrent_saves_is_told_and_nothing_is_lost(
    app, db, province, officer, admin, kind
):
    record, pattern, field = records(province)[kind]
    actor = admin if kind in ADMIN_KINDS else officer
    url = pattern.format(record.id)
    first, second = WebUser(app.test_client()), WebUser(app.test_client())
    first.login(actor)
    second.login(actor)
    form_first = EditForm(first.get(url).get_data(as_text=True)).data()
    form_second = EditForm(second.get(url).get_data(as_text=True)).data()
    assert form_first["version"] == form_second["version"] == [str(record.version)]

    form_first[field] = [f"Bản lưu trước của trường {field}"]
    saved = first.client.post(url, data=form_first)
    assert saved.status_code == 302, saved.get_data(as_text=True)

    form_second[field] = [f"Bản lưu sau của trường {field}"]
    late = second.client.post(url, data=form_second)
    html = late.get_data(as_text=True)
    assert late.status_code in (200, 409)
    assert "người khác" in html, html
    db.session.expire_all()
    assert getattr(record, field) == f"Bản lưu trước của trường {field}"


def _open(app, user, url) -> tuple[WebUser, dict[str, list[str]]]:
    """A browser of `user` with the edit page at `url` open: the fields it would post."""
    browser = WebUser(app.test_client())
    browser.login(user)
    return browser, EditForm(browser.get(url).get_data(as_text=True)).data()


def test_a_login_of_the_edited_user_does_not_make_the_open_form_stale(app, db, province, admin):
    """Logging in records the time of the login on the account, but is no edit of it: the
    administrator who opened the account's page before still saves."""
    user = factories.UserFactory(unit=province["commune"])
    url = f"/admin/users/{user.id}"
    browser, form = _open(app, admin, url)
    version = user.version
    assert form["version"] == [str(version)]

    WebUser(app.test_client()).login(user)
    db.session.expire_all()
    assert user.last_login_at is not None
    assert user.version == version

    form["full_name"] = ["Nguyễn Văn Sửa Sau Đăng Nhập"]
    saved = browser.client.post(url, data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    assert user.full_name == "Nguyễn Văn Sửa Sau Đăng Nhập"
    assert user.version == version + 1


def test_a_change_of_roles_alone_makes_the_other_open_form_stale(app, db, province, admin):
    """Roles live in their own table; changing only them still counts as an edit of the
    account, so the second administrator cannot put the old roles back unknowingly."""
    user = factories.UserFactory(unit=province["commune"], roles=[Role.reception_officer])
    url = f"/admin/users/{user.id}"
    first, form_first = _open(app, admin, url)
    second, form_second = _open(app, admin, url)

    form_first["roles"] = ["reception_officer", "petition_handler"]
    saved = first.client.post(url, data=form_first)
    assert saved.status_code == 302, saved.get_data(as_text=True)

    form_second["title"] = ["Phó Chánh Thanh tra"]
    late = second.client.post(url, data=form_second)
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "người khác" in html, html
    assert "Phó Chánh Thanh tra" in html  # what the second administrator typed is kept
    db.session.expire_all()
    assert user.role_set == {Role.reception_officer, Role.petition_handler}
    assert user.title == "Chuyên viên"


@pytest.mark.parametrize("kind", ["unit", "user"])
def test_an_admin_edit_posted_without_its_version_is_refused(app, db, province, admin, kind):
    record, pattern, field = records(province)[kind]
    url = pattern.format(record.id)
    browser, form = _open(app, admin, url)
    del form["version"]
    form[field] = ["Bản lưu không có phiên bản"]
    resp = browser.client.post(url, data=form)
    assert resp.status_code == 409
    assert "người khác" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(record, field) != "Bản lưu không có phiên bản"
