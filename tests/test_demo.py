"""The demo province that `make run` loads: built through the real operations, so it must be
consistent the way real data is (audit chain, report identities), and every demo account must
land on a working page."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.auth.models import User
from complaints.cases.models import Case
from complaints.config import DEMO_PASSWORD
from complaints.core import audit
from complaints.demo import DEMO_USERS, seed_demo
from complaints.petitions.models import Petition
from complaints.reports.periods import Period
from complaints.reports.service import build
from complaints.units.models import Unit

from .conftest import bound_session
from .factories_cases import next_due_mismatches

TODAY = date(2026, 11, 20)


# The demo is built once for the module (a minute of real operations), each test in a
# savepoint of it (conftest.module_connection).
pytestmark = pytest.mark.usefixtures("module_connection")


@pytest.fixture(scope="module")
def built_demo(app, module_connection):
    with app.app_context(), bound_session(module_connection) as db:
        text = seed_demo(today=TODAY, months=2)
        db.session.commit()  # seed-demo's command commits it
        return text


@pytest.fixture()
def demo(db, built_demo):
    return built_demo


def test_demo_builds_a_living_province(db, demo):
    assert demo.startswith("Đã nạp dữ liệu mẫu")
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 10
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == len(DEMO_USERS)
    petitions = db.session.scalar(sa.select(sa.func.count(Petition.id)))
    cases = db.session.scalar(sa.select(sa.func.count(Case.id)))
    assert petitions > 50 and cases > 10
    # The summary line reports what is in the database, not a canned text.
    assert f"{petitions} đơn, {cases} vụ việc" in demo
    # Register numbers are gap-free per unit and year, as the real register writes them.
    rows = db.session.execute(
        sa.select(Petition.unit_id, Petition.register_year, Petition.register_seq)
    ).all()
    by_register: dict = {}
    for unit_id, year, seq in rows:
        by_register.setdefault((unit_id, year), []).append(seq)
    for seqs in by_register.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


def test_demo_keeps_the_audit_chain_and_the_report_identities(db, demo):
    result = audit.verify()
    assert result.ok, result.reason
    assert result.checked > 100
    hp = db.session.scalar(sa.select(Unit).where(Unit.code == "HP"))
    period = Period(date(2026, 1, 1), TODAY, "2026")
    for form in ("01-TCD", "01-XLD", "01-KQGQ"):
        report = build(form, hp, period, with_subunits=True)
        assert not report.failing_checks, (form, report.failing_checks)
    summary = build("summary", hp, period)
    assert summary.total.values["reception.visits"] > 0


def test_every_demo_account_lands_on_a_page(db, demo, web):
    for username, full_name, *_ in DEMO_USERS:
        resp = web.post_form("/login", {"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302, username
        page = web.get("/", follow_redirects=True)
        assert page.status_code == 200, username
        assert full_name in page.get_data(as_text=True), username
        web.logout()


def test_seed_demo_if_empty_leaves_existing_data_alone(app, db, demo):
    before = db.session.scalar(sa.select(sa.func.count(Petition.id)))
    out = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert out.exit_code == 0, out.output
    assert "bỏ qua" in out.output
    refused = app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "chỉ nạp vào CSDL trống" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == before


def test_every_demo_case_keeps_its_next_due(db, demo):
    """The case lists order and filter on Case.next_due: after months of real operations
    (acceptance, decisions, sending, suspension, merges...) it is still the nearest open duty."""
    assert db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.next_due.is_not(None)))
    assert next_due_mismatches() == []
