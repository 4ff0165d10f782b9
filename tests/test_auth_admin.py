"""Login, logout, CSRF, open redirects, unit and user administration."""

from __future__ import annotations

import sqlalchemy as sa

from complaints.auth.models import User
from complaints.core.access import Role
from complaints.units.models import Unit

from . import factories


def test_login_page_is_vietnamese_and_has_csrf(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đăng nhập" in html and 'name="csrf_token"' in html
    assert "Content-Security-Policy" in page.headers


def test_wrong_password_is_refused_beside_the_field(web, province):
    user = factories.UserFactory(unit=province["province"])
    resp = web.post_form("/login", {"username": user.username, "password": "sai-mat-khau"})
    assert resp.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, province):
    user = factories.UserFactory(unit=province["province"])
    resp = client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)


def test_login_then_logout(web, province):
    user = factories.UserFactory(unit=province["province"], roles=[Role.admin])
    web.login(user)
    assert web.get("/admin/units").status_code == 200
    web.logout()
    resp = web.get("/admin/units")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_next_parameter_cannot_redirect_to_another_host(web, province):
    user = factories.UserFactory(unit=province["province"])
    page = web.get("/login?next=https://evil.example/x")
    from .conftest import csrf_from

    resp = web.client.post(
        "/login?next=https://evil.example/x",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": user.username,
            "password": factories.PASSWORD,
        },
    )
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]


def test_inactive_user_cannot_log_in(web, province):
    user = factories.UserFactory(unit=province["province"], active=False)
    resp = web.post_form("/login", {"username": user.username, "password": factories.PASSWORD})
    assert resp.status_code == 200


def test_passwords_are_hashed(db, province):
    user = factories.UserFactory(unit=province["province"])
    assert factories.PASSWORD not in user.password_hash
    assert user.check_password(factories.PASSWORD)


def test_admin_creates_unit_under_own_tree(web, login_as, province, db):
    login_as(Role.admin)
    resp = web.post_form(
        "/admin/units/new",
        {
            "code": "HPKA",
            "name": "UBND phường Kiến An",
            "level": "commune",
            "parent_id": str(province["province"].id),
            "active_from": "01/07/2025",
            "active_to": "",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "HPKA"))
    assert unit.parent_id == province["province"].id
    assert unit.path == f"{province['province'].path}{unit.id}/"


def test_unit_form_errors_beside_fields(web, login_as, province):
    login_as(Role.admin)
    resp = web.post_form(
        "/admin/units/new",
        {
            "code": "HP",
            "name": "",
            "level": "commune",
            "parent_id": str(province["province"].id),
            "active_from": "31/02/2026",
            "active_to": "",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Ngày không hợp lệ" in html
    assert "Vui lòng nhập thông tin này." in html


def test_admin_moves_a_unit_with_its_subtree(web, login_as, province, db):
    login_as(Role.admin)
    unit = factories.UnitFactory(parent=province["commune"])
    child = factories.UnitFactory(parent=unit)
    version = unit.version
    resp = web.post_form(
        f"/admin/units/{unit.id}",
        {
            "code": unit.code,
            "name": "Tên mới",
            "level": "commune",
            "parent_id": str(province["department"].id),
            "active_from": "01/07/2025",
            "active_to": "",
            "version": str(version),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert unit.name == "Tên mới" and unit.version == version + 1
    assert unit.path == f"{province['department'].path}{unit.id}/"
    assert child.path == f"{unit.path}{child.id}/"


def test_admin_cannot_open_unit_of_another_province(web, login_as, province):
    login_as(Role.admin)
    assert web.get(f"/admin/units/{province['other'].id}").status_code == 404


def test_admin_creates_user_with_roles(web, login_as, province, db):
    login_as(Role.admin)
    resp = web.post_form(
        "/admin/users/new",
        {
            "username": "tcd.lechan",
            "full_name": "Trần Thị Bình",
            "title": "Chuyên viên",
            "unit_id": str(province["commune"].id),
            "roles": ["reception_officer", "petition_handler"],
            "password": "mot-mat-khau-dai",
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.username == "tcd.lechan"))
    assert user.role_set == {Role.reception_officer, Role.petition_handler}
    assert user.check_password("mot-mat-khau-dai")


def test_non_admin_cannot_manage_users(web, login_as):
    login_as(Role.leader)
    assert web.get("/admin/users").status_code == 403
    assert web.get("/admin/units/new").status_code == 403


def test_create_user_command(app, db, province):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "lanhdao",
            "--full-name",
            "Lê Văn Chủ",
            "--unit",
            "HP",
            "--role",
            "leader",
            "--password",
            "mat-khau-123",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản lanhdao" in result.output
    bad = runner.invoke(
        args=[
            "create-user",
            "--username",
            "x",
            "--full-name",
            "X",
            "--unit",
            "KHONGCO",
            "--role",
            "leader",
            "--password",
            "mat-khau-123",
        ],
    )
    assert bad.exit_code != 0 and "Không có đơn vị" in bad.output


# --- dissolved units and new units' defaults (issue 14, item 11) ----------------------------


def test_a_new_unit_form_offers_the_level_below_and_today(web, login_as, province, set_today):
    from datetime import date

    set_today(date(2026, 6, 30))
    login_as(Role.admin)  # of the province: its new units are communes by default
    page = web.get("/admin/units/new").get_data(as_text=True)
    assert '<option selected value="commune">' in page, page
    assert 'value="30/06/2026"' in page


def test_a_dissolved_unit_gets_no_new_account(web, login_as, province, db, set_today):
    from datetime import date

    set_today(date(2026, 6, 30))
    old = factories.UnitFactory(
        code="HPQLC",
        name="UBND quận Lê Chân",
        level="district",
        parent=province["province"],
        active_from=date(2020, 1, 1),
        active_to=date(2025, 6, 30),
    )
    login_as(Role.admin)
    db.session.commit()
    page = web.get("/admin/users/new").get_data(as_text=True)
    assert "HPQLC" not in page and "HPLC" in page
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    resp = web.post_form(
        "/admin/users/new",
        {
            "username": "can.bo.quan",
            "full_name": "Trần Văn Quận",
            "unit_id": str(old.id),
            "roles": ["reception_officer"],
            "password": "mot-mat-khau-dai",
            "active": "y",
        },
    )
    assert resp.status_code != 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
