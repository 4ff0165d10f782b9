"""Search that stays fast: the folded search columns of petitions and visits indexed by the
database's own text search (issue 15, item 1).

SQLite: an FTS5 table over each (external content: it stores only the index, the text stays
in the row), kept in step by triggers, so every writer (the operations, the register import,
the benchmark's bulk writer, a hand-made UPDATE) keeps it right. PostgreSQL: pg_trgm GIN
indexes, which serve the `LIKE '%term%'` the search already writes.

None of this is in the models' metadata: tests/test_foundation.py compares models and
migrations without these objects (complaints/core/search_index.py names them).

A later SQLite migration that rebuilds `petition` or `visit` (batch_alter_table's copy and
move) drops their triggers with the old table: it must create them again (TRIGGERS below)
and rebuild the index ('rebuild').

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:00:00

"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# table -> its FTS5 table and the columns indexed (words of the folded text)
FTS = {
    "petition": ("petition_fts", ("search_text", "public_search_text")),
    "visit": ("visit_fts", ("search_text",)),
}
TRIGRAM_INDEXES = {
    "ix_petition_search_trgm": ("petition", "search_text"),
    "ix_petition_public_search_trgm": ("petition", "public_search_text"),
    "ix_visit_search_trgm": ("visit", "search_text"),
}


def sqlite_statements(table: str) -> list[str]:
    """The FTS5 table of `table`, its triggers, and the filling of the index."""
    fts, columns = FTS[table]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # Names from the constants above, never from input.
    add = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        "content_rowid='id', tokenize='unicode61')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {remove} {add} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def _trgm_schema(bind) -> str | None:
    """The schema pg_trgm lives in, creating it when the role may (a trusted extension since
    PostgreSQL 13: the database's owner may); None when it cannot be had."""
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    if found:
        return found
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as e:
        log.warning(
            "pg_trgm could not be created (%s): the search works without its indexes, by "
            "reading every row; see docs/deploy.md",
            str(e).splitlines()[0],
        )
        return None
    return _trgm_schema(bind)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in FTS:
            for sql in sqlite_statements(table):
                op.execute(sql)
    elif bind.dialect.name == "postgresql":
        schema = _trgm_schema(bind)
        if schema is None:
            return
        for name, (table, column) in TRIGRAM_INDEXES.items():
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f'USING gin ({column} "{schema}".gin_trgm_ops)'
            )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for fts, _ in FTS.values():
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif bind.dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
