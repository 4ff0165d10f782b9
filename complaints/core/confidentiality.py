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

import re
import unicodedata
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from complaints.core.access import DENOUNCER_IDENTITY_ROLES, Role
from complaints.core.db import Base, begin_writing
from complaints.core.translate import L_

# The one masked text, wherever an identity or a stripped value stands (pages, exports, notices).
MASK = L_("[Được bảo mật]")
DENUNCIATION = "denunciation"
MIN_TERM = 3  # shorter values would mask ordinary words ("Ba", "An")
PETITION, VISIT, CASE = "petition", "visit", "case_file"
_CACHE = "_confidentiality"


def _t(name: str) -> sa.Table:
    return Base.metadata.tables[name]


# --- which records are a denunciation's matter ---------------------------------------------------


def _marked(t: Any) -> sa.ColumnElement[bool]:
    """A petition or visit (a table or an alias of it) that is, or once was, a denunciation."""
    return sa.or_(t.c.kind == DENUNCIATION, t.c.denounced.is_(True))


def _denouncers() -> sa.Select:
    """The identity numbers of every denouncer: the senders of a denunciation, the persons
    received at a denunciation's visit."""
    ps, p = _t("petition_sender").alias(), _t(PETITION).alias()
    vp, v = _t("visit_person").alias(), _t(VISIT).alias()
    return sa.union(
        sa.select(ps.c.identity_no)
        .join(p, p.c.id == ps.c.petition_id)
        .where(_marked(p), ps.c.identity_no != ""),
        sa.select(vp.c.identity_no)
        .join(v, v.c.id == vp.c.visit_id)
        .where(_marked(v), vp.c.identity_no != ""),
    )


def _repeat_of_denouncer(v: Any) -> sa.ColumnElement[bool]:
    """A repeat visit (the same matter again) of a person known as a denouncer."""
    vp = _t("visit_person").alias()
    return sa.and_(
        v.c.is_repeat.is_(True),
        sa.exists(
            sa.select(1).where(
                vp.c.visit_id == v.c.id,
                vp.c.identity_no != "",
                vp.c.identity_no.in_(_denouncers()),
            )
        ),
    )


def _any_petition(where) -> sa.ColumnElement[bool]:
    """Some petition q chosen by `where(q)` is a denunciation's: itself, the visit it was
    taken at, or its case. One flat EXISTS over three joins (SQLite's parser refuses deeper
    nesting), each join a seek on an index."""
    q, v, c = _t(PETITION).alias(), _t(VISIT).alias(), _t(CASE).alias()
    return sa.exists(
        sa.select(1)
        .select_from(q.outerjoin(v, v.c.id == q.c.visit_id).outerjoin(c, c.c.id == q.c.case_id))
        .where(
            where(q),
            sa.or_(_marked(q), _marked(v), c.c.kind == DENUNCIATION, _repeat_of_denouncer(v)),
        )
    )


def _case_matter(c: Any) -> sa.ColumnElement[bool]:
    """A case: its own kind, its petitions, the visits they came from, the other petitions
    taken at those visits."""
    mine = _t(PETITION).alias()
    at_its_visits = sa.select(mine.c.visit_id).where(
        mine.c.case_id == c.c.id, mine.c.visit_id.is_not(None)
    )
    return sa.or_(
        c.c.kind == DENUNCIATION,
        _any_petition(lambda q: sa.or_(q.c.case_id == c.c.id, q.c.visit_id.in_(at_its_visits))),
    )


def _petition_matter(p: Any) -> sa.ColumnElement[bool]:
    """A petition: itself, its visit, the other petitions of its case and of its visit."""
    return _any_petition(
        lambda q: sa.or_(
            q.c.id == p.c.id,
            sa.and_(p.c.case_id.is_not(None), q.c.case_id == p.c.case_id),
            sa.and_(p.c.visit_id.is_not(None), q.c.visit_id == p.c.visit_id),
        )
    )


def _visit_matter(v: Any) -> sa.ColumnElement[bool]:
    """A visit: itself (or a repeat visit of a denouncer), the petitions taken at it and the
    cases they joined."""
    taken = _t(PETITION).alias()
    cases_of_its_petitions = sa.select(taken.c.case_id).where(
        taken.c.visit_id == v.c.id, taken.c.case_id.is_not(None)
    )
    return sa.or_(
        _marked(v),
        _repeat_of_denouncer(v),
        _any_petition(
            lambda q: sa.or_(q.c.visit_id == v.c.id, q.c.case_id.in_(cases_of_its_petitions))
        ),
    )


def protected_clause(model: Any) -> sa.ColumnElement[bool]:
    """SQL: a row of this model (Petition, Visit or Case) is a denunciation's matter."""
    name = model.__tablename__
    rules = {CASE: _case_matter, PETITION: _petition_matter, VISIT: _visit_matter}
    if name not in rules:
        raise ValueError(f"no denouncer rule for the table {name}")
    return rules[name](model.__table__)


def _cache() -> dict | None:
    """Per request, what is known of the records already asked about (None outside one)."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    if not hasattr(g, _CACHE):
        setattr(g, _CACHE, {})
    return getattr(g, _CACHE)


def forget() -> None:
    """Drop what the request knows (a write may have changed a kind or a link)."""
    from flask import g, has_app_context

    if has_app_context() and hasattr(g, _CACHE):
        delattr(g, _CACHE)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session, context) -> None:
    if session.new or session.dirty or session.deleted:
        forget()


def _key(record: Any) -> tuple[str, int | None]:
    return record.__tablename__, record.id


def _ruled(record: Any) -> bool:
    """A record the rule applies to (a petition, a visit or a case, already written)."""
    return (
        record is not None
        and getattr(record, "__tablename__", None) in (PETITION, VISIT, CASE)
        and record.id is not None
    )


def prefetch(records: Iterable[Any]) -> None:
    """Learn in one query per kind which of these records are protected (a list's page)."""
    from complaints.extensions import db

    cache = _cache()
    records = [r for r in records if _ruled(r)]
    by_model: dict[type, list[int]] = {}
    for r in records:
        if cache is None or _key(r) not in cache:
            by_model.setdefault(type(r), []).append(r.id)
    for model, ids in by_model.items():
        found = set(
            db.session.scalars(
                sa.select(model.id).where(model.id.in_(ids), protected_clause(model))
            )
        )
        if cache is not None:
            cache.update({(model.__tablename__, i): i in found for i in ids})
        else:
            for r in records:
                if type(r) is model:
                    r.__dict__["_protected"] = r.id in found


def is_protected(record: Any) -> bool:
    """True when the record belongs to a denunciation's matter (see protected_clause)."""
    if record is None or getattr(record, "__tablename__", None) not in (PETITION, VISIT, CASE):
        return False
    if record.id is None:  # not written yet: its own kind is all there is
        return getattr(record, "kind", None) == DENUNCIATION
    cache = _cache()
    if cache is None:
        if "_protected" not in record.__dict__:
            prefetch([record])
        return record.__dict__["_protected"]
    if _key(record) not in cache:
        prefetch([record])
    return cache[_key(record)]


# --- who may see ---------------------------------------------------------------------------------


def role_allows(user: Any, *, case_file: bool = False) -> bool:
    """The user's roles let them see denouncers (on the case file: not a verifier)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = user.role_set
    if case_file and Role.case_handler in roles:
        return False
    return bool(roles & DENOUNCER_IDENTITY_ROLES)


def may_see_identity(user: Any, record: Any, *, case_file: bool = False) -> bool:
    """The one decision: may this user see who sent this record (petition, visit, case)?"""
    return role_allows(user, case_file=case_file) or not is_protected(record)


def hidden_from(user: Any, records: Sequence[Any], *, case_file: bool = False) -> set[int]:
    """The ids of the records whose identities this user may not see (one query per kind)."""
    if role_allows(user, case_file=case_file):
        return set()
    records = [r for r in records if _ruled(r)]
    prefetch(records)
    return {r.id for r in records if is_protected(r)}


def shown_to(user: Any, records: Sequence[Any], *, case_file: bool = False) -> list[Any]:
    """The protected records among these whose identities the user is shown (to be recorded)."""
    if not role_allows(user, case_file=case_file):
        return []
    records = [r for r in records if _ruled(r)]
    prefetch(records)
    return [r for r in records if is_protected(r)]


def visible_clause(user: Any, model: Any, full: Any, public: Any) -> sa.ColumnElement[bool]:
    """A search condition: `full` (names, papers...) where the user may see the identity,
    else only `public` (what they may read of a protected record)."""
    if role_allows(user, case_file=model.__tablename__ == CASE):
        return full
    protected = protected_clause(model)
    return sa.or_(sa.and_(~protected, full), sa.and_(protected, public))


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


def fold_keep_length(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


_SEPARATOR = r"[\s.\-/]?"


def _value_patterns(value: str) -> set[str]:
    """The regular expressions (on folded text) a known identity value is found by."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    out: set[str] = set()
    compact = re.sub(r"[\s.\-/()+]", "", value)
    if len(compact) >= 6 and compact.isalnum() and sum(ch.isdigit() for ch in compact) >= 5:
        # a paper or phone number, typed with or without separators ("031 085 001 234")
        chars = fold_keep_length(compact)
        out.add(_SEPARATOR.join(re.escape(ch) for ch in chars))
        if chars.startswith("84") or chars.startswith("0"):  # +84 912... and 0912...
            rest = chars[2:] if chars.startswith("84") else chars[1:]
            out.add(r"(?:\+?84|0)" + _SEPARATOR + _SEPARATOR.join(re.escape(c) for c in rest))
        return out
    for part in {value, value.split(",")[0].strip()}:
        words = fold_keep_length(part).split()
        if len(part) >= MIN_TERM and words:
            out.add(r"\s+".join(re.escape(w) for w in words))
        if len(words) >= 3 and "," not in value:
            out.add(r"\s+".join(re.escape(w) for w in words[1:]))  # "Thị Hoa" of a name
    return out


def pattern_for(values: Iterable[str]) -> re.Pattern | None:
    """One pattern for every value, longest first, whole words only; None when nothing to find."""
    parts: set[str] = set()
    for value in values:
        parts |= _value_patterns(value)
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


def _person_values(person: Any) -> list[str]:
    return [v for v in (person.full_name, person.identity_no, person.phone, person.address) if v]


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
            sa.select(
                sender.c.petition_id,
                sender.c.full_name,
                sender.c.identity_no,
                sender.c.phone,
                sender.c.address,
            ).where(sender.c.petition_id.in_(pids))
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
                visit_person.c.visit_id,
                visit_person.c.full_name,
                visit_person.c.identity_no,
                visit_person.c.phone,
                visit_person.c.address,
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
    whole page (which are protected, their matters' values), never one per row. A Case is
    read as the case file: a verifier sees no denouncer on it, whatever their other roles."""

    def __init__(self, user: Any, records: Iterable[Any] = ()):
        self.user = user
        self._patterns: dict[tuple[str, int], re.Pattern | None] = {}
        self.load(records)

    def load(self, records: Iterable[Any]) -> Reader:
        """Learn, in one batch, what the user may read of these records."""
        records = [r for r in records if _ruled(r)]
        if records and not role_allows(self.user):
            prefetch(records)
            todo = [r for r in records if _key(r) not in self._patterns and is_protected(r)]
            if todo:
                self._patterns.update(identity_values(todo))
        return self

    def sees(self, record: Any, *, case_file: bool = False) -> bool:
        """True when the identity of this record is shown to the user."""
        if not _ruled(record):
            return True
        case_file = case_file or record.__tablename__ == CASE
        return may_see_identity(self.user, record, case_file=case_file)

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
        g._confidential_reader = Reader(current_user)
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
    takes SQLite's write lock at its start (a deferred read cannot safely turn into a write);
    the request commits it before the answer leaves (complaints/web/transaction.py)."""
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
