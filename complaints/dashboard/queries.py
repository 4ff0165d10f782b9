"""The leaders' dashboard: what is open, late or due soon in a unit tree, the resolution rate
month by month, the sub-units compared, reception obligations and citizens' satisfaction.

Everything is an aggregate computed by the database over the whole tree, grouped by unit where
rows are needed; nothing loads cases or petitions one by one. The tiles at the top count the
user's lists with the very filters they link to (tiles()). The indexes each query relies on
are named in its docstring. About 5 queries plus one or two per month of the chart (one per
figure source: cases, and the petitions of cases when the rate is on petitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.cases.models import (
    Case,
    due_soon_case,
    open_case,
    overdue_case,
)
from complaints.cases.queries import DUE_SOON_DAYS
from complaints.core import clock
from complaints.core.calendar import WorkCalendar
from complaints.core.db import Base
from complaints.core.numbers import fmt_decimal, fmt_int, round_decimal
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.obligations import compliance
from complaints.petitions.pending import DISCIPLINE_DAYS
from complaints.reports import figures as F
from complaints.reports import month_figures
from complaints.reports.periods import Period, standard_period
from complaints.reports.service import settings_for
from complaints.units.models import Unit
from complaints.units.operations import subtree

CHART_MONTHS = 12
OBLIGATION_MONTHS = 3
# The units behind on periodic reception the dashboard lists: the most behind, the others
# counted and left to the obligations page (a country's centre has thousands of units).
BEHIND_SHOWN = 10
# Tables of citizens' ratings (a `score` per record of a unit): citizen_rating, written by the
# citizen's page (complaints/citizen/); without ratings the dashboard says "chưa có đánh giá".
SATISFACTION_TABLES = ("citizen_rating", "satisfaction_rating", "rating")


def _sum(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def tree_units(root: Unit) -> list[Unit]:
    """The unit and every unit below it, in tree order (units.operations.subtree)."""
    return subtree(root)


# --- cases --------------------------------------------------------------------------------


def case_counts(root: Unit, t: date) -> dict[int, dict[str, int]]:
    """Open cases per unit; of them overdue and due within DUE_SOON_DAYS, by the rules of the
    cases' "Quá hạn" page (cases.models.overdue_case / due_soon_case: every duty the unit
    owes, not only the resolution deadline; a suspended case is neither), so that a tile
    and the list it opens count the same cases.

    One query grouped by unit, answered from the partial index of open cases
    (ix_case_file_open: their units, next_due and state); the tree as its path's subquery
    (a list of a country's 4,295 ids took longer to plan than the count to run)."""
    horizon = t + timedelta(days=DUE_SOON_DAYS)

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(
            Case.unit_id,
            sa.func.count(),
            count(overdue_case(t)),
            count(due_soon_case(t, horizon)),
        )
        .where(Case.unit_id.in_(root.subtree_ids()), open_case())
        .group_by(Case.unit_id)
    ).all()
    return {uid: {"open": int(n), "overdue": int(o), "due_soon": int(s)} for uid, n, o, s in rows}


# --- the tiles: each counts exactly the list it opens -----------------------------------------


@dataclass
class Tile:
    """A figure at the top of the dashboard and the list it opens (endpoint with args): the
    count is the list's own filter counted (cases.queries.case_where / due_where,
    petitions.pending), so the tile and its list cannot disagree."""

    key: str
    label: str
    count: int
    endpoint: str
    args: dict
    permission: str  # who may open the list; the others see the figure without the link
    tone: str = ""  # "danger" / "warn" when the figure is not zero


def _count(where: list) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).where(*where)) or 0)


def tiles(user, root: Unit, t: date, *, zoom: bool) -> list[Tile]:
    """The tiles of `user`'s dashboard of `root`: his own units' lists, or (zoom: a unit below
    his) the same lists narrowed to that unit, its sub-units, and the petitions they process.

    Three case counts (one statement each, from the partial index of open cases the lists'
    counts use, ix_case_file_open) and one aggregate of the queue for both petition tiles."""
    from complaints.cases.queries import CaseFilter, DueFilter, case_where, due_where
    from complaints.petitions import pending

    unit_id = root.id if zoom else None
    unit_args = {"unit_id": unit_id} if zoom else {}
    late = DueFilter(days=DUE_SOON_DAYS, show="overdue", unit_id=unit_id)
    soon = DueFilter(days=DUE_SOON_DAYS, show="soon", unit_id=unit_id)
    queued = pending.PendingFilter(processed_by=unit_id)
    petitions = pending.count(pending.where(user, *queued.conditions()), t)
    out = [
        Tile(
            "open",
            _("Vụ việc đang giải quyết"),
            _count(case_where(user, CaseFilter(unit_id=unit_id), t)),
            "cases.index",
            unit_args,
            "case.view",
        ),
        Tile(
            "overdue",
            _("Vụ việc quá hạn"),
            _count(due_where(user, late, t)),
            "cases.overdue",
            late.args(),
            "case.view",
            "danger",
        ),
        Tile(
            "due_soon",
            _(
                "Vụ việc đến hạn trong %(due_soon_days)s ngày tới",
                due_soon_days=DUE_SOON_DAYS,
            ),
            _count(due_where(user, soon, t)),
            "cases.overdue",
            soon.args(),
            "case.view",
            "warn",
        ),
        Tile(
            "petitions_overdue",
            _("Đơn chưa xử lý, quá hạn xử lý"),
            petitions["overdue"],
            "processing.pending",
            replace(queued, overdue=True).args(),
            "petition.queue",
            "danger",
        ),
        Tile(
            "discipline",
            _(
                "Đơn để quá %(discipline_days)s ngày chưa xử lý (có thể bị xử lý kỷ luật)",
                discipline_days=DISCIPLINE_DAYS,
            ),
            petitions["discipline"],
            "processing.pending",
            replace(queued, discipline=True).args(),
            "petition.queue",
            "danger",
        ),
    ]
    return out


# --- the resolution rate ------------------------------------------------------------------


@dataclass
class RatePoint:
    period: Period
    label: str
    cases: int
    resolved: int
    rate: Decimal | None


def _rate_inputs(settings) -> tuple[list[str], tuple[str, ...], F.RateSettings]:
    ids = ["competent.cases", "competent.resolved"]
    if settings.rate_basis == "petitions":
        ids += ["competent.petitions", "competent.resolved_petitions"]
    # the unit's own convention (a report may be asked with another; the dashboard is not)
    rate_settings = F.RateSettings(settings.rate_basis, settings.rounding, settings.rate_kinds)
    return ids, rate_settings.counted_kinds, rate_settings


def _report_month(t: date, cutoff_day: int) -> tuple[int, int]:
    """The report month (TT 01/2024: 15th to 14th, or the unit's cut-off) containing t."""
    y, m = t.year, t.month
    if t > standard_period("month", y, m, cutoff_day).end:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return y, m


def chart_months(t: date, cutoff_day: int) -> list[tuple[int, int, Period]]:
    """The last CHART_MONTHS report months up to the one containing t: (year, month, period)."""
    y, m = _report_month(t, cutoff_day)
    months = []
    for _month in range(CHART_MONTHS):
        months.append((y, m, standard_period("month", y, m, cutoff_day)))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months[::-1]


def rate_points(months, by_period: list[dict[str, int]], rate_settings) -> list[RatePoint]:
    """The chart's points from the months' figures (F.compute_by_period's, in their order)."""
    return [
        RatePoint(
            period,
            _("T%(month)s/%(year)s", month=m, year=y),
            values["competent.cases"],
            values["competent.resolved"],
            F.resolution_rate(values, rate_settings),
        )
        for (y, m, period), values in zip(months, by_period, strict=True)
    ]


def rates_and_year(
    root: Unit, t: date, settings=None
) -> tuple[list[RatePoint], dict[int, dict[str, int]], Period]:
    """The resolution rate of the tree for each of the last CHART_MONTHS report months (the
    current one included), and the figures of the report year by unit (compare_units), from
    the figure catalogue (F.compute_by_period_and_unit's figures: cases, and petitions of
    cases when the unit rates on petitions); the rates by F.resolution_rate with the unit's
    basis, kinds and rounding. Returns (the points, {unit id: the year's figures}, the year).

    The months that have ended are the units' kept figures (reports/month_figures.py: a
    country's centre counted its year of cases on every view); the month in progress and
    the rest of the year are counted, through ix_case_file_done_unit (PostgreSQL) or
    ix_case_file_unit_done."""
    settings = settings or settings_for(root)
    ids, kinds, rate_settings = _rate_inputs(settings)
    months = chart_months(t, settings.cutoff_day)
    year = report_year(t, settings.cutoff_day)
    by_period, by_unit = month_figures.months_and_year(
        ids, root, [p for *_ym, p in months], year, kinds, t
    )
    return rate_points(months, by_period, rate_settings), by_unit, year


# --- the chart, drawn as SVG in the template ------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str  # the rate as printed, or "–"
    title: str
    empty: bool

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 5, 1)


@dataclass
class Chart:
    width: int
    height: int
    plot_left: int
    plot_top: int
    plot_bottom: int
    plot_right: int
    bars: list[Bar]
    grid: list[tuple[float, str]]  # y and label of each horizontal line


def rate_chart(points: list[RatePoint], places: int) -> Chart:
    """Bar geometry of the monthly rates on a 0-100 % axis (the template only draws it)."""
    width, height = 760, 280
    left, right, top, bottom = 44, width - 10, 24, height - 40
    plot_h = bottom - top
    slot = (right - left) / max(len(points), 1)
    bar_w = round(slot * 0.62, 1)
    bars = []
    for i, p in enumerate(points):
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        span = f"{p.period.start:%d/%m/%Y}–{p.period.end:%d/%m/%Y}"
        if p.rate is None:
            bars.append(
                Bar(
                    x,
                    bottom - 2,
                    bar_w,
                    2,
                    p.label,
                    "–",
                    _("%(label)s (%(span)s): chưa có vụ việc", label=p.label, span=span),
                    True,
                )
            )
            continue
        h = round(float(min(p.rate, Decimal(100))) / 100 * plot_h, 1)
        value = fmt_decimal(p.rate, places)
        title = _(
            "%(label)s (%(span)s): %(value)s%% – đã giải quyết %(resolved)s/%(cases)s vụ việc",
            label=p.label,
            span=span,
            value=value,
            resolved=fmt_int(p.resolved),
            cases=fmt_int(p.cases),
        )
        bars.append(Bar(x, round(bottom - h, 1), bar_w, h, p.label, value, title, False))
    grid = [(bottom - plot_h * v / 100, f"{v}%") for v in (0, 25, 50, 75, 100)]
    return Chart(width, height, left, top, bottom, right, bars, grid)


# --- units compared -----------------------------------------------------------------------


@dataclass
class CompareRow:
    unit: Unit
    label: str
    unit_ids: list[int]
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    cases: int = 0
    resolved: int = 0
    rate: Decimal | None = None
    link: bool = True  # a row whose unit has its own dashboard


def report_year(t: date, cutoff_day: int) -> Period:
    """The report year (15/12 to 14/12 by default) containing t."""
    period = standard_period("year", t.year, cutoff_day=cutoff_day)
    if t > period.end:
        period = standard_period("year", t.year + 1, cutoff_day=cutoff_day)
    return period


def compare_units(
    root: Unit,
    units: list[Unit],
    cases: dict[int, dict[str, int]],
    by_unit: dict[int, dict[str, int]],
    settings=None,
) -> tuple[list[CompareRow], CompareRow]:
    """A row for the unit's own records and one per sub-unit (with everything below it):
    open, overdue and due-soon cases (from case_counts), and the cases resolved this report
    year with the rate, from the year's figures of every unit of the tree (`by_unit`:
    rates_and_year's; `units`: the root's tree, tree_units)."""
    settings = settings or settings_for(root)
    ids, _kinds, rate_settings = _rate_inputs(settings)
    all_ids = [u.id for u in units]
    children = sorted((u for u in units if u.parent_id == root.id), key=lambda u: u.code)
    below: dict[int, list[int]] = {child.id: [] for child in children}
    for u in units:  # each unit under the child its path passes through: one pass
        ancestry = u.path_ids
        if len(ancestry) > root.depth + 1:
            below[ancestry[root.depth + 1]].append(u.id)
    groups = [(root, [root.id], _("%(name)s (cấp mình)", name=root.name), False)]
    groups += [(child, below[child.id], child.name, True) for child in children]

    def row(unit, unit_ids, label, link) -> CompareRow:
        r = CompareRow(unit, label, unit_ids, link=link)
        values = {k: 0 for k in ids}
        for uid in unit_ids:
            c = cases.get(uid, {})
            r.open += c.get("open", 0)
            r.overdue += c.get("overdue", 0)
            r.due_soon += c.get("due_soon", 0)
            for k in ids:
                values[k] += by_unit.get(uid, {}).get(k, 0)
        r.cases, r.resolved = values["competent.cases"], values["competent.resolved"]
        r.rate = F.resolution_rate(values, rate_settings)
        return r

    rows = [row(*g) for g in groups]
    total = row(root, all_ids, _("Tổng cộng"), False)
    return rows, total


# --- reception obligations and satisfaction -------------------------------------------------


def obligations_behind(root: Unit, units: list[Unit], t: date, cal: WorkCalendar):
    """The months, how many units are behind on periodic reception or late publishing over the
    last OBLIGATION_MONTHS months (this one included), and the BEHIND_SHOWN most behind of
    them (sessions missing, then publications late), in the tree's order:
    compliance.behind_table, two aggregates."""
    first = t.replace(day=1)
    for _month in range(OBLIGATION_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    behind = [
        r
        for r in compliance.behind_table(units, first, t, t, cal, ids=root.subtree_ids())
        if r.behind
    ]
    worst = sorted(range(len(behind)), key=lambda i: (-behind[i].shortfall, -behind[i].late))
    shown = [behind[i] for i in sorted(worst[:BEHIND_SHOWN])]
    return compliance.months_between(first, t), len(behind), shown


def satisfaction(root: Unit) -> dict | None:
    """Citizens' ratings of the tree when a rating table exists and has ratings, else None
    ("chưa có đánh giá"). Never creates the table. The tree as its path's subquery, not a
    list of ids: planning a list of a country's 4,295 took 45-120 ms."""
    for name in SATISFACTION_TABLES:
        table = Base.metadata.tables.get(name)
        if table is None or not {"unit_id", "score"} <= set(table.c.keys()):
            continue
        count, average = db.session.execute(
            sa.select(sa.func.count(), sa.func.avg(table.c.score)).where(
                table.c.unit_id.in_(root.subtree_ids())
            )
        ).one()
        if count:
            average = round_decimal(Decimal(str(average)), 1)
            return {
                "count": int(count),
                "average": average,
                "average_text": fmt_decimal(average, 1),
            }
        return None
    return None


# --- the whole page -----------------------------------------------------------------------


@dataclass
class Dashboard:
    unit: Unit
    today: date
    totals: dict[str, int]  # of the units compared (by competent authority)
    rates: list[RatePoint]
    chart: Chart
    rows: list[CompareRow]
    total: CompareRow
    year: Period
    obligation_months: list[tuple[int, int]]
    behind: list = field(default_factory=list)  # the most behind (BEHIND_SHOWN)
    behind_total: int = 0
    satisfaction: dict | None = None
    rate_places: int = 2
    tiles: list[Tile] = field(default_factory=list)


def build(root: Unit, t: date | None = None, user=None) -> Dashboard:
    """Every figure of the dashboard for a unit tree, on day t (default: clock.today()); with
    `user`, the tiles of his lists (his own units', or narrowed to `root` below them)."""
    t = t or clock.today()
    cal = work_calendar()
    units = tree_units(root)
    cases = case_counts(root, t)
    totals = {k: sum(c[k] for c in cases.values()) for k in ("open", "overdue", "due_soon")}
    settings = settings_for(root)
    rates, by_unit, year = rates_and_year(root, t, settings)
    places = F.ROUNDING_MODES[settings.rounding][0]
    rows, total = compare_units(root, units, cases, by_unit, settings)
    months, behind_total, behind = obligations_behind(root, units, t, cal)
    return Dashboard(
        unit=root,
        today=t,
        totals=totals,
        rates=rates,
        chart=rate_chart(rates, places),
        rows=rows,
        total=total,
        year=year,
        obligation_months=months,
        behind=behind,
        behind_total=behind_total,
        satisfaction=satisfaction(root),
        rate_places=places,
        tiles=[] if user is None else tiles(user, root, t, zoom=root.id != user.unit_id),
    )
