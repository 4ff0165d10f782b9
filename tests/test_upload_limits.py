"""An upload over the limit (issue 14, item 10): the real size, never a bare 413 page, and the
form given back with what was typed; the API answers JSON in Vietnamese."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.numbers import fmt_size
from complaints.petitions import storage
from complaints.petitions.models import Petition

from . import factories_petitions as fp
from .api_v1_support import Api, error_of, token_for, user
from .test_petitions_register import NEW, form_data

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (11_000_000, "10,5 MB"),  # an "11 MB" file: it read "10 MB", as the limit
        (10 * MIB, "10 MB"),
        (10 * MIB + 1, "10,1 MB"),  # over the limit never reads as the limit
        (25 * MIB + 300, "25,1 MB"),
        (2000, "2 KB"),
        (900, "900 byte"),
    ],
)
def test_sizes_are_written_as_people_read_them(size, text):
    assert fmt_size(size) == text


def test_an_attachment_over_its_limit_gives_its_real_size(app):
    with app.test_request_context():
        message = storage._too_big("don.pdf", 11_000_000, 10 * MIB)
    assert "có dung lượng 10,5 MB, vượt quá mức tối đa 10 MB cho mỗi tệp" in message


@pytest.fixture()
def officer(login_as, province, today):
    return login_as(Role.petition_handler, unit=province["inspectorate"])


def test_a_request_over_the_limit_gives_the_form_back(web, officer, province, app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    page = web.client.get(NEW).get_data(as_text=True)
    # What the browser's check reads (static/js/uploads.js).
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    assert f'data-max-bytes="{limit}"' in page and 'data-max-request="20000"' in page
    assert 'data-max-label="10 MB"' in page and "js/uploads.js" in page
    data = form_data(
        province["inspectorate"],
        summary="Khiếu nại về bồi thường đất, đã gõ rất dài và không muốn gõ lại.",
        files=[fp.upload(fp.png_bytes(30_000), "ban-quet.png")],
    )
    response = web.post_form(NEW, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    size = fmt_size(int(response.request.headers["Content-Length"]))
    assert f"Dữ liệu gửi lên nặng {size}, vượt quá mức tối đa 20 KB của một lần gửi" in html
    assert "Tệp “ban-quet.png” nặng 30 KB." in html and "mỗi tệp tối đa 10 MB" in html
    # Everything typed is kept; nothing is saved.
    assert "đã gõ rất dài và không muốn gõ lại" in html
    assert 'value="Nguyễn Văn A"' in html and 'value="031088012345"' in html
    assert 'id="petition-form"' in html
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_a_refused_request_still_needs_its_csrf_token(web, officer, province, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    data = form_data(province["inspectorate"], files=[fp.upload(fp.png_bytes(30_000), "a.png")])
    response = web.client.post(NEW, data=data)  # no csrf_token
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_the_api_answers_json_with_the_real_size(client, province, app, today, monkeypatch):
    api = Api(client, token_for(user(province["province"], Role.petition_handler)))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    message = error_of(api.post("/petitions", raw=b"{" + b" " * 3000 + b"}"), 413)
    assert message == (
        "Dữ liệu gửi lên nặng 3 KB, vượt quá mức tối đa 1.000 byte của một lần gửi: chưa nhận "
        "tệp nào."
    )


def test_a_field_too_long_within_the_limit_is_a_message_not_a_500(
    web, officer, province, app, db, monkeypatch
):
    # Werkzeug refuses a typed field over MAX_FORM_MEMORY_SIZE while reading the body, under
    # MAX_CONTENT_LENGTH: the body's start is gone, so the page cannot be given back; it must
    # not claim the request was over the limit either.
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1_000)
    data = form_data(
        province["inspectorate"],
        summary="x" * 5_000,
        files=[fp.upload(fp.png_bytes(2_000), "a.png")],  # multipart, as the page sends it
    )
    response = web.post_form(NEW, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Một ô nhập quá dài hoặc biểu mẫu có quá nhiều ô" in html
    assert "vượt quá mức tối đa" not in html
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
