"""Reports: a layout's figures for a unit (alone or with its sub-units) over a period, with a
row per sub-unit and a total, the identities checked, the rate and the headline sentence."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from complaints.core import audit, clock
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reports import convention as C
from complaints.reports import figures as F
from complaints.reports.layouts import LAYOUTS, Column, Layout
from complaints.reports.models import ClosedReport, ReportReopening, ReportSettings
from complaints.reports.periods import Period
from complaints.units.models import Unit


class ReportError(OperationError):
    """A report that cannot be produced as asked; the message is for the user."""


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A sub-unit as a report's row names it and links to it: its key, code and name (read
    with the report's other units in one query, not loaded as an ORM object each)."""

    id: int
    code: str
    name: str


@dataclass
class Row:
    unit: Unit | UnitRef | None  # None: the total
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
    # kinds "each": each kind apart (the summary), its figures and its own rate
    by_kind: dict[str, Row] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[Column, ...]:
        """The form's columns as printed under the report's rate basis."""
        return self.layout.columns_for(self.settings.basis) if self.layout else ()

    @property
    def rate_kind(self) -> str | None:
        """The one kind a form's rate counts (01/KQGQ: complaints), None for several."""
        kinds = self.layout.kinds if self.layout else ()
        return kinds[0] if len(kinds) == 1 else None

    def rate_places(self, kind: str | None = None) -> int:
        """The decimals of the printed rate: the kind's own rounding, else the report's."""
        return self.settings.places(kind or self.rate_kind)

    @property
    def convention_text(self) -> str:
        """Which convention the report used, as printed under it ("" for a form without a
        rate: nothing of it depends on the convention)."""
        if self.layout is not None and not self.layout.rate:
            return ""
        form_kinds = self.layout.kinds if self.layout and self.layout.rate else ()
        return C.describe(self.settings, form_kinds)

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
            "convention": {**self.settings.as_dict(), "text": self.convention_text},
            **(
                {
                    "by_kind": {
                        kind: {
                            "figures": dict(row.values),
                            "competent.resolution_rate": (
                                str(row.rate) if row.rate is not None else None
                            ),
                        }
                        for kind, row in self.by_kind.items()
                    }
                }
                if self.by_kind
                else {}
            ),
        }


def _ancestry(path: str) -> list[int]:
    """The ids of a unit's ancestors and its own, from the root down (its path "/1/7/")."""
    return [int(i) for i in path.strip("/").split("/") if i]


def _nearest_settings(path: str, unit_id: int, found: dict):
    """Of the settings `found` (by unit id: ReportSettings, or rows with their columns), those
    of the unit (its `path` and id) or of its nearest ancestor, or the defaults."""
    for uid in reversed(_ancestry(path)):
        if uid in found:
            return found[uid]
    return ReportSettings(
        unit_id=unit_id,
        rate_basis="cases",
        rate_kinds="both",
        rounding="half_up_2",
        cutoff_day=14,
        feedback_days=15,
    )


def settings_for(unit: Unit) -> ReportSettings:
    """The unit's report settings, or its nearest ancestor's, or the defaults."""
    found = {
        s.unit_id: s
        for s in db.session.scalars(
            sa.select(ReportSettings).where(ReportSettings.unit_id.in_(_ancestry(unit.path)))
        )
    }
    return _nearest_settings(unit.path, unit.id, found)


def default_convention(unit: Unit) -> F.RateSettings:
    """The unit's convention (its report settings, or those it inherits): what a report uses
    unless another is asked for."""
    return C.from_settings(settings_for(unit))


def _unit_key(unit: Unit) -> int:
    """The unit's id, without loading it when the session has expired it (a request's unit
    may come from another session's query): the report reads the rest of it in its context
    query."""
    identity = sa.inspect(unit).identity
    return identity[0] if identity else unit.id


@functools.cache
def _context_statement(with_subunits: bool) -> sa.Select:
    """The query of `_report_context`, built once, for the unit `unit_id` whose path the
    query reads itself: the unit (with sub-units, the units below it too: their path begins
    with its path), and its ancestors that have report settings (their path begins its path),
    each with its settings' convention if it has settings. The unit table is small (a
    country's is some 4,300 units) and read in one pass."""
    own = sa.select(Unit.path).where(Unit.id == sa.bindparam("unit_id", type_=sa.Integer()))
    own = own.scalar_subquery()
    if with_subunits:
        lines = sa.func.substr(Unit.path, 1, sa.func.length(own)) == own
    else:
        lines = Unit.id == sa.bindparam("unit_id", type_=sa.Integer())
    ancestor = sa.and_(
        ReportSettings.unit_id.isnot(None),
        sa.func.substr(own, 1, sa.func.length(Unit.path)) == Unit.path,
    )
    return (
        sa.select(
            Unit.id,
            Unit.path,
            Unit.parent_id,
            Unit.code,
            Unit.name,
            ReportSettings.rate_basis,
            ReportSettings.rate_kinds,
            ReportSettings.rounding,
        )
        .outerjoin(ReportSettings, ReportSettings.unit_id == Unit.id)
        .where(sa.or_(lines, ancestor))
    )


def _report_context(
    unit: Unit, with_subunits: bool
) -> tuple[F.RateSettings, list[tuple[Unit | UnitRef, list[int], str]], F.Subtree | list[int]]:
    """What a report needs besides its figures, in one query: the convention of the unit's
    settings (`settings_for`: its own or its nearest ancestor's), its rows (the unit's own
    records then, with sub-units, each child with its subtree's ids) and the units its
    figures count: with sub-units its subtree as an F.Subtree, which the figures' statement
    reads itself (with a country's 4,295 ids written into it, twice, its 03/KQGQ at 100,000
    petitions took 40 ms, 16 ms by the tree's path), else the unit's id. The query reads the
    unit itself (its path, code and name: the unit is not loaded for them), its ancestors
    that have settings and, with sub-units, its subtree's ids, paths, codes and names."""
    unit_id = _unit_key(unit)
    lines = db.session.connection().execute(_context_statement(with_subunits), {"unit_id": unit_id})
    lines = lines.all()
    me = next((line for line in lines if line[0] == unit_id), None)
    if me is None:  # not in the database (yet): as the session has it
        prefix, me_ref = unit.path, UnitRef(unit.id, unit.code, unit.name)
    else:
        prefix, me_ref = me[1], UnitRef(unit_id, me[3], me[4])
    found = {}
    below: dict[int, list[int]] = {}
    children = []
    for line in lines:
        line_id, path, parent_id, code, name, basis = line[:6]
        if not path.startswith(prefix) or path == prefix:  # an ancestor, or the unit itself
            if basis is not None:
                found[line_id] = line
            continue
        # below the unit: its child is the first id after its path
        below.setdefault(int(path[len(prefix) :].split("/", 1)[0]), []).append(line_id)
        if parent_id == unit_id:
            children.append(UnitRef(line_id, code, name))
    convention = C.from_settings(_nearest_settings(prefix, unit_id, found))
    if not with_subunits:
        return convention, [(me_ref, [unit_id], me_ref.name)], [unit_id]
    children.sort(key=lambda u: u.code)
    groups: list[tuple[Unit | UnitRef, list[int], str]] = [
        (me_ref, [unit_id], f"{me_ref.name} (cấp mình)")
    ]
    groups += [(child, below.get(child.id, []), child.name) for child in children]
    return convention, groups, F.Subtree(prefix)


def _sum(dicts: list[dict[str, int]], keys) -> dict[str, int]:
    """The figures `keys` (in their order) added over `dicts`, 0 where none has one."""
    total = dict.fromkeys(keys, 0)
    for values in dicts:
        if len(dicts) == 1 and values.keys() <= total.keys():
            total.update(values)  # most rows are one unit: no addition to make
            break
        for k in total.keys() & values.keys():
            total[k] += values[k]
    return total


def _add(vectors: list[tuple[int, ...]], zero: tuple[int, ...]) -> tuple[int, ...]:
    """Rows of figures (in the same columns) added up column by column."""
    if len(vectors) == 1:
        return vectors[0]
    return tuple(map(sum, zip(*vectors, strict=True))) if vectors else zero


def build(
    form: str,
    unit: Unit,
    period: Period,
    *,
    with_subunits: bool = False,
    user=None,
    convention: F.RateSettings | None = None,
) -> Report:
    """Compute a form for a unit and period; refuse a unit outside the user's scope.
    `convention`: the rate's basis, kinds and rounding (default: the unit's settings); a form
    with its own kind (01/KQGQ, 03/KQGQ) counts that kind, rounded the kind's way."""
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
    unit_convention, groups, counted = _report_context(unit, with_subunits or form == "summary")
    rate_settings = convention or unit_convention
    if form == "summary":
        return _summary(unit, period, rate_settings, groups, counted)
    layout = LAYOUTS[form]
    report_settings = rate_settings
    if len(layout.kinds) == 1:
        rate_settings = rate_settings.for_kind(layout.kinds[0])
    all_ids = [uid for _, ids, _ in groups for uid in ids]
    ids = tuple(layout.figure_ids)
    computed, by_unit = F.compute_rows(ids, counted, period, layout.kinds)
    if computed != ids:  # a column no query computes: 0 (every form's columns are computed)
        at = {fid: i for i, fid in enumerate(computed)}
        by_unit = {
            uid: tuple(v[at[fid]] if fid in at else 0 for fid in ids) for uid, v in by_unit.items()
        }
    zero = (0,) * len(ids)
    rows, vectors = [], []
    for row_unit, unit_ids, label in groups:
        vector = _add([by_unit.get(uid, zero) for uid in unit_ids], zero)
        values = dict(zip(ids, vector, strict=True))
        rate = F.resolution_rate(values, rate_settings) if layout.rate else None
        rows.append(Row(row_unit, label, values, rate, unit_ids))
        vectors.append(vector)
    total_vector = _add(vectors, zero)
    total_values = dict(zip(ids, total_vector, strict=True))
    total = Row(
        None,
        "Tổng cộng",
        total_values,
        F.resolution_rate(total_values, rate_settings) if layout.rate else None,
        all_ids,
    )
    checks = []
    if with_subunits:
        for r, vector in zip(rows, vectors, strict=True):
            checks += F.check_row(ids, vector, r.label)
    checks += F.check_row(ids, total_vector, total.label)
    return Report(layout, unit, period, with_subunits, report_settings, rows, total, checks)


def _summary(
    unit: Unit, period: Period, rate_settings: F.RateSettings, groups, tree: F.Subtree
) -> Report:
    """The headline: reception and petitions of the whole unit tree (`groups`: the rows of the
    unit with its sub-units, `tree` its units for the figures); competence of the unit."""
    tree_ids = [uid for _, ids, _ in groups for uid in ids]
    wide_ids = ["reception.visits", "reception.people", "petitions.total", "petitions.received"]
    wide = F.compute_totals(wide_ids, tree, period)
    own_ids = [
        "competent.petitions",
        "competent.cases",
        "competent.resolved",
        "competent.resolved_petitions",
        "competent.still_open",
    ]
    by_kind: dict[str, Row] = {}
    if rate_settings.kinds == "each":  # each kind counted apart, the total their sum
        for kind in F.KINDS_APART:
            values = F.compute_totals(own_ids, [unit.id], period, (kind,))
            rate = F.resolution_rate(values, rate_settings.for_kind(kind))
            by_kind[kind] = Row(unit, C.KIND_NAMES[kind], values, rate, [unit.id])
        own = _sum([r.values for r in by_kind.values()], own_ids)
    else:
        own = F.compute_totals(own_ids, [unit.id], period, rate_settings.counted_kinds)
    values = {**wide, **own}
    rate = F.resolution_rate(values, rate_settings)
    total = Row(unit, unit.name, values, rate, tree_ids)
    report = Report(None, unit, period, True, rate_settings, [total], total, [], by_kind=by_kind)
    report.headline = headline(unit, period, values, rate, rate_settings, by_kind)
    return report


def _scope_name(unit: Unit) -> str:
    """'toàn thành phố', 'toàn tỉnh', 'toàn phường'...: how reports name the whole area."""
    name = unit.name.lower()
    for area in ("thành phố", "tỉnh", "phường", "xã", "đặc khu", "quận", "huyện", "thị xã"):
        if area in name:
            return f"toàn {area}"
    return f"toàn {unit.name}"


_KINDS_WORDS = {"complaint": "khiếu nại", "denunciation": "tố cáo"}


def _rate_text(rate: Decimal | None, places: int) -> str:
    return f"{fmt_decimal(rate, places)}%" if rate is not None else "chưa có vụ việc"


def _resolved_part(v: dict[str, int], rate: Decimal | None, basis: str, places: int) -> str:
    """'đã giải quyết 176/221 đơn, đạt tỷ lệ 79,63%': the rate with the two numbers it is the
    quotient of, in the unit of its basis."""
    num, den = F.rate_terms(v, basis)
    what = "đơn" if basis == "petitions" else "vụ việc"
    return (
        f"đã giải quyết {fmt_int(num)}/{fmt_int(den)} {what}, đạt tỷ lệ {_rate_text(rate, places)}"
    )


def headline(
    unit: Unit,
    period: Period,
    v: dict[str, int],
    rate: Decimal | None,
    rate_settings: F.RateSettings,
    by_kind: dict[str, Row] | None = None,
) -> str:
    """The report's summary sentence, in the form of the published reports. Its figures on
    competence count the kinds of the rate and give the rate with the numbers it divides:
    on cases as published ("272 vụ việc, đã giải quyết 240 vụ việc, đạt tỷ lệ 88,24%"), on
    petitions "221 đơn (204 vụ việc), đã giải quyết 176/221 đơn, đạt tỷ lệ 79,63%"; with
    each kind apart, each kind's count and rate in one sentence, each in its own rounding."""
    kinds = rate_settings.kinds
    words = _KINDS_WORDS.get(kinds, "khiếu nại, tố cáo")
    opening = (
        f"{period.label}, {_scope_name(unit)} đã tiếp {fmt_int(v['reception.visits'])} lượt "
        f"với {fmt_int(v['reception.people'])} người khiếu nại, tố cáo, kiến nghị, phản ánh; "
        f"nhận và xử lý {fmt_int(v['petitions.total'])} đơn thư các loại; số vụ việc {words} "
        f"thuộc thẩm quyền {unit.name} là "
    )
    petitions, cases = fmt_int(v["competent.petitions"]), fmt_int(v["competent.cases"])
    still_open = f"còn {fmt_int(v['competent.still_open'])} vụ việc đang giải quyết."
    basis = rate_settings.basis
    if kinds == "each" and by_kind:
        counts = (
            f"{petitions} đơn ({cases} vụ việc)"
            if basis == "petitions"
            else (f"{petitions} đơn, {cases} vụ việc")
        )
        parts = [
            f"{_KINDS_WORDS[kind]}: "
            + _resolved_part(row.values, row.rate, basis, rate_settings.places(kind))
            for kind, row in by_kind.items()
        ]
        return f"{opening}{counts}; {'; '.join(parts)}; {still_open}"
    places = rate_settings.places()
    if basis == "petitions":
        return (
            f"{opening}{petitions} đơn ({cases} vụ việc), "
            f"{_resolved_part(v, rate, basis, places)}, {still_open}"
        )
    return (
        f"{opening}{petitions} đơn, {cases} vụ việc, đã giải quyết "
        f"{fmt_int(v['competent.resolved'])} vụ việc, đạt tỷ lệ {_rate_text(rate, places)}, "
        f"{still_open}"
    )


def format_value(report: Report, figure_id: str, value, kind: str | None = None) -> str:
    """A figure as printed: 5.873, or the rate as 88,24 in the report's rounding (a kind's
    own rounding for a form of one kind, or for `kind`)."""
    if figure_id == "competent.resolution_rate":
        if value is None:
            return "–"
        return fmt_decimal(value, report.rate_places(kind))
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


REASON_MAX = 1000  # characters of an early lock's or a reopening's reason


def lockable_from(period: Period):
    """The first day a period may be locked without an override: the day after its end (the
    end as the period rules cut it; a day's records may still come in on the last day)."""
    return period.end + timedelta(days=1)


def locks_early(period: Period) -> bool:
    """True while locking the period would need the explicit override (today from core/clock)."""
    return clock.today() < lockable_from(period)


def _reason(text: str | None, field: str, missing: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ReportError(missing, field)
    if len(reason) > REASON_MAX:
        raise ReportError(_("Lý do tối đa %(n)s ký tự.", n=REASON_MAX), field)
    return reason


def close_period(
    actor,
    form: str,
    unit: Unit,
    period: Period,
    with_subunits: bool,
    convention: F.RateSettings | None = None,
    *,
    early: bool = False,
    early_reason: str | None = None,
) -> ClosedReport:
    """Freeze a report's figures; later corrections show as differences, never silently.

    A period is locked once it has ended; before that only with `early` (the user's explicit
    override) and a reason, both recorded with the lock and in the audit log. A period not yet
    begun cannot be locked at all."""
    if actor is not None and not unit_in_scope(actor, unit):
        raise ReportError(_("Đơn vị %(code)s nằm ngoài phạm vi của bạn.", code=unit.code))
    if find_closed(form, unit, period, with_subunits):
        raise ReportError(
            _(
                "Kỳ báo cáo %(label)s của mẫu %(form)s đã được khóa số liệu.",
                label=period.label,
                form=form,
            )
        )
    today = clock.today()
    reason = ""
    if today < lockable_from(period):
        if period.start > today:
            raise ReportError(
                _(
                    "Kỳ báo cáo %(label)s chưa bắt đầu (từ ngày %(start)s): không khóa số liệu.",
                    label=period.label,
                    start=fmt_date(period.start),
                ),
                "early",
            )
        if not early:
            raise ReportError(
                _(
                    "Kỳ báo cáo %(label)s kết thúc ngày %(end)s: chỉ khóa số liệu được từ ngày "
                    "%(first)s. Muốn khóa trước khi hết kỳ, chọn “Khóa trước khi hết kỳ” và ghi "
                    "lý do.",
                    label=period.label,
                    end=fmt_date(period.end),
                    first=fmt_date(lockable_from(period)),
                ),
                "early",
            )
        reason = _reason(
            early_reason, "early_reason", _("Ghi lý do khóa số liệu trước khi hết kỳ.")
        )
    report = build(
        form, unit, period, with_subunits=with_subunits, user=actor, convention=convention
    )
    closed = ClosedReport(
        unit_id=unit.id,
        form=form,
        start=period.start,
        end=period.end,
        with_subunits=with_subunits,
        data=report.as_dict(),
        closed_at=clock.now(),
        closed_by_id=getattr(actor, "id", None),
        early_reason=reason,
    )
    db.session.add(closed)
    db.session.flush()
    after = {"form": form, "from": period.start, "to": period.end, "sub": with_subunits}
    summary = f"Khóa số liệu {form} {period.label}"
    if reason:
        after.update({"before_end": True, "reason": reason})
        summary += f" trước khi hết kỳ (kết thúc {fmt_date(period.end)}). Lý do: {reason}"
    audit.record(
        "report.closed", closed, actor=actor, unit_id=unit.id, after=after, summary=summary
    )
    return closed


def reopen_period(actor, closed: ClosedReport, reason: str | None) -> ReportReopening:
    """Reopen a locked period (a leader's or an administrator's act, core/access
    "report.reopen"), with a reason: the lock is kept in the reopening, audited, and the period
    can be locked again, its figures computed afresh."""
    if not has_permission(actor, "report.reopen"):
        raise ReportError(_("Bạn không có quyền mở khóa số liệu."))
    if not unit_in_scope(actor, closed.unit):
        raise ReportError(_("Đơn vị %(code)s nằm ngoài phạm vi của bạn.", code=closed.unit.code))
    reason = _reason(reason, "reason", _("Ghi lý do mở khóa số liệu."))
    label = closed.period_label
    reopening = ReportReopening(
        unit_id=closed.unit_id,
        form=closed.form,
        start=closed.start,
        end=closed.end,
        with_subunits=closed.with_subunits,
        data=closed.data,
        closed_at=closed.closed_at,
        closed_by_id=closed.closed_by_id,
        early_reason=closed.early_reason or "",
        reopened_at=clock.now(),
        reopened_by_id=getattr(actor, "id", None),
        reason=reason,
    )
    db.session.add(reopening)
    before = {
        "form": closed.form,
        "from": closed.start,
        "to": closed.end,
        "sub": closed.with_subunits,
        "closed_at": closed.closed_at,
        "closed_by_id": closed.closed_by_id,
        "early_reason": closed.early_reason or "",
    }
    db.session.delete(closed)
    db.session.flush()
    audit.record(
        "report.reopened",
        reopening,
        actor=actor,
        unit_id=reopening.unit_id,
        before=before,
        after={"reason": reason},
        summary=f"Mở khóa số liệu {reopening.form} {label}. Lý do: {reason}",
    )
    return reopening


def reopenings(form: str, unit: Unit, period: Period, with_subunits: bool) -> list:
    """The locks of this report reopened so far, oldest first, with who locked and reopened."""
    return list(
        db.session.scalars(
            sa.select(ReportReopening)
            .where(
                ReportReopening.unit_id == unit.id,
                ReportReopening.form == form,
                ReportReopening.start == period.start,
                ReportReopening.end == period.end,
                ReportReopening.with_subunits == with_subunits,
            )
            .options(
                selectinload(ReportReopening.closed_by), selectinload(ReportReopening.reopened_by)
            )
            .order_by(ReportReopening.reopened_at, ReportReopening.id)
        )
    )


def differences(closed: ClosedReport, live: Report) -> dict[str, tuple]:
    """Figures whose live value differs from the frozen one: id -> (frozen, live)."""
    frozen = closed.data.get("figures", {})
    now = live.as_dict()["figures"]
    return {
        k: (frozen.get(k), now.get(k))
        for k in sorted(set(frozen) | set(now))
        if frozen.get(k) != now.get(k)
    }
