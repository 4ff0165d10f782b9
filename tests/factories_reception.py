"""Factories for reception sessions and visits (rows written directly, no rules checked)."""

from __future__ import annotations

from datetime import date

import factory

from complaints.core.text import fold
from complaints.core.vocab import PetitionKind
from complaints.reception.models import (
    Medium,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
    VisitPerson,
)

from .factories import Base, UnitFactory, registered

DEFAULT_PERSON = {
    "full_name": "Trần Văn Dân",
    "address": "Số 5 phố Lạch Tray, phường Lê Chân, Hải Phòng",
    "identity_no": "031090001234",
    "phone": "0912345678",
}


@registered
class SessionFactory(Base):
    class Meta:
        model = ReceptionSession

    unit = factory.SubFactory(UnitFactory)
    kind = SessionKind.regular
    session_date = date(2026, 1, 6)
    place = "Trụ sở tiếp công dân"
    host_mode = None
    host_name = "Nguyễn Thị Trực"
    host_title = "Chuyên viên"
    medium = Medium.onsite
    status = SessionStatus.held
    status_reason = ""
    conclusion = ""


@registered
class VisitFactory(Base):
    class Meta:
        model = Visit

    session = factory.SubFactory(SessionFactory)
    unit = factory.LazyAttribute(lambda o: o.session.unit)
    visit_date = factory.LazyAttribute(lambda o: o.session.session_date)
    kind = PetitionKind.complaint
    denounced = factory.LazyAttribute(lambda o: o.kind == PetitionKind.denunciation)
    content = "Khiếu nại quyết định thu hồi đất số 12/QĐ-UBND"
    people_count = 1
    outcome = VisitOutcome.answered

    @factory.post_generation
    def persons(obj, create, extracted, **kwargs):
        """persons=[{...}, ...]; by default one person with an identity number."""
        people = [DEFAULT_PERSON] if extracted is None else extracted
        for i, p in enumerate(people):
            obj.persons.append(VisitPerson(position=i, **p))
        parts = [obj.content] + [
            x for p in obj.persons for x in (p.full_name, p.identity_no, p.address)
        ]
        obj.search_text = fold(" ".join(x for x in parts if x))
        VisitFactory._meta.sqlalchemy_session.flush()
