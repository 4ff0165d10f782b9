"""Attempt counting in the database, shared by every gunicorn worker (login, public pages).

A caller names what it counts with a key ("login:user:nguyenvana", "citizen:ip:1.2.3.4"),
records each attempt with `hit`, asks `blocked` before acting and `reset`s on success.
Nothing is kept in a worker's memory, so the limit holds across workers and servers.
The failures a caller counts are committed at once with `keep`, not with the request: they
must outlive an error answer (see `keep`).

Counting then inserting is not one atomic step on PostgreSQL: a burst of simultaneous
attempts on one key may pass the limit by the number of requests in flight, never more.
On SQLite writing requests are serialised (BEGIN IMMEDIATE), so the count is exact.

Callers prune attempts older than a day (`prune(now - timedelta(days=1))`): no window of any
caller may be longer than that, since the table is shared.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from complaints.core.db import UTCDateTime, commit_apart
from complaints.extensions import db

KEY_MAX = 200


def _key(key: str) -> str:
    # PostgreSQL text holds no NUL character; a key is typed by strangers (login names).
    return key.replace("\x00", "")[:KEY_MAX]


class ThrottleAttempt(db.Model):
    """One attempt counted under a key (a failed login, a status look-up...)."""

    __tablename__ = "throttle_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (sa.Index("ix_throttle_attempt_key_at", "key", "at"),)


def hit(key: str, now: datetime) -> None:
    """Count one attempt under `key` at `now` (flushes; the caller `keep`s it)."""
    db.session.add(ThrottleAttempt(key=_key(key), at=now))
    db.session.flush()


def keep() -> None:
    """Commit the attempts just counted (and the events recorded with them), now.

    A request commits once, at its end, and rolls back when its answer is an error
    (web/transaction.py). Counted failures must not depend on the answer: the login attempt
    that reaches the limit is answered 429, and a failure lost because its page failed would
    let a guesser try again without limit. So the use cases that count (security.login_failed,
    citizen.operations.lookup) end their transaction here, right after counting, on a writing
    request that has written nothing else yet; the rest of the request goes on in a new one
    (which also releases the locks a caller took to count, see citizen.operations).
    """
    commit_apart()


def count(key: str, window: timedelta, now: datetime) -> int:
    """How many attempts `key` made in the `window` before `now`."""
    return db.session.scalar(
        sa.select(sa.func.count(ThrottleAttempt.id)).where(
            ThrottleAttempt.key == _key(key), ThrottleAttempt.at > now - window
        )
    )


def blocked(key: str, limit: int, window: timedelta, now: datetime) -> datetime | None:
    """When `key` may try again if it made `limit` attempts within `window`; None if it may now."""
    recent = db.session.scalars(
        sa.select(ThrottleAttempt.at)
        .where(ThrottleAttempt.key == _key(key), ThrottleAttempt.at > now - window)
        .order_by(ThrottleAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    # Free again once the limit-th most recent attempt leaves the window.
    return recent[-1] + window


def reset(key: str) -> None:
    """Forget the attempts of `key` (after a success)."""
    db.session.execute(sa.delete(ThrottleAttempt).where(ThrottleAttempt.key == _key(key)))


def prune(before: datetime) -> int:
    """Delete attempts older than `before` (no limit looks that far back); returns how many."""
    result = db.session.execute(sa.delete(ThrottleAttempt).where(ThrottleAttempt.at < before))
    return result.rowcount or 0
