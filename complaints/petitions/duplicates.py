"""Which existing case a new petition is about: identity numbers, names, addresses, contents.

The database narrows the field (same unit tree, same kind, recent years); rapidfuzz scores the
few hundred candidates left. Diacritics are ignored: everything is compared folded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.orm import selectinload

from complaints.core.access import in_scope
from complaints.core.text import fold
from complaints.extensions import db
from complaints.petitions.models import Petition

NAME_THRESHOLD = 88
CONTENT_THRESHOLD = 72
LOOKBACK_DAYS = 3 * 365
MAX_CANDIDATES = 2000


@dataclass
class Match:
    petition: Petition
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class CaseSuggestion:
    case: object
    score: float
    reasons: list[str]
    petitions: list[str]


def _people(p: Petition) -> list[tuple[str, str, str]]:
    return [(fold(s.full_name), fold(s.address), s.identity_no.strip()) for s in p.senders]


def _name_key(name: str) -> str:
    # Swapped name order ("Văn A Nguyễn") still matches: compare the sorted words.
    return " ".join(sorted(name.split()))


def score_pair(a: Petition, b: Petition) -> Match | None:
    """How surely b is about the same matter as a (0-100), with the reasons, or None."""
    reasons: list[str] = []
    score = 0.0
    ids_a = {i for _, _, i in _people(a) if i}
    ids_b = {i for _, _, i in _people(b) if i}
    same_person = False
    if ids_a & ids_b:
        reasons.append("trùng số CCCD/giấy tờ")
        score += 50
        same_person = True
    else:
        best = 0.0
        for na, aa, _ in _people(a):
            for nb, ab, _ in _people(b):
                name = fuzz.token_sort_ratio(_name_key(na), _name_key(nb))
                addr = fuzz.token_set_ratio(aa, ab) if aa and ab else 0
                if name >= NAME_THRESHOLD and (addr >= 70 or not (aa and ab)):
                    best = max(best, (name + addr) / 2 if aa and ab else name * 0.8)
        if best:
            reasons.append("họ tên, địa chỉ tương tự")
            score += best * 0.4
            same_person = True
    content = fuzz.token_set_ratio(fold(a.summary), fold(b.summary))
    if content >= CONTENT_THRESHOLD:
        reasons.append(f"nội dung tương tự ({content:.0f}%)")
        score += content * 0.5
    elif not same_person:
        return None
    if not same_person and content < 90:
        return None
    return Match(b, min(score, 100.0), reasons)


def similar_petitions(petition: Petition, user=None, *, same_kind: bool = True) -> list[Match]:
    """Earlier petitions on what looks like the same matter, best first."""
    query = (
        sa.select(Petition)
        .where(Petition.id != (petition.id or 0))
        .where(Petition.received_date >= petition.received_date - timedelta(days=LOOKBACK_DAYS))
        .options(selectinload(Petition.senders))
        .order_by(Petition.received_date.desc())
        .limit(MAX_CANDIDATES)
    )
    if same_kind:
        query = query.where(Petition.kind == petition.kind)
    if user is not None:
        query = query.where(in_scope(user, Petition.unit_id))
    else:
        query = query.where(Petition.unit_id == petition.unit_id)
    matches = [m for p in db.session.scalars(query) if (m := score_pair(petition, p))]
    return sorted(matches, key=lambda m: -m.score)


def suggest_cases(petition: Petition, user=None, limit: int = 5) -> list[CaseSuggestion]:
    """Cases the petition may join: those of the similar petitions, best first."""
    by_case: dict[int, CaseSuggestion] = {}
    for m in similar_petitions(petition, user):
        if m.petition.case_id is None:
            continue
        s = by_case.get(m.petition.case_id)
        if s is None:
            by_case[m.petition.case_id] = CaseSuggestion(
                m.petition.case, m.score, list(m.reasons), [m.petition.register_no]
            )
        else:
            s.score = max(s.score, m.score)
            s.petitions.append(m.petition.register_no)
            s.reasons = sorted(set(s.reasons) | set(m.reasons))
    return sorted(by_case.values(), key=lambda s: -s.score)[:limit]
