"""A closed period's report rebuilt from its frozen figures, and where it differs from now.

The frozen report is what is printed and exported once a period is closed; the live report is
computed again each time, so a later correction shows as a difference, never silently."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from complaints.extensions import db
from complaints.reports import figures as F
from complaints.reports.convention import PARAMS, ConventionError, parse
from complaints.reports.models import ClosedReport
from complaints.reports.service import Report, Row, differences
from complaints.units.models import Unit

RATE = "competent.resolution_rate"
_PLACES_TO_ROUNDING = {2: "half_up_2", 1: "half_up_1", 0: "half_up_0"}


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _split(figures: dict) -> tuple[dict[str, int], Decimal | None]:
    values = {k: int(v) for k, v in figures.items() if k != RATE and v is not None}
    return values, _decimal(figures.get(RATE))


def rate_places(value: Decimal) -> int:
    """How many decimals a stored rate was printed with (88.24 -> 2)."""
    return max(-int(value.as_tuple().exponent), 0)


def frozen_report(closed: ClosedReport, live: Report) -> Report:
    """The report as it was when the period was closed, shaped like the live one."""
    data = closed.data or {}
    codes = [r.get("unit") for r in data.get("rows", []) if r.get("unit")]
    units = {
        u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes or [""])))
    }
    rows = []
    for r in data.get("rows", []):
        values, rate = _split(r.get("figures", {}))
        rows.append(Row(units.get(r.get("unit")), r.get("label", ""), values, rate))
    if live.layout is None:  # the summary: its one row is its total
        total = rows[0] if rows else Row(live.unit, live.unit.name, {}, None)
    else:
        values, rate = _split(data.get("figures", {}))
        total = Row(None, "Tổng cộng", values, rate)
    # A frozen report keeps the convention it was closed with (stored since conventions could
    # be chosen per report); an older one keeps the decimals it was published with, whatever
    # the setting is now.
    settings = stored_convention(data.get("convention"))
    by_kind = {}
    for kind, part in (data.get("by_kind") or {}).items():
        values, rate = _split({**part.get("figures", {}), RATE: part.get(RATE)})
        by_kind[kind] = Row(live.unit, kind, values, rate)
    if settings is None:
        rates = [r.rate for r in [*rows, total] if r.rate is not None]
        settings = live.settings
        if rates:
            rounding = _PLACES_TO_ROUNDING.get(rate_places(rates[0]), settings.rounding)
            settings = F.RateSettings(
                basis=settings.basis,
                rounding=rounding,
                kinds=settings.kinds if settings.kinds != "each" else "both",
            )
    checks = []
    if live.layout is not None:
        for r in [*rows, total] if live.with_subunits else [total]:
            checks += F.check_identities(r.values, r.label)
    return Report(
        live.layout,
        live.unit,
        live.period,
        live.with_subunits,
        settings,
        rows,
        total,
        checks,
        data.get("headline", ""),
        by_kind=by_kind,
    )


def stored_convention(stored) -> F.RateSettings | None:
    """The convention a closed report was closed with, None for an older or unreadable one."""
    if not isinstance(stored, dict):
        return None
    try:
        return parse({k: v for k, v in stored.items() if k in PARAMS}, F.RateSettings())
    except ConventionError:
        return None


@dataclass(frozen=True)
class Difference:
    row: str  # the row's label; "Tổng cộng" for the total
    figure: str
    label: str
    frozen: object
    live: object


def all_differences(closed: ClosedReport, live: Report) -> list[Difference]:
    """The total's differences first, then those of each sub-unit's row (a correction that
    moves a record between units leaves the total unchanged but not the rows)."""
    found = [
        Difference("Tổng cộng", fid, F.LABELS.get(fid, fid), old, new)
        for fid, (old, new) in differences(closed, live).items()
    ]
    if live.layout is None or not live.with_subunits:
        return found  # a single row: it is the total
    frozen_rows = {r.get("unit"): r for r in (closed.data or {}).get("rows", [])}
    live_rows = {r["unit"]: r for r in live.as_dict()["rows"]}
    for code in [*frozen_rows, *(c for c in live_rows if c not in frozen_rows)]:
        old_row, new_row = frozen_rows.get(code, {}), live_rows.get(code, {})
        old, new = old_row.get("figures", {}), new_row.get("figures", {})
        label = new_row.get("label") or old_row.get("label") or code
        for fid in sorted(set(old) | set(new)):
            if old.get(fid) != new.get(fid):
                found.append(
                    Difference(label, fid, F.LABELS.get(fid, fid), old.get(fid), new.get(fid))
                )
    return found
