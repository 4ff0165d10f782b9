"""Vietnamese working-day calendar for legal deadlines.

Counting follows Civil Code 2015 Art 147-148: the trigger day is not counted, and a period in
calendar days that ends on a non-working day ends at the end of the next working day. Working
days are Monday-Friday minus public holidays, plus the official make-up Saturdays (ngày làm bù)
that civil servants work. Public holidays and make-up days come from the `holidays` package
(country VN, >=0.108 for 2025-2026); an administrator adds what the package lacks.

Pure Python: no Flask, no database. The caller loads the overrides and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache

import holidays

__all__ = ["WorkCalendar"]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@cache
def _vn_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return (days off, make-up weekend working days) of one year from the package."""
    # A swap can be declared in a neighbouring year's data (e.g. Saturday 27/12/2014 worked for
    # Friday 02/01/2015), so load the neighbours and keep only this year's dates.
    data = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    days_off = frozenset(d for d in data if d.year == year)
    make_up = frozenset(d for d in data.weekend_workdays if d.year == year)
    return days_off, make_up


def _as_dates(days: Iterable[date]) -> frozenset[date]:
    # A datetime would never equal the date it falls on inside a set: normalise to dates.
    return frozenset(d.date() if isinstance(d, datetime) else d for d in days)


class WorkCalendar:
    """Working days of Vietnamese state bodies, with the administrator's overrides."""

    __slots__ = ("extra_days_off", "extra_working_days")

    def __init__(
        self,
        extra_days_off: Iterable[date] = frozenset(),
        extra_working_days: Iterable[date] = frozenset(),
    ) -> None:
        self.extra_days_off = _as_dates(extra_days_off)
        self.extra_working_days = _as_dates(extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            listed = ", ".join(d.strftime("%d/%m/%Y") for d in sorted(both))
            raise ValueError(f"Ngày vừa là ngày nghỉ vừa là ngày làm việc: {listed}")

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(extra_days_off={len(self.extra_days_off)} days, "
            f"extra_working_days={len(self.extra_working_days)} days)"
        )

    def is_working_day(self, d: date) -> bool:
        """True if state bodies work on day d."""
        # Overrides win: they are the unit's record of decisions the package does not know.
        if d in self.extra_days_off:
            return False
        if d in self.extra_working_days:
            return True
        days_off, make_up = _vn_year(d.year)
        if d.weekday() >= _SATURDAY:
            return d in make_up
        return d not in days_off

    def next_working_day(self, d: date) -> date:
        """First working day on or after d."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The nth working day after start (start itself not counted); n=0 gives the next one."""
        if n < 0:
            raise ValueError(f"Số ngày làm việc không được âm: {n}")
        if n == 0:
            return self.next_working_day(start)
        d = start
        while n:
            d += _ONE_DAY
            if self.is_working_day(d):
                n -= 1
        return d

    def add_calendar_days(self, start: date, n: int) -> date:
        """End of a period of n calendar days from start (Civil Code Art 147-148)."""
        if n < 0:
            raise ValueError(f"Số ngày không được âm: {n}")
        # Art 147: the period begins the day after start, so its last day is start + n;
        # Art 148: if that day is a non-working day the period runs to the next working day.
        return self.next_working_day(start + timedelta(days=n))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b is before a)."""
        if b < a:
            return -self.working_days_between(b, a)
        # Same convention as add_working_days: working_days_between(a, add_working_days(a, n))
        # is n for n >= 1.
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count
