"""The browser checks an upload's size before sending it (issue 14, item 10): a scan of
1,100,000 bytes on the petition form, whose scans may weigh 1 MB here, is refused at once with
its real size ("1,1 MB", as core/numbers.fmt_size writes it), the form is not sent and nothing
typed is lost. (A small limit: sending the browser 11 MB took 20 s.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.extensions import db
from tests import factories


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    return {"base_url": base_url, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def handler(live_app) -> str:
    live_app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        user = factories.UserFactory(
            username="xulydon", unit=units["inspectorate"], roles=[Role.petition_handler]
        )
        db.session.commit()
        return user.username


def test_a_file_over_the_limit_is_stopped_in_the_browser(page: Page, base_url, handler, log_in):
    log_in(handler)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.goto(f"{base_url}/petitions/new")
    page.fill("textarea[name=summary]", "Khiếu nại về bồi thường đất, gõ một lần.")
    files = page.locator("input[name=files]")
    files.set_input_files(
        {"name": "ban-quet.pdf", "mimeType": "application/pdf", "buffer": b"%" * 1_100_000}
    )
    error = page.locator("[data-upload-error]")
    expect(error).to_have_text(
        "Tệp “ban-quet.pdf” nặng 1,1 MB, vượt quá mức tối đa 1 MB cho mỗi tệp. "
        "Chưa gửi: hãy chọn tệp nhỏ hơn."
    )
    page.get_by_role("button", name="Vào sổ").click()
    expect(files).to_be_focused()
    assert not sent and page.url.endswith("/petitions/new")
    expect(page.locator("textarea[name=summary]")).to_have_value(
        "Khiếu nại về bồi thường đất, gõ một lần."
    )
    files.set_input_files([])  # a file within the limit clears the message
    expect(error).to_have_count(0)
