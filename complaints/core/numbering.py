"""Gapless running numbers per series, unit and year (register numbers, case numbers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from complaints.core.db import dialect_insert as _insert
from complaints.extensions import db


class RunningNumber(db.Model):
    """The last number given in a series for a unit and year. Incrementing it inside the
    registering transaction locks the row (PostgreSQL) or the database (SQLite, BEGIN
    IMMEDIATE) until commit, so numbers are unique, and a rollback gives the number back."""

    __tablename__ = "running_number"

    series: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def _ensure_row(table: sa.Table, key: dict, column: str) -> None:
    """The counter row named by `key`, created at 0 if missing (never overwritten)."""
    db.session.execute(_insert(table).values(**key, **{column: 0}).on_conflict_do_nothing())


def raise_all(table: sa.Table, column: str, targets: list[tuple[dict, int]]) -> None:
    """Make each counter (its key, the value) at least its value (numbers taken outside the
    counter, e.g. kept from an imported register, are never given again), the missing rows
    created: two statements for all of them. Locks the rows like increment()."""
    if not targets:
        return
    db.session.execute(
        _insert(table).on_conflict_do_nothing(), [{**key, column: 0} for key, _ in targets]
    )
    names = list(targets[0][0])
    db.session.execute(
        sa.update(table)
        .where(
            *(table.c[name] == sa.bindparam(f"key_{name}") for name in names),
            table.c[column] < sa.bindparam("raised_to"),
        )
        .values({column: sa.bindparam("raised_to")}),
        [{**{f"key_{n}": key[n] for n in names}, "raised_to": value} for key, value in targets],
    )


def increment(table: sa.Table, key: dict, column: str) -> int:
    """Add one to the counter row of `table` named by `key` (created at 0 if missing) and
    return the new value, in the current transaction: the UPDATE locks the row until commit
    (PostgreSQL; SQLite holds the write lock since BEGIN IMMEDIATE), so no two transactions
    get the same value, and a rollback gives it back."""
    _ensure_row(table, key, column)
    counter = table.c[column]
    return db.session.execute(
        sa.update(table)
        .where(*(table.c[name] == value for name, value in key.items()))
        .values({column: counter + 1})
        .returning(counter)
    ).scalar_one()


def next_number(series: str, unit_id: int, year: int) -> int:
    """Take the next number of the series in the current transaction."""
    key = {"series": series, "unit_id": unit_id, "year": year}
    return increment(RunningNumber.__table__, key, "last_value")
