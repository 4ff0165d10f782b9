"""The search's phrases on PostgreSQL: an index of each text's neighbouring word pairs (issue 15).

PostgreSQL's word indexes (migration 0014) give the rows holding every word of a term, and the
LIKE keeps those holding the phrase. For a phrase made of common words that the data does not
hold ("Nguyễn Thị Hoa": nguyen, thi and every word starting hoa, Hoàng included) those rows
are a good part of the table, read to find none: 652,157 of 4,999,934 petitions, 201 s in the
country's benchmark (bench/README.md). The pairs of neighbouring words are rare where the
words are not: `complaints_word_pairs(text)` writes each pair as one word ("nguyen thi hoa" ->
"nguyenthi thihoa"), and a GIN index of those words per folded search column gives the rows
holding every pair of the term, the last one as a prefix (core/search_index.pair_query).

PostgreSQL only (SQLite's FTS5 reads a phrase from its word positions). The function is plain
SQL, immutable, in the schema the migration runs in; the indexes' expressions and the
search's queries name it alike (core/search_index.PAIR_VECTOR).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:45:00

"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# core/search_index.py's PAIR_FUNCTION, PAIR_VECTOR and PAIR_INDEXES as of this revision
PAIR_FUNCTION = """
CREATE OR REPLACE FUNCTION complaints_word_pairs(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(w || n, ' '), '') FROM (
    SELECT w, lead(w) OVER (ORDER BY i) AS n
    FROM unnest(string_to_array(btrim(regexp_replace(t, '[^a-z0-9]+', ' ', 'g')), ' '))
      WITH ORDINALITY AS x(w, i)
  ) AS p WHERE n IS NOT NULL
$$
"""
PAIR_VECTOR = "to_tsvector('simple', complaints_word_pairs({column}))"
PAIR_INDEXES = {
    "ix_petition_search_pairs": ("petition", "search_text"),
    "ix_petition_public_search_pairs": ("petition", "public_search_text"),
    "ix_visit_search_pairs": ("visit", "search_text"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIR_FUNCTION)
    for name, (table, column) in PAIR_INDEXES.items():
        vector = PAIR_VECTOR.format(column=column)
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({vector}))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in PAIR_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS complaints_word_pairs(text)")
