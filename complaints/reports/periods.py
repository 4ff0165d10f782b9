"""Reporting periods: the cut-offs of TT 01/2024/TT-TTCP (data cut on the 14th), a unit's own
cut-off day, or any date range."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date
from complaints.core.translate import L_, Phrase
from complaints.core.translate import gettext as _

PERIOD_KINDS = ("month", "q1", "q2", "q3", "q4", "6m", "9m", "year")
PERIOD_LABELS = {
    "month": L_("Tháng"),
    "q1": L_("Quý I"),
    "q2": L_("Quý II"),
    "q3": L_("Quý III"),
    "q4": L_("Quý IV"),
    "6m": L_("6 tháng"),
    "9m": L_("9 tháng"),
    "year": L_("Năm"),
}
DEFAULT_CUTOFF_DAY = 14  # TT 01/2024: the month runs from the 15th to the 14th


class PeriodError(OperationError):
    """A period that cannot exist; the message is for the user."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str  # a Phrase: Vietnamese on the forms and in files, translated on a page

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(
                _(
                    "Kỳ báo cáo kết thúc (%(end)s) trước khi bắt đầu (%(start)s).",
                    end=fmt_date(self.end),
                    start=fmt_date(self.start),
                )
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
        raise PeriodError(
            _(
                "Loại kỳ không hợp lệ: %(kind)s (chọn %(kinds)s).",
                kind=kind,
                kinds=", ".join(PERIOD_KINDS),
            )
        )
    if not 1 <= cutoff_day <= 31:
        raise PeriodError(_("Ngày chốt số liệu phải từ 1 đến 31."))
    if not 1900 < year < 3000:
        raise PeriodError(_("Năm không hợp lệ: %(year)s.", year=year))
    if kind == "month":
        if month is None or not 1 <= month <= 12:
            raise PeriodError(_("Kỳ tháng cần tháng từ 1 đến 12."))
        return Period(
            _month_start(year, month, cutoff_day),
            _month_end(year, month, cutoff_day),
            Phrase(lambda _: _("Tháng %(month)s/%(year)s", month=month, year=year)),
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
    if kind == "year":
        label = Phrase(lambda _: _("Năm %(year)s", year=year))
    else:
        label = Phrase(
            lambda _: _("%(period)s năm %(year)s", period=_(PERIOD_LABELS[kind]), year=year)
        )
    return Period(_month_start(year, first, cutoff_day), _month_end(year, last, cutoff_day), label)


def date_range(start: date, end: date) -> Period:
    """Any range of dates, both ends included."""
    label = Phrase(
        lambda _: _("Từ %(start)s đến %(end)s", start=fmt_date(start), end=fmt_date(end))
    )
    return Period(start, end, label)


def period_args(period: Period, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> dict[str, str]:
    """The report page's arguments for a period: its standard kind and year (and month) when
    it is one under `cutoff_day` ("Năm 2026" stays a year on the way back from a drill-down),
    else its two dates."""
    year = period.end.year  # a standard period ends in its own year
    for kind in PERIOD_KINDS:
        for month in range(1, 13) if kind == "month" else (None,):
            try:
                standard = standard_period(kind, year, month, cutoff_day)
            except PeriodError:
                continue
            if (standard.start, standard.end) == (period.start, period.end):
                args = {"period": kind, "year": str(year)}
                if month is not None:
                    args["month"] = str(month)
                return args
    return {"period": "range", "from": fmt_date(period.start), "to": fmt_date(period.end)}
