"""Figures a unit reported for a period, kept to be checked against the registers: entering
them (typed, or read from the form's .xlsx), listing those kept, and the comparison of one.

Every entry is kept: a unit that sends a corrected report gets a new entry beside the first,
the newest shown first."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from complaints.core import audit
from complaints.core.access import in_scope, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reports import checking
from complaints.reports.layouts import LAYOUTS
from complaints.reports.models import ReportedFigures
from complaints.reports.periods import Period, date_range
from complaints.reports.requests import Asked, Shown, produce
from complaints.units.models import Unit

SOURCES = ("typed", "file")
NOTE_MAX = 1000
FILE_NAME_MAX = 255


class ReportedError(OperationError):
    """Reported figures the rules refuse; the message is for the user."""


def record_reported(
    actor,
    *,
    unit: Unit,
    form: str,
    period: Period,
    with_subunits: bool,
    figures: dict,
    source: str,
    file_name: str = "",
    note: str = "",
) -> ReportedFigures:
    """Keep the figures a unit reported for a period (a new entry, never a replacement)."""
    if not unit_in_scope(actor, unit):
        raise ReportedError(_("Đơn vị %(code)s nằm ngoài phạm vi của bạn.", code=unit.code))
    layout = LAYOUTS.get(form)
    if layout is None:
        raise ReportedError(_("Mẫu báo cáo không tồn tại: %(form)s.", form=form))
    if source not in SOURCES:
        raise ReportedError(_("Nguồn số liệu không hợp lệ."))
    if len(note or "") > NOTE_MAX:
        raise ReportedError(_("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX))
    clean, errors = checking.read_entered(layout, figures)
    unknown = {k for k in figures if "#" not in k} - {c.figure for c in layout.columns}
    if errors or unknown:
        raise ReportedError(_("Có số liệu không hợp lệ: xem ghi chú bên cạnh từng ô."))
    if not clean:
        raise ReportedError(
            _("Chưa có số liệu nào: nhập ít nhất một số liệu của báo cáo, hoặc tải tệp lên.")
        )
    entry = ReportedFigures(
        unit_id=unit.id,
        form=form,
        start=period.start,
        end=period.end,
        period_label=str(period.label)[:80],
        with_subunits=with_subunits,
        figures=clean,
        source=source,
        file_name=(file_name or "")[:FILE_NAME_MAX],
        note=(note or "").strip(),
        checking_unit_id=getattr(actor, "unit_id", None),
        entered_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "report.reported_entered",
        entry,
        actor=actor,
        unit_id=unit.id,
        after={
            "form": form,
            "from": period.start,
            "to": period.end,
            "with_subunits": with_subunits,
            "source": source,
            "file_name": entry.file_name,
            "figures": clean,
        },
        summary=f"Nhập số liệu báo cáo {form} của {unit.code} ({period.label}) để đối chiếu",
    )
    return entry


def kept_query(
    user,
    *,
    unit: Unit | None = None,
    form: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> sa.Select:
    """The entries the user's units reach, newest first, narrowed as asked."""
    query = (
        sa.select(ReportedFigures)
        .where(in_scope(user, ReportedFigures.unit_id))
        .options(
            selectinload(ReportedFigures.unit),
            selectinload(ReportedFigures.entered_by),
        )
        .order_by(ReportedFigures.entered_at.desc(), ReportedFigures.id.desc())
    )
    if unit is not None:
        query = query.where(ReportedFigures.unit_id == unit.id)
    if form:
        query = query.where(ReportedFigures.form == form)
    if start is not None:
        query = query.where(ReportedFigures.start == start)
    if end is not None:
        query = query.where(ReportedFigures.end == end)
    return query


def period_of(entry: ReportedFigures) -> Period:
    """The entry's period, with the label it was chosen by ("Quý I năm 2026")."""
    if entry.period_label:
        return Period(entry.start, entry.end, entry.period_label)
    return date_range(entry.start, entry.end)


def compare(entry: ReportedFigures, user) -> tuple[checking.Comparison, Shown]:
    """The entry beside the registers' figures of the same unit, form and period (frozen when
    the period was closed, as the report page shows them)."""
    asked = Asked(entry.form, entry.unit, period_of(entry), entry.with_subunits, {})
    shown = produce(asked, live_requested=False, user=user)
    report = shown.report
    comparison = checking.compare(
        LAYOUTS[entry.form],
        entry.figures or {},
        report.total.values,
        report.total.rate,
        report.settings.basis,
    )
    return comparison, shown
