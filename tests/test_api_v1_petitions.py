"""The petition register through the API: filters and search, registration with the next
number, processing into a case, and the denouncer never sent to who may not see them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from complaints.cases.models import Case, CaseState
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.petitions.models import Petition, PetitionStatus

from . import api_v1_support as support
from .api_v1_support import DENOUNCER, error_of, ok, user

# Fixtures shared by the API tests.
api, world = support.api, support.world

PETITION = {
    "unit": "HP",
    "received_date": "2026-06-29",
    "source": "post",
    "kind": "complaint",
    "field": "land",
    "summary": "Khiếu nại quyết định thu hồi đất",
    "senders": [
        {"full_name": "Đỗ Thị Hoa", "identity_no": "031090 004321", "phone": "0912 345 678"}
    ],
}
ACCEPT = {
    "eligible": True,
    "competent": True,
    "outcome": "accept",
    "on": "2026-06-30",
    "doc_no": "12/TB-UBND",
}


@pytest.fixture()
def handler_api(api, world):
    return api.as_user(user(world["units"]["province"], Role.petition_handler))


def test_the_register_in_scope_with_filters(handler_api, world):
    data = ok(handler_api.get("/petitions"))
    ids = {p["id"] for p in data["items"]}
    assert world["petitions"]["hn"].id not in ids and data["total"] == 3
    assert data["items"][0]["id"] == world["petitions"]["new"].id  # newest first
    assert ok(handler_api.get("/petitions", unit="HPLC"))["total"] == 2
    assert ok(handler_api.get("/petitions", kind="denunciation"))["total"] == 1
    assert ok(handler_api.get("/petitions", status="registered"))["total"] == 1
    assert ok(handler_api.get("/petitions", **{"from": "2026-05-01"}))["total"] == 1
    assert ok(handler_api.get("/petitions", to="2026-05-01", field="land"))["total"] == 2
    assert ok(handler_api.get("/petitions", q="thu hoi dat"))["total"] == 3
    assert "ít nhất 2 ký tự" in error_of(handler_api.get("/petitions", q="a"), 400)
    one = ok(handler_api.get(f"/petitions/{world['petitions']['lc'].id}"))
    assert one["case_id"] == world["cases"]["lc"].id and one["status"] == "processed"
    error_of(handler_api.get(f"/petitions/{world['petitions']['hn'].id}"), 404)


@pytest.mark.parametrize(
    ("roles", "hidden"),
    [((Role.petition_handler,), False), ((Role.case_handler,), True), ((Role.report_maker,), True)],
)
def test_a_denouncer_is_never_sent_to_roles_without_the_right(api, world, db, roles, hidden):
    caller = api.as_user(user(world["units"]["province"], *roles))
    petition = world["petitions"]["den"]
    one = ok(caller.get(f"/petitions/{petition.id}"))
    listed = ok(caller.get("/petitions", kind="denunciation"))["items"][0]
    for data in (one, listed):
        assert data["identity_redacted"] is hidden
        if hidden:
            assert data["senders"] == [
                {"full_name": None, "address": None, "identity_no": None, "phone": None}
            ]
            assert not any(secret in str(data) for secret in DENOUNCER.values())
        else:
            assert data["senders"][0]["full_name"] == DENOUNCER["full_name"]
    # Searching by the denouncer's name finds nothing for them.
    found = ok(caller.get("/petitions", q="Pham Van To"))["total"]
    assert found == (0 if hidden else 1)
    viewed = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.kind == "identity.viewed")
    )
    assert (viewed == 0) is hidden


def test_registering_takes_the_next_number(handler_api, db):
    first = ok(handler_api.post("/petitions", PETITION), 201)
    second = ok(handler_api.post("/petitions", PETITION), 201)
    assert first["register_no"] == "HP-2026-00001" and second["register_no"] == "HP-2026-00002"
    assert first["senders"][0]["identity_no"] == "031090004321"
    assert first["status"] == "registered" and first["identity_redacted"] is False
    row = db.session.get(Petition, first["id"])
    assert row.search_text and row.created_by_id


def test_a_petition_taken_at_a_visit(handler_api, world):
    visit = world["visits"]["complaint"]
    body = {**PETITION, "unit": "HPLC", "visit_id": visit.id}
    details = handler_api.post("/petitions", body).get_json()["error"]["details"]
    assert details[0]["field"] == "source"  # a petition of a visit comes from reception
    data = ok(handler_api.post("/petitions", {**body, "source": "reception"}), 201)
    assert data["visit_id"] == visit.id
    other = {**body, "source": "reception", "visit_id": world["visits"]["hn"].id}
    assert "trong phạm vi" in error_of(handler_api.post("/petitions", other), 422)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_date": "2026-07-01"}, "received_date"),  # after today
        ({"senders": [], "anonymous": False}, "anonymous"),
        ({"source": "deputy"}, "source_body"),
        ({"signatory_count": 0}, "signatory_count"),
        ({"signatory_count": "1"}, "signatory_count"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"senders": [{"full_name": "A", "phone": "+12345678901234567890"}]}, "senders.0.phone"),
        ({"senders": [{"full_name": "A", "identity_no": "12"}]}, "senders-0-identity_no"),
        ({"senders": [{"full_name": "A", "identity_no": "0310900043"}]}, "senders-0-identity_no"),
        ({"unit": "HN"}, "unit"),
        ({"register_no": "HP-2025-00001"}, "register_no"),
        ({"visit_id": 2**31}, "visit_id"),
        ({"kind": None}, "kind"),
    ],
)
def test_bad_registrations_are_422(handler_api, change, field):
    resp = handler_api.post("/petitions", {**PETITION, **change})
    error_of(resp, 422)
    assert field in [d["field"] for d in resp.get_json()["error"]["details"]]


def test_processing_accepts_into_a_new_case(handler_api, world, db):
    p = world["petitions"]["new"]
    data = ok(handler_api.post(f"/petitions/{p.id}/processing", {**ACCEPT, "version": p.version}))
    assert data["status"] == "processed" and data["outcome"] == "accept" and data["case_id"]
    case = db.session.get(Case, data["case_id"])
    assert case.state == CaseState.accepted and case.accept_doc_no == "12/TB-UBND"
    again = handler_api.post(f"/petitions/{p.id}/processing", {**ACCEPT, "version": 99})
    assert "không xử lý lại" in error_of(again, 409)


def test_processing_joins_an_open_case(handler_api, world, db):
    p = world["petitions"]["new"]
    case = world["cases"]["lc"]
    body = {**ACCEPT, "version": p.version, "join_case_no": case.case_no.lower()}
    data = ok(handler_api.post(f"/petitions/{p.id}/processing", body))
    assert data["case_id"] == case.id
    outsider = world["cases"]["hn"]
    p2 = world["petitions"]["lc"]
    p2.status = PetitionStatus.registered
    db.session.flush()
    body = {**ACCEPT, "version": p2.version, "join_case_id": outsider.id}
    assert "trong các đơn vị của bạn" in error_of(
        handler_api.post(f"/petitions/{p2.id}/processing", body), 422
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"version": 7}, 409, "người khác cập nhật"),
        ({"on": "2026-07-01"}, 422, "sau ngày hôm nay"),
        ({"competent": False}, 422, "không thuộc thẩm quyền"),
        ({"eligible": False}, 422, "lý do"),
        ({"outcome": "transfer", "competent": False}, 422, "cơ quan"),
        ({"outcome": "guide", "join_case_id": 1}, 422, "Chỉ nhập đơn"),
        ({"outcome": "nope"}, 422, "chọn một trong"),
        ({"reasons": ["bogus"]}, 422, "chọn một trong"),
        ({"version": None}, 422, "số nguyên"),
    ],
)
def test_processing_refusals(handler_api, world, change, status, message):
    p = world["petitions"]["new"]
    body = {**ACCEPT, "version": p.version, **change}
    assert message in error_of(handler_api.post(f"/petitions/{p.id}/processing", body), status)


def test_who_may_register_and_process(api, world):
    p = world["petitions"]["new"]
    hp = world["units"]["province"]
    verifier = api.as_user(user(hp, Role.case_handler))
    ok(verifier.get("/petitions"))
    assert "vào sổ đơn" in error_of(verifier.post("/petitions", PETITION), 403)
    reception = api.as_user(user(hp, Role.reception_officer))
    ok(reception.post("/petitions", PETITION), 201)
    body = {**ACCEPT, "version": p.version}
    assert "xử lý đơn" in error_of(reception.post(f"/petitions/{p.id}/processing", body), 403)
    leader = api.as_user(user(hp, Role.leader))
    ok(leader.post(f"/petitions/{p.id}/processing", body))
    commune = api.as_user(user(world["units"]["commune"], Role.petition_handler))
    error_of(commune.post(f"/petitions/{p.id}/processing", body), 404)
