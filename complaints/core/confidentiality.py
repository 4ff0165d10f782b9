"""The denouncer's identity (LTC Art 9, 47, 56): who may see it, on which record, and what the
others read instead. The one home of the rule; every page, export, notice, API answer and search
asks it.

- A record (petition, visit, case) is *protected* when its matter is a denunciation's: the
  record itself, or any petition of its matter (its case's petitions, the visits they came
  from, the other petitions taken at a visit), is a denunciation, whatever kind it was first
  given, and stays protected once it was one (`denounced`: the strictest kind wins, a later
  reclassification does not lift the protection); a repeat visit of a known denouncer (the
  same matter again) is protected too. `protected_clause` says it in SQL, `is_protected` of
  loaded records.
- `may_see_identity(user, record)` is the one decision: not protected, or a role allowed to see
  denouncers (DENOUNCER_IDENTITY_ROLES); on the case file (`case_file=True`), never a verifier,
  who works on a stripped file whatever their other roles.
- The others read MASK where a name, paper, phone or address stands, and every free text of the
  record (summaries, titles, notes, contents) with the matter's known identity values stripped
  (`strip`, `shown_text`): with or without diacritics, in any letter case, numbers typed with
  or without separators. Search matches such a record only on what they may read.
- `record_view` is the one operation that records a view of a protected identity.

Core imports no feature: the rule reads the tables by name from the metadata (as access does)
and takes the mapped classes from its callers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from complaints.core.access import DENOUNCER_IDENTITY_ROLES, Role
from complaints.core.db import Base, begin_writing, commit_apart
from complaints.core.translate import L_

# The one masked text, wherever an identity or a stripped value stands (pages, exports, notices).
MASK = L_("[Được bảo mật]")
DENUNCIATION = "denunciation"
MIN_TERM = 3  # shorter values would mask ordinary words ("Ba", "An")
PETITION, VISIT, CASE = "petition", "visit", "case_file"


def _t(name: str) -> sa.Table:
    return Base.metadata.tables[name]


# --- which records are a denunciation's matter ---------------------------------------------------
#
# A matter is what petitions, their cases and the visits they were taken at hold together (a
# case's petitions; the petitions taken at one visit). It is a denunciation's when one of its
# petitions or visits is or once was a denunciation (`denounced`), or one of its cases is one,
# or one of its visits is a repeat visit (the same matter again) of a known denouncer. Each
# petition, visit and case stores the answer (`protected`): the lists, searches and exports
# read a column, and `refresh` keeps it right after every flush that changes a kind, a link, a
# repeat mark or a person's papers (the listener below: no operation can forget it).

# What a flush must change for a matter's protection to be recomputed.
WATCHED = {
    PETITION: ("kind", "denounced", "case_id", "visit_id", "forwarded_from_id"),
    VISIT: ("kind", "denounced", "is_repeat"),
    CASE: ("kind",),
    "petition_sender": ("identity_no", "petition_id"),
    "visit_person": ("identity_no", "visit_id"),
}
_SEEDS = "confidentiality_seeds"


def _marked(t: Any) -> sa.ColumnElement[bool]:
    """A petition or visit (a table or an alias of it) that is, or once was, a denunciation."""
    return sa.or_(t.c.kind == DENUNCIATION, t.c.denounced.is_(True))


def _is_denouncer(identity_no: Any) -> sa.ColumnElement[bool]:
    """This identity number (not blank) is a denouncer's: a sender of a denunciation, or a
    person received at a denunciation's visit. Two look-ups by the number's indexes, never
    the list of every denouncer: as `IN (the union of all)` inside the per-visit test,
    PostgreSQL sorted the country's two million denouncers again for every repeat visit
    (refresh_all never ended at 5,000,000 petitions)."""
    ps, p = _t("petition_sender").alias(), _t(PETITION).alias()
    vp, v = _t("visit_person").alias(), _t(VISIT).alias()
    return sa.and_(
        identity_no != "",
        sa.or_(
            sa.exists(
                sa.select(1)
                .select_from(ps.join(p, p.c.id == ps.c.petition_id))
                .where(ps.c.identity_no == identity_no, _marked(p))
            ),
            sa.exists(
                sa.select(1)
                .select_from(vp.join(v, v.c.id == vp.c.visit_id))
                .where(vp.c.identity_no == identity_no, _marked(v))
            ),
        ),
    )


def _repeat_of_denouncer(v: Any) -> sa.ColumnElement[bool]:
    """A repeat visit (the same matter again) of a person known as a denouncer."""
    vp = _t("visit_person").alias()
    return sa.and_(
        v.c.is_repeat.is_(True),
        sa.exists(
            sa.select(1).where(
                vp.c.visit_id == v.c.id,
                _is_denouncer(vp.c.identity_no),
            )
        ),
    )


def protected_clause(model: Any) -> sa.ColumnElement[bool]:
    """SQL: a row of this model (Petition, Visit or Case) is a denunciation's matter."""
    return model.protected.is_(True)


def _matters_protected(P: set, V: set, C: set, edges: list, marks: set) -> dict:
    """The matters (connected parts of petitions, cases and visits, joined by the petitions'
    links) and whether each holds a mark: {(tag, id): protected} for every node."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for node in [("p", i) for i in P] + [("v", i) for i in V] + [("c", i) for i in C]:
        find(node)
    for pid, cid, vid, fid in edges:
        for other in (("c", cid), ("v", vid), ("p", fid)):
            if other[1]:
                parent[find(other)] = find(("p", pid))
    protected_roots = {find(m) for m in marks}
    return {node: find(node) in protected_roots for node in parent}


def refresh(conn: sa.Connection, petitions=(), visits=(), cases=(), numbers=()) -> dict:
    """Recompute the protection of the matters these records belong to (and of the repeat
    visits of these identity numbers); returns {(table, id): flag} of the flags it changed.

    A matter is found by following its links (a few queries per matter, whatever the size of
    the database); each is protected as a whole."""
    p, v, c = _t(PETITION), _t(VISIT), _t(CASE)
    vp = _t("visit_person")
    P, V, C = {i for i in petitions if i}, {i for i in visits if i}, {i for i in cases if i}
    changed: dict = {}
    numbers = {n for n in numbers if n}
    for _round in range(20):  # new denouncers make repeat visits elsewhere protected
        if numbers:
            V |= set(
                conn.scalars(
                    sa.select(vp.c.visit_id)
                    .join(v, v.c.id == vp.c.visit_id)
                    .where(vp.c.identity_no.in_(numbers), v.c.is_repeat.is_(True))
                )
            )
        edges: list[tuple[int, int | None, int | None, int | None]] = []
        while True:  # the closure of the links (a transferred copy is its original's matter)
            rows = conn.execute(
                sa.select(p.c.id, p.c.case_id, p.c.visit_id, p.c.forwarded_from_id).where(
                    sa.or_(
                        p.c.id.in_(P),
                        p.c.case_id.in_(C),
                        p.c.visit_id.in_(V),
                        p.c.forwarded_from_id.in_(P),
                    )
                )
            ).all()
            edges = [tuple(r) for r in rows]
            grown = (
                {r[0] for r in rows} - P
                or {r[1] for r in rows if r[1]} - C
                or {r[2] for r in rows if r[2]} - V
                or {r[3] for r in rows if r[3]} - P
            )
            P |= {r[0] for r in rows} | {r[3] for r in rows if r[3]}
            C |= {r[1] for r in rows if r[1]}
            V |= {r[2] for r in rows if r[2]}
            if not grown:
                break
        marks = (
            {("p", i) for i in conn.scalars(sa.select(p.c.id).where(p.c.id.in_(P), _marked(p)))}
            | {
                ("v", i)
                for i in conn.scalars(
                    sa.select(v.c.id).where(
                        v.c.id.in_(V), sa.or_(_marked(v), _repeat_of_denouncer(v))
                    )
                )
            }
            | {
                ("c", i)
                for i in conn.scalars(
                    sa.select(c.c.id).where(c.c.id.in_(C), c.c.kind == DENUNCIATION)
                )
            }
        )
        wanted = _matters_protected(P, V, C, edges, marks)
        now_protected: set = set()
        for tag, table, name in (("p", p, PETITION), ("v", v, VISIT), ("c", c, CASE)):
            ids = [i for (t, i) in wanted if t == tag]
            if not ids:
                continue
            current = {
                i: flag
                for i, flag in conn.execute(
                    sa.select(table.c.id, table.c.protected).where(table.c.id.in_(ids))
                )
            }
            for flag in (True, False):
                flip = [
                    i for i in ids if wanted[(tag, i)] is flag and bool(current.get(i)) is not flag
                ]
                if flip:
                    conn.execute(table.update().where(table.c.id.in_(flip)).values(protected=flag))
                    changed.update({(name, i): flag for i in flip})
                    if flag:
                        now_protected |= {(tag, i) for i in flip}
        # Who just became a denouncer: their repeat visits elsewhere are the same matter.
        numbers = set()
        newly_p = [i for t, i in now_protected if t == "p"]
        newly_v = [i for t, i in now_protected if t == "v"]
        if newly_p:
            numbers |= set(
                conn.scalars(
                    sa.select(_t("petition_sender").c.identity_no).where(
                        _t("petition_sender").c.petition_id.in_(newly_p)
                    )
                )
            )
        if newly_v:
            numbers |= set(
                conn.scalars(sa.select(vp.c.identity_no).where(vp.c.visit_id.in_(newly_v)))
            )
        numbers = {n for n in numbers if n}
        if not numbers:
            break
        more = set(
            conn.scalars(
                sa.select(vp.c.visit_id)
                .join(v, v.c.id == vp.c.visit_id)
                .where(
                    vp.c.identity_no.in_(numbers),
                    v.c.is_repeat.is_(True),
                    v.c.protected.is_(False),
                )
            )
        )
        if not more:
            break
        P, V, C = set(), more, set()
    return changed


def refresh_all(conn: sa.Connection) -> int:
    """Recompute every record's protection (after an import in bulk, a repair): the marks,
    then their spread along the links (a petition's case and visit, a transferred copy and
    its original) until nothing changes, the matters refresh() finds; returns the rows the
    marks wrote. Only rows whose mark differs are written, and those protected along a link
    (reset to their own mark, then spread again): a repair of millions of rows rewrites the
    few it mends and the linked ones, not every row and its indexes."""
    p, v, c = _t(PETITION), _t(VISIT), _t(CASE)
    touched = 0
    for table, mark in (
        (p, _marked(p)),
        (v, sa.or_(_marked(v), _repeat_of_denouncer(v))),
        (c, c.c.kind == DENUNCIATION),
    ):
        touched += conn.execute(
            table.update().where(table.c.protected != mark).values(protected=mark)
        ).rowcount
    while True:
        q, w, k = p.alias(), v.alias(), c.alias()
        spread = conn.execute(
            c.update()
            .where(
                c.c.protected.is_(False),
                sa.exists(sa.select(1).where(q.c.case_id == c.c.id, q.c.protected.is_(True))),
            )
            .values(protected=True)
        ).rowcount
        spread += conn.execute(
            p.update()
            .where(
                p.c.protected.is_(False),
                sa.or_(
                    sa.exists(sa.select(1).where(k.c.id == p.c.case_id, k.c.protected.is_(True))),
                    sa.exists(sa.select(1).where(w.c.id == p.c.visit_id, w.c.protected.is_(True))),
                    # a transferred copy is its original's matter, both ways (as refresh())
                    sa.exists(
                        sa.select(1).where(q.c.id == p.c.forwarded_from_id, q.c.protected.is_(True))
                    ),
                    # the originals as one list: SQLite's statistics of the mostly empty
                    # forwarded_from_id make it scan every petition for each one otherwise
                    p.c.id.in_(
                        sa.select(q.c.forwarded_from_id).where(
                            q.c.protected.is_(True), q.c.forwarded_from_id.isnot(None)
                        )
                    ),
                ),
            )
            .values(protected=True)
        ).rowcount
        spread += conn.execute(
            v.update()
            .where(
                v.c.protected.is_(False),
                sa.exists(sa.select(1).where(q.c.visit_id == v.c.id, q.c.protected.is_(True))),
            )
            .values(protected=True)
        ).rowcount
        if not spread:
            return touched


@sa.event.listens_for(Session, "after_flush")
def _collect(session, context) -> None:
    """Note the records whose matter's protection the flush may have changed."""
    seeds = session.info.setdefault(_SEEDS, {"p": set(), "v": set(), "c": set(), "n": set()})
    for obj in [*session.new, *session.dirty, *session.deleted]:
        name = getattr(obj, "__tablename__", None)
        if name not in WATCHED:
            continue
        state = sa.inspect(obj)
        fresh = obj in session.new or obj in session.deleted
        changes = {
            attr: state.attrs[attr].history
            for attr in WATCHED[name]
            if fresh or state.attrs[attr].history.has_changes()
        }
        if not changes:
            continue
        values = {attr: [*h.added, *h.unchanged, *h.deleted] for attr, h in changes.items()}
        if name == PETITION:
            seeds["p"].add(obj.id)
            seeds["c"].update(values.get("case_id", [obj.case_id]))
            seeds["v"].update(values.get("visit_id", [obj.visit_id]))
        elif name == VISIT:
            seeds["v"].add(obj.id)
        elif name == CASE:
            seeds["c"].add(obj.id)
        elif name == "petition_sender":
            seeds["p"].update(values.get("petition_id", [obj.petition_id]))
            seeds["n"].update(values.get("identity_no", [obj.identity_no]))
        else:
            seeds["v"].update(values.get("visit_id", [obj.visit_id]))
            seeds["n"].update(values.get("identity_no", [obj.identity_no]))


def note_inserted(session, petitions=(), cases=(), numbers=()) -> None:
    """Petitions inserted without the ORM (a Core executemany: the register import's batch),
    noted as _collect notes a flush's: their ids, their cases, their senders' identity
    numbers. Their matters are recomputed at the next flush (or at the end of the
    refresh_deferred block around it)."""
    seeds = session.info.setdefault(_SEEDS, {"p": set(), "v": set(), "c": set(), "n": set()})
    seeds["p"].update(petitions)
    seeds["c"].update(cases)
    seeds["n"].update(numbers)


_DEFERRED = "confidentiality_deferred"


@contextmanager
def refresh_deferred(session: Session):
    """Within this block the flags are recomputed once, at its end, for every record its
    flushes touched, instead of after each flush: a writer of many records in one transaction
    (the register import's batch) pays a few queries for the batch, not for each record. Only
    for writers that read no protection flag of the records they write inside the block."""
    if session.info.get(_DEFERRED):
        yield
        return
    session.info[_DEFERRED] = True
    try:
        yield
    except BaseException:
        session.info.pop(_SEEDS, None)  # the work is rolled back: nothing to recompute
        raise
    finally:
        session.info.pop(_DEFERRED, None)
    session.flush()
    _refresh_after_flush(session, None)


@sa.event.listens_for(Session, "after_flush_postexec")
def _refresh_after_flush(session, context) -> None:
    """Recompute what the flush changed, and give the session's records their new flags."""
    if session.info.get(_DEFERRED):
        return  # refresh_deferred recomputes at its end, with every flush's seeds
    seeds = session.info.pop(_SEEDS, None)
    if not seeds or not any(seeds.values()):
        return
    changed = refresh(
        session.connection(),
        petitions=seeds["p"],
        visits=seeds["v"],
        cases=seeds["c"],
        numbers=seeds["n"],
    )
    # By identity key: reading an attribute of a record the session holds could load it.
    for (cls, ident, *_token), obj in list(session.identity_map.items()):
        key = (getattr(cls, "__tablename__", None), ident[0] if len(ident) == 1 else None)
        if key in changed:
            set_committed_value(obj, "protected", changed[key])


def _key(record: Any) -> tuple[str, int | None]:
    return record.__tablename__, record.id


def _ruled(record: Any) -> bool:
    """A record the rule applies to (a petition, a visit or a case, already written)."""
    return (
        record is not None
        and getattr(record, "__tablename__", None) in (PETITION, VISIT, CASE)
        and record.id is not None
    )


def is_protected(record: Any) -> bool:
    """True when the record belongs to a denunciation's matter (its stored flag, or its own
    kind while the change that makes it one is not written yet)."""
    if record is None or getattr(record, "__tablename__", None) not in (PETITION, VISIT, CASE):
        return False
    if new_record_protected(getattr(record, "kind", None), getattr(record, "denounced", False)):
        return True
    return bool(record.protected) if record.id is not None else False


def new_record_protected(kind: Any, denounced: Any) -> bool:
    """is_protected of a record not written yet, from its values: a denunciation's kind or
    flag (a writer of rows without records: the register import's batch)."""
    return kind == DENUNCIATION or bool(denounced)


# --- who may see ---------------------------------------------------------------------------------


def role_allows(user: Any, *, case_file: bool = False) -> bool:
    """The user's roles let them see denouncers (on the case file: not a verifier)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = user.role_set
    if case_file and Role.case_handler in roles:
        return False
    return bool(roles & DENOUNCER_IDENTITY_ROLES)


def may_see_identity(
    user: Any, record: Any, *, case_file: bool = False, allowed: bool | None = None
) -> bool:
    """The one decision: may this user see who sent this record (petition, visit, case)?
    `allowed`: role_allows(user, case_file=...) as already asked (a page's Reader asks once,
    not for every cell of every row)."""
    if allowed is None:
        allowed = role_allows(user, case_file=case_file)
    return allowed or not is_protected(record)


def hidden_from(user: Any, records: Sequence[Any], *, case_file: bool = False) -> set[int]:
    """The ids of the records whose identities this user may not see (one query per kind)."""
    if role_allows(user, case_file=case_file):
        return set()
    return {r.id for r in records if _ruled(r) and is_protected(r)}


def shown_to(user: Any, records: Sequence[Any], *, case_file: bool = False) -> list[Any]:
    """The protected records among these whose identities the user is shown (to be recorded)."""
    if not role_allows(user, case_file=case_file):
        return []
    return [r for r in records if _ruled(r) and is_protected(r)]


def visible_clause(user: Any, model: Any, full: Any, public: Any) -> sa.ColumnElement[bool]:
    """A search condition: `full` (names, papers...) where the user may see the identity,
    else only `public` (what they may read of a protected record)."""
    if role_allows(user, case_file=model.__tablename__ == CASE):
        return full
    protected = protected_clause(model)
    # The text first: the cheap condition decides most rows.
    return sa.or_(sa.and_(full, ~protected), sa.and_(public, protected))


def masked() -> Markup:
    """The masked text as HTML, where an identity would stand."""
    return Markup('<span class="redacted">%s</span>') % MASK


# --- stripping free text -------------------------------------------------------------------------


def _fold_char(c: str) -> str:
    """One character without diacritics, lower case, still one character (keeps offsets)."""
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0]
    low = base.lower()
    return low if len(low) == 1 else base


_FOLDED: dict[int, str] = {}  # each character met, folded by _fold_char (str.translate's table)
_MET: set[str] = set()


def fold_keep_length(text: str) -> str:
    """The text folded a character at a time (offsets kept): each distinct character is
    folded once per process, then the text is translated in C."""
    new = set(text).difference(_MET)
    if new:
        for c in new:
            _FOLDED[ord(c)] = _fold_char(c)
        _MET.update(new)
    return text.translate(_FOLDED)


_SEPARATOR = r"[\s.\-/]?"


def _value_patterns(value: str) -> set[str]:
    """The regular expressions (on folded text) a known identity value is found by."""
    return set(_value_needles(value))


@functools.lru_cache(maxsize=4096)
def _value_needles(value: str) -> dict[str, tuple[bool, tuple[str, ...]]]:
    """Each regular expression of a value with what any text it matches must contain: every
    one of its needles, in the folded text (False) or in the folded text without separators
    (True, for numbers typed with or without them). Kept per value (a writer of many records,
    the register import, asks for a matter's senders at each of its petitions): the dict
    returned is shared, never changed by its callers."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    out: dict[str, tuple[bool, tuple[str, ...]]] = {}
    compact = re.sub(r"[\s.\-/()+]", "", value)
    if len(compact) >= 6 and compact.isalnum() and sum(ch.isdigit() for ch in compact) >= 5:
        # a paper or phone number, typed with or without separators ("031 085 001 234")
        chars = fold_keep_length(compact)
        out[_SEPARATOR.join(re.escape(ch) for ch in chars)] = (True, (chars,))
        if chars.startswith("84") or chars.startswith("0"):  # +84 912... and 0912...
            rest = chars[2:] if chars.startswith("84") else chars[1:]
            regex = r"(?:\+?84|0)" + _SEPARATOR + _SEPARATOR.join(re.escape(c) for c in rest)
            out[regex] = (True, (rest,))
        return out
    for part in {value, value.split(",")[0].strip()}:
        words = fold_keep_length(part).split()
        if len(part) >= MIN_TERM and words:
            out[r"\s+".join(re.escape(w) for w in words)] = (False, tuple(words))
        if len(words) >= 3 and "," not in value:  # "Thị Hoa" of a name
            out[r"\s+".join(re.escape(w) for w in words[1:])] = (False, tuple(words[1:]))
    return out


_SEPARATORS = re.compile(r"[\s.\-/]")


def pattern_for(values: Iterable[str], within: str | None = None) -> re.Pattern | None:
    """One pattern for every value, longest first, whole words only; None when nothing to find.

    `within`: the only text the pattern will be used on (or all of those texts joined by
    " | "); the values that cannot occur in it are left out, which spares compiling them
    (the pattern finds the same in that text)."""
    parts: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for value in values:
        parts.update(_value_needles(value))
    if within is not None and parts:
        folded = fold_keep_length(unicodedata.normalize("NFC", within))
        squeezed = _SEPARATORS.sub("", folded)
        parts = {
            regex: need
            for regex, need in parts.items()
            if all(n in (squeezed if need[0] else folded) for n in need[1])
        }
    if not parts:
        return None
    ordered = sorted(parts, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(ordered) + r")(?![\w])")


def strip(
    text: str | None, values: Iterable[str] | re.Pattern | None, mask: str | None = None
) -> str:
    """The text with every known identity value replaced by MASK (or by `mask`)."""
    text = unicodedata.normalize("NFC", text or "")
    pattern = values if isinstance(values, re.Pattern) or values is None else pattern_for(values)
    if pattern is None or not text:
        return text
    folded = fold_keep_length(text)
    mask = str(MASK) if mask is None else mask
    for m in reversed(list(pattern.finditer(folded))):
        text = text[: m.start()] + mask + text[m.end() :]
    return text


def identity_values(records: Sequence[Any]) -> dict[tuple[str, int], re.Pattern | None]:
    """For each record, the pattern of its matter's known identity values (matter_values)."""
    return {key: pattern_for(values) for key, values in matter_values(records).items()}


# A sender's or a received person's identity values, in the order a matter lists them.
IDENTITY_COLUMNS = ("full_name", "identity_no", "phone", "address")


def person_identity(person: Mapping[str, Any]) -> list[str]:
    """The identity values of a sender or person given as a row (a mapping of its columns),
    those it has, in a matter's order (matter_values; the register import's batch)."""
    return [person[c] for c in IDENTITY_COLUMNS if person[c]]


def _person_values(person: Any) -> list[str]:
    return [v for v in (getattr(person, c) for c in IDENTITY_COLUMNS) if v]


def matter_values(records: Sequence[Any]) -> dict[tuple[str, int], list[str]]:
    """For each record, its matter's known identity values: the senders of the matter's
    petitions (name, paper, phone, address) and the persons received at its visits.

    Three queries at most whatever the number of records (the matters' petitions, their
    senders, the persons of visits not already loaded)."""
    from complaints.extensions import db

    petition, sender = _t(PETITION), _t("petition_sender")
    visit_person = _t("visit_person")
    petition_ids = {r.id for r in records if r.__tablename__ == PETITION}
    case_ids = {r.id for r in records if r.__tablename__ == CASE}
    visit_ids = {r.id for r in records if r.__tablename__ == VISIT}
    own_cases = sa.select(petition.c.case_id).where(petition.c.id.in_(petition_ids))
    own_visits = sa.select(petition.c.visit_id).where(petition.c.id.in_(petition_ids))
    rows = db.session.execute(
        sa.select(petition.c.id, petition.c.case_id, petition.c.visit_id).where(
            sa.or_(
                petition.c.id.in_(petition_ids),
                petition.c.case_id.in_(case_ids),
                petition.c.case_id.in_(own_cases),
                petition.c.visit_id.in_(visit_ids),
                petition.c.visit_id.in_(own_visits),
            )
        )
    ).all()
    case_of = {pid: cid for pid, cid, _ in rows}
    visit_of = {pid: vid for pid, _, vid in rows if vid is not None}
    by_case: dict[int, list[int]] = {}
    by_visit_petitions: dict[int, list[int]] = {}
    for pid, cid, vid in rows:
        if cid is not None:
            by_case.setdefault(cid, []).append(pid)
        if vid is not None:
            by_visit_petitions.setdefault(vid, []).append(pid)
    # the petitions of each record's matter
    members: dict[tuple[str, int], set[int]] = {}
    for r in records:
        key = _key(r)
        if key[0] == PETITION:
            cid, vid = case_of.get(r.id), visit_of.get(r.id)
            members[key] = {
                r.id,
                *(by_case.get(cid, []) if cid is not None else []),
                *(by_visit_petitions.get(vid, []) if vid is not None else []),
            }
        elif key[0] == CASE:
            members[key] = set(by_case.get(r.id, []))
        else:
            members[key] = set(by_visit_petitions.get(r.id, []))
    pids = set().union(*members.values()) if members else set()
    senders: dict[int, list[str]] = {}
    if pids:
        for row in db.session.execute(
            sa.select(sender.c.petition_id, *(sender.c[c] for c in IDENTITY_COLUMNS)).where(
                sender.c.petition_id.in_(pids)
            )
        ):
            senders.setdefault(row[0], []).extend(v for v in row[1:] if v)
    # the visits of each matter: its own (a visit record) and those its petitions came from
    visits_of = {
        key: {visit_of[p] for p in pset if p in visit_of} | ({key[1]} if key[0] == VISIT else set())
        for key, pset in members.items()
    }
    persons: dict[int, list[str]] = {}
    for r in records:  # the persons of a visit the page has loaded are not asked for again
        if r.__tablename__ == VISIT and "persons" in r.__dict__:
            persons[r.id] = [v for p in r.persons for v in _person_values(p)]
    wanted = set().union(*visits_of.values()) - persons.keys() if visits_of else set()
    if wanted:
        for row in db.session.execute(
            sa.select(
                visit_person.c.visit_id, *(visit_person.c[c] for c in IDENTITY_COLUMNS)
            ).where(visit_person.c.visit_id.in_(wanted))
        ):
            persons.setdefault(row[0], []).extend(v for v in row[1:] if v)
    return {
        key: [v for p in sorted(pset) for v in senders.get(p, [])]
        + [v for vid in sorted(visits_of[key]) for v in persons.get(vid, [])]
        for key, pset in members.items()
    }


class Reader:
    """What one user may read of records: identities, and free text stripped of them.

    A page asks it per row; `load` a page's records first and it needs a few queries for the
    whole page (their matters' identity values), never one per row. A Case is read as the
    case file: a verifier sees no denouncer on it, whatever their other roles."""

    def __init__(self, user: Any, records: Iterable[Any] = ()):
        self.user = user
        self._patterns: dict[tuple[str, int], re.Pattern | None] = {}
        self._allowed: dict[bool, bool] = {}  # case_file -> role_allows, asked once
        self.load(records)

    def load(self, records: Iterable[Any], *, case_file: bool = False) -> Reader:
        """Learn, in one batch, what the user may read of these records (on the case file:
        `case_file`)."""
        records = [r for r in records if _ruled(r)]
        todo = [
            r
            for r in records
            if _key(r) not in self._patterns and not self.sees(r, case_file=case_file)
        ]
        if todo:
            self._patterns.update(identity_values(todo))
        return self

    def sees(self, record: Any, *, case_file: bool = False) -> bool:
        """True when the identity of this record is shown to the user."""
        if not _ruled(record):
            return True
        case_file = case_file or record.__tablename__ == CASE
        if case_file not in self._allowed:
            self._allowed[case_file] = role_allows(self.user, case_file=case_file)
        return may_see_identity(
            self.user, record, case_file=case_file, allowed=self._allowed[case_file]
        )

    def text(self, record: Any, value: str | None, *, case_file: bool = False) -> str:
        """Free text of the record as the user may read it."""
        if self.sees(record, case_file=case_file):
            return value or ""
        key = _key(record)
        if key not in self._patterns:
            self._patterns.update(identity_values([record]))
        return strip(value, self._patterns[key])

    def person(self, record: Any, value: Any, *, case_file: bool = False) -> Any:
        """A name, paper, phone or address of the record, or MASK."""
        return value if self.sees(record, case_file=case_file) else MASK

    def text_across(self, records: Sequence[Any], value: str | None) -> str:
        """Free text about several records (a session's conclusion about its visits), stripped
        of the identities of each one the user may not see."""
        self.load(records)
        for record in records:
            value = self.text(record, value)
        return value or ""


def reader() -> Reader:
    """The current user's Reader for this request (pages load their rows into it)."""
    from flask import g
    from flask_login import current_user

    if "_confidential_reader" not in g:
        g._confidential_reader = Reader(current_user._get_current_object())  # not the proxy
    return g._confidential_reader


def shown_text(user: Any, record: Any, text: str | None, *, case_file: bool = False) -> str:
    """The record's free text as this user may read it (stripped of the matter's identities)."""
    if may_see_identity(user, record, case_file=case_file):
        return text or ""
    return strip(text, identity_values([record])[_key(record)])


def mask_value(user: Any, record: Any, value: Any, *, case_file: bool = False) -> Any:
    """A name, paper, phone or address of the record, or MASK when the user may not see it."""
    return value if may_see_identity(user, record, case_file=case_file) else MASK


# --- the record of who saw ------------------------------------------------------------------------


def record_view(
    actor: Any,
    *,
    where: str,
    petitions: Sequence[Any] = (),
    visits: Sequence[Any] = (),
    cases: Sequence[Any] = (),
    on: tuple[str, int | None, int | None] | None = None,
    **detail: Any,
) -> None:
    """Record that protected identities were shown to the actor (LTC Art 47, 56): one event,
    about the one record shown, or `on` (entity type, id, unit) when a document of another
    record showed them (a notice), else about the list.

    On a reading request, the read transaction ends first and the event goes into one that
    takes SQLite's write lock at its start (a deferred read cannot safely turn into a write).
    It is called once the page's operations are done (after rendering), and commits."""
    from complaints.core import audit

    records = [*petitions, *visits, *cases]
    if not records and on is None:
        return
    # Everything the event says is read before the read transaction ends (which expires
    # the page's records: reading them again would query each one).
    after = {
        "where": where,
        "petition_ids": [p.id for p in petitions],
        "visit_ids": [v.id for v in visits],
        **({"case_ids": [c.id for c in cases]} if cases else {}),
        **detail,
    }
    if on is not None:
        entity_type, entity_id, unit_id = on
        summary = f"Xem thông tin người tố cáo ({where})"
    elif len(records) == 1:
        record = records[0]
        entity_type, entity_id, unit_id = record.__tablename__, record.id, record.unit_id
        label = getattr(record, "register_no", None) or getattr(record, "case_no", None)
        summary = f"Xem thông tin người tố cáo ({where}): {label or record.id}"
    else:
        entity_type = PETITION if petitions else (VISIT if visits else CASE)
        entity_id, unit_id = None, getattr(actor, "unit_id", None)
        summary = (
            f"Xem thông tin người tố cáo ({where}): {len(petitions)} đơn, "
            f"{len(visits)} lượt tiếp, {len(cases)} vụ việc"
        )

    actor_id = getattr(actor, "id", None)
    begin_writing()
    audit.record(
        "identity.viewed",
        actor=SimpleNamespace(id=actor_id),
        entity_type=entity_type,
        entity_id=entity_id,
        unit_id=unit_id,
        after=after,
        summary=summary,
    )
    # Kept at once: the view happened, whatever the answer (a 409 page shows the senders too,
    # and an error answer rolls the request back).
    commit_apart()
