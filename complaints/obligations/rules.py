"""Periodic reception by heads of units: the legal minimum in force on each date, the dates a
unit's own rule gives, and the publication of schedules 5 working days ahead (DOMAIN.md §4).

The minimum is data, versioned like the deadline rules (core/deadlines.py): each row says which
unit levels it binds, how many days per month or per ISO week, whether only sessions the head
holds in person count, and the dates it is in force. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from complaints.core.calendar import WorkCalendar
from complaints.core.translate import L_, Phrase

# A schedule is published at least this many working days before the day (LTCD Art 24(4)).
PUBLISH_WORKING_DAYS = 5
# Planning or checking more than this many months at once is refused (a typing error, not a plan).
MAX_MONTHS = 24

WEEKDAYS = (
    L_("Thứ Hai"),
    L_("Thứ Ba"),
    L_("Thứ Tư"),
    L_("Thứ Năm"),
    L_("Thứ Sáu"),
    L_("Thứ Bảy"),
    L_("Chủ nhật"),
)
WEEK_LABELS = {
    1: L_("tuần thứ nhất"),
    2: L_("tuần thứ hai"),
    3: L_("tuần thứ ba"),
    4: L_("tuần thứ tư"),
    5: L_("tuần thứ năm"),
    -1: L_("tuần cuối"),
}

_ONE_DAY = timedelta(days=1)


class RuleLike(Protocol):
    rule_type: object  # RuleType or its value
    weekday: int | None
    weeks: list
    days: list
    valid_from: date
    valid_to: date | None


# --- the legal minimum -----------------------------------------------------------------------


@dataclass(frozen=True)
class LegalMinimum:
    """One row of the table of DOMAIN.md §4: in force from valid_from to valid_to (included)."""

    id: str
    levels: frozenset[str]  # UnitLevel values it binds
    who: str
    count: int
    per: str  # "month" | "week" (ISO week)
    basis: str
    in_person_only: bool = False  # only sessions the head holds in person count
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def label(self) -> Phrase:
        def compose(_):
            if self.per == "month":
                text = _("ít nhất %(count)s ngày/tháng", count=self.count)
            else:
                text = _("ít nhất %(count)s ngày/tuần", count=self.count)
            return text + (_(", Thủ trưởng trực tiếp tiếp") if self.in_person_only else "")

        return Phrase(compose)


LEGAL_MINIMUMS: tuple[LegalMinimum, ...] = (
    LegalMinimum(
        "head_monthly",
        frozenset({"central", "province", "department"}),
        L_("Chủ tịch UBND cấp tỉnh; Thủ trưởng bộ, ngành, sở và cơ quan nhà nước; Tổng Thanh tra"),
        1,
        "month",
        "Luật Tiếp công dân 2013 (Điều 11–18)",
    ),
    LegalMinimum(
        "district_2_per_month",
        frozenset({"district"}),
        L_("Chủ tịch UBND cấp huyện"),
        2,
        "month",
        "Luật Tiếp công dân 2013 (cấp huyện kết thúc hoạt động từ 01/7/2025)",
        valid_to=date(2025, 6, 30),
    ),
    LegalMinimum(
        "commune_weekly",
        frozenset({"commune"}),
        L_("Chủ tịch UBND cấp xã"),
        1,
        "week",
        "Luật Tiếp công dân 2013",
        valid_to=date(2026, 6, 30),
    ),
    LegalMinimum(
        "commune_2026",
        frozenset({"commune"}),
        L_("Chủ tịch UBND cấp xã (không được ủy quyền)"),
        2,
        "month",
        "Nghị định 154/2026/NĐ-CP, từ 01/7/2026",
        in_person_only=True,
        valid_from=date(2026, 7, 1),
    ),
)


def minimum_in_force(level: str, day: date) -> LegalMinimum | None:
    """The legal minimum binding the head of a unit of this level on that day, if any."""
    level = getattr(level, "value", level)
    for m in LEGAL_MINIMUMS:
        if level in m.levels and m.in_force_on(day):
            return m
    return None


@dataclass(frozen=True)
class ObligationPeriod:
    """A stretch (a month, or an ISO week) in which `required` held sessions are owed."""

    start: date
    end: date
    required: int
    minimum: LegalMinimum


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, _calendar.monthrange(year, month)[1])


def week_monday(day: date) -> date:
    """The Monday of the ISO week of the day."""
    return day - timedelta(days=day.weekday())


def month_periods(level: str, year: int, month: int) -> list[ObligationPeriod]:
    """What the law asks of a unit's head in a month: the month itself for a monthly minimum
    (the one in force on its first day), or each ISO week whose Thursday falls in the month and
    on which a weekly minimum is in force (so each week belongs to exactly one month)."""
    first, last = month_bounds(year, month)
    periods = []
    monthly = minimum_in_force(level, first)
    if monthly is not None and monthly.per == "month":
        periods.append(ObligationPeriod(first, last, monthly.count, monthly))
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    while thursday <= last:
        weekly = minimum_in_force(level, thursday)
        if weekly is not None and weekly.per == "week":
            monday = thursday - timedelta(days=3)
            periods.append(
                ObligationPeriod(monday, monday + timedelta(days=6), weekly.count, weekly)
            )
        thursday += timedelta(days=7)
    return periods


# --- a unit's own rule -----------------------------------------------------------------------


def _value(x) -> str:
    return getattr(x, "value", x)


def describe(rule: RuleLike) -> Phrase:
    """The rule in words: "Thứ Ba tuần cuối hằng tháng", "Ngày 10 và 25 hằng tháng" (a Phrase:
    Vietnamese as a string, composed again in English on an English page)."""
    kind = _value(rule.rule_type)

    def compose(_):
        if kind == "weekly":
            return _("%(weekday)s hằng tuần", weekday=_(WEEKDAYS[rule.weekday]))
        if kind == "nth_weekday":
            weeks = _(" và ").join(
                _(WEEK_LABELS[w]) if w in WEEK_LABELS else _("tuần %(n)s", n=w)
                for w in rule.weeks or []
            )
            return _(
                "%(weekday)s %(weeks)s hằng tháng", weekday=_(WEEKDAYS[rule.weekday]), weeks=weeks
            )
        days = _(" và ").join(str(d) for d in rule.days or [])
        return _("Ngày %(days)s hằng tháng", days=days)

    return Phrase(compose)


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The nth given weekday of a month (n = -1: the last one); None when there is no fifth."""
    first, last = month_bounds(year, month)
    if n < 0:
        d = last - timedelta(days=(last.weekday() - weekday) % 7)
        d -= timedelta(days=7 * (-n - 1))
        return d if d >= first else None
    d = first + timedelta(days=(weekday - first.weekday()) % 7) + timedelta(days=7 * (n - 1))
    return d if d <= last else None


def rule_dates(rule: RuleLike, start: date, end: date) -> list[date]:
    """The days the rule names between start and end (both included), before any move."""
    kind = _value(rule.rule_type)
    found: set[date] = set()
    if kind == "weekly":
        d = start + timedelta(days=(rule.weekday - start.weekday()) % 7)
        while d <= end:
            found.add(d)
            d += timedelta(days=7)
    else:
        for y, m in _months(start, end):
            if kind == "nth_weekday":
                for n in rule.weeks or []:
                    d = nth_weekday(y, m, rule.weekday, int(n))
                    if d is not None:
                        found.add(d)
            else:
                last_day = _calendar.monthrange(y, m)[1]
                for day in rule.days or []:
                    found.add(date(y, m, min(int(day), last_day)))
    return sorted(d for d in found if start <= d <= end)


@dataclass(frozen=True)
class PlannedDay:
    named: date  # the day the rule names
    day: date  # the day of the session: the next working day when the named one is not


def planned_days(rule: RuleLike, start: date, end: date, cal: WorkCalendar) -> list[PlannedDay]:
    """The sessions a rule plans between start and end: each named day in force, moved to the
    next working day when it is a holiday or a weekend (a session named just before start
    that moves into the range is included)."""
    lo = max(start - timedelta(days=31), rule.valid_from)
    hi = end if rule.valid_to is None else min(end, rule.valid_to)
    out = []
    for named in rule_dates(rule, lo, hi) if lo <= hi else []:
        day = cal.next_working_day(named)
        if start <= day <= end:
            out.append(PlannedDay(named, day))
    return out


# --- publication of schedules ----------------------------------------------------------------


def publication_owed(status: str) -> bool:
    """Is a periodic session's schedule still owed to the public? Not once the session is
    cancelled or postponed: a schedule not yet published then need not be."""
    return status not in ("cancelled", "postponed")


def published_on_time(
    published_on: date | None,
    session_date: date,
    cal: WorkCalendar,
    days: int = PUBLISH_WORKING_DAYS,
) -> bool:
    """True when the schedule was published at least `days` working days before the day."""
    return published_on is not None and cal.working_days_between(published_on, session_date) >= days


def publication_deadline(
    session_date: date, cal: WorkCalendar, days: int = PUBLISH_WORKING_DAYS
) -> date:
    """The last day on which publishing is still on time: the latest p with
    working_days_between(p, session_date) >= days."""
    p, counted = session_date, 0
    while counted < days:
        if cal.is_working_day(p):
            counted += 1
        p -= _ONE_DAY
    return p
