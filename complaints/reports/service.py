"""Reports: a layout's figures for a unit (alone or with its sub-units) over a period, with a
row per sub-unit and a total, the identities checked, the rate and the headline sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from complaints.core import audit
from complaints.core.access import unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_decimal, fmt_int
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reports import figures as F
from complaints.reports.layouts import LAYOUTS, Layout
from complaints.reports.models import ClosedReport, ReportSettings
from complaints.reports.periods import Period
from complaints.units.models import Unit


class ReportError(OperationError):
    """A report that cannot be produced as asked; the message is for the user."""


@dataclass
class Row:
    unit: Unit | None  # None: the total
    label: str
    values: dict[str, int]
    rate: Decimal | None = None
    unit_ids: list[int] = field(default_factory=list)

    def value(self, figure_id: str):
        if figure_id == "competent.resolution_rate":
            return self.rate
        return self.values.get(figure_id, 0)


@dataclass
class Report:
    layout: Layout | None
    unit: Unit
    period: Period
    with_subunits: bool
    settings: F.RateSettings
    rows: list[Row]
    total: Row
    checks: list[F.IdentityCheck]
    headline: str = ""

    @property
    def failing_checks(self) -> list[F.IdentityCheck]:
        return [c for c in self.checks if not c.ok]

    def figures(self) -> dict:
        """The total's figures by identifier, the rate as a string in the unit's rounding."""
        data: dict = dict(self.total.values)
        if self.total.rate is not None or (self.layout and self.layout.rate):
            data["competent.resolution_rate"] = (
                str(self.total.rate) if self.total.rate is not None else None
            )
        return data

    def as_dict(self) -> dict:
        return {
            "form": self.layout.code if self.layout else "summary",
            "title": self.layout.title if self.layout else "Báo cáo tóm tắt",
            "unit": self.unit.code,
            "unit_name": self.unit.name,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "period": self.period.label,
            "with_subunits": self.with_subunits,
            "figures": self.figures(),
            "rows": [
                {
                    "unit": r.unit.code if r.unit else None,
                    "label": r.label,
                    "figures": {
                        **r.values,
                        **(
                            {"competent.resolution_rate": str(r.rate)} if r.rate is not None else {}
                        ),
                    },
                }
                for r in self.rows
            ],
            "identities": [
                {
                    "identity": c.identity.label,
                    "row": c.row_label,
                    "left": c.left,
                    "right": c.right,
                    "ok": c.ok,
                }
                for c in self.checks
            ],
            "headline": self.headline,
        }


def settings_for(unit: Unit) -> ReportSettings:
    """The unit's report settings, or its nearest ancestor's, or the defaults."""
    ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    found = {
        s.unit_id: s
        for s in db.session.scalars(
            sa.select(ReportSettings).where(ReportSettings.unit_id.in_(ids))
        )
    }
    for uid in reversed(ids):
        if uid in found:
            return found[uid]
    return ReportSettings(
        unit_id=unit.id,
        rate_basis="cases",
        rate_kinds="both",
        rounding="half_up_2",
        cutoff_day=14,
        feedback_days=15,
    )


def _rate_settings(s: ReportSettings) -> F.RateSettings:
    return F.RateSettings(basis=s.rate_basis, rounding=s.rounding)


def _row_groups(unit: Unit, with_subunits: bool) -> list[tuple[Unit, list[int], str]]:
    """The rows of a report: the unit's own records, then each sub-unit with its subtree."""
    if not with_subunits:
        return [(unit, [unit.id], unit.name)]
    prefix = unit.path  # "/1/7/": a unit below it has "/1/7/<child id>/..."
    subtree = db.session.execute(
        sa.select(Unit.id, Unit.path).where(Unit.path.startswith(prefix, autoescape=True))
    ).all()
    below: dict[int, list[int]] = {}
    for uid, path in subtree:
        if path != prefix:  # the child is the first id after the unit's own path
            below.setdefault(int(path[len(prefix) :].split("/", 1)[0]), []).append(uid)
    children = sorted(unit.children, key=lambda u: u.code)
    groups = [(unit, [unit.id], f"{unit.name} (cấp mình)")]
    groups += [(child, below.get(child.id, []), child.name) for child in children]
    return groups


def _sum(dicts: list[dict[str, int]], keys) -> dict[str, int]:
    if len(dicts) == 1:  # most rows are one unit: no addition to make
        return {k: dicts[0].get(k, 0) for k in keys}
    return {k: sum(d.get(k, 0) for d in dicts) for k in keys}


def build(
    form: str, unit: Unit, period: Period, *, with_subunits: bool = False, user=None
) -> Report:
    """Compute a form for a unit and period; refuse a unit outside the user's scope."""
    if form not in LAYOUTS and form != "summary":
        raise ReportError(
            _(
                "Mẫu báo cáo không tồn tại: %(form)s. Chọn một trong: %(forms)s.",
                form=form,
                forms=", ".join(["summary", *LAYOUTS]),
            )
        )
    if user is not None and not unit_in_scope(user, unit):
        raise ReportError(_("Đơn vị %(code)s nằm ngoài phạm vi của bạn.", code=unit.code))
    settings = settings_for(unit)
    rate_settings = _rate_settings(settings)
    if form == "summary":
        return _summary(unit, period, settings, rate_settings)
    layout = LAYOUTS[form]
    groups = _row_groups(unit, with_subunits)
    all_ids = [uid for _, ids, _ in groups for uid in ids]
    ids = layout.figure_ids
    by_unit = F.compute_by_unit(ids, all_ids, period, layout.kinds)
    rows = []
    for row_unit, unit_ids, label in groups:
        values = _sum([by_unit.get(uid, {}) for uid in unit_ids], ids)
        rate = F.resolution_rate(values, rate_settings) if layout.rate else None
        rows.append(Row(row_unit, label, values, rate, unit_ids))
    total_values = _sum([r.values for r in rows], ids)
    total = Row(
        None,
        "Tổng cộng",
        total_values,
        F.resolution_rate(total_values, rate_settings) if layout.rate else None,
        all_ids,
    )
    checks = []
    for r in [*rows, total] if with_subunits else [total]:
        checks += F.check_identities(r.values, r.label)
    return Report(layout, unit, period, with_subunits, rate_settings, rows, total, checks)


def _summary(
    unit: Unit, period: Period, settings: ReportSettings, rate_settings: F.RateSettings
) -> Report:
    """The headline: reception and petitions of the whole unit tree; competence of the unit."""
    tree_ids = [uid for _, ids, _ in _row_groups(unit, True) for uid in ids]
    wide_ids = ["reception.visits", "reception.people", "petitions.total", "petitions.received"]
    wide = _sum(list(F.compute_by_unit(wide_ids, tree_ids, period).values()), wide_ids)
    own_ids = [
        "competent.petitions",
        "competent.cases",
        "competent.resolved",
        "competent.resolved_petitions",
        "competent.still_open",
    ]
    kinds = (
        ("complaint", "denunciation") if settings.rate_kinds == "both" else (settings.rate_kinds,)
    )
    own = _sum(list(F.compute_by_unit(own_ids, [unit.id], period, kinds).values()), own_ids)
    values = {**wide, **own}
    rate = F.resolution_rate(values, rate_settings)
    total = Row(unit, unit.name, values, rate, tree_ids)
    report = Report(None, unit, period, True, rate_settings, [total], total, [])
    report.headline = headline(unit, period, values, rate, rate_settings)
    return report


def _scope_name(unit: Unit) -> str:
    """'toàn thành phố', 'toàn tỉnh', 'toàn phường'...: how reports name the whole area."""
    name = unit.name.lower()
    for area in ("thành phố", "tỉnh", "phường", "xã", "đặc khu", "quận", "huyện", "thị xã"):
        if area in name:
            return f"toàn {area}"
    return f"toàn {unit.name}"


def headline(
    unit: Unit,
    period: Period,
    v: dict[str, int],
    rate: Decimal | None,
    rate_settings: F.RateSettings,
) -> str:
    """The report's summary sentence, in the form of the published reports."""
    places = F.ROUNDING_MODES[rate_settings.rounding][0]
    rate_text = f"{fmt_decimal(rate, places)}%" if rate is not None else "chưa có vụ việc"
    return (
        f"{period.label}, {_scope_name(unit)} đã tiếp {fmt_int(v['reception.visits'])} lượt "
        f"với {fmt_int(v['reception.people'])} người khiếu nại, tố cáo, kiến nghị, phản ánh; "
        f"nhận và xử lý {fmt_int(v['petitions.total'])} đơn thư các loại; số vụ việc khiếu nại, "
        f"tố cáo thuộc thẩm quyền {unit.name} là {fmt_int(v['competent.petitions'])} đơn, "
        f"{fmt_int(v['competent.cases'])} vụ việc, đã giải quyết "
        f"{fmt_int(v['competent.resolved'])} vụ việc, đạt tỷ lệ {rate_text}, còn "
        f"{fmt_int(v['competent.still_open'])} vụ việc đang giải quyết."
    )


def format_value(report: Report, figure_id: str, value) -> str:
    """A figure as printed: 5.873, or the rate as 88,24 in the unit's rounding."""
    if figure_id == "competent.resolution_rate":
        if value is None:
            return "–"
        return fmt_decimal(value, F.ROUNDING_MODES[report.settings.rounding][0])
    return fmt_int(value)


# --- closed periods --------------------------------------------------------------------------


def find_closed(form: str, unit: Unit, period: Period, with_subunits: bool) -> ClosedReport | None:
    return db.session.scalar(
        sa.select(ClosedReport).where(
            ClosedReport.unit_id == unit.id,
            ClosedReport.form == form,
            ClosedReport.start == period.start,
            ClosedReport.end == period.end,
            ClosedReport.with_subunits == with_subunits,
        )
    )


def close_period(actor, form: str, unit: Unit, period: Period, with_subunits: bool) -> ClosedReport:
    """Freeze a report's figures; later corrections show as differences, never silently."""
    if find_closed(form, unit, period, with_subunits):
        raise ReportError(
            _(
                "Kỳ báo cáo %(label)s của mẫu %(form)s đã được khoá số liệu.",
                label=period.label,
                form=form,
            )
        )
    report = build(form, unit, period, with_subunits=with_subunits, user=actor)
    closed = ClosedReport(
        unit_id=unit.id,
        form=form,
        start=period.start,
        end=period.end,
        with_subunits=with_subunits,
        data=report.as_dict(),
        closed_by_id=getattr(actor, "id", None),
    )
    db.session.add(closed)
    db.session.flush()
    audit.record(
        "report.closed",
        closed,
        actor=actor,
        unit_id=unit.id,
        after={"form": form, "from": period.start, "to": period.end},
        summary=f"Khoá số liệu {form} {period.label}",
    )
    return closed


def differences(closed: ClosedReport, live: Report) -> dict[str, tuple]:
    """Figures whose live value differs from the frozen one: id -> (frozen, live)."""
    frozen = closed.data.get("figures", {})
    now = live.as_dict()["figures"]
    return {
        k: (frozen.get(k), now.get(k))
        for k in sorted(set(frozen) | set(now))
        if frozen.get(k) != now.get(k)
    }
