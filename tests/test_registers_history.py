"""Imported history back to 2012 (issue 13, items 1-2): the law in force on the day gives the
deadlines (Luật Khiếu nại 2011, Luật Tố cáo 2011 until 31/12/2018, the laws of today after),
a date before the earliest rule the table knows comes in without a legal deadline, and
whatever the dry run accepts, the import stores."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Case, Deadline
from complaints.core import deadlines as engine
from complaints.core.access import Role
from complaints.petitions.models import Petition
from complaints.registers import importer
from complaints.registers.models import ImportStatus
from complaints.reports import service
from complaints.reports.periods import date_range

from .test_registers_petitions import issues_of, row, run_import, write_csv

D = date
ACCEPTED = dict(outcome="Thụ lý", outcome_doc_no="1/TB", eligible="Có", competent="Có")


@pytest.fixture(autouse=True)
def pinned_today(app, monkeypatch, tmp_path_factory):
    monkeypatch.setitem(app.config, "TODAY", "2026-06-30")
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_DIR", str(tmp_path_factory.mktemp("imports")))
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BACKGROUND", False)
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BATCH", 7)


def _vn(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def _case_row(no: int, kind: str, received: date, accepted: date, decided: date | None = None):
    values = dict(
        register_no=str(no),
        received_date=_vn(received),
        kind=kind,
        summary=f"{kind} số {no}",
        case_key=f"K{no}",
        accepted_on=_vn(accepted),
        outcome_date=_vn(accepted),
        **ACCEPTED,
    )
    if decided is None:
        values["case_state"] = "Đã thụ lý"
    else:
        values.update(
            case_state="Đã gửi quyết định / kết luận",
            decided_on=_vn(decided),
            decision_no=f"{no}/QĐ",
            case_outcome="Đúng một phần",
        )
    return row(**values)


def _resolve(case: Case) -> Deadline | None:
    return next((d for d in case.deadlines if d.step == "resolve" and d.active), None)


# --- the rule table ---------------------------------------------------------------------------


def test_denunciations_of_2012_to_2018_follow_the_law_on_denunciations_2011():
    # Art 21 LTC 2011: 60 days from acceptance, 90 when complex, one extension of 30 / 60.
    normal = engine.compute("denunciation", "resolve", D(2015, 5, 12))
    assert (normal.rule, normal.days, normal.day_type) == (
        "denunciation.resolve.normal.2012", 60, "calendar"
    )  # fmt: skip
    assert normal.due == D(2015, 7, 13)  # 11/7/2015 is a Saturday
    assert "Điều 21 Luật Tố cáo 2011" in normal.basis
    assert engine.compute("denunciation", "resolve", D(2015, 5, 12), extensions=1).days == 90
    complex_ = engine.compute("denunciation", "resolve", D(2015, 5, 12), complexity="complex")
    assert complex_.days == 90
    extended = engine.compute(
        "denunciation", "resolve", D(2015, 5, 12), complexity="complex", extensions=2
    )
    assert extended.days == 150  # one extension only, of at most 60 days
    assert (
        engine.compute(
            "denunciation", "resolve", D(2016, 3, 1), complexity="especially_complex"
        ).days
        == 90
    )
    # Art 20 LTC 2011: 10 days (not working days) to decide on acceptance, up to 15.
    accept = engine.find_rule("denunciation", "accept", D(2014, 2, 3))
    assert (accept.days, accept.day_type, accept.max_days) == (10, "calendar", 15)
    assert engine.find_rule("denunciation", "transfer", D(2014, 2, 3)).days == 5
    # Art 20(1)(a) is the check and acceptance, Art 20(1)(b) the transfer (clause 2 lists the
    # grounds for not accepting).
    assert accept.basis.startswith("Điểm a khoản 1 Điều 20 Luật Tố cáo 2011")
    transfer = engine.find_rule("denunciation", "transfer", D(2014, 2, 3))
    assert transfer.basis.startswith("Điểm b khoản 1 Điều 20 Luật Tố cáo 2011")
    # The last day of the old law and the first of the new one.
    assert engine.find_rule("denunciation", "resolve", D(2018, 12, 31)).id.endswith(".2012")
    assert engine.find_rule("denunciation", "resolve", D(2019, 1, 1)).id.endswith(".2019")
    assert engine.extends_by_complexity("denunciation", "resolve", D(2019, 1, 1))
    assert not engine.extends_by_complexity("denunciation", "resolve", D(2018, 12, 31))


def test_a_date_before_every_rule_is_its_own_error():
    with pytest.raises(engine.BeforeRules) as e:
        engine.compute("denunciation", "resolve", D(2011, 12, 1))
    assert e.value.earliest == D(2012, 7, 1)
    assert "01/07/2012" in str(e.value)
    assert D(2012, 7, 1) == engine.EARLIEST
    with pytest.raises(engine.DeadlineError):  # BeforeRules is a DeadlineError
        engine.compute("complaint", "resolve", D(2012, 6, 30))


# --- the import -------------------------------------------------------------------------------


def test_a_denunciation_accepted_in_2015_imports_with_the_deadline_of_its_day(
    db, province, tmp_path
):
    """Issue 13: this register passed the dry run and failed the import with "Lỗi hệ thống
    khi nhập" (DeadlineError: ... trước ngày có hiệu lực ... (01/01/2019))."""
    path = write_csv(
        tmp_path / "so.csv",
        [
            _case_row(1, "Tố cáo", D(2015, 5, 5), D(2015, 5, 12)),
            _case_row(2, "Tố cáo", D(2014, 3, 3), D(2014, 3, 10), decided=D(2014, 5, 20)),
            _case_row(3, "Tố cáo", D(2018, 12, 20), D(2018, 12, 28)),
        ],
    )
    job = run_import(path)
    assert job.status == ImportStatus.done, (job.message, issues_of(job))
    assert job.created_counts == {"petitions": 3, "cases": 3}
    cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    assert [(_resolve(c).rule, _resolve(c).due) for c in cases] == [
        ("denunciation.resolve.normal.2012", D(2015, 7, 13)),
        ("denunciation.resolve.normal.2012", D(2014, 5, 9)),
        ("denunciation.resolve.normal.2012", D(2019, 2, 26)),  # accepted under the old law
    ]
    assert _resolve(cases[1]).met_on == D(2014, 5, 20)
    # The 2011 law sets no period for sending the conclusion: none is computed.
    assert not [d for d in cases[1].deadlines if d.step == "send_conclusion"]


def test_history_before_2012_comes_in_without_a_legal_deadline(
    db, province, web, login_as, tmp_path
):
    path = write_csv(
        tmp_path / "so.csv",
        [
            _case_row(1, "Khiếu nại", D(2011, 3, 1), D(2011, 3, 8), decided=D(2011, 9, 30)),
            _case_row(2, "Khiếu nại", D(2012, 5, 2), D(2012, 5, 10)),
            row(
                register_no="3", received_date="02/04/2012", kind="Khiếu nại", summary="Chưa xử lý"
            ),
        ],
    )
    job = run_import(path)
    assert job.status == ImportStatus.done, (job.message, issues_of(job))
    assert not issues_of(job)
    old, pending = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    assert not [d for d in old.deadlines if d.active] and old.next_due is None
    assert not [d for d in pending.deadlines if d.active] and pending.next_due is None
    assert case_deadlines.undeadlined(old) == D(2012, 7, 1)
    # A petition received before the processing rule (01/7/2014) has no deadline either.
    p3 = db.session.scalar(sa.select(Petition).where(Petition.register_no.like("%00003")))
    assert case_deadlines.petition_deadline(p3) is None
    # The case page says why.
    hp = province["province"]
    login_as(Role.petition_handler, Role.leader)
    html = web.get(f"/cases/{old.id}").get_data(as_text=True)
    assert "Không tính thời hạn: ngày thụ lý trước khi có quy định về thời hạn" in html
    assert "01/07/2012" in html
    # In the reports it counts as any resolved case, on time (no deadline it could miss).
    report = service.build("01-KQGQ", hp, date_range(D(2011, 1, 1), D(2011, 12, 31)))
    figures = report.as_dict()["figures"]
    assert figures["competent.resolved"] == 1, {k: v for k, v in figures.items() if v}
    assert (figures["competent.on_time"], figures["competent.late"]) == (1, 0)


def test_every_year_since_2012_what_the_dry_run_accepts_the_import_stores(db, province, tmp_path):
    rows, no = [], 0
    for year in range(2011, 2027):
        for kind in ("Khiếu nại", "Tố cáo"):
            for received, decided in (
                (D(year, 1, 5), D(year, 3, 20)),
                (D(year, 5, 4), None),
                (D(year, 6, 25), D(year, 6, 29)),
                (D(year, 12, 22) if year < 2026 else D(year, 6, 1), None),
            ):
                no += 1
                rows.append(
                    _case_row(no, kind, received, received.replace(day=received.day + 3), decided)
                )
            no += 1  # a petition still waiting to be processed
            rows.append(row(register_no=str(no), received_date=_vn(D(year, 2, 2)), kind=kind))
    path = write_csv(tmp_path / "so.csv", rows)
    job = importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)
    token = importer.start_check(None, job)
    db.session.commit()
    job = importer.run(job.id, token, "check")
    assert job.error_rows == 0, issues_of(job)[:5]
    accepted = job.valid_rows
    assert accepted == len(rows)
    token = importer.start_import(None, job)
    db.session.commit()
    job = importer.run(job.id, token, "import")
    assert job.status == ImportStatus.done, job.message
    assert job.imported_rows == accepted
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == accepted
    cases = db.session.scalars(sa.select(Case)).all()
    assert len(cases) == 16 * 2 * 4
    for case in cases:
        resolve = _resolve(case)
        if case.accepted_on < D(2012, 7, 1):
            assert resolve is None and case_deadlines.undeadlined(case) == D(2012, 7, 1)
        else:
            expected = engine.find_rule(case.kind.value, "resolve", case.accepted_on)
            assert resolve is not None and resolve.rule == expected.id, case.case_no


def test_a_deadline_the_table_cannot_give_is_the_rows_error_in_the_dry_run(
    db, province, tmp_path, monkeypatch
):
    original = engine.compute

    def no_rule_in_2016(kind, step, start, **kw):
        if start.year == 2016:
            raise engine.DeadlineError(f"Không có quy định thời hạn cho {kind}/{step}")
        return original(kind, step, start, **kw)

    monkeypatch.setattr(engine, "compute", no_rule_in_2016)
    path = write_csv(
        tmp_path / "so.csv",
        [
            _case_row(1, "Tố cáo", D(2015, 5, 5), D(2015, 5, 12)),
            _case_row(2, "Tố cáo", D(2016, 5, 5), D(2016, 5, 12)),
        ],
    )
    job = run_import(path)
    assert job.status == ImportStatus.checked  # stopped at the dry run: nothing imported
    assert job.error_rows == 1
    [(line, _column, message)] = issues_of(job)
    assert line == 3
    assert message.startswith("Không tính được thời hạn theo quy định: Không có quy định")
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
