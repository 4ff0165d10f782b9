"""Which reception sessions and visits a user's lists show: one home for the SQL twin of
ReceptionSession.scope_units() (core/access.py load_scoped reads that one for a single record).

A session is its unit's, and also the unit's that recorded it when its officers filed it under
the authority they receive for (the Ban TCD keeps the log of the chairman's periodic sessions
filed under UBND thành phố): both see it, both keep it. The web pages, the API and the reception
log all filter through these clauses.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from complaints.core.access import in_scope
from complaints.reception.models import ReceptionSession, Visit
from complaints.units.models import Unit


def sessions_visible(user: Any) -> sa.ColumnElement[bool]:
    """Sessions of the user's units, or recorded by them."""
    return sa.or_(
        in_scope(user, ReceptionSession.unit_id),
        in_scope(user, ReceptionSession.recorded_by_unit_id),
    )


def visits_visible(user: Any) -> sa.ColumnElement[bool]:
    """Visits of the user's units, or of sessions recorded by them."""
    return sa.or_(
        in_scope(user, Visit.unit_id),
        Visit.session_id.in_(
            sa.select(ReceptionSession.id).where(
                in_scope(user, ReceptionSession.recorded_by_unit_id)
            )
        ),
    )


def _units(unit: Unit, only_unit: bool) -> Any:
    return [unit.id] if only_unit else unit.subtree_ids()


def sessions_of(unit: Unit, only_unit: bool = False) -> sa.ColumnElement[bool]:
    """A unit's sessions (with its sub-units' unless `only_unit`): those filed under it and
    those its officers recorded for the authority they receive for."""
    ids = _units(unit, only_unit)
    return sa.or_(ReceptionSession.unit_id.in_(ids), ReceptionSession.recorded_by_unit_id.in_(ids))


def visits_of(unit: Unit, only_unit: bool = False) -> sa.ColumnElement[bool]:
    """A unit's visits, as sessions_of(): its reception log (sổ tiếp công dân)."""
    ids = _units(unit, only_unit)
    return sa.or_(
        Visit.unit_id.in_(ids),
        Visit.session_id.in_(
            sa.select(ReceptionSession.id).where(ReceptionSession.recorded_by_unit_id.in_(ids))
        ),
    )
