"""The working calendar of the installation, and the administrator's adjustments of it.

`work_calendar()` is the calendar every working-day count uses (deadlines, the publication of
reception schedules, the dashboard, the citizen page, imports): the `holidays` package's
Vietnamese holidays and official make-up days (core/calendar.py) with the days the
administrator added. Adding or removing a day recomputes the running deadlines it can move."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.calendar.models import CalendarOverride
from complaints.core import audit
from complaints.core.calendar import WorkCalendar
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db


def work_calendar() -> WorkCalendar:
    """The VN calendar with the administrator's overrides (extra days off, make-up days)."""
    rows = db.session.execute(sa.select(CalendarOverride.day, CalendarOverride.working)).all()
    return WorkCalendar(
        extra_days_off={d for d, working in rows if not working},
        extra_working_days={d for d, working in rows if working},
    )


def recompute_around(day: date) -> int:
    """The deadlines a change of the calendar on `day` can move, recomputed (how many)."""
    from complaints.cases.deadlines import recompute_around as recompute

    return recompute(day)


class CalendarError(OperationError):
    """A calendar override that cannot be made; the message is for the administrator."""

    def __init__(self, message: str, field: str | None = "day"):
        super().__init__(message, field)


def add_calendar_override(actor, *, day: date, working: bool, note: str) -> CalendarOverride:
    """Mark a day off (extra holiday) or working (make-up day) for every deadline after."""
    if db.session.get(CalendarOverride, day) is not None:
        raise CalendarError(
            _(
                "Ngày %(day)s đã được điều chỉnh; xóa dòng cũ trước khi đổi.",
                day=fmt_date(day),
            )
        )
    usual = WorkCalendar().is_working_day(day)
    if usual == working:
        if usual:
            message = _(
                "Ngày %(day)s vốn đã là ngày làm việc, không cần điều chỉnh.", day=fmt_date(day)
            )
        else:
            message = _(
                "Ngày %(day)s vốn đã là ngày nghỉ, không cần điều chỉnh.", day=fmt_date(day)
            )
        raise CalendarError(message)
    row = CalendarOverride(day=day, working=working, note=note)
    db.session.add(row)
    db.session.flush()
    moved = recompute_around(day)
    audit.record(
        "calendar.override_added",
        actor=actor,
        unit_id=actor.unit_id,
        entity_type="calendar_override",
        after={"day": day, "working": working, "note": note},
        summary=(
            f"Điều chỉnh lịch: {day:%d/%m/%Y} là {'ngày làm việc' if working else 'ngày nghỉ'}; "
            f"tính lại thời hạn của {moved} hồ sơ"
        ),
    )
    return row


def delete_calendar_override(actor, row: CalendarOverride) -> None:
    before = {"day": row.day, "working": row.working, "note": row.note}
    db.session.delete(row)
    db.session.flush()
    moved = recompute_around(before["day"])
    audit.record(
        "calendar.override_deleted",
        actor=actor,
        unit_id=actor.unit_id,
        entity_type="calendar_override",
        before=before,
        summary=(
            f"Bỏ điều chỉnh lịch ngày {before['day']:%d/%m/%Y}; tính lại thời hạn của {moved} hồ sơ"
        ),
    )
