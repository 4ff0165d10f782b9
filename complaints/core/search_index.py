"""The databases' own text search over the folded search columns (issue 15, item 1).

The search keeps its meaning: a record matches when its folded text contains the folded term
(`LIKE '%term%'`, core/text.py). What changes is how the candidates are found:

- SQLite: an FTS5 index of the words of each folded column (`petition_fts`, `visit_fts`,
  migration 0013, kept by triggers). The term becomes a phrase of its words, the last one a
  prefix ("nguyen van a" -> `"nguyen van a" *`), and the LIKE checks each candidate. The
  candidates come in descending rowid (= id) order, so a page of a common term stops after
  its rows instead of reading them all. The words' first one to six letters are indexed too
  (`FTS_PREFIXES`, migration 0016): the last word, a prefix, is read like a word instead of
  gathering every word it starts (35-60 ms at 1,000,000 petitions). A term is found where
  its first word starts a word of the text ("guyen" no longer finds "nguyen"; "nguyen",
  "van a", "lấn chiếm" do).
- PostgreSQL: a GIN index of the words of each folded column (`to_tsvector('simple', ...)` of
  the text with every run of other characters made a space, so that its words are FTS5's:
  migration 0014), queried with the same words (`nguyen & van & a:*`: the rows holding them
  all, the LIKE checking the phrase as on SQLite). A term of several words is looked up by
  its pairs of neighbouring words instead (`nguyenvan & vana:*`, migration 0017's index of
  each text's pairs): the rows holding all the words of a rare phrase of common words are a
  good part of the table, those holding its pairs few; as on SQLite, the phrase is found
  where its first word starts a word of the text. The indexes return their
  matches unordered: a page of the newest needs them all read and sorted. So a term whose
  every word is common (ANALYZE's statistics of the index) and whose newest rows hold a page
  of matches is read newest first along the primary key instead, stopping at the page; its
  total is still counted through the index (`narrow`).
  (The pg_trgm indexes of migration 0013 served the LIKE itself, but a term of common
  trigrams read long lists at every size: 0.7-2.9 s at 30,000 petitions, bench/README.md.)
- A term without any letter or digit (only punctuation) has no word to look up: its LIKE
  reads every row, as before.

None of these objects is in the models' metadata; `is_search_index` names them so that the
comparison of models and migrations leaves them out.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import sqlalchemy as sa

# table -> its FTS5 table (SQLite); the same names as migration 0013
FTS_TABLES = {"petition": "petition_fts", "visit": "visit_fts"}
# The prefix lengths the FTS5 tables index (migration 0016): a folded syllable's 1-6 letters.
# A longer last word (a seven-letter syllable, a number or code typed in part) is gathered
# from the words it starts, as before: few words share seven letters.
FTS_PREFIXES = "1 2 3 4 5 6"
TRIGRAM_INDEXES = frozenset(
    {"ix_petition_search_trgm", "ix_petition_public_search_trgm", "ix_visit_search_trgm"}
)
# table -> its folded columns indexed by words on PostgreSQL, and the indexes (migration 0014)
WORD_COLUMNS = {"petition": ("search_text", "public_search_text"), "visit": ("search_text",)}
WORD_INDEXES = frozenset(
    {"ix_petition_search_words", "ix_petition_public_search_words", "ix_visit_search_words"}
)
# The words of a folded column, in the very words of the indexes' expression (a different
# spelling, or the configuration as a bound parameter, and PostgreSQL does not use them).
WORD_VECTOR = "to_tsvector('simple', regexp_replace({column}, '[^a-z0-9]+', ' ', 'g'))"
# PostgreSQL: the pairs of neighbouring words of each folded column, each pair one word
# ("nguyen thi hoa" -> "nguyenthi thihoa"), indexed by migration 0017 with its function
# complaints_word_pairs: a phrase's candidates are the rows holding its pairs, far fewer than
# those holding its words when the words are common and the phrase is rare.
PAIR_VECTOR = "to_tsvector('simple', complaints_word_pairs({column}))"
PAIR_INDEXES = frozenset(
    {"ix_petition_search_pairs", "ix_petition_public_search_pairs", "ix_visit_search_pairs"}
)
# What the FTS5 tokenizer (unicode61) takes as a word of a folded (ASCII, lower-case) text.
_WORD = re.compile(r"[a-z0-9]+")


def is_search_index(name: str | None) -> bool:
    """An object of the text search (an FTS5 table, its shadow tables, a word or trigram
    index)."""
    if not name:
        return False
    return (
        name in TRIGRAM_INDEXES
        or name in WORD_INDEXES
        or name in PAIR_INDEXES
        or any(name == fts or name.startswith(f"{fts}_") for fts in FTS_TABLES.values())
    )


def _each_needle(needles: list[str], phrase, joiner: str) -> str | None:
    """The needles' words written by `phrase`, joined by `joiner`: None when a needle has no
    word. Only [a-z0-9] words reach a query (safe to write as a literal)."""
    phrases = []
    for needle in needles:
        words = _WORD.findall(needle)
        if not words:
            return None
        phrases.append(phrase(words))
    return joiner.join(phrases)


def fts_query(needles: list[str]) -> str | None:
    """An FTS5 query matching every text that contains one of the folded needles: each needle
    a phrase of its words, the last word a prefix. None when a needle has no word."""
    return _each_needle(needles, lambda words: '"{}" *'.format(" ".join(words)), " OR ")


def ts_query(needles: list[str]) -> str | None:
    """The PostgreSQL tsquery of the needles: each needle all of its words, the last one a
    prefix. Not a phrase (`<->`): a GIN index holds no positions, so a phrase made
    PostgreSQL compute the words of every candidate row again (40 ms for 400 rows); the LIKE
    checks the phrase instead. None when a needle has no word."""
    return _each_needle(needles, lambda words: "({}:*)".format(" & ".join(words)), " | ")


def pair_query(needles: list[str]) -> str | None:
    """The PostgreSQL tsquery of the needles' neighbouring word pairs (PAIR_VECTOR): each
    needle all of its pairs, the last one a prefix ("nguyen thi hoa" -> `(nguyenthi &
    thihoa:*)`). None when a needle has fewer than two words (its words are looked up
    instead: ts_query)."""
    phrases = []
    for needle in needles:
        words = _WORD.findall(needle)
        if len(words) < 2:
            return None
        pairs = [a + b for a, b in itertools.pairwise(words)]
        phrases.append("({}:*)".format(" & ".join(pairs)))
    return " | ".join(phrases)


# PostgreSQL: a term is "common" when each of its words is held by at least this share of the
# rows (ANALYZE's statistics); such a page is read newest first along the primary key, if the
# newest WALK_ROWS rows hold a page of matches (PAGE_PROBE of them).
COMMON_SHARE = 0.04
WALK_ROWS = 2500
PAGE_PROBE = 51
# Such a term's total is counted first along the key over the newest COUNT_WALK_ROWS rows:
# when they hold more than the pager's cap of matches (a page's density of matches reaches
# the cap within 50,000 rows) the total is "more than the cap" without the word index, whose
# bitmap holds every row of the common words (two million at 5,000,000 petitions, 2.4 s).
COUNT_WALK_ROWS = 50_000
# The execution option naming how a capped pager counts the select (web/helpers.py): tuples of
# conditions, in order, each added to the select as the pager is given it (with whatever was
# added to it after narrow(), such as the API's filters) for one count.
COUNT_BY = "complaints_count_by"


def _words_clause(model: Any, query: str, vector: str = WORD_VECTOR) -> sa.ColumnElement[bool]:
    """The rows whose indexed words (or pairs: `vector` PAIR_VECTOR) hold the tsquery
    (PostgreSQL's word and pair indexes serve it). The words as a literal, not a parameter,
    so that even a generic plan of the prepared statement sees how common they are (its
    other parameters still need the custom plans docs/deploy.md sets: a generic plan read
    every row, 0.4 s at 30,000 petitions). ts_query's and pair_query's text is made of
    [a-z0-9] words and & | ( ) : * only."""
    table = model.__tablename__
    words = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.literal_column(f"'{query}'"))
    return sa.or_(
        *(
            sa.literal_column(vector.format(column=f"{table}.{column}")).op("@@")(words)
            for column in WORD_COLUMNS[table]
        )
    )


def _candidates(model: Any, needles: list[str]) -> sa.ColumnElement[bool]:
    """The rows that may hold one of the needles: a needle of one word from the word index,
    a needle of several from the pair index (its pairs: a common name absent from the data
    read 652,157 rows of its words at 5,000,000 petitions, none of its pairs)."""
    one = [n for n in needles if len(_WORD.findall(n)) == 1]
    several = [n for n in needles if len(_WORD.findall(n)) > 1]
    clauses = []
    if several:
        clauses.append(_words_clause(model, pair_query(several), PAIR_VECTOR))
    if one:
        clauses.append(_words_clause(model, ts_query(one)))
    return sa.or_(*clauses)


def _is_common(session: Any, model: Any, needles: list[str]) -> bool:
    """Whether every word of a needle is common (at least COMMON_SHARE of the rows hold it, the
    last word as a prefix), from ANALYZE's statistics of the word index (its most common
    words): an upper bound of the needle's matches. The planner's own estimate multiplies the
    words' shares as if independent, 133 rows for the 11,270 of `quyen su dung dat`."""
    index = f"ix_{model.__tablename__}_search_words"
    needle_words = [_WORD.findall(needle) for needle in needles]
    words = sorted({w for ws in needle_words for w in ws[:-1]})
    prefixes = sorted({ws[-1] for ws in needle_words})
    shares = session.execute(
        sa.text(
            "SELECT u.e, u.f FROM pg_stats AS s, "
            "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f) "
            "WHERE s.schemaname = current_schema() AND s.tablename = :index "
            "AND (u.e = ANY(:words) OR u.e LIKE ANY(:prefixes))"
        ),
        {"index": index, "words": words, "prefixes": [f"{p}%" for p in prefixes]},
    ).all()
    share = dict.fromkeys(words, 0.0)
    share.update(dict.fromkeys(prefixes, 0.0))
    for elem, freq in shares:
        if elem in share and elem not in prefixes:
            share[elem] = freq
        for p in prefixes:
            if elem.startswith(p):
                share[p] = min(1.0, share[p] + freq)
    return any(min(share[w] for w in ws) >= COMMON_SHARE for ws in needle_words if ws)


def _newest(model: Any, rows: int) -> sa.ColumnElement[bool]:
    """The table's newest `rows` rows only: a walk bounded whatever it finds."""
    newest = sa.select(model.id).order_by(model.id.desc()).offset(rows).limit(1)
    return model.id > sa.func.coalesce(newest.scalar_subquery(), 0)


def _newest_hold_a_page(session: Any, walk: sa.Select, model: Any) -> bool:
    """Whether the newest WALK_ROWS rows of the table hold PAGE_PROBE rows of the walk: a
    bounded probe (a phrase whose words are common but which is rare or absent would otherwise
    be walked through every row)."""
    probe = (
        walk.where(_newest(model, WALK_ROWS))
        .with_only_columns(model.id)
        .order_by(model.id.desc())
        .limit(PAGE_PROBE)
        .subquery()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(probe)) >= PAGE_PROBE


def narrow(session: Any, select: sa.Select, model: Any, needles: list[str], *, scope: tuple, match):
    """The select limited to the candidates of the database's text index for the needles
    (folded), and the order that reads them newest first without sorting them all: the index's
    rowid on SQLite (a page stops early), the primary key elsewhere.

    `scope`: the user's units, in two forms of one rule (core/access.scope_forms: in_scope
    and in_scope_by_row), added here and required, so that no search forgets them: the rows
    a GIN index found get the probe (PostgreSQL misjudges how many they are and joined a
    large scope's units to them one by one: 584 ms at the country's centre), every other
    select the join (its estimate lets SQLite's and PostgreSQL's planners use the units'
    indexes).

    `match`: the condition every row found must meet (the folded text's LIKE), given apart:
    a common term's walk holds it, the scope and the words in one condition no index serves,
    whose estimate (half the rows) lets the planner walk the key and stop at the page, as
    _newest_hold_a_page found it will. Left apart, the LIKE's estimate (10 of the 4,361 rows of
    `nguyen van` at 100,000 petitions, once ANALYZE sampled other rows) made it read the whole
    table and join the centre's units to it: 3 s.

    PostgreSQL: a GIN index returns its matches unordered, so the newest page of a common term
    needs all of them read and sorted (x2 from 10,000 to 100,000 petitions). For a common term
    whose newest rows hold a page of matches, the page is read newest first along the primary
    key instead, the words checked on the rows the LIKE keeps (the same rows, no index: the
    planner walks the key and stops at the page); its total (`COUNT_BY`, up to the cap) is
    counted along the key over the newest COUNT_WALK_ROWS rows, and only when they do not hold
    more than the cap, by the index."""
    joined, probed = scope
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        if ts_query(needles) is None:
            return select.where(joined, match), model.id.desc()
        found = _candidates(model, needles)
        narrowed = select.where(probed, match, found)
        if _is_common(session, model, needles):
            # coalesce(): the same conditions, as one no index serves
            walk = select.where(sa.func.coalesce(sa.and_(probed, match, found), sa.false()))
            if _newest_hold_a_page(session, walk, model):
                counts = ((_newest(model, COUNT_WALK_ROWS),), (found,))
                return walk.execution_options(**{COUNT_BY: counts}), model.id.desc()
        return narrowed, model.id.desc()
    select = select.where(joined, match)
    if dialect != "sqlite":
        return select, model.id.desc()
    query = fts_query(needles)
    if query is None:
        return select, model.id.desc()
    name = FTS_TABLES[model.__tablename__]
    fts = sa.table(name, sa.column("rowid"), sa.column(name))
    narrowed = select.join(fts, fts.c.rowid == model.id).where(fts.c[name].op("MATCH")(query))
    return narrowed, fts.c.rowid.desc()
