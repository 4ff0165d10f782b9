"""Gapless running numbers per series, unit and year (register numbers, case numbers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

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
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(**key, **{column: 0}).on_conflict_do_nothing())


def raise_to(table: sa.Table, key: dict, column: str, value: int) -> int | None:
    """Make the counter at least `value` (numbers taken outside the counter, e.g. kept from
    an imported register, are never given again); returns what it held before, None when the
    row did not exist. Locks the row like increment()."""
    where = [table.c[name] == v for name, v in key.items()]
    before = db.session.execute(sa.select(table.c[column]).where(*where)).scalar()
    _ensure_row(table, key, column)
    db.session.execute(
        sa.update(table).where(*where, table.c[column] < value).values({column: value})
    )
    return before


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
