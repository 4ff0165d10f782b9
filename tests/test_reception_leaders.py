"""Leaders' sessions (issue 12, item 6): the Ban TCD's officers record the chairman's periodic
reception under UBND thành phố, hosted by one of its leaders; the city's obligation is credited,
the officers keep the log, and the petitions taken go in the Ban TCD's register."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.calendar import WorkCalendar
from complaints.core.vocab import PetitionKind
from complaints.obligations import compliance
from complaints.petitions.models import Petition
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.reception.operations import (
    PersonData,
    ReceptionError,
    SessionData,
    VisitData,
    create_session,
    create_visit,
    update_session,
)
from complaints.units.models import UnitLevel
from complaints.units.operations import create_unit, save_leader
from complaints.units.roles import may_receive_for, receives_for

from . import api_v1_support as support
from . import factories
from .api_v1_support import error_of, ok

api = support.api

DAY = date(2026, 6, 30)  # Tuesday of the last week of June
CAL = WorkCalendar()


@pytest.fixture()
def city(db):
    """The city, its Thanh tra and Ban TCD (both advising it; the Ban TCD's petitions processed
    by the Thanh tra), a ward, and the leaders of the city and the ward."""
    hp = create_unit(
        None,
        code="HP",
        name="UBND thành phố Hải Phòng",
        level=UnitLevel.province,
        parent=None,
        doc_symbol="UBND",
    )
    ttr = create_unit(
        None,
        code="HPTTR",
        name="Thanh tra thành phố",
        parent=hp,
        advises=hp,
        level=UnitLevel.department,
    )
    btcd = create_unit(
        None,
        code="HPBTCD",
        name="Ban Tiếp công dân thành phố",
        parent=hp,
        level=UnitLevel.department,
        advises=hp,
        processing_unit=ttr,
    )
    lc = create_unit(
        None, code="HPLC", name="UBND phường Lê Chân", parent=hp, level=UnitLevel.commune
    )
    leaders = {
        "chair": save_leader(
            None, hp, None, full_name="Trần Quang Vinh", title="Chủ tịch", is_head=True
        ),
        "deputy": save_leader(
            None,
            hp,
            None,
            full_name="Nguyễn Đức Thọ",
            title="Phó Chủ tịch",
            is_head=False,
            position=1,
        ),
        "ward_chair": save_leader(
            None, lc, None, full_name="Ngô Văn Khánh", title="Chủ tịch", is_head=True
        ),
    }
    officer = factories.UserFactory(unit=btcd, roles=[Role.reception_officer])
    ward_officer = factories.UserFactory(unit=lc, roles=[Role.reception_officer])
    return {
        "hp": hp,
        "ttr": ttr,
        "btcd": btcd,
        "lc": lc,
        "officer": officer,
        "ward_officer": ward_officer,
        **leaders,
    }


def data(unit, leader=None, mode=HostMode.in_person, **kw) -> SessionData:
    values = {
        "unit": unit,
        "kind": SessionKind.periodic,
        "session_date": DAY,
        "place": "Trụ sở Tiếp công dân thành phố",
        "host_name": "",
        "host_mode": mode,
        "host_leader": leader,
        "status": SessionStatus.held,
        "published_on": date(2026, 6, 15),
    }
    values.update(kw)
    return SessionData(**values)


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ReceptionSession, Visit, AuditEvent)
    )


def a_visit(officer, session) -> Visit:
    return create_visit(
        officer,
        session,
        VisitData(
            kind=PetitionKind.complaint,
            content="Khiếu nại quyết định thu hồi đất của UBND thành phố",
            outcome=VisitOutcome.petition_received,
            persons=[PersonData("Lê Văn Dân", "Số 5 Lạch Tray", "031090001235")],
        ),
    )


# --- who files what -----------------------------------------------------------------------


def test_the_ban_tcd_receives_for_the_city_and_a_ward_keeps_its_own(city):
    assert receives_for(city["officer"]) == [city["btcd"], city["hp"]]
    assert receives_for(city["ward_officer"]) == [city["lc"]]
    assert not may_receive_for(city["officer"], city["lc"])
    assert not may_receive_for(city["ward_officer"], city["hp"])


def test_the_officer_files_the_chairmans_session_under_the_city(db, city):
    session = create_session(city["officer"], data(city["hp"], city["chair"]))
    assert session.unit_id == city["hp"].id and session.recorded_by_unit_id == city["btcd"].id
    assert session.host_leader_id == city["chair"].id
    assert (session.host_name, session.host_title) == ("Trần Quang Vinh", "Chủ tịch")
    assert session.receiving_unit == city["btcd"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.kind == "reception_session.created")
    )
    assert event is not None and event.actor_id == city["officer"].id


def test_a_deputy_hosts_by_delegation(db, city):
    session = create_session(
        city["officer"], data(city["hp"], city["deputy"], mode=HostMode.delegated)
    )
    assert session.host_mode == HostMode.delegated
    assert (session.host_name, session.host_title) == ("Nguyễn Đức Thọ", "Phó Chủ tịch")


def test_the_ward_officer_files_the_ward_chairmans_session(db, city):
    session = create_session(city["ward_officer"], data(city["lc"], city["ward_chair"]))
    assert session.unit_id == city["lc"].id and session.recorded_by_unit_id is None
    assert session.host_name == "Ngô Văn Khánh"


@pytest.mark.parametrize(
    ("who", "unit", "leader", "mode", "field", "message"),
    [
        ("officer", "lc", "ward_chair", HostMode.in_person, "unit_id", "không thuộc phạm vi"),
        ("ward_officer", "hp", "chair", HostMode.in_person, "unit_id", "không thuộc phạm vi"),
        ("officer", "hp", "ward_chair", HostMode.in_person, "host_leader_id", "không phải lãnh"),
        ("officer", "hp", "chair", HostMode.delegated, "host_leader_id", "chọn cấp phó"),
        ("officer", "hp", "deputy", HostMode.in_person, "host_leader_id", "người đứng đầu"),
        ("officer", "hp", None, HostMode.in_person, "host_leader_id", "danh sách lãnh đạo"),
    ],
)
def test_refusals_write_nothing(db, city, who, unit, leader, mode, field, message):
    before = counts(db)
    with pytest.raises(ReceptionError) as refused:
        create_session(
            city[who],
            data(city[unit], city[leader] if leader else None, mode=mode, host_name="Ai đó"),
        )
    assert any(f == field and message in m for f, m in refused.value.errors), refused.value.errors
    assert counts(db) == before


def test_a_unit_without_leaders_keeps_the_typed_host(db, city):
    boss = factories.UserFactory(unit=city["hp"], roles=[Role.reception_officer])
    session = create_session(
        boss, data(city["ttr"], None, host_name="Phạm Văn Lâm", host_title="Chánh Thanh tra")
    )
    assert session.host_leader_id is None and session.host_name == "Phạm Văn Lâm"


def test_the_host_recorded_survives_a_change_of_leaders(db, city):
    session = create_session(city["officer"], data(city["hp"], city["chair"]))
    save_leader(
        None,
        city["hp"],
        city["chair"],
        full_name="Trần Quang Vinh",
        title="Nguyên Chủ tịch",
        is_head=True,
        active=False,
    )
    db.session.refresh(session)
    assert (session.host_name, session.host_title) == ("Trần Quang Vinh", "Chủ tịch")
    # Writing its conclusion later keeps the host of the day.
    update_session(
        city["officer"],
        session,
        data(city["hp"], city["chair"], conclusion="Giao Sở Xây dựng kiểm tra, trả lời."),
        expected_version=session.version,
    )
    assert session.host_name == "Trần Quang Vinh" and session.conclusion


# --- the obligation, the log, the register --------------------------------------------------


def test_the_city_is_credited_with_the_chairmans_session(db, city):
    create_session(city["officer"], data(city["hp"], city["chair"]))
    table = compliance.behind_table(
        [city["hp"], city["btcd"]], date(2026, 6, 1), date(2026, 6, 30), date(2026, 7, 2), CAL
    )
    cells = {row.unit.code: row.cells[0] for row in table}
    assert (cells["HP"].held, cells["HP"].shortfall) == (1, 0)
    assert cells["HPBTCD"].held == 0
    assert "HP" not in {row.unit.code for row in table if row.behind}


def test_the_officers_see_and_edit_the_citys_session(web, db, city):
    officer = city["officer"]
    web.login(officer)
    page = web.get("/reception/sessions/new").get_data(as_text=True)
    assert "UBND thành phố Hải Phòng" in page and "Trần Quang Vinh — Chủ tịch" in page
    form = {
        "kind": "periodic",
        "unit_id": str(city["hp"].id),
        "session_date": "30/06/2026",
        "place": "Trụ sở Tiếp công dân thành phố",
        "medium": "onsite",
        "host_mode": "in_person",
        "host_leader_id": str(city["chair"].id),
        "host_name": "",
        "host_title": "",
        "status": "held",
        "status_reason": "",
        "postponed_to": "",
        "published_on": "15/06/2026",
        "conclusion": "",
    }
    resp = web.post_form("/reception/sessions/new", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    session = db.session.scalar(sa.select(ReceptionSession))
    assert session.unit_id == city["hp"].id and session.host_name == "Trần Quang Vinh"
    assert web.get(f"/reception/sessions/{session.id}").status_code == 200
    listed = web.get("/reception/sessions").get_data(as_text=True)
    assert f"/reception/sessions/{session.id}" in listed
    # Edited by a deputy's delegation, the form's version kept.
    form.update(host_mode="delegated", host_leader_id=str(city["deputy"].id), version="1")
    resp = web.post_form(f"/reception/sessions/{session.id}/edit", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(session)
    assert session.host_name == "Nguyễn Đức Thọ" and session.recorded_by_unit_id == city["btcd"].id
    # The head chosen "by a deputy": the Vietnamese message beside the field, nothing written.
    before = counts(db)
    form.update(host_leader_id=str(city["chair"].id), version=str(session.version))
    resp = web.post_form(f"/reception/sessions/{session.id}/edit", form)
    assert resp.status_code in (200, 422) and "chọn cấp phó" in resp.get_data(as_text=True)
    assert counts(db) == before
    # A visit recorded there shows in the officer's reception log.
    visit = a_visit(officer, session)
    log = web.get("/reception/log?date_from=01/06/2026&date_to=30/06/2026").get_data(as_text=True)
    assert f"/reception/visits/{visit.id}" in log
    assert web.get(f"/reception/visits/{visit.id}").status_code == 200


def test_other_units_do_not_see_the_ban_tcds_record(web, db, city):
    session = create_session(city["officer"], data(city["hp"], city["chair"]))
    visit = a_visit(city["officer"], session)
    for unit in ("ttr", "lc"):
        web.login(factories.UserFactory(unit=city[unit], roles=[Role.reception_officer]))
        assert web.get(f"/reception/sessions/{session.id}").status_code == 404
        assert web.get(f"/reception/visits/{visit.id}").status_code == 404
        web.logout()


def test_the_petition_goes_in_the_ban_tcds_register(web, db, city):
    session = create_session(city["officer"], data(city["hp"], city["chair"]))
    visit = a_visit(city["officer"], session)
    web.login(city["officer"])
    new = f"/petitions/new?visit_id={visit.id}"
    page = web.get(new).get_data(as_text=True)
    assert f'<option selected value="{city["btcd"].id}">' in page or (
        f'value="{city["btcd"].id}" selected' in page
    )
    form = {
        "unit_id": str(city["btcd"].id),
        "received_date": "30/06/2026",
        "source": "reception",
        "source_body": "",
        "source_doc_no": "",
        "kind": "complaint",
        "field": "land",
        "summary": "Khiếu nại quyết định thu hồi đất của UBND thành phố",
        "senders-0-full_name": "Lê Văn Dân",
        "senders-0-address": "Số 5 Lạch Tray",
        "senders-0-identity_no": "031090001235",
        "senders-0-phone": "",
        "signatory_count": "1",
        "register_no": "",
    }
    resp = web.post_form(new, form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalar(sa.select(Petition))
    assert petition.unit_id == city["btcd"].id and petition.visit_id == visit.id
    # Processed by the Thanh tra, resolved by default by the city.
    assert petition.unit.processor == city["ttr"] and petition.unit.authority == city["hp"]
    # The city's own register is not the officer's to write in.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Petition))
    form["unit_id"] = str(city["hp"].id)
    resp = web.post_form(new, form)
    assert resp.status_code != 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Petition)) == before


# --- the API applies the same rule ------------------------------------------------------------


def test_the_api_files_under_the_city_with_the_same_rule(api, db, city):
    caller = api.as_user(city["officer"])
    body = {
        "unit": "HP",
        "kind": "periodic",
        "session_date": "2026-06-30",
        "place": "Trụ sở Tiếp công dân thành phố",
        "host_mode": "in_person",
        "host_leader_id": city["chair"].id,
        "status": "held",
    }
    made = ok(caller.post("/sessions", body), 201)
    assert made["unit"] == "HP" and made["host_name"] == "Trần Quang Vinh"
    assert made["host_leader_id"] == city["chair"].id
    assert made["id"] in [s["id"] for s in ok(caller.get("/sessions"))["items"]]
    before = counts(db)
    refused = caller.post("/sessions", {**body, "host_mode": "delegated"})
    assert refused.status_code == 422
    details = refused.get_json()["error"]["details"]
    assert any(d["field"] == "host_leader_id" and "chọn cấp phó" in d["message"] for d in details)
    assert "HPLC" in error_of(caller.post("/sessions", {**body, "unit": "HPLC"}), 422)
    assert counts(db) == before
