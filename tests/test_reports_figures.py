"""Every form against a small hand-counted fixture; periods; rounding; closing a period."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from complaints.cases.models import Case, CaseState, Deadline, Outcome, TerminationReason
from complaints.core.numbers import fmt_decimal, round_decimal
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db as _db
from complaints.petitions.models import Petition, PetitionSource, PetitionStatus, ProcessingOutcome
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.reports import service
from complaints.reports.figures import RateSettings, resolution_rate
from complaints.reports.periods import PeriodError, date_range, standard_period

D = date
PERIOD = standard_period("month", 2026, 3)  # 15/02/2026 - 14/03/2026
K = PetitionKind


def _session(unit, day, kind=SessionKind.regular, status=SessionStatus.held, host_mode=None):
    s = ReceptionSession(
        unit_id=unit.id,
        kind=kind,
        session_date=day,
        place="Trụ sở",
        host_mode=host_mode,
        host_name="A",
        status=status,
        status_reason="" if status == SessionStatus.held else "Lý do",
    )
    _db.session.add(s)
    _db.session.flush()
    return s


def _visit(session, people=1, repeat=False, kind=K.complaint, delegation=False):
    v = Visit(
        session_id=session.id,
        unit_id=session.unit_id,
        visit_date=session.session_date,
        kind=kind,
        content="Nội dung",
        people_count=people,
        is_delegation=delegation,
        is_repeat=repeat,
        outcome=VisitOutcome.guided,
    )
    _db.session.add(v)
    return v


_n = iter(range(1, 10_000))


def _petition(
    unit,
    received,
    kind=K.complaint,
    field=Field.land,
    processed=None,
    eligible=None,
    competent=None,
    outcome=None,
    case=None,
    source=PetitionSource.post,
):
    n = next(_n)
    p = Petition(
        unit_id=unit.id,
        register_year=received.year,
        register_seq=n,
        register_no=f"R-{n}",
        received_date=received,
        source=source,
        kind=kind,
        field=field,
        summary="Đơn",
        signatory_count=1,
        status=PetitionStatus.processed if processed else PetitionStatus.registered,
        eligible=eligible,
        competent=competent,
        outcome=ProcessingOutcome(outcome) if outcome else None,
        outcome_date=processed,
        case_id=case.id if case else None,
        ineligible_reasons=[],
    )
    _db.session.add(p)
    return p


def _case(
    unit,
    accepted,
    kind=K.complaint,
    decided=None,
    outcome=None,
    state=None,
    closed=None,
    reason=None,
    due=None,
):
    n = next(_n)
    c = Case(
        unit_id=unit.id,
        case_no=f"VV-{n}",
        kind=kind,
        field=Field.land,
        title="Vụ việc",
        received_on=accepted,
        accepted_on=accepted,
        decided_on=decided,
        outcome=Outcome(outcome) if outcome else None,
        closed_on=closed,
        termination_reason=reason,
        state=state or (CaseState.decided if decided else CaseState.verifying),
        complexity_criteria=[],
        withdrawn_contents=[],
    )
    _db.session.add(c)
    _db.session.flush()
    if due:
        _db.session.add(
            Deadline(
                case_id=c.id,
                unit_id=unit.id,
                step="resolve",
                label="Giải quyết",
                start=accepted,
                due=due,
                days=30,
                day_type="calendar",
                rule="test",
                basis="test",
            )
        )
    return c


@pytest.fixture()
def fixture(db, province):
    hp, lc, ha = province["province"], province["commune"], province["commune2"]
    s1 = _session(hp, D(2026, 3, 2))
    _visit(s1)
    _visit(s1, people=7, repeat=True, kind=K.denunciation, delegation=True)
    s2 = _session(lc, D(2026, 3, 5), SessionKind.periodic, host_mode=HostMode.in_person)
    _visit(s2, people=2, kind=K.feedback)
    s3 = _session(ha, D(2026, 2, 20), SessionKind.adhoc, host_mode=HostMode.delegated)
    _visit(s3, repeat=True)
    _visit(_session(hp, D(2026, 3, 20)))  # after the period
    _session(lc, D(2026, 3, 6), SessionKind.periodic, SessionStatus.cancelled, HostMode.in_person)

    c1 = _case(hp, D(2026, 3, 4), decided=D(2026, 3, 12), outcome="upheld", due=D(2026, 4, 6))
    c2 = _case(hp, D(2026, 1, 5), decided=D(2026, 3, 1), outcome="partly_upheld", due=D(2026, 2, 4))
    _case(
        lc,
        D(2026, 2, 1),
        state=CaseState.terminated,
        closed=D(2026, 2, 20),
        reason=TerminationReason.withdrawn,
    )
    _case(ha, D(2026, 3, 1))
    _case(hp, D(2026, 1, 5), decided=D(2026, 2, 10), outcome="rejected")  # before the period
    _case(hp, D(2026, 3, 1), kind=K.denunciation, decided=D(2026, 3, 10), outcome="rejected")

    _petition(hp, D(2026, 2, 1))  # carried over, unprocessed
    _petition(
        hp,
        D(2026, 3, 1),
        processed=D(2026, 3, 3),
        eligible=True,
        competent=True,
        outcome="accept",
        case=c1,
    )
    _petition(
        hp, D(2026, 3, 2), K.denunciation, Field.corruption, D(2026, 3, 4), True, False, "transfer"
    )
    _petition(lc, D(2026, 3, 5), K.feedback, Field.housing, D(2026, 3, 6), True, False, "guide")
    _petition(lc, D(2026, 3, 6), processed=D(2026, 3, 7), eligible=False, outcome="file")
    _petition(ha, D(2026, 3, 8), field=Field.policy, source=PetitionSource.reception)
    _petition(
        hp,
        D(2026, 3, 10),
        processed=D(2026, 3, 11),
        eligible=True,
        competent=True,
        outcome="accept",
        case=c1,
    )
    _petition(
        hp, D(2026, 1, 10), processed=D(2026, 1, 20), eligible=True, competent=True, outcome="file"
    )  # processed before the period
    _petition(hp, D(2026, 3, 20))  # after the period
    _petition(
        hp,
        D(2026, 1, 2),
        processed=D(2026, 1, 5),
        eligible=True,
        competent=True,
        outcome="accept",
        case=c2,
    )
    _db.session.flush()
    return province


def totals(form, unit, **kw):
    return service.build(form, unit, PERIOD, with_subunits=True, **kw).total.values


def test_01_tcd(fixture):
    t = totals("01-TCD", fixture["province"])
    assert {k: t[k] for k in t if k.startswith("reception.") and "." not in k[10:]} == {
        "reception.visits": 4,
        "reception.people": 11,
        "reception.cases_first": 2,
        "reception.cases_repeat": 2,
        "reception.delegations": 1,
        "reception.delegation_people": 7,
    }
    assert (t["reception.regular.visits"], t["reception.regular.people"]) == (2, 8)
    assert (t["reception.leader.visits"], t["reception.leader.people"]) == (2, 3)
    assert (
        t["reception.leader.sessions"],
        t["reception.leader.in_person"],
        t["reception.leader.delegated"],
    ) == (2, 1, 1)


def test_01_tcd_rows_per_subunit(fixture):
    report = service.build("01-TCD", fixture["province"], PERIOD, with_subunits=True)
    by_code = {r.unit.code: r.values["reception.visits"] for r in report.rows}
    assert by_code == {"HP": 2, "HPTTR": 0, "HPSTNMT": 0, "HPLC": 1, "HPHA": 1}
    alone = service.build("01-TCD", fixture["province"], PERIOD)
    assert alone.total.values["reception.visits"] == 2 and len(alone.rows) == 1


def test_02_tcd(fixture):
    t = totals("02-TCD", fixture["province"])
    assert t == {
        "reception.petitions": 1,
        "reception.petitions.by_kind.complaint": 1,
        "reception.petitions.by_kind.denunciation": 0,
        "reception.petitions.by_kind.feedback": 0,
    }


def test_01_xld(fixture):
    report = service.build("01-XLD", fixture["province"], PERIOD, with_subunits=True)
    t = report.total.values
    assert (t["petitions.carried_over"], t["petitions.received"], t["petitions.total"]) == (1, 6, 7)
    assert (t["petitions.processed"], t["petitions.eligible"], t["petitions.eligible_cases"]) == (
        5,
        4,
        3,
    )
    assert [t[f"petitions.by_kind.{k}"] for k in ("complaint", "denunciation", "feedback")] == [
        2,
        1,
        1,
    ]
    assert (
        t["petitions.competent"],
        t["petitions.not_competent.guide"],
        t["petitions.not_competent.transfer"],
        t["petitions.not_competent.urge"],
    ) == (2, 1, 1, 0)
    assert report.checks and not report.failing_checks


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            "02-XLD",
            {
                "petitions.carried_over": 1,
                "petitions.received": 4,
                "petitions.processed": 3,
                "petitions.eligible": 2,
                "petitions.eligible_cases": 1,
                "petitions.by_field.land": 2,
                "petitions.competent": 2,
            },
        ),
        (
            "03-XLD",
            {
                "petitions.received": 1,
                "petitions.eligible": 1,
                "petitions.by_field.corruption": 1,
                "petitions.not_competent.transfer": 1,
            },
        ),
        (
            "04-XLD",
            {
                "petitions.received": 1,
                "petitions.by_field.housing": 1,
                "petitions.not_competent.guide": 1,
            },
        ),
    ],
)
def test_02_to_04_xld(fixture, form, expected):
    t = totals(form, fixture["province"])
    assert {k: t[k] for k in expected} == expected


def test_01_kqgq(fixture):
    report = service.build("01-KQGQ", fixture["province"], PERIOD, with_subunits=True)
    t = report.total.values
    assert (t["competent.cases"], t["competent.cases_carried_over"], t["competent.cases_new"]) == (
        4,
        2,
        2,
    )
    assert (t["competent.resolved"], t["competent.petitions"]) == (3, 3)
    assert [
        t[f"competent.outcomes.{o}"] for o in ("upheld", "partly_upheld", "rejected", "withdrawn")
    ] == [1, 1, 0, 1]
    assert (t["competent.on_time"], t["competent.late"]) == (2, 1)
    assert report.total.rate == Decimal("75.00")
    assert not report.failing_checks


def test_03_kqgq(fixture):
    t = totals("03-KQGQ", fixture["province"])
    assert (t["competent.cases"], t["competent.resolved"], t["competent.outcomes.rejected"]) == (
        1,
        1,
        1,
    )


def test_a_failing_identity_is_shown(fixture, db):
    _petition(
        fixture["province"],
        D(2026, 3, 3),
        processed=D(2026, 3, 4),
        eligible=True,
        competent=False,
        outcome="file",
    )  # not competent, yet neither guided nor moved
    db.session.flush()
    report = service.build("01-XLD", fixture["province"], PERIOD)
    labels = [c.identity.label for c in report.failing_checks]
    assert labels == ["Hướng dẫn + chuyển đơn + đôn đốc = đơn không thuộc thẩm quyền"]


def test_unit_outside_scope_is_refused(fixture):
    from . import factories

    user = factories.UserFactory(unit=fixture["commune"])
    with pytest.raises(service.ReportError, match="ngoài phạm vi"):
        service.build("01-TCD", fixture["province"], PERIOD, user=user)
    with pytest.raises(service.ReportError, match="không tồn tại"):
        service.build("09-XYZ", fixture["province"], PERIOD)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("6.25", "half_up_1", "6,3"),
        ("6.35", "half_up_1", "6,4"),
        ("88.235294", "half_up_2", "88,24"),
        ("88.235", "half_up_2", "88,24"),
        ("88.225", "half_up_2", "88,23"),
        ("0.5", "half_up_0", "1"),
        ("1.5", "half_up_0", "2"),
        ("2.5", "half_up_0", "3"),
        ("88.239", "truncate_2", "88,23"),
        ("99.99", "truncate_1", "99,9"),
    ],
)
def test_rounding_is_half_up_never_to_even(value, mode, expected):
    from complaints.reports.figures import ROUNDING_MODES

    places, how = ROUNDING_MODES[mode]
    assert fmt_decimal(round_decimal(Decimal(value), places, how), places) == expected


def test_rate_on_cases_or_petitions():
    values = {
        "competent.resolved": 240,
        "competent.cases": 272,
        "competent.petitions": 364,
        "competent.resolved_petitions": 300,
    }
    assert resolution_rate(values, RateSettings()) == Decimal("88.24")
    assert resolution_rate(values, RateSettings("petitions", "half_up_1")) == Decimal("82.4")
    assert resolution_rate({"competent.cases": 0}, RateSettings()) is None


@pytest.mark.parametrize(
    ("kind", "year", "month", "cutoff", "start", "end"),
    [
        ("month", 2026, 1, 14, D(2025, 12, 15), D(2026, 1, 14)),
        ("month", 2026, 3, 14, D(2026, 2, 15), D(2026, 3, 14)),
        ("q1", 2026, None, 14, D(2025, 12, 15), D(2026, 3, 14)),
        ("q4", 2026, None, 14, D(2026, 9, 15), D(2026, 12, 14)),
        ("6m", 2026, None, 14, D(2025, 12, 15), D(2026, 6, 14)),
        ("9m", 2019, None, 14, D(2018, 12, 15), D(2019, 9, 14)),
        ("year", 2026, None, 14, D(2025, 12, 15), D(2026, 12, 14)),
        ("month", 2024, 2, 30, D(2024, 1, 31), D(2024, 2, 29)),  # leap year, unit cut-off the 30th
        ("month", 2024, 3, 30, D(2024, 3, 1), D(2024, 3, 30)),
        ("month", 2025, 3, 30, D(2025, 3, 1), D(2025, 3, 30)),
        ("month", 2023, 1, 31, D(2023, 1, 1), D(2023, 1, 31)),  # calendar months
        ("year", 2024, None, 31, D(2024, 1, 1), D(2024, 12, 31)),
    ],
)
def test_periods(kind, year, month, cutoff, start, end):
    p = standard_period(kind, year, month, cutoff)
    assert (p.start, p.end) == (start, end)


def test_bad_periods():
    with pytest.raises(PeriodError, match="trước khi bắt đầu"):
        date_range(D(2026, 3, 1), D(2026, 2, 1))
    with pytest.raises(PeriodError):
        standard_period("month", 2026, 13)
    with pytest.raises(PeriodError):
        standard_period("week", 2026)


def test_closing_a_period_freezes_and_shows_differences(fixture, db):
    from . import factories

    maker = factories.UserFactory(unit=fixture["province"])
    closed = service.close_period(maker, "01-XLD", fixture["province"], PERIOD, True)
    assert closed.data["figures"]["petitions.total"] == 7
    with pytest.raises(service.ReportError, match="đã được khóa"):
        service.close_period(maker, "01-XLD", fixture["province"], PERIOD, True)
    _petition(fixture["province"], D(2026, 3, 3))  # a late correction
    db.session.flush()
    live = service.build("01-XLD", fixture["province"], PERIOD, with_subunits=True)
    assert service.differences(closed, live) == {
        "petitions.received": (6, 7),
        "petitions.total": (7, 8),
    }


def test_cli_json_text_and_xlsx(fixture, app, tmp_path, db):
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=[
            "report",
            "--form",
            "01-XLD",
            "--period",
            "month",
            "--year",
            "2026",
            "--month",
            "3",
            "--unit",
            "HP",
            "--with-subunits",
            "--format",
            "json",
        ]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["figures"]["petitions.total"] == 7 and data["from"] == "2026-02-15"
    text = runner.invoke(
        args=[
            "report",
            "--form",
            "01-KQGQ",
            "--from",
            "2026-02-15",
            "--to",
            "2026-03-14",
            "--unit",
            "HP",
            "--with-subunits",
        ]
    )
    assert "competent.resolution_rate" in text.output and "75,00" in text.output
    target = tmp_path / "kq.xlsx"
    x = runner.invoke(
        args=[
            "report",
            "--form",
            "01-KQGQ",
            "--from",
            "2026-02-15",
            "--to",
            "2026-03-14",
            "--unit",
            "HP",
            "--with-subunits",
            "--format",
            "xlsx",
            "--output",
            str(target),
        ]
    )
    assert x.exit_code == 0, x.output
    ws = load_workbook(target).active
    assert any("C5" in str(r) or r.min_row == 5 for r in ws.merged_cells.ranges)
    total_row = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert 4 in total_row and 75.0 in total_row  # numbers stored as numbers
    bad = runner.invoke(
        args=[
            "report",
            "--form",
            "01-XLD",
            "--from",
            "2026-03-14",
            "--to",
            "2026-02-15",
            "--unit",
            "HP",
        ]
    )
    assert bad.exit_code != 0 and "trước khi bắt đầu" in bad.output
    unknown = runner.invoke(
        args=[
            "report",
            "--form",
            "01-XLD",
            "--from",
            "2026-02-15",
            "--to",
            "2026-03-14",
            "--unit",
            "NOPE",
        ]
    )
    assert unknown.exit_code != 0 and "Không có đơn vị" in unknown.output
