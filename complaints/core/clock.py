"""What today is: the one clock of the application.

Today is Vietnam's date (the server may run in UTC), unless the configuration names a day:
`TODAY` (ISO date; the environment variable COMPLAINTS_TODAY arrives as TODAY). Tests and
demonstrations fix the day that way, and then every page, operation, command and API answer
agrees on it: a petition registered and a case step recorded in the same demo get one date.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from complaints.core.numbers import LOCAL_TZ
from complaints.core.translate import N_

log = logging.getLogger(__name__)

FUTURE_DATE = N_("Ngày không được sau ngày hôm nay.")


def today() -> date:
    """Today's date in Vietnam, or the configured TODAY (tests, demonstrations)."""
    configured = _configured()
    return configured if configured is not None else datetime.now(LOCAL_TZ).date()


def _configured() -> date | None:
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    value = current_app.config.get("TODAY")
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        log.warning("TODAY=%r is not an ISO date (YYYY-MM-DD): ignored", value)
        return None


def now() -> datetime:
    """The current instant (UTC, aware), or the configured NOW (ISO with its zone) for tests
    and demonstrations, as TODAY is for the date."""
    from complaints.core.db import utcnow

    configured = _configured_now()
    return configured if configured is not None else utcnow()


def _configured_now() -> datetime | None:
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    value = current_app.config.get("NOW")
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        log.warning("NOW=%r is not an ISO date and time: ignored", value)
        return None


def not_after_today(day: date | None, field: str | None = "on", message: str | None = None):
    """Refuse a date after today with the operations' error (the rule every operation that
    records a day calls; the forms show the same message beside the field)."""
    from complaints.core.errors import OperationError
    from complaints.core.translate import gettext

    if day is not None and day > today():
        raise OperationError(message or gettext(FUTURE_DATE), field)
