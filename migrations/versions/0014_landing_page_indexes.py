"""The landing pages flat (issue 15, item 2): indexes of what is still running.

- `ix_case_file_open`: the open cases (partial, `cases.models.OPEN_CASE_SQL`), with the
  columns the open / overdue / due-soon counts read. The lists' scope is an OR of three unit
  columns that no index serves: the counts of the dashboard, the case lists and the overdue
  page read every case of the history without it.
- `ix_petition_status_unit`: the petitions waiting to be processed, by unit (the queue, its
  counts on the dashboard and the overdue page).
- `ix_petition_transfer_unanswered` (result_on, answer_due) replaces the index of answer_due
  alone: the sender's late transfers are a range of the unanswered ones.

- PostgreSQL only: the search's words. A GIN index of the words of each folded search column
  (`to_tsvector('simple', ...)` of the text with every run of other characters made a space:
  the words FTS5 takes on SQLite) replaces the pg_trgm indexes of migration 0013, whose lists
  of common trigrams made a name search read thousands of rows at every size
  (core/search_index.py, bench/README.md).

Plain CREATE INDEX on both databases: no table is rebuilt (the FTS5 triggers of petition and
visit, migration 0013, stay as they are).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# core/search_index.py's WORD_VECTOR and the indexes, as of this revision
WORD_VECTOR = "to_tsvector('simple', regexp_replace({column}, '[^a-z0-9]+', ' ', 'g'))"
WORD_INDEXES = {
    "ix_petition_search_words": ("petition", "search_text"),
    "ix_petition_public_search_words": ("petition", "public_search_text"),
    "ix_visit_search_words": ("visit", "search_text"),
}
TRIGRAM_INDEXES = {
    "ix_petition_search_trgm": ("petition", "search_text"),
    "ix_petition_public_search_trgm": ("petition", "public_search_text"),
    "ix_visit_search_trgm": ("visit", "search_text"),
}
# cases.models.OPEN_CASE_SQL as of this revision (a migration does not import the models)
OPEN_CASE_SQL = (
    "state NOT IN ('answered', 'appealed', 'enforced', 'final', 'merged', 'not_accepted', "
    "'terminated', 'transferred')"
)


def upgrade():
    op.create_index(
        "ix_case_file_open",
        "case_file",
        ["unit_id", "assigned_unit_id", "received_unit_id", "received_on", "next_due", "state"],
        unique=False,
        sqlite_where=sa.text(OPEN_CASE_SQL),
        postgresql_where=sa.text(OPEN_CASE_SQL),
    )
    op.create_index(
        "ix_petition_status_unit",
        "petition",
        ["status", "unit_id", "received_date"],
        unique=False,
    )
    op.drop_index("ix_petition_transfer_answer_due", table_name="petition_transfer")
    op.create_index(
        "ix_petition_transfer_unanswered",
        "petition_transfer",
        ["result_on", "answer_due"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, column) in WORD_INDEXES.items():
            vector = WORD_VECTOR.format(column=column)
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({vector}))")
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in WORD_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        schema = bind.execute(
            sa.text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        ).scalar()
        if schema:
            for name, (table, column) in TRIGRAM_INDEXES.items():
                op.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f'USING gin ({column} "{schema}".gin_trgm_ops)'
                )
    op.drop_index("ix_petition_transfer_unanswered", table_name="petition_transfer")
    op.create_index(
        "ix_petition_transfer_answer_due", "petition_transfer", ["answer_due"], unique=False
    )
    op.drop_index("ix_petition_status_unit", table_name="petition")
    op.drop_index("ix_case_file_open", table_name="case_file")
