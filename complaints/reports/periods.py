"""Reporting periods: the cut-offs of TT 01/2024/TT-TTCP (data cut on the 14th), a unit's own
cut-off day, or any date range."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_KINDS = ("month", "q1", "q2", "q3", "q4", "6m", "9m", "year")
PERIOD_LABELS = {
    "month": "Tháng",
    "q1": "Quý I",
    "q2": "Quý II",
    "q3": "Quý III",
    "q4": "Quý IV",
    "6m": "6 tháng",
    "9m": "9 tháng",
    "year": "Năm",
}
DEFAULT_CUTOFF_DAY = 14  # TT 01/2024: the month runs from the 15th to the 14th


class PeriodError(ValueError):
    """A period that cannot exist; the message is for the user."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(
                f"Kỳ báo cáo kết thúc ({self.end:%d/%m/%Y}) trước khi bắt đầu "
                f"({self.start:%d/%m/%Y})."
            )

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _cut(year: int, month: int, cutoff_day: int) -> date:
    """The cut-off date in a month; a day past the month's end is its last day (February)."""
    return date(year, month, min(cutoff_day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int, cutoff_day: int) -> date:
    return _cut(year, month, cutoff_day)


def _month_start(year: int, month: int, cutoff_day: int) -> date:
    prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    return _cut(prev_year, prev_month, cutoff_day) + timedelta(days=1)


def standard_period(
    kind: str, year: int, month: int | None = None, cutoff_day: int = DEFAULT_CUTOFF_DAY
) -> Period:
    """The period of the given kind in a year, with the data cut on `cutoff_day`."""
    if kind not in PERIOD_KINDS:
        raise PeriodError(f"Loại kỳ không hợp lệ: {kind} (chọn {', '.join(PERIOD_KINDS)}).")
    if not 1 <= cutoff_day <= 31:
        raise PeriodError("Ngày chốt số liệu phải từ 1 đến 31.")
    if not 1900 < year < 3000:
        raise PeriodError(f"Năm không hợp lệ: {year}.")
    if kind == "month":
        if month is None or not 1 <= month <= 12:
            raise PeriodError("Kỳ tháng cần tháng từ 1 đến 12.")
        return Period(
            _month_start(year, month, cutoff_day),
            _month_end(year, month, cutoff_day),
            f"Tháng {month}/{year}",
        )
    first, last = {
        "q1": (1, 3),
        "q2": (4, 6),
        "q3": (7, 9),
        "q4": (10, 12),
        "6m": (1, 6),
        "9m": (1, 9),
        "year": (1, 12),
    }[kind]
    label = f"Năm {year}" if kind == "year" else f"{PERIOD_LABELS[kind]} năm {year}"
    return Period(_month_start(year, first, cutoff_day), _month_end(year, last, cutoff_day), label)


def date_range(start: date, end: date) -> Period:
    """Any range of dates, both ends included."""
    return Period(start, end, f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}")
