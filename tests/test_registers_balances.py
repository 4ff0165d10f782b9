"""Opening balances (kê khai đầu kỳ) in the report figures: which periods take them, which
figures, per kind and per unit, with every identity still holding."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.registers import balances
from complaints.reports import figures as F
from complaints.reports import service
from complaints.reports.periods import date_range, standard_period

from . import factories
from .test_reports_figures import _case, _petition

D = date
JULY = standard_period("month", 2026, 7)  # 15/06/2026 - 14/07/2026
AS_OF = D(2026, 6, 15)


def declare(actor, unit, as_of=AS_OF, **per_kind):
    amounts = {PetitionKind(kind): balances.Amounts(*values) for kind, values in per_kind.items()}
    return balances.save(actor, unit, as_of, amounts, today=D(2026, 12, 31))


@pytest.fixture()
def maker(db, province):
    return factories.UserFactory(unit=province["province"], roles=[Role.report_maker])


@pytest.fixture()
def history(db, province):
    """What the app itself holds: a petition still waiting and a case being verified."""
    hp = province["province"]
    _petition(hp, D(2026, 6, 1))  # carried over by itself
    _petition(hp, D(2026, 6, 20))  # received in July's period
    case = _case(hp, D(2026, 6, 2))
    _petition(hp, D(2026, 6, 1), processed=D(2026, 6, 2), eligible=True, competent=True,
              outcome="accept", case=case)  # fmt: skip
    db.session.flush()
    return hp


def figures(form, unit, period, sub=False):
    report = service.build(form, unit, period, with_subunits=sub)
    assert not report.failing_checks, [c.identity.label for c in report.failing_checks]
    return report.as_dict()["figures"]


def test_a_declaration_adds_to_the_carried_over_figures_from_its_date(db, province, maker,
                                                                      history):  # fmt: skip
    hp = history
    before = figures("01-XLD", hp, JULY)
    kq_before = figures("01-KQGQ", hp, JULY)
    declare(maker, hp, complaint=(10, 4, 6), denunciation=(3, 2, 2))
    after = figures("01-XLD", hp, JULY)
    assert after["petitions.carried_over"] == before["petitions.carried_over"] + 13
    assert after["petitions.total"] == before["petitions.total"] + 13
    assert after["petitions.received"] == before["petitions.received"]
    assert after["petitions.processed"] == before["petitions.processed"]
    kq = figures("01-KQGQ", hp, JULY)  # complaints only
    assert kq["competent.cases_carried_over"] == kq_before["competent.cases_carried_over"] + 4
    assert kq["competent.cases"] == kq_before["competent.cases"] + 4
    assert kq["competent.petitions"] == kq_before["competent.petitions"] + 6
    assert kq["competent.resolved"] == kq_before["competent.resolved"]
    unresolved = F.compute_by_unit(["competent.unresolved"], [hp.id], JULY, ["complaint"])
    assert unresolved[hp.id]["competent.unresolved"] == 1 + 4  # the app's case and four more
    assert figures("03-KQGQ", hp, JULY)["competent.cases_carried_over"] == 2  # denunciations
    # The rate counts the declared cases as still to resolve: 0 of 5 resolved.
    assert service.build("01-KQGQ", hp, JULY).total.rate == 0


def test_periods_starting_before_the_declaration_do_not_take_it(db, province, maker, history):
    declare(maker, history, complaint=(10, 4, 6))
    june = standard_period("month", 2026, 6)  # 15/05 - 14/06
    assert figures("01-XLD", history, june)["petitions.carried_over"] == 0
    year = standard_period("year", 2026)  # from 15/12/2025: starts before the declaration
    assert figures("01-XLD", history, year)["petitions.carried_over"] == 0
    later = date_range(D(2026, 8, 1), D(2026, 8, 31))
    assert figures("01-XLD", history, later)["petitions.carried_over"] >= 10


def test_a_later_declaration_replaces_the_earlier_from_its_own_date(db, province, maker, history):
    declare(maker, history, complaint=(10, 4, 6))
    declare(maker, history, as_of=D(2026, 7, 15), complaint=(0, 0, 0))
    app_only = figures("01-XLD", history, date_range(D(2026, 7, 15), D(2026, 8, 14)))
    assert app_only["petitions.carried_over"] == 2  # the two waiting petitions of the app
    assert figures("01-XLD", history, JULY)["petitions.carried_over"] == 1 + 10


def test_each_unit_row_takes_its_own_declaration(db, province, maker):
    hp, lc = province["province"], province["commune"]
    declare(maker, lc, complaint=(5, 1, 1))
    declare(maker, hp, feedback=(2, 0, 0))
    report = service.build("01-XLD", hp, JULY, with_subunits=True)
    assert not report.failing_checks
    rows = {r.unit.code if r.unit else "total": r.values for r in [*report.rows, report.total]}
    assert rows["HP"]["petitions.carried_over"] == 2
    assert rows["HPLC"]["petitions.carried_over"] == 5
    assert rows["total"]["petitions.carried_over"] == 7
    summary = service.build("summary", hp, JULY)
    assert summary.total.values["petitions.total"] == 7


def test_identities_still_hold_with_declarations(db, province, maker, history):
    declare(maker, history, complaint=(10, 4, 6), feedback=(1, 1, 3))
    for form in ("01-XLD", "02-XLD", "01-KQGQ", "03-KQGQ"):
        values = service.build(form, history, JULY).total.values
        checks = F.check_identities(values)
        assert checks and all(c.ok for c in checks), form


def test_the_drilldown_says_how_much_comes_from_the_declaration(web, login_as, province, db):
    user = login_as(Role.report_maker)
    declare(user, province["province"], complaint=(9, 0, 0))
    db.session.commit()
    page = web.get(
        "/reports/records?figure=petitions.carried_over&form=01-XLD&unit=HP"
        "&from=15/06/2026&to=14/07/2026"
    ).get_data(as_text=True)
    assert "Trong đó 9 theo kê khai đầu kỳ" in page


def test_declarations_are_checked_and_audited(db, province, maker):
    hp = province["province"]
    with pytest.raises(balances.BalanceError, match="không được ít hơn số vụ việc"):
        declare(maker, hp, complaint=(0, 3, 2))
    with pytest.raises(balances.BalanceError, match="ngoài phạm vi"):
        declare(maker, province["other"], complaint=(1, 0, 0))
    with pytest.raises(balances.BalanceError, match="không được sau hôm nay"):
        balances.save(maker, hp, D(2027, 1, 1), {}, today=D(2026, 12, 31))
    declare(maker, hp, complaint=(1, 1, 1))
    declare(maker, hp, complaint=(2, 1, 1))  # a correction of the same declaration
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.kind == "opening_balance.saved")
        .order_by(AuditEvent.seq)
    ).all()
    assert len(events) == 2
    assert events[1].before["complaint"]["petitions"] == 1
    assert events[1].after["amounts"]["complaint"]["petitions"] == 2
    assert [d.totals.petitions for d in balances.declarations(maker)] == [2]
    balances.delete(maker, hp, AS_OF)
    assert balances.declarations(maker) == []
