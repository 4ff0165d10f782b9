"""Declarative base, UTC timestamps, enum columns and the SQLite connection policy."""

from __future__ import annotations

import contextlib
import contextvars
import enum
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from complaints.core.translate import Label

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (never a naive local time)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is UTC:  # as utcnow() gives it: nothing to convert (astimezone: ~20 us)
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Typed declarative base with a constraint naming convention Alembic can rely on."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry a Vietnamese label (``LABELS`` maps value to label).

    Mark the labels with N_() where LABELS is written so that `make translations` extracts them.
    """

    @property
    def label(self) -> Label:
        """The Vietnamese label; shown translated on an English page (see core/translate.py)."""
        return Label(type(self).LABELS.get(self.value, self.value))  # type: ignore[attr-defined]

    @property
    def label_vi(self) -> str:
        """The Vietnamese label as a plain string, for the legal forms printed in HTML."""
        return type(self).LABELS.get(self.value, self.value)  # type: ignore[attr-defined]


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs) -> Mapped:
    """A VARCHAR column with a CHECK constraint listing the enum's values (no native PG enum)."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


# --- SQLite connection policy -------------------------------------------------------------
# A transaction that reads first and writes later can fail at once with "database is locked"
# under WAL when another writer committed in between. Requests and commands that intend to
# write therefore start their transaction with BEGIN IMMEDIATE (waits for the write lock, up to
# busy_timeout); reading requests use a deferred BEGIN and never block writers.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def begin_writing() -> None:
    """Turn a reading request into a writing one before it writes (an identity view, a
    token's last use): its read transaction ends (nothing was written in it) and the next one
    takes SQLite's write lock at BEGIN, since a deferred read cannot safely become a write.
    The request then commits once at its end (complaints/web/transaction.py)."""
    if write_intent.get():
        return
    from complaints.extensions import db

    db.session.commit()
    write_intent.set(True)


def commit_apart() -> None:
    """Keep, at once, what the request has just written, whatever becomes of its answer: a
    token's use, an identity view, a counted failure (core/throttle.keep). A request otherwise
    commits once at its end and rolls back on an error (web/transaction.py); these records
    must survive that rollback. The rest of the request goes on in a new transaction."""
    from complaints.extensions import db

    db.session.commit()


@contextlib.contextmanager
def command_transaction():
    """A `flask` command's one transaction: committed when the block ends, rolled back on a
    refusal (an OperationError), shown as the command's error."""
    import click

    from complaints.core.errors import OperationError
    from complaints.extensions import db

    try:
        yield
    except OperationError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.commit()


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL, a busy timeout and explicit BEGIN control on an SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


@dataclass
class ListPage:
    """A page of an already ordered list, shaped like Flask-SQLAlchemy's pagination for the
    pager() macro (for lists whose order or count SQL alone does not give)."""

    items: list
    page: int
    per_page: int
    total: int
    capped: bool = False  # the total was counted up to a cap, and there are more

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def count_up_to(session, select, cap: int) -> tuple[int, bool]:
    """The rows of an ORM select counted up to `cap` (a LIMIT stops the count), and whether
    there are more: (the count, at most cap; more). How every long list counts its total (the
    pagers of web/helpers.py, the case list). A search read newest first along the key counts
    with the conditions search_index gives (COUNT_BY), in order: the first count that finds
    more than the cap decides, else the last one."""

    from complaints.core.search_index import COUNT_BY

    for extra in select.get_execution_options().get(COUNT_BY, ((),)):
        count_by = select.where(*extra)
        sub = count_by.options(sa.orm.lazyload("*")).order_by(None).limit(cap + 1).subquery()
        found = session.scalar(sa.select(sa.func.count()).select_from(sub))
        if found > cap:
            break
    return min(found, cap), found > cap


def dialect_insert(table):
    """An INSERT of `table` with its database's ON CONFLICT clauses (PostgreSQL or SQLite)."""
    from complaints.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# Ids and page numbers a request may name: INTEGER keys hold no larger id (PostgreSQL would
# refuse the query), and no list has more pages than this.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


_DEFERRED = "deferred_inserts"  # session.info: the rows of a deferred_inserts() block


@contextlib.contextmanager
def deferred_inserts(session=None):
    """Within this block, the rows given to `add` (a case's timeline events, a new case's
    deadlines) are held and inserted at its end, one executemany per table and set of columns:
    the ORM inserts such rows one statement each where it reads every id back (SQLite). A
    writer of many records in one transaction (the register import's batch) uses it; nothing
    inside the block may read those rows back, and none may be in a relationship's collection.
    On an error nothing is inserted (the transaction is rolled back anyway)."""
    from complaints.extensions import db

    session = session or db.session
    if session.info.get(_DEFERRED) is not None:
        yield
        return
    session.info[_DEFERRED] = pending = []
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)
    insert_unsaved(session, pending)


def deferring(session=None) -> bool:
    """Whether rows given to `add` are held for a deferred_inserts() block."""
    from complaints.extensions import db

    return (session or db.session).info.get(_DEFERRED) is not None


def add(obj, session=None) -> None:
    """session.add, or held for the end of the deferred_inserts() block around it."""
    from complaints.extensions import db

    session = session or db.session
    pending = session.info.get(_DEFERRED)
    if pending is None:
        session.add(obj)
    else:
        pending.append(obj)


def add_row(cls, row: dict, session=None) -> None:
    """A row of `cls`'s table (a dict of its columns), held for the end of the
    deferred_inserts() block around it like an object given to `add`, in the same order:
    a writer that builds no ORM record (the register import's new cases)."""
    from complaints.extensions import db

    pending = (session or db.session).info.get(_DEFERRED)
    if pending is None:
        raise RuntimeError("add_row outside a deferred_inserts() block")
    pending.append(_Row(cls, row))


class _Row:
    """A plain row held by add_row: its model and its values."""

    __slots__ = ("cls", "values")

    def __init__(self, cls, values: dict):
        self.cls, self.values = cls, values


def insert_unsaved(session, objects: list) -> None:
    """Insert objects never added to the session (or rows of add_row), by table, in their
    order: their values as set (a column's default where none was), without reading their ids
    back."""
    by_type: dict[type, list[dict]] = {}
    for obj in objects:
        if isinstance(obj, _Row):
            by_type.setdefault(obj.cls, []).append(dict(obj.values))
            continue
        state = sa.inspect(obj)
        columns = [p.key for p in state.mapper.column_attrs]
        by_type.setdefault(type(obj), []).append(
            {key: state.dict[key] for key in columns if key in state.dict}
        )
    for cls, rows in by_type.items():
        # every row with the same columns (one executemany): a value not set is its default
        keys = {key for row in rows for key in row}
        for row in rows:
            for key in keys - row.keys():
                row[key] = _default_of(sa.inspect(cls).columns[key])
        # None as NULL: the ORM otherwise leaves a None out, and splits the executemany at
        # every row whose Nones differ from the previous one's
        session.execute(sa.insert(cls), rows, execution_options={"render_nulls": True})


def with_defaults(table: sa.Table, row: dict) -> dict:
    """`row` with every column of `table` it does not set given the default its INSERT
    would store (a writer that inserts many rows with Core, one executemany: every row the
    same columns)."""
    for column in table.c:
        if column.key not in row:
            row[column.key] = _default_of(column)
    return row


def _default_of(column: sa.Column):
    """What an INSERT without the column would store: its Python default (None if none; a
    server default is not used by the models these writers hold)."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg if default.is_scalar else None


class IdBlock:
    """Ids for new rows of a table (an integer primary key `id`), for a writer that sets them
    itself and flushes many records at once (the register import's batch): the ORM then needs
    no flush per record to learn its id. Up to `count` ids are taken at once:

    * PostgreSQL draws them from the column's own sequence (never given twice, whatever else
      is written meanwhile; the ones left unused are a gap, as a rolled-back insert leaves);
    * SQLite gives the ids after the table's largest. The transaction holds the database's
      write lock since its BEGIN IMMEDIATE, so no other writer inserts before its commit; the
      transaction itself must insert no row of the table without an id of this block.

    Valid for one transaction: take a new block after a commit."""

    def __init__(self, table: sa.Table, count: int, session=None):
        from complaints.extensions import db

        self.session = session or db.session
        self.table, self.count = table, max(count, 0)
        self._ids: list[int] | None = None
        self._next = 0

    def _take(self) -> list[int]:
        if self.session.get_bind().dialect.name == "postgresql":
            return list(
                self.session.scalars(
                    sa.text(
                        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :count)"
                    ),
                    {"table": self.table.name, "count": self.count},
                )
            )
        top = self.session.scalar(sa.select(sa.func.max(self.table.c.id))) or 0
        return list(range(top + 1, top + 1 + self.count))

    def next(self) -> int:
        """The next id of the block (taken on the first call: a block never used costs
        nothing)."""
        if self._ids is None:
            self._ids = self._take()
        if self._next >= len(self._ids):
            raise RuntimeError(f"IdBlock of {self.table.name}: more than {self.count} ids asked")
        self._next += 1
        return self._ids[self._next - 1]
