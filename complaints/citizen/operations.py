"""The citizen's use cases: look a petition up by its receipt code and the last digits of a
phone or identity number, under a rate limit kept in the database; rate a finished petition.

Rate limit (decided for issue 5, configurable, COMPLAINTS_CITIZEN_* variables):
- at most 5 failed look-ups per receipt code in 15 minutes, counted for ANY well-formed code,
  existing or not (a limit only on existing codes would tell which codes exist);
- at most 20 failed look-ups per client address in one hour;
- when a limit is reached every look-up of that code / from that address is refused, even a
  correct one, until the oldest counted failure leaves the window; the page says at what time.
Failures are rows of core/throttle.py's table, so every gunicorn worker and every restart sees
the same counts. On PostgreSQL the look-ups of one code or one address are serialised by
transaction-scoped advisory locks, so simultaneous requests cannot slip past the limit; on
SQLite writing requests are serialised anyway (BEGIN IMMEDIATE). A malformed code is refused
by the form before any look-up and is not counted (its shape is public knowledge).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from complaints.citizen import codes
from complaints.citizen.models import COMMENT_MAX, SCORE_MAX, SCORE_MIN, CitizenRating
from complaints.citizen.status import effective_case, is_finished, rated_unit_id
from complaints.core import audit, throttle
from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.petitions.models import Petition

DIGITS = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DEFAULTS = {
    "CITIZEN_MAX_FAILURES_PER_CODE": 5,
    "CITIZEN_CODE_WINDOW_SECONDS": 15 * 60,
    "CITIZEN_MAX_FAILURES_PER_IP": 20,
    "CITIZEN_IP_WINDOW_SECONDS": 60 * 60,
}


@dataclass(frozen=True)
class Limits:
    per_code: int = 5
    code_window: timedelta = timedelta(minutes=15)
    per_ip: int = 20
    ip_window: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, config) -> Limits:
        def get(name):
            return int(config.get(name, DEFAULTS[name]))

        return cls(
            per_code=get("CITIZEN_MAX_FAILURES_PER_CODE"),
            code_window=timedelta(seconds=get("CITIZEN_CODE_WINDOW_SECONDS")),
            per_ip=get("CITIZEN_MAX_FAILURES_PER_IP"),
            ip_window=timedelta(seconds=get("CITIZEN_IP_WINDOW_SECONDS")),
        )


@dataclass
class Lookup:
    """The answer to one look-up: the petition, or why not (and when to try again)."""

    petition: Petition | None = None
    retry_at: datetime | None = None  # refused by the rate limit until then
    remaining: int | None = None  # failures left before a limit, after a miss

    @property
    def found(self) -> bool:
        return self.petition is not None


class RatingError(OperationError):
    """A rating the rules refuse."""


def code_key(code: str) -> str:
    return f"citizen:code:{code}"


def ip_key(ip: str) -> str:
    return f"citizen:ip:{ip or '-'}"


def normalise_digits(text: str | None) -> str:
    return re.sub(r"[\s.\-]", "", text or "")


def digits_valid(digits: str) -> bool:
    return bool(re.fullmatch(rf"[0-9]{{{DIGITS}}}", digits or ""))


def _tails(petition: Petition) -> list[str]:
    """The last DIGITS characters of every sender's phone and identity number."""
    tails = []
    for s in petition.senders:
        phone = re.sub(r"\D", "", s.phone or "")
        ident = re.sub(r"[^0-9A-Z]", "", (s.identity_no or "").upper())
        tails.extend(v[-DIGITS:] for v in (phone, ident) if len(v) >= DIGITS)
    return tails


def can_be_looked_up(petition: Petition) -> bool:
    """A petition without any phone or identity number cannot be checked by a citizen."""
    return bool(_tails(petition))


def _matches(petition: Petition | None, digits: str) -> bool:
    if petition is None:
        return False
    hits = [hmac.compare_digest(t.encode(), digits.encode()) for t in _tails(petition)]
    return any(hits)


def _serialise(keys: list[str]) -> None:
    """PostgreSQL: hold a transaction lock per key (in one order, so no deadlock) so that the
    count, the check and the new failure of simultaneous look-ups happen one after another."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(keys):
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
        )


def lookup(code: str, digits: str, ip: str, now: datetime, limits: Limits | None = None) -> Lookup:
    """Find the petition whose receipt code and digits match, counting failures.

    The look-up ends its own transaction (throttle.keep), as the page's one commit would come
    too late: the failures it counted must be kept whatever the page then answers, and the
    locks that serialise the look-ups of this code and address are released before the page
    is built."""
    limits = limits or Limits()
    code, digits = codes.normalise(code), normalise_digits(digits)
    if not codes.is_valid(code) or not digits_valid(digits):
        return Lookup()  # the form refuses these first; never counted, never found
    keys = {
        code_key(code): (limits.per_code, limits.code_window),
        ip_key(ip): (limits.per_ip, limits.ip_window),
    }
    _serialise(list(keys))
    found = _look_up(code, digits, keys, now, limits)
    throttle.keep()
    return found


def _look_up(code: str, digits: str, keys: dict, now: datetime, limits: Limits) -> Lookup:
    """The look-up under the locks: refused while a limit holds, else found or counted."""
    blocked = [throttle.blocked(k, n, window, now) for k, (n, window) in keys.items()]
    blocked = [until for until in blocked if until is not None]
    if blocked:
        return Lookup(retry_at=max(blocked))
    petition = db.session.scalars(
        sa.select(Petition)
        .where(Petition.receipt_code == code)
        .options(selectinload(Petition.senders))
    ).first()
    if _matches(petition, digits):
        return Lookup(petition=petition)
    remaining = []
    for key, (n, window) in keys.items():
        throttle.hit(key, now)
        remaining.append(n - throttle.count(key, window, now))
    longest = max(limits.code_window, limits.ip_window)
    throttle.prune(now - max(longest, timedelta(days=1)))
    return Lookup(remaining=max(0, min(remaining)))


# --- rating -------------------------------------------------------------------------------


def clean_comment(text: str | None) -> str:
    """The comment as stored: trimmed, without control characters, line ends as \\n."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def rating_of(petition: Petition) -> CitizenRating | None:
    query = sa.select(CitizenRating).where(CitizenRating.petition_id == petition.id)
    return db.session.scalar(query)


def rate(petition: Petition, score, comment: str | None, *, today: date) -> CitizenRating:
    """Record the citizen's rating of a finished petition: once, 1 to 5, a short comment."""
    if not is_finished(petition):
        raise RatingError(
            _(
                "Chỉ đánh giá được khi đơn đã được giải quyết xong (đã có kết quả trả lời, quyết "
                "định hoặc kết luận)."
            )
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise RatingError(
            _(
                "Chọn mức đánh giá từ %(SCORE_MIN)s đến %(SCORE_MAX)s.",
                SCORE_MIN=SCORE_MIN,
                SCORE_MAX=SCORE_MAX,
            ),
            "score",
        )
    comment = clean_comment(comment)
    if len(comment) > COMMENT_MAX:
        raise RatingError(
            _(
                "Ý kiến dài quá %(COMMENT_MAX)s ký tự (hiện có %(comment)s ký tự).",
                COMMENT_MAX=COMMENT_MAX,
                comment=len(comment),
            ),
            "comment",
        )
    if rating_of(petition) is not None:
        raise RatingError(_("Đơn này đã được đánh giá; mỗi đơn chỉ đánh giá một lần."))
    case = effective_case(petition)
    rating = CitizenRating(
        petition_id=petition.id,
        case_id=case.id if case is not None else None,
        unit_id=rated_unit_id(petition),
        score=score,
        comment=comment,
        rated_on=today,
    )
    try:
        with db.session.begin_nested():  # two tabs sending at once: the second one is refused
            db.session.add(rating)
            db.session.flush()
    except IntegrityError:
        raise RatingError(_("Đơn này đã được đánh giá; mỗi đơn chỉ đánh giá một lần.")) from None
    audit.record(
        "citizen.rated",
        rating,
        after={"petition_id": petition.id, "score": score, "comment_chars": len(comment)},
        summary=f"Công dân đánh giá {score}/{SCORE_MAX} việc giải quyết đơn {petition.register_no}",
    )
    return rating
