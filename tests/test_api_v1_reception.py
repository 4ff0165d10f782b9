"""Units, reception sessions and visits through the API: scope, filters, pagination,
creation through the reception operations, and the denouncer's identity kept secret."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.reception.models import ReceptionSession, SessionStatus, Visit

from . import api_v1_support as support
from .api_v1_support import DENOUNCER, error_of, ok, user

# Fixtures shared by the API tests.
api, world = support.api, support.world

SESSION = {
    "unit": "HPLC",
    "kind": "regular",
    "session_date": "2026-06-29",
    "place": "Trụ sở tiếp công dân phường",
    "host_name": "Nguyễn Thị Trực",
}
VISIT = {
    "kind": "complaint",
    "content": "Khiếu nại việc cấp giấy chứng nhận",
    "outcome": "guided",
    "outcome_body": "UBND phường Lê Chân",
    "persons": [{"full_name": "Lê Văn Dân", "identity_no": "031 090 001 235"}],
}


@pytest.fixture()
def officer_api(api, world):
    return api.as_user(user(world["units"]["province"], Role.reception_officer))


def test_units_of_the_callers_tree(api, world):
    commune_user = user(world["units"]["commune"], Role.case_handler)
    data = ok(api.as_user(commune_user).get("/units"))
    assert [u["code"] for u in data["items"]] == ["HPLC"] and data["total"] == 1
    data = ok(api.as_user(world["boss"]).get("/units", level="commune"))
    assert sorted(u["code"] for u in data["items"]) == ["HPHA", "HPLC"]
    assert data["items"][0]["parent_id"] == world["units"]["province"].id
    data = ok(api.as_user(world["boss"]).get("/units", per_page=2, page=3))
    assert (data["total"], data["pages"], len(data["items"])) == (5, 3, 1)


def test_sessions_in_scope_with_filters(officer_api, world):
    data = ok(officer_api.get("/sessions"))
    ids = [s["id"] for s in data["items"]]
    assert world["sessions"]["hn"].id not in ids and data["total"] == 4
    assert ids[0] == world["sessions"]["planned"].id  # newest first
    lc = ok(officer_api.get("/sessions", unit="HPLC"))
    assert {s["unit"] for s in lc["items"]} == {"HPLC"}
    assert next(s for s in lc["items"] if s["id"] == world["sessions"]["lc"].id)["visit_count"] == 2
    only = ok(officer_api.get("/sessions", unit="HP", only_unit="true"))
    assert {s["unit"] for s in only["items"]} == {"HP"}
    ranged = ok(officer_api.get("/sessions", **{"from": "2026-03-01", "to": "2026-03-31"}))
    assert {s["session_date"] for s in ranged["items"]} == {"2026-03-02", "2026-03-09"}
    assert ok(officer_api.get("/sessions", kind="periodic"))["total"] == 1
    assert ok(officer_api.get("/sessions", status="planned"))["total"] == 1


def test_a_unit_outside_the_scope_is_refused_like_an_unknown_one(officer_api):
    a = error_of(officer_api.get("/sessions", unit="HN"), 400)
    b = error_of(officer_api.get("/sessions", unit="NOPE"), 400)
    assert a.replace("HN", "X") == b.replace("NOPE", "X")


def test_a_session_of_another_unit_is_404(officer_api, world):
    s = world["sessions"]
    assert ok(officer_api.get(f"/sessions/{s['lc'].id}"))["unit"] == "HPLC"
    for path in (f"/sessions/{s['hn'].id}", f"/sessions/{s['hn'].id}/visits",
                 f"/visits/{world['visits']['hn'].id}", "/sessions/999999",
                 "/sessions/99999999999"):  # fmt: skip
        assert "Không tìm thấy" in error_of(officer_api.get(path), 404)


def test_creating_a_session_through_the_operation(officer_api, db):
    data = ok(officer_api.post("/sessions", SESSION), 201)
    assert (data["unit"], data["status"], data["visit_count"]) == ("HPLC", "planned", 0)
    row = db.session.get(ReceptionSession, data["id"])
    assert row.place == SESSION["place"] and row.created_by_id is not None
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.kind == "reception_session.created", AuditEvent.entity_id == row.id
        )
    )


@pytest.mark.parametrize(
    ("change", "status", "field", "message"),
    [
        ({"kind": "periodic"}, 422, "host_mode", "ủy quyền tiếp"),
        ({"place": "  "}, 422, "place", "địa điểm"),
        ({"unit": "HN"}, 422, "unit", "trong phạm vi"),
        ({"kind": "weekly"}, 422, "kind", "chọn một trong"),
        ({"session_date": "2026-02-30"}, 422, "session_date", "Ngày không hợp lệ"),
        ({"session_date": "29/06/2026"}, 422, "session_date", "Ngày không hợp lệ"),
        ({"session_date": "1800-01-01"}, 422, "session_date", "1900"),
        ({"place": 42}, 422, "place", "chuỗi"),
        ({"place": "x" * 256}, 422, "place", "255"),
        ({"place": "a\u0000b"}, 422, "place", "NUL"),
        ({"colour": "red"}, 422, "colour", "không được phép"),
        ({"status": "cancelled"}, 422, "status_reason", "lý do hủy"),
    ],
)
def test_bad_sessions_are_explained(officer_api, change, status, field, message):
    body = {**SESSION, **change}
    resp = officer_api.post("/sessions", body)
    text = error_of(resp, status)
    details = resp.get_json()["error"]["details"]
    assert any(d["field"] == field for d in details), details
    assert message in text or any(message in d["message"] for d in details)


def test_malformed_requests(officer_api):
    assert "JSON hợp lệ" in error_of(officer_api.post("/sessions", raw="{nope"), 400)
    assert "Thiếu nội dung" in error_of(officer_api.post("/sessions", raw=""), 400)
    assert "đối tượng JSON" in error_of(officer_api.post("/sessions", raw="[1, 2]"), 422)
    resp = officer_api.post("/sessions", raw="place=x", content_type="text/plain")
    assert "application/json" in error_of(resp, 415)
    assert "chỉ được truyền một lần" in error_of(
        officer_api.client.get(
            "/api/v1/sessions?kind=regular&kind=adhoc", headers=officer_api._headers(None)
        ),
        400,
    )
    assert "không được hỗ trợ" in error_of(officer_api.get("/sessions", colour="red"), 400)
    assert "100" in error_of(officer_api.get("/sessions", per_page=101), 400)
    assert "số nguyên" in error_of(officer_api.get("/sessions", page="x"), 400)
    assert "Ngày không hợp lệ" in error_of(officer_api.get("/sessions", to="2026-6-1"), 400)


def test_recording_a_visit_makes_a_planned_session_held(officer_api, world, db, set_today):
    planned = world["sessions"]["planned"]
    # Before its day the session has not taken place: no visit yet (reception/operations).
    refused = officer_api.post(f"/sessions/{planned.id}/visits", VISIT)
    assert "chưa diễn ra" in error_of(refused, 422)
    set_today(planned.session_date)
    data = ok(officer_api.post(f"/sessions/{planned.id}/visits", VISIT), 201)
    assert data["persons"][0]["identity_no"] == "031090001235"  # normalised by the operation
    assert data["visit_date"] == "2026-07-07" and data["identity_redacted"] is False
    db.session.expire_all()
    assert db.session.get(ReceptionSession, planned.id).status == SessionStatus.held
    listed = ok(officer_api.get(f"/sessions/{planned.id}/visits"))
    assert [v["id"] for v in listed["items"]] == [data["id"]]


def test_visit_rules_come_from_the_operation(officer_api, world):
    s = world["sessions"]["lc"]
    body = {**VISIT, "people_count": 6}
    resp = officer_api.post(f"/sessions/{s.id}/visits", body)
    assert "đoàn đông người" in error_of(resp, 422).lower()
    body = {**VISIT, "persons": [{"full_name": "A", "identity_no": "12"}]}
    details = officer_api.post(f"/sessions/{s.id}/visits", body).get_json()["error"]["details"]
    assert details[0]["field"] == "persons.0.identity_no"
    assert error_of(officer_api.post(f"/sessions/{s.id}/visits", {**VISIT, "persons": []}), 422)
    other = world["sessions"]["hn"]
    error_of(officer_api.post(f"/sessions/{other.id}/visits", VISIT), 404)


def test_a_cancelled_session_takes_no_visit(officer_api, world, db):
    s = world["sessions"]["hp"]
    s.status, s.status_reason = SessionStatus.cancelled, "Mưa bão"
    db.session.flush()
    assert "không thể ghi lượt tiếp" in error_of(
        officer_api.post(f"/sessions/{s.id}/visits", VISIT), 422
    )


@pytest.mark.parametrize(
    ("roles", "hidden"),
    [
        ((Role.reception_officer,), False),
        ((Role.leader,), False),
        ((Role.case_handler,), True),
        ((Role.report_maker,), True),
    ],
)
def test_a_denouncer_received_is_secret_to_roles_without_the_right(api, world, db, roles, hidden):
    caller = api.as_user(user(world["units"]["province"], *roles))
    visit = world["visits"]["denounce"]
    one = ok(caller.get(f"/visits/{visit.id}"))
    listed = ok(caller.get(f"/sessions/{world['sessions']['lc'].id}/visits"))
    row = next(v for v in listed["items"] if v["id"] == visit.id)
    for data in (one, row):
        person = data["persons"][0]
        assert data["identity_redacted"] is hidden
        text = str(data)
        if hidden:
            assert person["full_name"] is None and person["identity_no"] is None
            for secret in DENOUNCER.values():
                assert secret not in text
        else:
            assert person["full_name"] == DENOUNCER["full_name"]
    views = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "identity.viewed")
    ).all()
    assert bool(views) is not hidden  # each view of the identity is recorded
    complaint = next(v for v in listed["items"] if v["id"] == world["visits"]["complaint"].id)
    assert complaint["persons"][0]["full_name"]  # complainants are not protected


def test_admins_and_other_roles_by_permission(api, world):
    admin = api.as_user(user(world["units"]["province"], Role.admin))
    assert "không có quyền" in error_of(admin.get("/sessions"), 403)
    assert ok(admin.get("/units"))["total"] == 5
    maker = api.as_user(user(world["units"]["province"], Role.report_maker))
    ok(maker.get("/sessions"))
    assert "ghi sổ tiếp công dân" in error_of(maker.post("/sessions", SESSION), 403)


def test_lists_do_not_query_per_row(officer_api, world, app, db):
    from sqlalchemy import event

    s = world["sessions"]["lc"]
    for i in range(6):
        body = {
            **VISIT,
            "persons": [{"full_name": f"Người {i}", "identity_no": f"03109000{i:04d}"}],
        }
        ok(officer_api.post(f"/sessions/{s.id}/visits", body), 201)
    statements = []

    def count(*args):
        statements.append(args[2])

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        data = ok(officer_api.get(f"/sessions/{s.id}/visits"))
        few = len(statements)
        statements_log = list(statements)
        statements.clear()
        ok(officer_api.get("/sessions"))
        sessions = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert data["total"] == 8
    # One query per kind of row, whatever the number of rows (no lazy load per visit).
    # (the denouncer rule's query of the page names visit_person in a subquery: not a load)
    loads = [q for q in statements_log if q.lstrip().startswith("SELECT visit_person.")]
    assert len(loads) == 1, statements_log
    assert few <= 20 and sessions <= 8, (few, sessions)
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) >= 8
