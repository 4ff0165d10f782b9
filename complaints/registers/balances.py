"""Opening balances (kê khai đầu kỳ): what an office carried over, unresolved, on the day it
started using the app, so that its first reports are right. How the figures use them is in
reports/figures.py ("opening balances")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from complaints.core import audit
from complaints.core.access import in_scope, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_int
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions.models import Petition
from complaints.reports.models import OpeningBalance
from complaints.units.models import Unit

EARLIEST = date(2000, 1, 1)
MAX_AMOUNT = 10_000_000
FIELDS = ("petitions", "cases", "case_petitions")


class BalanceError(OperationError):
    """A declaration the rules refuse; `field` names the form field it belongs beside."""


@dataclass
class Amounts:
    petitions: int = 0
    cases: int = 0
    case_petitions: int = 0


@dataclass
class Declaration:
    """A unit's declaration on a date, its amounts per kind of petition."""

    unit: Unit
    as_of: date
    amounts: dict[PetitionKind, Amounts]
    note: str = ""

    @property
    def totals(self) -> Amounts:
        return Amounts(*(sum(getattr(a, f) for a in self.amounts.values()) for f in FIELDS))


def save(actor, unit: Unit, as_of: date, amounts: dict, *, today: date, note: str = ""):
    """Record (or correct) a unit's opening balance on a date; one audited event."""
    if actor is not None and not unit_in_scope(actor, unit):
        raise BalanceError(f"Đơn vị {unit.code} nằm ngoài phạm vi của bạn.", "unit_id")
    if as_of is None:
        raise BalanceError("Nhập ngày kê khai.", "as_of")
    if as_of > today:
        raise BalanceError(f"Ngày kê khai không được sau hôm nay ({today:%d/%m/%Y}).", "as_of")
    if as_of < EARLIEST:
        raise BalanceError("Ngày kê khai không hợp lệ: trước năm 2000.", "as_of")
    clean: dict[PetitionKind, Amounts] = {}
    for kind in PetitionKind:
        given = amounts.get(kind) or amounts.get(kind.value) or Amounts()
        values = []
        for name in FIELDS:
            value = getattr(given, name)
            if value is None:
                value = 0
            if not isinstance(value, int) or value < 0 or value > MAX_AMOUNT:
                raise BalanceError(
                    f"{kind.label}: số liệu phải là số nguyên từ 0 đến {fmt_int(MAX_AMOUNT)}.",
                    f"{kind.value}-{name}",
                )
            values.append(value)
        amount = Amounts(*values)
        if amount.case_petitions < amount.cases:
            raise BalanceError(
                f"{kind.label}: số đơn của các vụ việc ({fmt_int(amount.case_petitions)}) không "
                f"được ít hơn số vụ việc ({fmt_int(amount.cases)}): mỗi vụ việc có ít nhất một "
                "đơn.",
                f"{kind.value}-case_petitions",
            )
        clean[kind] = amount
    existing = {
        b.kind: b
        for b in db.session.scalars(
            sa.select(OpeningBalance).where(
                OpeningBalance.unit_id == unit.id, OpeningBalance.as_of == as_of
            )
        )
    }
    before = {k.value: _plain(b) for k, b in existing.items()}
    for kind, amount in clean.items():
        row = existing.get(kind)
        if row is None:
            row = OpeningBalance(
                unit_id=unit.id, as_of=as_of, kind=kind, created_by_id=getattr(actor, "id", None)
            )
            db.session.add(row)
        row.petitions, row.cases, row.case_petitions = (
            amount.petitions,
            amount.cases,
            amount.case_petitions,
        )
        row.note = (note or "").strip()
    db.session.flush()
    after = {k.value: _plain(a) for k, a in clean.items()}
    audit.record(
        "opening_balance.saved",
        actor=actor,
        unit_id=unit.id,
        entity_type="opening_balance",
        before=before or None,
        after={"as_of": as_of, "amounts": after, "note": (note or "").strip()},
        summary=f"Kê khai đầu kỳ của {unit.code} tại ngày {as_of:%d/%m/%Y}",
    )
    return clean


def _plain(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS}


def delete(actor, unit: Unit, as_of: date) -> int:
    """Remove a unit's declaration on a date (all kinds); audited."""
    if actor is not None and not unit_in_scope(actor, unit):
        raise BalanceError(f"Đơn vị {unit.code} nằm ngoài phạm vi của bạn.")
    rows = db.session.scalars(
        sa.select(OpeningBalance).where(
            OpeningBalance.unit_id == unit.id, OpeningBalance.as_of == as_of
        )
    ).all()
    if not rows:
        raise BalanceError("Không có kê khai đầu kỳ này.")
    before = {r.kind.value: _plain(r) for r in rows}
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    audit.record(
        "opening_balance.deleted",
        actor=actor,
        unit_id=unit.id,
        entity_type="opening_balance",
        before={"as_of": as_of, "amounts": before},
        summary=f"Xoá kê khai đầu kỳ của {unit.code} tại ngày {as_of:%d/%m/%Y}",
    )
    return len(rows)


def declarations(user) -> list[Declaration]:
    """Every declaration of the user's units, newest first."""
    rows = db.session.scalars(
        sa.select(OpeningBalance)
        .join(Unit, OpeningBalance.unit_id == Unit.id)
        .where(in_scope(user, OpeningBalance.unit_id))
        .order_by(OpeningBalance.as_of.desc(), Unit.code, OpeningBalance.kind)
    ).all()
    found: dict[tuple[int, date], Declaration] = {}
    for row in rows:
        key = (row.unit_id, row.as_of)
        if key not in found:
            found[key] = Declaration(row.unit, row.as_of, {}, row.note)
        found[key].amounts[row.kind] = Amounts(row.petitions, row.cases, row.case_petitions)
    return list(found.values())


def overlap(unit: Unit, as_of: date) -> int:
    """Petitions of the unit already in the app that were received before the declaration's
    date and still unprocessed on it: they are counted as carried over by themselves, so
    declaring them too would count them twice."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Petition.id)).where(
                Petition.unit_id == unit.id,
                Petition.received_date < as_of,
                sa.or_(Petition.outcome_date.is_(None), Petition.outcome_date >= as_of),
            )
        )
        or 0
    )
