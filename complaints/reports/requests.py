"""A report request, checked, and what answers it: the unit named by its code among the user's,
the standard period by the unit's cut-off day, the report (frozen once its period is closed,
unless the live figures are asked for) and its JSON.

The report pages (reports/views.py) and the API (api/views.py) both answer a request through
these; each reads its own arguments and words its own refusals. Nothing here reads the request
or the logged-in user: the caller passes the user."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from complaints.core.access import unit_in_scope
from complaints.extensions import db
from complaints.reports import convention as C
from complaints.reports import service
from complaints.reports.figures import RateSettings
from complaints.reports.frozen import frozen_report, stored_convention
from complaints.reports.models import ClosedReport, ReportReopening
from complaints.reports.periods import Period, standard_period
from complaints.units.models import Unit

UNIT_CODE_MAX = 20  # Unit.code's length: a longer code names no unit


@dataclass
class Asked:
    """A report request that passed every check: nothing partial is ever computed."""

    code: str
    unit: Unit
    period: Period
    with_subunits: bool
    args: dict  # the page's address arguments, canonical
    convention: RateSettings | None = None  # None: the unit's settings


@dataclass
class Shown:
    report: service.Report  # frozen once closed, unless the live figures are asked for
    live: service.Report
    closed: ClosedReport | None
    live_requested: bool
    # the locks of this report reopened so far, oldest first (service.reopenings)
    reopenings: list[ReportReopening] = field(default_factory=list)


def unit_by_code(code: str | None) -> Unit | None:
    """The unit with this code, whoever's it is; None for a blank or impossible code."""
    code = (code or "").strip()
    if not code or len(code) > UNIT_CODE_MAX:
        return None
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def scoped_unit(code: str | None, user) -> Unit | None:
    """The unit with this code if it is the user's or below it; None otherwise."""
    unit = unit_by_code(code)
    return unit if unit_in_scope(user, unit) else None


def unit_period(unit: Unit, kind: str, year: int, month: int | None) -> Period:
    """A standard period (month, quarter...) cut on the unit's cut-off day, its own or the one
    it inherits; PeriodError when there is no such period."""
    return standard_period(kind, year, month, service.settings_for(unit).cutoff_day)


def unit_convention(raw, unit: Unit) -> RateSettings:
    """The convention asked for in `raw` (the parameters of convention.PARAMS), what is not
    given being the unit's settings; convention.ConventionError when refused."""
    return C.parse(raw, service.default_convention(unit))


def produce(asked: Asked, *, live_requested: bool, user) -> Shown:
    """The live report, and the frozen one that replaces it once the period is closed. A
    closed period is printed with the convention it was closed with, and the live figures it
    is compared with are computed with that convention too (a difference is a correction, not
    another way of counting), unless the live figures are asked for."""
    closed = service.find_closed(asked.code, asked.unit, asked.period, asked.with_subunits)
    convention = asked.convention
    if closed is not None and not live_requested:
        convention = stored_convention((closed.data or {}).get("convention")) or convention
    live = service.build(
        asked.code,
        asked.unit,
        asked.period,
        with_subunits=asked.with_subunits,
        user=user,
        convention=convention,
    )
    report = frozen_report(closed, live) if closed and not live_requested else live
    reopened = service.reopenings(asked.code, asked.unit, asked.period, asked.with_subunits)
    return Shown(report, live, closed, live_requested, reopened)


def report_json(shown: Shown) -> dict:
    """Report.as_dict(), with whether, when and why the period was locked, and the locks
    reopened before (when, by whom, why)."""
    data = shown.report.as_dict()
    closed = shown.closed
    data["closed"] = (
        {
            "at": closed.closed_at.isoformat(),
            "by": closed.closed_by.full_name if closed.closed_by else None,
            "before_end": closed.locked_early,
            "reason": closed.early_reason or None,
        }
        if closed
        else None
    )
    data["reopened"] = [
        {
            "closed_at": r.closed_at.isoformat(),
            "closed_by": r.closed_by.full_name if r.closed_by else None,
            "closed_before_end": bool(r.early_reason),
            "closed_reason": r.early_reason or None,
            "at": r.reopened_at.isoformat(),
            "by": r.reopened_by.full_name if r.reopened_by else None,
            "reason": r.reason,
        }
        for r in shown.reopenings
    ]
    data["live"] = closed is None or shown.live_requested
    return data
