"""Which existing case a new petition is about: identity numbers, phones, names, addresses,
contents.

The database narrows the field (same unit tree, same kind, recent years); each candidate is
then compared in Python through a Profile computed once per petition. Everything is compared
folded (no diacritics, lower case) with the usual abbreviations written out ("P." phường,
"TP" thành phố, "TDP" tổ dân phố, "QĐ" quyết định, "UBND" ủy ban nhân dân...).

Two petitions are on the same matter when they come from the same person AND say the same
thing. The person is decided first, from the strongest evidence both petitions carry:
- the same identity number or phone number: the same person ("strong");
- two different identity numbers (more than one typing slip apart): different people, whatever
  their names (namesakes are common: "Nguyễn Văn An");
- the same name (word for word once folded, in any order; or the middle name left out) at the
  same address (no ward, street or house number that differs): the same person ("likely");
  the same name at another address: another person;
- the same name with no address to compare: "possible";
- no sender on one side (an anonymous denunciation): "unknown".
The content must then agree, the more so the weaker the evidence on the person: its words
(the common words of every petition left out), the names it mentions (people, streets,
places) and the numbers that identify a matter ("số 12/QĐ-UBND", "thửa đất số 123"), which
must not contradict each other.

Measured on labelled synthetic petitions by `python -m bench.duplicates` (precision must stay
above 0.95; tests/test_duplicates_quality.py keeps it so).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.orm import selectinload

from complaints.core.access import in_scope
from complaints.core.text import fold
from complaints.extensions import db
from complaints.petitions.models import Petition

LOOKBACK_DAYS = 3 * 365
MAX_CANDIDATES = 2000
# Content similarity (0-100, common words left out) needed, by what is known of the person.
CONTENT_THRESHOLD = {"strong": 70, "likely": 70, "possible": 88, "unknown": 88}
# Share of the names (people, streets, places) a letter mentions found in the other.
NAMES_AGREE = {"strong": 0.0, "likely": 0.0, "possible": 0.6, "unknown": 0.6}
PERSON_SCORE = {"strong": 50, "likely": 40, "possible": 30, "unknown": 0}
PERSON_REASON = {
    "identity": "trùng số CCCD/giấy tờ",
    "phone": "trùng số điện thoại",
    "likely": "họ tên, địa chỉ tương tự",
    "possible": "trùng họ tên",
}
ID_MIN, PHONE_MIN = 9, 9


def _words(text: str) -> list[str]:
    return text.split()


# Abbreviations as officers and citizens write them, folded -> written out. Applied to whole
# words, after folding, on addresses and contents alike.
_ABBREVIATIONS_TEXT = {
    "p": "phuong",
    "ph": "phuong",
    "q": "quan",
    "h": "huyen",
    "x": "xa",
    "tx": "thi xa",
    "tt": "thi tran",
    "tp": "thanh pho",
    "t": "tinh",
    "tdp": "to dan pho",
    "kdc": "khu dan cu",
    "kp": "khu pho",
    "d": "duong",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "qd": "quyet dinh",
    "qsdd": "quyen su dung dat",
    "gcn": "giay chung nhan",
    "gcnqsdd": "giay chung nhan quyen su dung dat",
    "cccd": "can cuoc cong dan",
    "cmnd": "chung minh nhan dan",
    "bt": "boi thuong",
    "gpmb": "giai phong mat bang",
    "xphc": "xu phat hanh chinh",
    "vphc": "vi pham hanh chinh",
}
_ABBREVIATIONS = {k: tuple(v.split()) for k, v in _ABBREVIATIONS_TEXT.items()}
# Words every petition uses: left out when contents are compared, so that two letters built
# on the same pattern ("Tố cáo ông ..., cán bộ ... UBND phường ...") are told apart by what
# they are about (names, places, numbers, the subject), not by their common frame.
_COMMON_WORDS = frozenset(
    _words(
        """toi chung gia dinh ban than ong ba anh chi em ho cac nhung mot hai nay do kia
        kinh gui lanh dao xin trinh bay lai tiep tuc don lan nua da dang se chua duoc bi den
        van con khieu nai to cao kien nghi phan anh de yeu cau xem xet giai quyet dinh so
        ngay thang nam cua va voi cho ve viec tai trong tren duoi khi tu theo la co khong thi
        ma neu nhu sau vi nen uy nhan dan chu tich can bo phuong quan huyen xa thanh pho tinh
        tham quyen quy nghiem thuc hien doi truoc"""
    )
)
# Capitalised words inside a sentence that are not names (bodies, titles, documents).
_NOT_NAMES = frozenset(
    _words(
        """ubnd hdnd uy qd quyet giay phong chu thuong xa so thcs thpt tp toi gcnqsdd qsdd
        cccd cmnd"""
    )
)
_FLAT = re.compile(r"[a-z0-9]+")
_SENTENCES = re.compile(r"[.!?:;]\s+|\n+")
_TOKENS = re.compile(r"[^\W_]+|[,()]", re.UNICODE)
_HONORIFICS = frozenset(_words("ong ba anh chi co chu bac em cu"))
# The numbers that identify a matter: "số 12/QĐ-UBND", "thửa đất số 123", "tờ bản đồ số 5",
# "tổ dân phố 24", "ngõ 271", "lô 7".
_REFERENCE = re.compile(r"\b(?:so|to dan pho|to|ngo|ngach|hem|kiet|lo)\s+(\d+)")
_DIGITS = re.compile(r"^\d+[a-z]?$")


@functools.lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    return fold(word)


def _expand(text: str) -> list[str]:
    """Folded words, abbreviations written out ("P. Lê Chân" -> phuong le chan)."""
    words = []
    for raw in _TOKENS.findall(text or ""):
        for w in _FLAT.findall(_fold_word(raw.lower())):
            words.extend(_ABBREVIATIONS.get(w, (w,)) if w in _ABBREVIATIONS else (w,))
    return words


def _references(words: list[str]) -> frozenset[str]:
    """The numbers a letter identifies its matter by, without their suffix: a letter may
    write "số 12/QĐ-UBND" once and "số 12" the next time."""
    return frozenset(_REFERENCE.findall(" ".join(words)))


def _mentions(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names a letter mentions, and of them the people (after "ông", "bà"...): runs of
    two or more capitalised words inside its sentences, folded, bodies left out ("Tố cáo bà
    Hà Kim Hương, cán bộ UBND phường Kiến An" -> {"ha kim huong", "kien an"}, {"ha kim huong"})."""
    names, people = set(), set()
    for sentence in _SENTENCES.split(text or ""):
        run: list[str] = []
        before = ""
        for i, w in enumerate([*_TOKENS.findall(sentence), ","]):
            if i > 0 and w[:1].isupper():
                f = _fold_word(w)
                if run or f not in _NOT_NAMES:
                    run.append(f)
                    continue
            if len(run) >= 2:
                names.add(" ".join(run))
                if before in _HONORIFICS:
                    people.add(" ".join(run))
            run = []
            before = _fold_word(w.lower()) if len(w) <= 3 else ""
    return frozenset(names), frozenset(people)


# --- addresses --------------------------------------------------------------------------------

# Words that open a part of an address (after folding and writing out abbreviations).
_WARD = ("phuong", "xa", "thi tran")
_SKIP = ("quan", "huyen", "thi xa", "thanh pho", "tinh")  # district and city: shared by all
_GROUP = ("to dan pho", "khu dan cu", "khu pho", "to", "thon", "ap", "xom", "khu", "cum")
_LANE = ("ngo", "ngach", "hem", "kiet")
_STREET = ("duong", "pho")
_HOUSE = ("so nha", "so", "nha")
_NEEDS_NUMBER = frozenset({"to", "khu", "cum", "ngo", "ngach", "hem", "kiet", "so", "nha"})
_MARKERS = sorted(
    [(m, kind) for kind, ms in
     (("ward", _WARD), ("skip", _SKIP), ("group", _GROUP), ("lane", _LANE),
      ("street", _STREET), ("house", _HOUSE))
     for m in ms],
    key=lambda x: -len(x[0].split()),
)  # fmt: skip


@dataclass(frozen=True)
class Address:
    numbers: frozenset[str]  # house, lane, tổ dân phố numbers
    street: str
    ward: str
    places: frozenset[str]  # named villages, groups...

    @property
    def empty(self) -> bool:
        return not (self.numbers or self.street or self.ward or self.places)


_MARKERS_BY_FIRST: dict[str, list[tuple[list[str], str]]] = {}
for _m, _kind in _MARKERS:
    _MARKERS_BY_FIRST.setdefault(_m.split()[0], []).append((_m.split(), _kind))


def _marker(words: list[str], i: int) -> tuple[str, int] | None:
    for m, kind in _MARKERS_BY_FIRST.get(words[i], ()):
        n = len(m)
        if words[i : i + n] == m:
            # "tổ 3" is a group, "Tô Hiệu" a street name, "Ngô Quyền" a ward: these short
            # words open a part only when a number follows.
            if (
                m[0] in _NEEDS_NUMBER
                and n == 1
                and not (i + n < len(words) and _DIGITS.match(words[i + n]))
            ):
                return None
            return kind, n
    return None


def parse_address(text: str) -> Address:
    """The house numbers, street and ward of an address written any usual way: "Số 12 đường
    Lạch Tray, P. Lê Chân, TP Hải Phòng", "12 Lach Tray, phuong Le Chan", "TDP 3, P. Hải An"."""
    numbers, places = set(), set()
    street = ward = ""
    larger = False  # past the ward: what follows unmarked is a district or a city
    for part in re.split(r"[,;\n]+", text or ""):
        words = _expand(part)
        kind, i, current = "", 0, []

        def close(kind: str, current: list[str]) -> None:
            nonlocal street, ward, larger
            value = " ".join(w for w in current if not _DIGITS.match(w))
            numbers.update(w for w in current if _DIGITS.match(w))
            if kind == "ward" and value:
                ward = ward or value
            elif kind in ("street", "") and value:
                street = street or value
            elif kind in ("group", "lane") and value:
                places.add(value)

        while i < len(words):
            found = _marker(words, i)
            if found:
                close(kind, current)
                kind, current = found[0], []
                i += found[1]
                continue
            current.append(words[i])
            i += 1
        if kind in ("ward", "skip"):
            larger = True
        elif kind == "" and larger:
            continue
        if kind != "skip":
            close(kind, current)
    return Address(frozenset(numbers), street, ward, frozenset(places))


def _same_address(x: Address, y: Address) -> bool | None:
    """True when nothing differs and something agrees; False when the ward, the street or the
    house numbers differ; None when there is nothing to compare."""
    agree = False
    for a, b in ((x.ward, y.ward), (x.street, y.street)):
        if a and b:
            if fuzz.ratio(a, b) < 85:
                return False
            agree = True
    if x.numbers and y.numbers:
        if not x.numbers & y.numbers:
            return False
        agree = True
    if x.places and y.places:
        if not x.places & y.places:
            return False
        agree = True
    return True if agree else None


# --- people and petitions -------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: tuple[str, ...]  # folded words of the name, as written
    address: Address
    identity: str
    phone: str


@dataclass(frozen=True)
class Profile:
    """What the comparison needs of a petition, computed once."""

    persons: tuple[Person, ...]
    content: str  # folded words of the summary, common words left out
    references: frozenset[str]
    names: frozenset[str]
    people: frozenset[str]  # the people it names (a denounced person...)


def _person(full_name: str, address: str, identity_no: str, phone: str) -> Person:
    name = tuple(_FLAT.findall(fold(full_name)))
    identity = re.sub(r"[^0-9A-Z]", "", (identity_no or "").upper())
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return Person(name, parse_address(address), identity, digits)


def profile(p: Petition) -> Profile:
    persons = tuple(
        _person(s.full_name, s.address, s.identity_no, getattr(s, "phone", ""))
        for s in p.senders
        if (s.full_name or "").strip()
    )
    words = _expand(p.summary)
    content = " ".join(w for w in words if w not in _COMMON_WORDS)
    names, people = _mentions(p.summary)
    return Profile(persons, content, _references(words), names, people)


def _near(a: str, b: str) -> bool:
    """Two identity numbers one typing slip apart (one digit changed)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _same_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Word for word in any order ("Bình Trần Thị"), or the middle name left out on one side
    ("Trần Bình" for "Trần Thị Bình" or "Bình Trần Thị")."""
    if not a or not b:
        return False
    if sorted(a) == sorted(b):
        return True
    small, big = (a, b) if len(a) < len(b) else (b, a)
    if len(small) != 2 or len(big) != 3:
        return False
    # Family and given names of "Trần Thị Bình", or of "Bình Trần Thị" written swapped.
    return set(small) in ({big[0], big[2]}, {big[0], big[1]})


def _pair_level(x: Person, y: Person) -> tuple[str, str]:
    """How surely two senders are the same person: strong/likely/possible/different."""
    if x.identity and x.identity == y.identity and len(x.identity) >= ID_MIN:
        return "strong", "identity"
    if x.phone and x.phone == y.phone and len(x.phone) >= PHONE_MIN:
        return "strong", "phone"
    ids_conflict = (
        len(x.identity) >= ID_MIN
        and len(y.identity) >= ID_MIN
        and not _near(x.identity, y.identity)
    )
    if ids_conflict or not _same_name(x.name, y.name):
        return "different", ""
    same = _same_address(x.address, y.address)
    if same:
        return "likely", "likely"
    if same is None and sorted(x.name) == sorted(y.name):
        return "possible", "possible"
    return "different", ""


_ORDER = ("strong", "likely", "possible")


def person_level(a: Profile, b: Profile) -> tuple[str, str]:
    """The best evidence that some sender of a is some sender of b."""
    if not a.persons or not b.persons:
        return "unknown", ""
    best = ("different", "")
    for x in a.persons:
        for y in b.persons:
            level = _pair_level(x, y)
            if level[0] == "strong":
                return level
            if level[0] in _ORDER and (
                best[0] not in _ORDER or _ORDER.index(level[0]) < _ORDER.index(best[0])
            ):
                best = level
    return best


def _same_people(a: frozenset[str], b: frozenset[str]) -> bool:
    """Some person named in one letter is named in the other (a typing slip allowed)."""
    return any(x == y or fuzz.ratio(x, y) >= 85 for x in a for y in b)


def _names_agree(a: Profile, b: Profile) -> float | None:
    """Share of the names of the shorter list found in the other (None: nothing to compare)."""
    if not a.names or not b.names:
        return None
    return len(a.names & b.names) / min(len(a.names), len(b.names))


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


def score_profiles(a: Profile, b: Profile) -> tuple[float, list[str]] | None:
    """How surely two petitions are on the same matter (0-100) with the reasons, or None."""
    level, why = person_level(a, b)
    if level == "different":
        return None
    shared = a.references & b.references
    if (a.references - shared) and (b.references - shared):
        return None  # each cites a decision or plot the other does not: another matter
    if a.people and b.people and not _same_people(a.people, b.people):
        return None  # about other people (another person denounced...)
    names = _names_agree(a, b)
    if names is not None and names < NAMES_AGREE[level]:
        return None  # other places
    content = fuzz.token_set_ratio(a.content, b.content)
    if content < CONTENT_THRESHOLD[level]:
        return None
    reasons = [PERSON_REASON[why]] if why else []
    reasons.append(f"nội dung tương tự ({content:.0f}%)")
    if shared:
        reasons.append("cùng số văn bản, thửa đất")
    score = PERSON_SCORE[level] + content * 0.5 + (10 if shared else 0)
    return min(score, 100.0), reasons


def score_pair(a: Petition, b: Petition) -> Match | None:
    """How surely b is about the same matter as a (0-100), with the reasons, or None."""
    result = score_profiles(profile(a), profile(b))
    if result is None:
        return None
    return Match(b, result[0], result[1])


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
    if user is not None:  # the user's units' petitions, and those they process
        from complaints.units.roles import processed_here

        query = query.where(
            sa.or_(in_scope(user, Petition.unit_id), processed_here(user, Petition.unit_id))
        )
    else:
        query = query.where(Petition.unit_id == petition.unit_id)
    mine = profile(petition)
    matches = []
    for p in db.session.scalars(query):
        result = score_profiles(mine, profile(p))
        if result is not None:
            matches.append(Match(p, result[0], result[1]))
    return sorted(matches, key=lambda m: -m.score)


# Across units a suggestion names a person's other petition to another unit's staff: only when
# the person is known to be the same (identity number, phone, or name and address), never on
# content alone (README "Who receives, who is competent, who verifies").
ELSEWHERE_LEVELS = frozenset({"strong", "likely"})
ELSEWHERE_LIMIT = 5


def same_person_same_matter(a: Profile, b: Profile) -> tuple[float, list[str]] | None:
    """The cross-unit test: the same person (strong or likely evidence) on the same matter."""
    if person_level(a, b)[0] not in ELSEWHERE_LEVELS:
        return None
    return score_profiles(a, b)


@dataclass
class Elsewhere:
    """A petition of the same person on the same matter registered at another unit of the
    tree, as another unit's staff may see it: its number, unit, date and state, and a link
    only when the user's units may open it. Never its senders or content."""

    register_no: str
    unit_name: str
    received_date: object
    state: str
    petition_id: int | None  # set when the user may open it
    score: float


def related_elsewhere(petition: Petition, user, limit: int = ELSEWHERE_LIMIT) -> list[Elsewhere]:
    """Petitions by the same person on the same content at other units of the petition's
    tree (units/roles.py), any kind, best first. A protected denunciation of another unit is
    never suggested: it would tell that this person denounced there."""
    from complaints.core import confidentiality
    from complaints.core.access import may_open
    from complaints.units.models import Unit

    root = f"/{petition.unit.root_id}/"
    query = (
        sa.select(Petition)
        .join(Unit, Unit.id == Petition.unit_id)
        .where(
            Unit.path.startswith(root, autoescape=True),
            Petition.unit_id != petition.unit_id,
            Petition.id != (petition.id or 0),
            Petition.received_date >= petition.received_date - timedelta(days=LOOKBACK_DAYS),
        )
        .options(selectinload(Petition.senders), selectinload(Petition.unit))
        .order_by(Petition.received_date.desc())
        .limit(MAX_CANDIDATES)
    )
    mine = profile(petition)
    found = []
    for p in db.session.scalars(query):
        result = same_person_same_matter(mine, profile(p))
        if result is None or confidentiality.is_protected(p):
            continue
        state = p.outcome.label if p.outcome is not None else p.status.label
        opens = may_open(user, p)
        found.append(
            Elsewhere(
                p.register_no,
                p.unit.name,
                p.received_date,
                state,
                p.id if opens else None,
                result[0],
            )
        )
    return sorted(found, key=lambda e: -e.score)[:limit]


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
