"""Opening balances (kê khai đầu kỳ): what an office carried over, unresolved, on the day it
started using the app, so that its first reports are right. How the figures use them is in
reports/figures.py ("opening balances")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

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
OVERLAP_CHUNK = 200  # declarations counted per query (SQLite allows 500 parts in a UNION)


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


def refusals(actor, unit: Unit | None, as_of: date | None, *, today: date) -> list:
    """What the rules refuse in a declaration's unit and date, as (field, message) pairs: the
    unit within the actor's scope (no actor: a command, every unit), a date neither after today
    nor before 2000."""
    found = []
    if actor is not None and unit is not None and not unit_in_scope(actor, unit):
        found.append(("unit_id", f"Đơn vị {unit.code} nằm ngoài phạm vi của bạn."))
    if as_of is None:
        found.append(("as_of", "Nhập ngày kê khai."))
    elif as_of > today:
        found.append(("as_of", f"Ngày kê khai không được sau hôm nay ({today:%d/%m/%Y})."))
    elif as_of < EARLIEST:
        found.append(("as_of", "Ngày kê khai không hợp lệ: trước năm 2000."))
    return found


def amount_refusals(given: Amounts | None) -> tuple[Amounts, list]:
    """One kind's amounts as saved (blank is 0), and what the rules refuse in them as
    (field name, message) pairs: whole numbers from 0 to MAX_AMOUNT, at least one petition for
    each case."""
    given = given or Amounts()
    found, values = [], []
    for name in FIELDS:
        value = getattr(given, name)
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
            found.append((name, f"số liệu phải là số nguyên từ 0 đến {fmt_int(MAX_AMOUNT)}."))
            value = 0
        values.append(value)
    amount = Amounts(*values)
    if not found and amount.case_petitions < amount.cases:
        found.append(
            (
                "case_petitions",
                f"số đơn của các vụ việc ({fmt_int(amount.case_petitions)}) không được ít hơn "
                f"số vụ việc ({fmt_int(amount.cases)}): mỗi vụ việc có ít nhất một đơn.",
            )
        )
    return amount, found


def check(actor, unit: Unit, as_of: date | None, amounts: dict, *, today: date) -> dict:
    """The declaration's amounts per kind as they would be saved, or a BalanceError naming
    every problem beside its field (the page, the file and the command all go through here)."""
    found = refusals(actor, unit, as_of, today=today)
    clean: dict[PetitionKind, Amounts] = {}
    for kind in PetitionKind:
        clean[kind], problems = amount_refusals(amounts.get(kind) or amounts.get(kind.value))
        found += [(f"{kind.value}-{name}", f"{kind.label}: {text}") for name, text in problems]
    if found:
        field, message = found[0]
        raise BalanceError(message, field, errors=found)
    return clean


def save(actor, unit: Unit, as_of: date, amounts: dict, *, today: date, note: str = ""):
    """Record (or correct) a unit's opening balance on a date; one audited event."""
    clean = check(actor, unit, as_of, amounts, today=today)
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
        summary=f"Xóa kê khai đầu kỳ của {unit.code} tại ngày {as_of:%d/%m/%Y}",
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
    return overlaps([(unit.id, as_of)]).get((unit.id, as_of), 0)


def overlaps(pairs: list[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """overlap() for several (unit id, date) pairs, in one query."""
    found: dict[tuple[int, date], int] = {}
    for start in range(0, len(pairs), OVERLAP_CHUNK):
        chunk = pairs[start : start + OVERLAP_CHUNK]
        parts = [
            sa.select(sa.literal(i).label("i"), sa.func.count(Petition.id).label("n")).where(
                Petition.unit_id == unit_id,
                Petition.received_date < as_of,
                sa.or_(Petition.outcome_date.is_(None), Petition.outcome_date >= as_of),
            )
            for i, (unit_id, as_of) in enumerate(chunk)
        ]
        query = sa.union_all(*parts) if len(parts) > 1 else parts[0]
        found.update({chunk[i]: int(n or 0) for i, n in db.session.execute(query)})
    return found


def existing(pairs: list[tuple[int, date]]) -> dict[tuple[int, date], Declaration]:
    """The declarations already saved for (unit id, date) pairs (what saving again corrects)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    rows = db.session.scalars(
        sa.select(OpeningBalance)
        .options(joinedload(OpeningBalance.unit))
        .where(
            OpeningBalance.unit_id.in_({u for u, _ in wanted}),
            OpeningBalance.as_of.in_({d for _, d in wanted}),
        )
    ).all()
    found: dict[tuple[int, date], Declaration] = {}
    for row in rows:
        key = (row.unit_id, row.as_of)
        if key not in wanted:
            continue
        if key not in found:
            found[key] = Declaration(row.unit, row.as_of, {}, row.note)
        found[key].amounts[row.kind] = Amounts(row.petitions, row.cases, row.case_petitions)
    return found
