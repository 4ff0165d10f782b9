"""Cases through the API: lists with filters, a case with its deadlines, its events, workflow
steps (illegal ones refused with the workflow's reason, stale versions with 409) and assignment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from complaints.cases.models import Case, CaseEvent, CaseState
from complaints.core.access import Role

from . import api_v1_support as support
from .api_v1_support import error_of, ok, open_case, user

# Fixtures shared by the API tests.
api, world = support.api, support.world


@pytest.fixture()
def worker(api, world):
    return api.as_user(user(world["units"]["province"], Role.case_handler, Role.leader))


def step(api, case, action, **body):
    body.setdefault("on", "2026-03-10")
    body.setdefault("version", case.version)
    return api.post(f"/cases/{case.id}/actions/{action}", body)


def test_cases_in_scope_with_filters(worker, world, db):
    data = ok(worker.get("/cases"))
    numbers = {c["case_no"] for c in data["items"]}
    assert world["cases"]["hn"].case_no not in numbers and data["total"] == 2
    first = data["items"][0]
    assert first["state"] == "accepted" and "start_verification" in first["allowed_actions"]
    assert first["next_due"] and first["overdue"] is True  # resolve was due in April
    assert ok(worker.get("/cases", kind="denunciation"))["total"] == 1
    assert ok(worker.get("/cases", state="verifying"))["total"] == 0
    assert ok(worker.get("/cases", open="false"))["total"] == 0
    assert ok(worker.get("/cases", overdue="false"))["total"] == 0
    assert ok(worker.get("/cases", assignee="none"))["total"] == 2
    assert ok(worker.get("/cases", assignee="12345"))["total"] == 0
    assert ok(worker.get("/cases", unit="HPLC", q=world["cases"]["lc"].case_no))["total"] == 1
    assert "không được hỗ trợ" in error_of(worker.get("/cases", assigne="none"), 400)
    assert error_of(worker.get("/cases", assignee="-1"), 400)
    assert error_of(worker.get("/cases", state="lost"), 400)


def test_a_case_given_to_another_unit_is_visible_there(api, world, db):
    ttr = world["units"]["inspectorate"]
    case = world["cases"]["lc"]
    case.assigned_unit_id = ttr.id
    db.session.flush()
    inspector = api.as_user(user(ttr, Role.case_handler))
    assert [c["id"] for c in ok(inspector.get("/cases"))["items"]] == [case.id]
    ok(inspector.get(f"/cases/{case.id}"))
    error_of(inspector.get(f"/cases/{world['cases']['den'].id}"), 404)


def test_a_case_with_deadlines_petitions_and_events(worker, world):
    case = world["cases"]["lc"]
    data = ok(worker.get(f"/cases/{case.id}"))
    assert data["petition_ids"] == [world["petitions"]["lc"].id]
    assert {d["step"] for d in data["deadlines"]} >= {"resolve"}
    assert data["money_to_recover"] == "0" and data["version"] == case.version
    events = ok(worker.get(f"/cases/{case.id}/events"))
    assert [e["action"] for e in events["items"]] == ["open", "accept"]
    assert events["items"][1]["label"] == "Thụ lý" and events["items"][1]["doc_no"] == "01/TB"
    assert events["items"][1]["actor"] == world["handler_lc"].full_name
    error_of(worker.get(f"/cases/{world['cases']['hn'].id}/events"), 404)
    error_of(worker.get("/cases/0"), 404)


def test_a_complaint_carried_to_its_decision(worker, world, db):
    case = world["cases"]["lc"]
    before = case.version
    data = ok(step(worker, case, "start_verification", doc_no="05/QĐ", doc_type="QĐ giao"))
    assert data["state"] == "verifying" and data["version"] > before
    data = ok(
        step(
            worker,
            case,
            "decide",
            version=data["version"],
            on="2026-04-01",
            doc_no="20/QĐ-UBND",
            outcome="partly_upheld",
            note="Đúng một phần",
            money_to_recover=120_000_000,
            land_to_return_m2="35.5",
            people_to_discipline=2,
        )
    )
    assert (data["state"], data["outcome"], data["decision_no"]) == (
        "decided",
        "partly_upheld",
        "20/QĐ-UBND",
    )
    db.session.expire_all()
    row = db.session.get(Case, case.id)
    assert row.money_to_recover == 120_000_000 and row.land_to_return_m2 == Decimal("35.5")
    events = ok(worker.get(f"/cases/{case.id}/events"))["items"]
    assert events[-1]["data"] == {"outcome": "partly_upheld"}


def test_an_illegal_step_is_refused_with_the_workflows_reason(worker, world):
    case = world["cases"]["lc"]
    assert "Không thể “Gửi quyết định / kết luận”" in error_of(
        step(worker, case, "send", doc_no="1"), 422
    )
    assert "không áp dụng cho vụ việc khiếu nại" in error_of(
        step(worker, case, "publish", doc_no="1"), 422
    )
    assert "Thao tác không tồn tại" in error_of(step(worker, case, "explode"), 404)


def test_a_stale_version_is_409_and_changes_nothing(worker, world, db):
    case = world["cases"]["lc"]
    old = case.version
    ok(step(worker, case, "start_verification", doc_no="05/QĐ"))
    resp = step(worker, case, "suspend", version=old, doc_no="07/QĐ")
    assert "người khác cập nhật" in error_of(resp, 409)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == CaseState.verifying


@pytest.mark.parametrize(
    ("action", "body", "field", "status"),
    [
        ("start_verification", {"outcome": "upheld"}, "outcome", 422),
        ("start_verification", {"on": "2026-07-01"}, "on", 422),
        ("start_verification", {"on": "2026-03-01"}, "on", 422),  # before acceptance
        ("suspend", {}, "doc_no", 422),
        ("terminate", {"doc_no": "1", "reason": "bored"}, "reason", 422),
        ("terminate", {"doc_no": "1"}, "reason", 422),
        ("withdraw_partial", {"doc_no": "1"}, "contents", 422),
        ("start_verification", {"version": "1"}, "version", 422),
        ("start_verification", {"surprise": 1}, "surprise", 422),
    ],
)
def test_step_inputs_are_checked(worker, world, action, body, field, status):
    resp = step(worker, world["cases"]["lc"], action, **body)
    error_of(resp, status)
    assert field in [d["field"] for d in resp.get_json()["error"]["details"]]


def test_decide_checks_amounts(worker, world):
    case = world["cases"]["lc"]
    data = ok(step(worker, case, "start_verification", doc_no="05/QĐ"))
    base = {"version": data["version"], "doc_no": "9", "outcome": "upheld"}
    for bad in ({"land_to_recover_m2": 1.25}, {"money_to_recover": -5}, {"money_to_recover": 1.5}):
        resp = step(worker, case, "decide", **base, **bad)
        assert resp.status_code == 422, resp.get_data(as_text=True)


def test_assignment_by_a_leader(api, world, db):
    leader = api.as_user(user(world["units"]["province"], Role.leader))
    verifier = user(world["units"]["inspectorate"], Role.case_handler)
    case = world["cases"]["lc"]
    body = {"version": case.version, "unit": "HPTTR", "assignee_id": verifier.id,
            "on": "2026-03-12", "note": "Giao Thanh tra xác minh"}  # fmt: skip
    data = ok(leader.post(f"/cases/{case.id}/assignment", body))
    assert (data["assigned_unit"], data["assignee_id"]) == ("HPTTR", verifier.id)
    assert data["assignee"] == verifier.full_name
    assert db.session.scalar(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "assign")
    )
    # stale, unknown assignee, assignee outside the unit, other unit, wrong role
    assert error_of(leader.post(f"/cases/{case.id}/assignment", body), 409)
    fresh = {**body, "version": data["version"]}
    outsider = user(world["units"]["other"], Role.case_handler)
    maker = user(world["units"]["inspectorate"], Role.report_maker)
    db.session.commit()  # keep the test's rows through the refused requests' rollbacks
    for change, message in (
        ({"assignee_id": outsider.id}, "Không tìm thấy người dùng"),
        ({"assignee_id": 2**31 - 1}, "Không tìm thấy người dùng"),
        ({"unit": "HPLC"}, "thuộc đơn vị được giao"),
        ({"unit": "HN"}, "trong phạm vi"),
        ({"assignee_id": maker.id}, "vai trò"),
    ):
        assert message in error_of(
            leader.post(f"/cases/{case.id}/assignment", {**fresh, **change}), 422
        )
    worker = api.as_user(user(world["units"]["province"], Role.case_handler))
    assert "giao xử lý" in error_of(worker.post(f"/cases/{case.id}/assignment", fresh), 403)


def test_appeal_opens_round_two_in_a_unit_of_scope(worker, world, db):
    hp_handler = user(world["units"]["province"], Role.petition_handler, Role.case_handler)
    case, _ = open_case(hp_handler, world["units"]["province"], received=date(2026, 2, 2))
    version = case.version
    for action, extra in (
        ("start_verification", {"doc_no": "1"}),
        ("decide", {"doc_no": "2", "outcome": "rejected"}),
        ("send", {"doc_no": "3"}),
    ):
        version = ok(step(worker, case, action, version=version, **extra))["version"]
    bad = step(worker, case, "appeal", version=version, round2_unit="HN")
    assert "trong phạm vi" in error_of(bad, 422)
    data = ok(step(worker, case, "appeal", version=version, doc_no="4", round2_unit="HP"))
    assert data["state"] == "appealed"
    round2 = db.session.scalar(sa.select(Case).where(Case.parent_case_id == case.id))
    assert round2.round == 2


def test_permissions_on_cases(api, world):
    hp = world["units"]["province"]
    maker = api.as_user(user(hp, Role.report_maker))
    ok(maker.get("/cases"))
    case = world["cases"]["lc"]
    assert "giải quyết vụ việc" in error_of(step(maker, case, "start_verification"), 403)
    admin = api.as_user(user(hp, Role.admin))
    error_of(admin.get("/cases"), 403)
    commune = api.as_user(user(world["units"]["commune2"], Role.case_handler))
    error_of(step(commune, case, "start_verification", doc_no="1"), 404)
