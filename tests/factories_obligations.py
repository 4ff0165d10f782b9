"""Factories for periodic reception rules and periodic sessions (rows written directly)."""

from __future__ import annotations

from datetime import date

import factory

from complaints.obligations.models import ReceptionRule, RuleType
from complaints.reception.models import (
    HostMode,
    Medium,
    ReceptionSession,
    SessionKind,
    SessionStatus,
)

from .factories import Base, UnitFactory, registered


@registered
class RuleFactory(Base):
    """The seed's rule: the Tuesday of the last week of each month."""

    class Meta:
        model = ReceptionRule

    unit = factory.SubFactory(UnitFactory)
    rule_type = RuleType.nth_weekday
    weekday = 1
    weeks = factory.LazyFunction(lambda: [-1])
    days = factory.LazyFunction(list)
    place = "Trụ sở tiếp công dân thành phố"
    host_name = "Nguyễn Văn Chủ"
    host_title = "Chủ tịch UBND"
    host_mode = HostMode.in_person
    valid_from = date(2026, 1, 1)
    valid_to = None
    note = ""


@registered
class PeriodicSessionFactory(Base):
    """A periodic session hosted by the head in person, held, published well ahead."""

    class Meta:
        model = ReceptionSession

    unit = factory.SubFactory(UnitFactory)
    kind = SessionKind.periodic
    session_date = date(2026, 6, 30)
    place = "Trụ sở tiếp công dân"
    host_mode = HostMode.in_person
    host_name = "Nguyễn Văn Chủ"
    host_title = "Chủ tịch UBND"
    medium = Medium.onsite
    status = SessionStatus.held
    status_reason = factory.LazyAttribute(
        lambda o: "" if o.status in (SessionStatus.held, SessionStatus.planned) else "Bận đột xuất"
    )
    published_on = factory.LazyAttribute(
        lambda o: date.fromordinal(o.session_date.toordinal() - 20)
    )
    conclusion = ""
