"""Who receives, who is competent, who verifies (README; complaints/units/roles.py): a petition
received at the city's Ban Tiếp công dân is processed by the Thanh tra's handlers, accepted in
the name of UBND thành phố (another unit of the tree only with a ground), counted for it by the
reports, followed read-only by the Ban; a person's petition at another unit is suggested
without its content."""

from __future__ import annotations

from datetime import date as D

import pytest
import sqlalchemy as sa

from complaints.cases import operations as case_ops
from complaints.cases.models import Case
from complaints.core.access import Role
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions import operations as petition_ops
from complaints.petitions import pending
from complaints.petitions.duplicates import related_elsewhere
from complaints.petitions.models import Petition, PetitionSource
from complaints.petitions.processing import ProcessingError, ProcessingInput, process
from complaints.reports import service
from complaints.reports.periods import date_range
from complaints.units.models import UnitLevel
from complaints.units.operations import UnitError, create_unit, save_leader, update_unit
from complaints.units.roles import RoleError

from . import api_v1_support as support
from . import factories

pytestmark = pytest.mark.usefixtures("today")

CONTENT = (
    "Khiếu nại Quyết định số 713/QĐ-UBND của Chủ tịch UBND thành phố về bồi thường khi thu "
    "hồi đất ở tại đường Lạch Tray, đề nghị xem xét lại đơn giá"
)
PERSON = ("Phạm Văn Khiếu", "Số 12 đường Lạch Tray, Hải Phòng", "031090001234", "0912000111")


@pytest.fixture()
def city(app, db, province):
    """The province tree with the Ban TCD (advises the city, its petitions processed by the
    Thanh tra) and the Thanh tra advising the city; the city's leaders."""
    hp, ttr = province["province"], province["inspectorate"]
    update_unit(None, ttr, expected_version=ttr.version, advises=hp)
    btcd = create_unit(
        None,
        code="HPBTCD",
        name="Ban Tiếp công dân thành phố",
        level=UnitLevel.department,
        parent=hp,
        advises=hp,
        processing_unit=ttr,
    )
    save_leader(None, hp, None, full_name="Trần Quang Vinh", title="Chủ tịch", is_head=True)
    users = {
        "officer": factories.UserFactory(unit=btcd, roles=[Role.reception_officer]),
        "handler": factories.UserFactory(unit=ttr, roles=[Role.petition_handler]),
        "verifier": factories.UserFactory(unit=ttr, roles=[Role.case_handler]),
        "leader": factories.UserFactory(unit=hp, roles=[Role.leader]),
        # a clerk of the Ban who may process petitions, but the Ban's go to the Thanh tra
        "ban_handler": factories.UserFactory(
            unit=btcd, roles=[Role.reception_officer, Role.petition_handler]
        ),
        "ward": factories.UserFactory(
            unit=province["commune"], roles=[Role.reception_officer, Role.petition_handler]
        ),
    }
    db.session.flush()
    return {**province, "btcd": btcd, **users, "app_client": app.test_client}


def register(officer, unit, *, kind=PetitionKind.complaint, person=PERSON, on=D(2026, 6, 1)):
    return petition_ops.register_petition(
        officer,
        petition_ops.PetitionData(
            received_date=on,
            source=PetitionSource.post,
            kind=kind,
            field=Field.land,
            summary=CONTENT,
            senders=[petition_ops.SenderData(*person)],
            unit=unit,
        ),
    )


def accept(actor, petition, **kw) -> Case:
    process(
        actor,
        petition,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 6, 5), doc_no="1", **kw
        ),
    )
    return petition.case


def transfer_to_ward(city, petition):
    """The Thanh tra transfers the petition to phường Lê Chân, inside the system."""
    process(
        city["handler"],
        petition,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="transfer",
            on=D(2026, 6, 3),
            doc_no="15/PC-TTr",
            target=city["commune"],
        ),
    )


def counts(db) -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Case)),
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Petition).where(Petition.case_id.isnot(None))
        ),
    )


# --- competence ----------------------------------------------------------------------------


def test_a_petition_received_at_the_ban_is_the_citys_case(db, city):
    p = register(city["officer"], city["btcd"])
    case = accept(city["handler"], p)
    assert case.unit is city["province"]  # the chairman resolves it
    assert case.received_unit is city["btcd"]  # the Ban received it and follows it
    assert "-HP-2026-" in case.case_no  # numbered in the city's series
    assert case.authority_ground == ""
    # the Thanh tra processed it: it works on the case until the chairman assigns otherwise
    assert case.assigned_unit is city["inspectorate"] and not case.follows_only(city["handler"])
    case_ops.assign(
        city["leader"], case, unit=city["inspectorate"], assignee=city["verifier"], on=D(2026, 6, 6)
    )
    assert case.assigned_unit is city["inspectorate"]  # the Thanh tra verifies
    # three roles, three kinds of access
    assert not case.follows_only(city["leader"]) and case.can_assign(city["leader"])
    assert not case.follows_only(city["verifier"])
    assert case.follows_only(city["officer"])
    assert not case.can_assign(city["officer"])


def test_a_ward_is_an_authority_in_its_own_right(db, city):
    p = register(city["ward"], city["commune"])
    case = accept(city["ward"], p)
    assert case.unit is city["commune"] and case.received_unit is city["commune"]


def test_another_authority_of_the_tree_needs_a_ground(db, city):
    p = register(city["officer"], city["btcd"])
    before = counts(db)
    with pytest.raises(RoleError) as e:
        accept(city["handler"], p, authority=city["department"])
    assert "ghi căn cứ xác định thẩm quyền" in str(e.value) and e.value.field == "authority_ground"
    assert counts(db) == before and p.status.value == "registered" and p.outcome is None
    case = accept(
        city["handler"],
        p,
        authority=city["department"],
        authority_ground="Khiếu nại quyết định hành chính của Giám đốc Sở",
    )
    assert case.unit is city["department"] and case.authority_ground.startswith("Khiếu nại")


def test_an_authority_outside_the_tree_or_dissolved_is_refused(db, city):
    p = register(city["officer"], city["btcd"])
    with pytest.raises(RoleError) as e:
        accept(city["handler"], p, authority=city["other"], authority_ground="x")
    assert "không thuộc hệ thống đơn vị" in str(e.value)
    gone = create_unit(
        None,
        code="HPQLC",
        name="UBND quận Lê Chân",
        level=UnitLevel.district,
        parent=city["province"],
        active_from=D(1980, 1, 1),
        active_to=D(2025, 6, 30),
    )
    with pytest.raises(RoleError) as e:
        accept(city["handler"], p, authority=gone, authority_ground="x")
    assert "giải thể hoặc sáp nhập" in str(e.value)


# --- reception feeds processing ------------------------------------------------------------


def queue_of(user) -> list[int]:
    return list(db_ids(sa.select(Petition.id).where(*pending.where(user))))


def db_ids(query):
    from complaints.extensions import db

    return db.session.scalars(query)


def test_the_bans_petitions_are_in_the_thanh_tras_queue(db, city):
    p = register(city["officer"], city["btcd"])
    own = register(city["handler"], city["inspectorate"], person=("Lê Thị Một", "", "", ""))
    assert {p.id, own.id} <= set(queue_of(city["handler"]))
    assert p.id not in queue_of(city["officer"])  # the Ban follows, it does not process
    assert not p.can_process(city["officer"]) and p.can_process(city["handler"])
    with pytest.raises(ProcessingError) as e:
        accept(city["officer"], p)
    assert "không có quyền xử lý đơn" in str(e.value)
    assert not p.can_process(city["ban_handler"])
    with pytest.raises(ProcessingError) as e:
        accept(city["ban_handler"], p)
    assert "do Thanh tra thành phố xử lý; đơn vị bạn theo dõi kết quả" in str(e.value)
    ward = register(city["ward"], city["commune"], person=("Lê Thị Hai", "", "", ""))
    assert ward.id not in queue_of(city["handler"])  # a ward processes its own


def test_the_ban_follows_read_only_and_the_handler_processes_on_the_page(web, db, city):
    p = register(city["officer"], city["btcd"])
    db.session.commit()
    web.login(city["ban_handler"])
    page = web.get(f"/cases/process/{p.id}").get_data(as_text=True)
    assert "do Thanh tra thành phố xử lý; đơn vị bạn theo dõi kết quả" in page
    assert 'id="processing-form"' not in page
    web.logout()
    web.login(city["handler"])
    page = web.get(f"/cases/process/{p.id}").get_data(as_text=True)
    assert 'id="processing-form"' in page
    assert "UBND thành phố Hải Phòng (mặc định)" in page
    resp = web.post_form(
        f"/cases/process/{p.id}",
        {
            "version": str(p.version),
            "eligible": "yes",
            "competent": "yes",
            "outcome": "accept",
            "doc_no": "5/TB-UBND",
            "on": "05/06/2026",
            "join": "new",
            "authority_id": str(city["department"].id),
            "authority_ground": "",
        },
    )
    assert resp.status_code in (200, 422)
    assert "ghi căn cứ xác định thẩm quyền" in resp.get_data(as_text=True)
    db.session.refresh(p)
    assert p.case_id is None
    resp = web.post_form(
        f"/cases/process/{p.id}",
        {
            "version": str(p.version),
            "eligible": "yes",
            "competent": "yes",
            "outcome": "accept",
            "doc_no": "5/TB-UBND",
            "on": "05/06/2026",
            "join": "new",
            "authority_id": str(city["province"].id),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(p)
    assert p.case.unit_id == city["province"].id and p.case.received_unit_id == city["btcd"].id
    # The Thanh tra processed it: the case stays assigned to it, so its handler goes on to
    # the case page and opens it (a user who may not open a case stays on the petition's
    # result, which names the case without a link: processing_views._opens)
    assert resp.headers["Location"].endswith(f"/cases/{p.case_id}")
    assert web.get(f"/cases/{p.case_id}").status_code == 200
    web.logout()
    web.login(city["officer"])  # the Ban opens the case it received, without acting on it
    page = web.get(f"/cases/{p.case_id}")
    assert page.status_code == 200
    assert web.get(f"/cases/{p.case_id}/assign").status_code in (403, 404)


# --- reports count by competence ------------------------------------------------------------


def test_the_citys_headline_counts_the_cases_the_chairman_resolves(db, city):
    for _ in range(2):
        accept(city["handler"], register(city["officer"], city["btcd"]))
    accept(city["handler"], register(city["handler"], city["inspectorate"]))
    accept(city["ward"], register(city["ward"], city["commune"]))
    period = date_range(D(2026, 5, 15), D(2026, 6, 30))
    summary = service.build("summary", city["province"], period)
    assert summary.total.values["competent.cases"] == 3  # not the ward's
    assert "thuộc thẩm quyền UBND thành phố Hải Phòng là 3 đơn, 3 vụ việc" in summary.headline
    ban = service.build("summary", city["btcd"], period)
    assert ban.total.values["competent.cases"] == 0  # the Ban has no competence
    alone = service.build("01-KQGQ", city["province"], period)
    assert alone.total.values["competent.cases"] == 3
    rolled = service.build("01-KQGQ", city["province"], period, with_subunits=True)
    assert rolled.total.values["competent.cases"] == 4
    by_row = {r.unit.code: r.values["competent.cases"] for r in rolled.rows}
    assert by_row["HP"] == 3 and by_row["HPLC"] == 1 and by_row["HPBTCD"] == 0


def test_a_petition_transferred_inside_the_tree_counts_once_in_a_roll_up(db, city):
    """Reports help, "Đơn chuyển trong hệ thống": the sender counts it received and
    transferred; the receiver's own report counts its copy received ("chuyển đến"); a report
    whose units hold both counts it once, at the sender."""
    p = register(city["officer"], city["btcd"])
    transfer_to_ward(city, p)
    copy = db.session.scalar(sa.select(Petition).where(Petition.forwarded_from_id == p.id))
    accept(city["ward"], copy)
    period = date_range(D(2026, 5, 15), D(2026, 6, 30))

    def received(unit, **kw):
        report = service.build("01-XLD", unit, period, **kw)
        return report, report.total.values["petitions.received"]

    assert received(city["btcd"])[1] == 1  # the Ban received it, and transferred it
    assert received(city["commune"])[1] == 1  # the ward received it, transferred in
    rolled, total = received(city["province"], with_subunits=True)
    assert total == 1
    rows = {r.unit.code: r.values for r in rolled.rows}
    assert rows["HPBTCD"]["petitions.received"] == 1 and rows["HPLC"]["petitions.received"] == 0
    assert rows["HPBTCD"]["petitions.not_competent.transfer"] == 1
    assert all(c.ok for c in rolled.checks)
    summary = service.build("summary", city["province"], period)
    assert summary.total.values["petitions.received"] == 1
    assert "nhận và xử lý 1 đơn thư các loại" in summary.headline
    # the drill-down of a row lists what its cell counted
    db.session.commit()
    return_args = "figure=petitions.received&form=01-XLD&from=2026-05-15&to=2026-06-30&sub=1"
    from .conftest import WebUser

    web = WebUser(city["app_client"]())
    web.login(city["leader"])
    alone = web.get(f"/reports/records?{return_args}&unit=HPLC").get_data(as_text=True)
    assert copy.register_no in alone
    in_roll_up = web.get(f"/reports/records?{return_args}&unit=HPLC&within=HP")
    assert in_roll_up.status_code == 200 and copy.register_no not in in_roll_up.get_data(
        as_text=True
    )
    # the case the ward accepted is the ward's competence, counted once as such
    ward = service.build("01-KQGQ", city["commune"], period)
    assert ward.total.values["competent.cases"] == 1


# --- the same matter elsewhere --------------------------------------------------------------


def test_a_persons_petition_at_another_unit_is_suggested_without_its_content(db, city):
    at_ward = register(city["ward"], city["commune"], on=D(2026, 5, 20))
    at_ban = register(city["officer"], city["btcd"])
    found = related_elsewhere(at_ban, city["handler"])
    assert [e.register_no for e in found] == [at_ward.register_no]
    e = found[0]
    assert e.unit_name == "UBND phường Lê Chân" and e.petition_id is None  # not his to open
    assert set(vars(e)) == {
        "register_no",
        "unit_name",
        "received_date",
        "state",
        "petition_id",
        "score",
    }
    assert related_elsewhere(at_ban, city["leader"])[0].petition_id == at_ward.id
    # someone else with the same words is not the same person's matter
    other = register(city["officer"], city["btcd"], person=("Nguyễn Thị Khác", "", "", ""))
    assert related_elsewhere(other, city["handler"]) == []


def test_a_denunciation_elsewhere_is_never_suggested(db, city):
    register(city["ward"], city["commune"], kind=PetitionKind.denunciation, on=D(2026, 5, 20))
    at_ban = register(city["officer"], city["btcd"])
    assert related_elsewhere(at_ban, city["leader"]) == []


def test_the_processing_page_shows_the_number_and_state_only(web, db, city):
    at_ward = register(city["ward"], city["commune"], on=D(2026, 5, 20))
    at_ban = register(city["officer"], city["btcd"])
    db.session.commit()
    web.login(city["handler"])
    page = web.get(f"/cases/process/{at_ban.id}").get_data(as_text=True)
    section = page.split('id="elsewhere"', 1)[1].split("</section>", 1)[0]
    assert at_ward.register_no in section and "UBND phường Lê Chân" in section
    assert "Lạch Tray" not in section and PERSON[0] not in section
    assert f"/petitions/{at_ward.id}" not in section


# --- units in their roles -------------------------------------------------------------------


def test_a_unit_cannot_advise_itself(db, city):
    hp = city["province"]
    with pytest.raises(UnitError):
        update_unit(None, hp, expected_version=hp.version, advises=hp)


def test_a_unit_cannot_advise_another_tree(db, city):
    ttr = city["inspectorate"]
    with pytest.raises(UnitError) as e:
        update_unit(None, ttr, expected_version=ttr.version, advises=city["other"])
    assert "cùng hệ thống đơn vị" in str(e.value)


def test_an_advised_authority_advises_no_one(db, city):
    hp = city["province"]
    with pytest.raises(UnitError) as e:
        update_unit(None, hp, expected_version=hp.version, advises=city["department"])
    assert "không thể lại dựa vào đơn vị khác" in str(e.value)


def test_the_defaults_follow_the_roles(db, city):
    hp, ttr, btcd = city["province"], city["inspectorate"], city["btcd"]
    assert btcd.processor is ttr and btcd.authority is hp and hp.authority is hp
    assert ttr.authority is hp and ttr.processor is ttr
    assert city["commune"].authority is city["commune"]


def test_one_head_at_a_time(db, city):
    hp = city["province"]
    with pytest.raises(UnitError) as e:
        save_leader(None, hp, None, full_name="Người Khác", title="Chủ tịch", is_head=True)
    assert "Trần Quang Vinh đang là người đứng đầu" in str(e.value)
    deputy = save_leader(
        None, hp, None, full_name="Nguyễn Đức Thọ", title="Phó Chủ tịch", is_head=False
    )
    assert hp.head().full_name == "Trần Quang Vinh" and deputy in hp.leaders


# --- the API carries the three roles and the hand-off ---------------------------------------

api = support.api


def processing_body(p, **kw):
    return {
        "version": p.version,
        "eligible": True,
        "competent": kw.pop("competent", True),
        "outcome": kw.pop("outcome", "accept"),
        "on": "2026-06-05",
        "doc_no": "5/TB-UBND",
        **kw,
    }


def test_the_api_accepts_in_the_authoritys_name_and_shows_the_three_units(api, db, city):
    p = register(city["officer"], city["btcd"])
    db.session.commit()
    handler = api.as_user(city["handler"])
    bad = handler.post(f"/petitions/{p.id}/processing", processing_body(p, authority="HPSTNMT"))
    assert "căn cứ xác định thẩm quyền" in support.error_of(bad, 422)
    foreign = handler.post(f"/petitions/{p.id}/processing", processing_body(p, authority="HN"))
    assert "Không có đơn vị mã HN" in support.error_of(foreign, 422)
    db.session.refresh(p)
    assert p.case_id is None and p.status.value == "registered"
    out = support.ok(handler.post(f"/petitions/{p.id}/processing", processing_body(p)))
    assert out["unit"] == "HPBTCD" and out["processing_unit"] == "HPTTR"
    case = support.ok(api.as_user(city["leader"]).get(f"/cases/{out['case_id']}"))
    assert (case["unit"], case["received_unit"], case["authority_ground"]) == ("HP", "HPBTCD", "")


def test_the_api_transfers_inside_the_tree_and_both_sides_see_it(api, db, city):
    p = register(city["officer"], city["btcd"])
    db.session.commit()
    handler = api.as_user(city["handler"])
    out = support.ok(
        handler.post(
            f"/petitions/{p.id}/processing",
            processing_body(p, competent=False, outcome="transfer", target_unit="HPLC"),
        )
    )
    sent = out["transfer"]
    assert sent["direction"] == "sent" and sent["to_unit"] == "HPLC"
    assert sent["from_register_no"] == p.register_no and sent["to_status"] == "registered"
    ward = api.as_user(city["ward"])
    copy_id = db.session.scalar(sa.select(Petition.id).where(Petition.forwarded_from_id == p.id))
    copy = support.ok(ward.get(f"/petitions/{copy_id}"))
    got = copy["transfer"]
    assert got["direction"] == "received" and got["to_register_no"] == copy["register_no"]
    assert copy["source"] == "transferred" and copy["unit"] == "HPLC"
    listed = support.ok(ward.get("/petitions", source="transferred"))
    assert [x["transfer"]["from_unit"] for x in listed["items"]] == ["HPBTCD"]


# --- the receiving unit follows; it does not act (the review's findings) ---------------------


def test_the_receiving_unit_cannot_act_on_the_authoritys_case(web, api, db, city):
    case = accept(city["handler"], register(city["officer"], city["btcd"]))
    ban_leader = factories.UserFactory(
        unit=city["btcd"], roles=[Role.leader, Role.case_handler, Role.petition_handler]
    )
    db.session.commit()
    with pytest.raises(case_ops.CaseError) as e:
        case_ops.perform(ban_leader, case, "suspend", case_ops.StepInput(on=D(2026, 6, 10)))
    assert "theo dõi tình trạng" in str(e.value)
    with pytest.raises(case_ops.CaseError):
        case_ops.assign(ban_leader, case, unit=city["btcd"], assignee=None, on=D(2026, 6, 10))
    web.login(ban_leader)
    assert web.get(f"/cases/{case.id}").status_code == 200  # it follows the case
    for url in (
        f"/cases/{case.id}/assign",
        f"/cases/{case.id}/flags",
        f"/cases/{case.id}/action/start_verification",
        f"/notices/case/{case.id}/acceptance",
    ):
        assert web.get(url).status_code == 403, url
    resp = api.as_user(ban_leader).post(
        f"/cases/{case.id}/actions/start_verification", {"on": "2026-06-10", "version": 1}
    )
    assert "chỉ theo dõi" in support.error_of(resp, 403)
    db.session.refresh(case)
    assert case.state.value == "accepted"
    assert case.assigned_unit_id == city["inspectorate"].id  # the default, unchanged


def test_a_repeat_petition_at_the_ban_joins_the_citys_case(web, db, city):
    from complaints.petitions.duplicates import suggest_cases

    first = register(city["officer"], city["btcd"], on=D(2026, 5, 20))
    case = accept(city["handler"], first)
    again = register(city["officer"], city["btcd"])
    assert [s.case.id for s in suggest_cases(again, city["handler"])] == [case.id]
    db.session.commit()
    web.login(city["handler"])
    resp = web.post_form(
        f"/cases/process/{again.id}",
        {
            "version": str(again.version),
            "eligible": "yes",
            "competent": "yes",
            "outcome": "accept",
            "doc_no": "6/TB-UBND",
            "on": "05/06/2026",
            "join": "new",
            "join_case_no": case.case_no,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(again)
    assert again.case_id == case.id


def test_a_denunciation_found_in_the_copy_protects_the_original(db, city):
    p = register(city["officer"], city["btcd"])
    transfer_to_ward(city, p)
    copy = db.session.scalar(sa.select(Petition).where(Petition.forwarded_from_id == p.id))
    assert not p.protected and not copy.protected
    petition_ops.update_petition(
        city["ward"],
        copy,
        petition_ops.PetitionData(
            received_date=copy.received_date,
            source=copy.source,
            kind=PetitionKind.denunciation,
            field=copy.field,
            summary=copy.summary,
            senders=[petition_ops.SenderData(*PERSON)],
            source_body=copy.source_body,
            source_doc_no=copy.source_doc_no,
        ),
        expected_version=copy.version,
    )
    db.session.flush()
    db.session.refresh(p)
    assert copy.protected and p.protected  # one matter across the hand-off
