# ruff: noqa: F811  (the fixtures of test_dashboard, imported)
"""The dashboard's closed months kept per unit (reports/month_figures.py, issue 15 item 3):
whatever happens to the registers, the kept months and the year built from them give what the
figure catalogue counts from the registers, and a change deletes the months it touches, and
only those."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases.models import Case, CaseState
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.dashboard import queries
from complaints.reports import figures as F
from complaints.reports import month_figures as M
from complaints.reports.models import MonthFigures, OpeningBalance
from complaints.reports.periods import Period, standard_period

from . import factories
from .test_dashboard import board_data, decide, today  # noqa: F401  fixtures

D = date
KINDS = ("complaint", "denunciation")


def _chart(t: date) -> tuple[list[Period], Period]:
    months = [p for *_ym, p in queries.chart_months(t, 14)]
    return months, queries.report_year(t, 14)


def _live(root, t: date, kinds=KINDS):
    months, year = _chart(t)
    by_period, by_unit = F.compute_by_period_and_unit(
        M.FIGURE_IDS, F.Subtree(root.path), months, year, kinds
    )
    return by_period, {u: v for u, v in by_unit.items() if any(v.values())}


def _kept(root, t: date, kinds=KINDS):
    months, year = _chart(t)
    return M.months_and_year(M.FIGURE_IDS, root, months, year, kinds, t)


def _rows(unit=None) -> list[tuple]:
    query = sa.select(MonthFigures.unit_id, MonthFigures.start, MonthFigures.end)
    if unit is not None:
        query = query.where(MonthFigures.unit_id == unit.id)
    return sorted(tuple(r) for r in M.db.session.execute(query))


def _same(root, t: date, kinds=KINDS) -> None:
    """The kept months (filled if missing, then read as kept) give the registers' figures."""
    live = _live(root, t, kinds)
    assert _kept(root, t, kinds) == live
    assert _kept(root, t, kinds) == live  # read back from the rows kept


@pytest.mark.parametrize(
    "t", [D(2026, 6, 20), D(2025, 12, 20), D(2026, 1, 3), D(2026, 12, 14), D(2027, 4, 2)]
)
def test_the_kept_months_give_what_the_registers_give(db, province, board_data, today, t):
    """On days in the year's first month, its last day, and months after the cases; with an
    opening balance declared before the year and one inside it; for each kind and both."""
    root = province["province"]
    for as_of, cases in ((D(2025, 11, 1), 4), (D(2026, 3, 20), 2)):
        db.session.add(
            OpeningBalance(
                unit_id=root.id,
                as_of=as_of,
                kind=PetitionKind.complaint,
                petitions=cases,
                cases=cases,
                case_petitions=cases,
            )
        )
    db.session.flush()
    for kinds in (KINDS, ("complaint",), ("denunciation",)):
        _same(root, t, kinds)
        _same(province["commune"], t, kinds)
    by_period, by_unit = _kept(root, t)
    if t == D(2026, 6, 20):
        assert any(v["competent.resolved"] for v in by_period)
        assert len(by_unit) > 1
    units = len(db.session.scalars(root.subtree_ids()).all())
    assert len({(u, s) for u, s, _e in _rows()}) >= units * 10  # kept for every unit


def test_a_change_deletes_the_months_it_touches(db, province, board_data, today):
    root, hp, lc = province["province"], province["province"], province["commune"]
    handler = factories.UserFactory(unit=hp, roles=[Role.petition_handler])
    t = D(2026, 6, 20)
    _same(root, t)
    kept, kept_hp, kept_lc = _rows(), _rows(hp), _rows(lc)
    assert kept_hp and kept_lc

    # What the figures do not read (a title, the handler): nothing kept goes.
    board_data["A"].title = "Khiếu nại quyết định thu hồi đất (sửa tiêu đề)"
    board_data["A"].assignee_id = handler.id
    db.session.flush()
    assert _rows() == kept
    # A case decided today: its states changed too, so its unit's months from the day it was
    # accepted go (05/03); the other units' stay.
    decide(handler, board_data["A"], D(2026, 6, 20))
    db.session.flush()
    assert _rows(hp) == [r for r in kept_hp if r[2] < D(2026, 3, 5)]
    assert _rows(lc) == kept_lc
    _same(root, t)

    # Decided on a day of a closed month (entered late): the months from that day on go.
    decide(handler, board_data["B"], D(2026, 6, 10))
    db.session.flush()
    assert _rows(lc) and all(end < D(2026, 6, 10) for _u, _s, end in _rows(lc))
    _same(root, t)

    # Accepted earlier than entered (a correction): every month from the earlier day.
    case = board_data["F"]
    case.received_on = D(2026, 1, 19)
    case.accepted_on = D(2026, 1, 20)
    db.session.flush()
    assert all(end < D(2026, 1, 20) for _u, _s, end in _rows(lc))
    _same(root, t)

    # Moved to another unit: both units' months from its acceptance.
    _same(root, t)
    case = db.session.get(Case, board_data["D"].id)
    db.session.expire(case)  # the earlier unit not loaded: still known (active_history)
    case.unit_id = lc.id
    db.session.flush()
    assert all(end < D(2026, 3, 5) for _u, _s, end in _rows(hp))
    assert all(end < D(2026, 3, 5) for _u, _s, end in _rows(lc))
    _same(root, t)

    # Merged into another case: it counts no more, from its acceptance.
    _same(root, t)
    board_data["F"].state = CaseState.merged
    db.session.flush()
    assert all(end < D(2026, 1, 20) for _u, _s, end in _rows(lc))
    _same(root, t)

    # An opening balance declared: the unit's months from its day.
    _same(root, t)
    db.session.add(
        OpeningBalance(
            unit_id=lc.id,
            as_of=D(2026, 2, 15),
            kind=PetitionKind.complaint,
            petitions=3,
            cases=3,
            case_petitions=3,
        )
    )
    db.session.flush()
    assert all(end < D(2026, 2, 15) for _u, _s, end in _rows(lc))
    _same(root, t)


def test_a_case_of_another_tree_changes_nothing_kept_here(db, province, board_data, today):
    root = province["province"]
    t = D(2026, 6, 20)
    _same(root, t)
    kept = _rows()
    x = board_data["X"]
    handler = factories.UserFactory(unit=province["other"], roles=[Role.petition_handler])
    decide(handler, x, D(2026, 4, 2))
    db.session.flush()
    assert [r for r in _rows() if r[0] != province["other"].id] == [
        r for r in kept if r[0] != province["other"].id
    ]
    _same(root, t)


def test_the_year_from_months_that_do_not_tile_it_is_counted(db, province, board_data, today):
    """Months that do not start the year on its first day (another cut-off): nothing kept is
    used, the whole year is counted."""
    root = province["province"]
    t = D(2026, 6, 20)
    months = [p for *_ym, p in queries.chart_months(t, 20)]
    year = standard_period("year", 2026, cutoff_day=14)
    got = M.months_and_year(M.FIGURE_IDS, root, months, year, KINDS, t)
    assert got == F.compute_by_period_and_unit(
        M.FIGURE_IDS, F.Subtree(root.path), months, year, KINDS
    )
    assert _rows() == []


def test_an_import_and_its_undoing_delete_the_months_they_touch(
    app, db, province, board_data, today, tmp_path, monkeypatch
):
    """The register import writes its cases without the ORM (import_batches), and an import
    undone deletes them so (import_undo): both delete the months of their cases' units."""
    from complaints.registers import import_undo

    from .test_registers_bulk import _rows as register_rows
    from .test_registers_petitions import issues_of, run_import, write_csv

    monkeypatch.setitem(app.config, "REGISTER_IMPORT_DIR", str(tmp_path / "imports"))
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BACKGROUND", False)
    root, ha = province["province"], province["commune2"]
    t = D(2026, 6, 20)
    _same(root, t)
    kept_ha = _rows(ha)
    job = run_import(write_csv(tmp_path / "a.csv", register_rows("HPHA", 30)))
    assert job.created_counts.get("cases"), issues_of(job)
    assert _rows(ha) == [r for r in kept_ha if r[2] < D(2026, 2, 20)]  # accepted 20/02
    _same(root, t)
    assert _rows(ha) == kept_ha
    import_undo.undo(job)
    assert _rows(ha) == [r for r in kept_ha if r[2] < D(2026, 2, 20)]
    _same(root, t)
