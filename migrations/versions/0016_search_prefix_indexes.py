"""The search's last word as a prefix, read from an index of its own (issue 15, item 2).

The search writes its term as an FTS5 phrase whose last word is a prefix ("quyen su dung
dat" *, core/search_index.py): a word typed in part still finds the text. Without a prefix
index FTS5 gathers, for every query, the whole list of rows of every word starting with that
prefix ("dat": 300,000 rows at a province's ten years) before it reads the first match: 35-60
ms at 1,000,000 petitions, growing with the data. With `prefix='1 2 3 4 5 6'` the words'
first one to six letters are indexed as words of their own (a folded Vietnamese syllable has
at most seven letters), so the prefix is read like a word, newest first, stopping at the page.
The index grows about fourfold (bench/README.md, "The search").

SQLite only: the FTS5 tables are made again with the option, and filled again ('rebuild');
their triggers, on `petition` and `visit`, stay as migration 0013 made them. PostgreSQL's
word indexes read a prefix from the index already: nothing to do there.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:30:00

"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# table -> its FTS5 table and the columns indexed, as migration 0013 made them
FTS = {
    "petition": ("petition_fts", ("search_text", "public_search_text")),
    "visit": ("visit_fts", ("search_text",)),
}
# core/search_index.FTS_PREFIXES as of this revision (a migration does not import the app)
PREFIXES = "1 2 3 4 5 6"


def _make(prefix: str | None) -> None:
    for table, (fts, columns) in FTS.items():
        option = f", prefix='{prefix}'" if prefix else ""
        op.execute(f"DROP TABLE IF EXISTS {fts}")
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, content='{table}', "
            f"content_rowid='id', tokenize='unicode61'{option})"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _make(PREFIXES)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _make(None)
