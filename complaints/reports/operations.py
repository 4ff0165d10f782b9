"""Use cases of the reports feature that change data (closing a period is service.close_period)."""

from __future__ import annotations

from complaints.core import audit
from complaints.core.access import unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reports.figures import RATE_BASES, RATE_KINDS, ROUNDING_MODES
from complaints.reports.models import ReportSettings
from complaints.reports.service import settings_for
from complaints.units.models import Unit

SETTINGS_FIELDS = ("rate_basis", "rate_kinds", "rounding", "cutoff_day", "feedback_days")


class SettingsError(OperationError):
    """Report settings the rules refuse; the message is for the user."""


def save_settings(
    actor,
    unit: Unit,
    *,
    rate_basis: str,
    rate_kinds: str,
    rounding: str,
    cutoff_day: int,
    feedback_days: int,
) -> bool:
    """Give a unit its own report settings (units below inherit them); False when unchanged."""
    if not unit_in_scope(actor, unit):
        raise SettingsError(_("Đơn vị %(code)s nằm ngoài phạm vi của bạn.", code=unit.code))
    if rate_basis not in RATE_BASES:
        raise SettingsError(_("Cách tính tỷ lệ không hợp lệ."))
    if rate_kinds not in RATE_KINDS:
        raise SettingsError(_("Loại việc tính tỷ lệ không hợp lệ."))
    if rounding not in ROUNDING_MODES:
        raise SettingsError(_("Cách làm tròn không hợp lệ."))
    if not 1 <= int(cutoff_day) <= 31:
        raise SettingsError(_("Ngày chốt số liệu phải từ 1 đến 31."))
    if not 1 <= int(feedback_days) <= 365:
        raise SettingsError(_("Thời hạn trả lời kiến nghị, phản ánh phải từ 1 đến 365 ngày."))
    after = {
        "rate_basis": rate_basis,
        "rate_kinds": rate_kinds,
        "rounding": rounding,
        "cutoff_day": int(cutoff_day),
        "feedback_days": int(feedback_days),
    }
    effective = settings_for(unit)
    before = audit.snapshot(effective, SETTINGS_FIELDS)
    own = db.session.get(ReportSettings, unit.id)
    if own is not None and before == after:
        return False
    if own is None:
        # Saving pins the unit's own settings, even when equal to those it inherited.
        inherited_from = effective.unit_id if effective.unit_id != unit.id else None
        before = {**before, "inherited_from_unit_id": inherited_from}
        own = ReportSettings(unit_id=unit.id)
        db.session.add(own)
    for name, value in after.items():
        setattr(own, name, value)
    db.session.flush()
    old, new = audit.diff(before, after)
    audit.record(
        "report.settings_changed",
        actor=actor,
        unit_id=unit.id,
        entity_type="report_settings",
        entity_id=unit.id,
        before=old or before,
        after=new or after,
        summary=f"Thiết lập báo cáo của đơn vị {unit.code}",
    )
    return True
