"""Issue 13, items 4 and 5: the cases still being resolved at the end of a period (on the KQGQ
forms, the summary and its headline, with the identity carried over + new = resolved +
terminated + still open), and the leaders' reception given periodic and ad hoc apart."""

from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.cases.models import CaseState, TerminationReason
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.reception.models import HostMode, SessionKind, SessionStatus
from complaints.reports import figures as F
from complaints.reports import service
from complaints.reports.layouts import LAYOUTS
from complaints.reports.models import OpeningBalance
from complaints.reports.periods import standard_period

from .test_reports_figures import _case, _petition, _session, _visit

D = date
MARCH = standard_period("month", 2026, 3)  # 15/02/2026 - 14/03/2026
APRIL = standard_period("month", 2026, 4)  # 15/03/2026 - 14/04/2026
K = PetitionKind
IDENTITY = "Vụ việc kỳ trước + thụ lý mới = đã giải quyết + đình chỉ + còn đang giải quyết"


@pytest.fixture()
def cases(db, province):
    """Complaints of the province in every state across March's boundaries (15/02 - 14/03)."""
    hp = province["province"]
    c = {}
    # Carried over (accepted before 15/02).
    c["open"] = _case(hp, D(2026, 1, 5))  # verifying, still open
    c["decided"] = _case(hp, D(2026, 1, 6), decided=D(2026, 3, 1), outcome="upheld")
    c["suspended"] = _case(hp, D(2026, 1, 7))
    c["suspended"].state, c["suspended"].suspended_on = CaseState.suspended, D(2026, 2, 1)
    c["ended_after"] = _case(  # terminated after the period: still open at its end
        hp,
        D(2026, 1, 8),
        state=CaseState.terminated,
        closed=D(2026, 3, 20),
        reason=TerminationReason.other,
    )
    c["sent"] = _case(  # decided in the period, since sent on: resolved
        hp, D(2026, 1, 9), decided=D(2026, 2, 16), outcome="rejected", state=CaseState.sent
    )
    # New (accepted 15/02 - 14/03).
    c["decided_after"] = _case(hp, D(2026, 2, 20), decided=D(2026, 3, 20), outcome="rejected")
    c["withdrawn"] = _case(
        hp,
        D(2026, 2, 21),
        state=CaseState.terminated,
        closed=D(2026, 3, 5),
        reason=TerminationReason.withdrawn,
    )
    c["terminated"] = _case(
        hp,
        D(2026, 2, 22),
        state=CaseState.terminated,
        closed=D(2026, 3, 6),
        reason=TerminationReason.already_judged,
    )
    c["final"] = _case(
        hp,
        D(2026, 2, 23),
        decided=D(2026, 3, 9),
        outcome="partly_upheld",
        state=CaseState.final,
        closed=D(2026, 3, 12),
    )
    # Merged: counted in the case they joined, on neither side of the identity.
    for name, accepted in (("merged_new", D(2026, 2, 24)), ("merged_old", D(2026, 1, 10))):
        c[name] = _case(hp, accepted, state=CaseState.merged, closed=D(2026, 3, 7))
        c[name].merged_into_id = c["open"].id
    # Outside March: finished before it, accepted after it, never accepted.
    c["before"] = _case(hp, D(2026, 1, 5), decided=D(2026, 2, 10), outcome="rejected")
    c["later"] = _case(hp, D(2026, 3, 20))
    c["refused"] = _case(hp, D(2026, 2, 25), state=CaseState.not_accepted, closed=D(2026, 2, 26))
    c["refused"].accepted_on = None
    # A denunciation, still open: on 03-KQGQ and in the summary (complaints and denunciations).
    c["denunciation"] = _case(hp, D(2026, 3, 1), kind=K.denunciation)
    _petition(
        hp, D(2026, 1, 2), processed=D(2026, 1, 3), eligible=True, competent=True, case=c["open"]
    )
    db.session.flush()
    return c


def _kqgq(province, period, form="01-KQGQ"):
    return service.build(form, province["province"], period, with_subunits=True)


def test_still_open_splits_the_cases_of_the_period(cases, province):
    report = _kqgq(province, MARCH)
    t = report.total.values
    assert (t["competent.cases_carried_over"], t["competent.cases_new"]) == (5, 4)
    assert t["competent.cases"] == 9
    # resolved: decided, sent, withdrawn, final; terminated: already judged;
    # still open: open, suspended, ended after the period, decided after the period.
    assert (t["competent.resolved"], t["competent.terminated"], t["competent.still_open"]) == (
        4,
        1,
        4,
    )
    checks = {c.identity.label: c for c in report.checks if c.row_label == "Tổng cộng"}
    assert IDENTITY in checks and checks[IDENTITY].ok and checks[IDENTITY].left == 9
    assert not report.failing_checks
    assert [c.figure for c in LAYOUTS["01-KQGQ"].columns].count("competent.still_open") == 1


def test_still_open_records_are_the_cases_listed(cases, province, db):
    hp = province["province"]
    for figure, names in (
        ("competent.still_open", {"open", "suspended", "ended_after", "decided_after"}),
        ("competent.terminated", {"terminated"}),
    ):
        rows = db.session.execute(F.records_query(figure, [hp.id], MARCH, ("complaint",)))
        assert {r[0].id for r in rows} == {cases[n].id for n in names}


def test_still_open_at_the_end_is_carried_over_into_the_next_period(cases, province):
    march, april = _kqgq(province, MARCH).total.values, _kqgq(province, APRIL).total.values
    assert april["competent.cases_carried_over"] == march["competent.still_open"] == 4
    assert april["competent.cases_new"] == 1  # "later", accepted 20/03
    # April: decided_after resolved; ended_after terminated; open, suspended, later still open.
    assert (
        april["competent.resolved"],
        april["competent.terminated"],
        april["competent.still_open"],
    ) == (1, 1, 3)
    assert not _kqgq(province, APRIL).failing_checks


def test_the_denunciation_form_has_its_own_still_open(cases, province):
    t = _kqgq(province, MARCH, "03-KQGQ").total.values
    assert (t["competent.cases"], t["competent.still_open"]) == (1, 1)


def test_opening_balances_count_as_still_open(cases, province, db):
    db.session.add(
        OpeningBalance(
            unit_id=province["province"].id,
            as_of=MARCH.start,
            kind=K.complaint,
            cases=5,
            case_petitions=6,
        )
    )
    db.session.flush()
    report = _kqgq(province, MARCH)
    t = report.total.values
    assert (t["competent.cases_carried_over"], t["competent.still_open"]) == (10, 9)
    assert not report.failing_checks


def test_a_broken_split_is_reported():
    values = {
        "competent.cases_carried_over": 3,
        "competent.cases_new": 2,
        "competent.resolved": 2,
        "competent.terminated": 0,
        "competent.still_open": 2,
    }
    failing = [c for c in F.check_identities(values) if not c.ok]
    assert [(c.identity.label, c.left, c.right) for c in failing] == [(IDENTITY, 5, 4)]


def test_the_headline_says_how_many_are_still_open(cases, province):
    report = service.build("summary", province["province"], MARCH)
    # Complaints and denunciations (the default rate kinds): 10 cases, 4 resolved.
    assert report.total.values["competent.still_open"] == 5
    assert report.headline.endswith(
        "là 1 đơn, 10 vụ việc, đã giải quyết 4 vụ việc, đạt tỷ lệ 40,00%, "
        "còn 5 vụ việc đang giải quyết."
    )


def test_the_drilldown_lists_the_still_open_cases(cases, web, login_as):
    login_as(Role.report_maker)
    args = "form=01-KQGQ&unit=HP&from=15/02/2026&to=14/03/2026&figure=competent.still_open"
    resp = web.get(f"/reports/records?{args}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    table = html.split('class="grid report-records"', 1)[1].split("</table>", 1)[0]
    ids = {int(i) for i in re.findall(r'<tr data-id="(\d+)"', table)}
    assert ids == {cases[n].id for n in ("open", "suspended", "ended_after", "decided_after")}
    summary = web.get("/reports/?form=summary&period=month&year=2026&month=3&unit=HP")
    assert "còn 5 vụ việc đang giải quyết." in summary.get_data(as_text=True)


# --- the leaders' reception, periodic and ad hoc apart ------------------------------------


@pytest.fixture()
def sessions(db, province):
    hp, lc = province["province"], province["commune"]
    regular = _session(hp, D(2026, 3, 2))
    _visit(regular, people=4)
    p1 = _session(hp, D(2026, 3, 3), SessionKind.periodic, host_mode=HostMode.in_person)
    _visit(p1, people=2)
    _visit(p1, people=5, delegation=True)
    p2 = _session(lc, D(2026, 2, 16), SessionKind.periodic, host_mode=HostMode.delegated)
    _visit(p2, repeat=True)
    a1 = _session(lc, D(2026, 3, 10), SessionKind.adhoc, host_mode=HostMode.in_person)
    _visit(a1, people=3)
    _session(hp, D(2026, 3, 11), SessionKind.adhoc, SessionStatus.cancelled, HostMode.in_person)
    _visit(_session(hp, D(2026, 3, 20), SessionKind.adhoc, host_mode=HostMode.in_person))  # after
    db.session.flush()
    return province


def test_the_leaders_reception_is_given_periodic_and_adhoc_apart(sessions):
    report = service.build("01-TCD", sessions["province"], MARCH, with_subunits=True)
    t = report.total.values
    assert (
        t["reception.periodic.sessions"],
        t["reception.periodic.visits"],
        t["reception.periodic.people"],
    ) == (2, 3, 8)
    assert (
        t["reception.adhoc.sessions"],
        t["reception.adhoc.visits"],
        t["reception.adhoc.people"],
    ) == (1, 1, 3)
    assert (
        t["reception.leader.sessions"],
        t["reception.leader.visits"],
        t["reception.leader.people"],
    ) == (3, 4, 11)
    assert (t["reception.regular.visits"], t["reception.visits"]) == (1, 5)
    labels = {c.identity.label for c in report.checks}
    assert "Lãnh đạo tiếp định kỳ + đột xuất = lãnh đạo tiếp (người)" in labels
    assert not report.failing_checks
    row = {r.unit.code: r.values for r in report.rows}
    assert (row["HPLC"]["reception.periodic.visits"], row["HPLC"]["reception.adhoc.visits"]) == (
        1,
        1,
    )


def test_the_01_tcd_form_shows_the_split_and_keeps_the_total():
    columns = {(c.group, c.header): c.figure for c in LAYOUTS["01-TCD"].columns}
    assert columns[("Lãnh đạo tiếp định kỳ", "Lượt")] == "reception.periodic.visits"
    assert columns[("Lãnh đạo tiếp định kỳ", "Người")] == "reception.periodic.people"
    assert columns[("Lãnh đạo tiếp đột xuất", "Số kỳ tiếp")] == "reception.adhoc.sessions"
    assert columns[("Lãnh đạo tiếp định kỳ, đột xuất", "Lượt")] == "reception.leader.visits"


def test_the_split_reception_drills_down(sessions, web, login_as):
    login_as(Role.report_maker)
    args = "form=01-TCD&unit=HP&from=15/02/2026&to=14/03/2026&sub=1"
    for figure, count in (("reception.periodic.visits", 3), ("reception.adhoc.sessions", 1)):
        resp = web.get(f"/reports/records?{args}&figure={figure}")
        assert resp.status_code == 200, figure
        table = resp.get_data(as_text=True).split('class="grid report-records"', 1)[1]
        assert len(re.findall(r'<tr data-id="\d+"', table.split("</table>", 1)[0])) == count
