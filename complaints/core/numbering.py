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


def next_number(series: str, unit_id: int, year: int) -> int:
    """Take the next number of the series in the current transaction."""
    session = db.session
    table = RunningNumber.__table__
    key = {"series": series, "unit_id": unit_id, "year": year}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**key, last_value=0).on_conflict_do_nothing())
    value = session.execute(
        sa.update(table)
        .where(table.c.series == series, table.c.unit_id == unit_id, table.c.year == year)
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    ).scalar_one()
    return value
