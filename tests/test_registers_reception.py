"""Importing the reception log (sổ tiếp công dân, Mẫu 03/TCD): visits with their persons and
outcomes, sessions found or made, the reception rules, and no visit counted twice."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.reception import operations as reception_ops
from complaints.reception.models import (
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.registers.layout import RECEPTION_COLUMNS
from complaints.registers.models import ImportStatus, RegisterKind
from complaints.reports import service
from complaints.reports.periods import date_range

from . import factories
from .test_registers_petitions import (  # noqa: F401  pinned_today: 30/06/2026
    issues_of,
    pinned_today,
    run_import,
    write_csv,
)

D = date
HEADERS = [c.header for c in RECEPTION_COLUMNS]
ANSWERED = "Trả lời, giải thích trực tiếp"


def log_row(**values) -> list:
    base = {
        "stt": "1",
        "visit_date": "02/03/2026",
        "persons": "Nguyễn Văn An, Số 5 Lê Lợi",
        "identity": "031085001234",
        "content": "Khiếu nại thu hồi đất",
        "kind": "Khiếu nại",
    }
    base.update(values)
    return [base.get(c.field, "") for c in RECEPTION_COLUMNS]


def visits():
    from complaints.extensions import db

    return db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()


def test_the_log_comes_in_with_outcomes_persons_and_sessions(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so-tiep.csv",
        [
            log_row(guided="UBND phường Lê Chân (số 12/HD)", competent="Không"),
            log_row(persons="Trần Thị Bình, Hải An", identity="031099000222",
                    transferred="Thanh tra thành phố (số 3/PC)", kind="Tố cáo"),
            log_row(persons="Lê Văn Cường", identity="", note="Từ chối tiếp: Gây rối\nSay xỉn"),
            log_row(persons="Đoàn Văn Một, Hải An\nĐoàn Văn Hai, Hải An",
                    identity="031080000001\n031080000002", people_count="12",
                    session_kind="Định kỳ", transferred="Nhận đơn: UBND thành phố Hải Phòng"),
            log_row(visit_date="03/03/2026", persons="Phạm Dung", identity="031070000333",
                    guided="Trả lời, giải thích trực tiếp", note="Tiếp nhiều lần"),
        ],
        headers=HEADERS,
    )  # fmt: skip
    job = run_import(path, unit=province["province"])
    assert job.kind == RegisterKind.reception
    assert job.status == ImportStatus.done, issues_of(job)
    assert job.created_counts == {"visits": 5, "sessions": 3}
    guided, transferred, refused, delegation, answered = visits()
    assert (guided.outcome, guided.outcome_body, guided.outcome_doc_no, guided.competent) == (
        VisitOutcome.guided, "UBND phường Lê Chân", "12/HD", False
    )  # fmt: skip
    assert (transferred.outcome, transferred.kind) == (
        VisitOutcome.transferred, PetitionKind.denunciation
    )  # fmt: skip
    assert refused.outcome == VisitOutcome.refused
    assert (refused.refusal_ground.value, refused.note) == ("disorderly", "Say xỉn")
    assert delegation.is_delegation and delegation.people_count == 12
    assert [p.is_representative for p in delegation.persons] == [True, True]
    assert delegation.outcome == VisitOutcome.petition_received
    assert delegation.session.kind == SessionKind.periodic
    assert delegation.session.host_mode.value == "in_person"
    assert answered.outcome == VisitOutcome.answered and answered.is_repeat
    assert guided.session_id == transferred.session_id == refused.session_id
    report = service.build(
        "01-TCD", province["province"], date_range(D(2026, 3, 1), D(2026, 3, 31))
    ).as_dict()["figures"]
    assert report["reception.visits"] == 5
    assert report["reception.people"] == 1 + 1 + 1 + 12 + 1
    assert report["reception.delegations"] == 1
    assert report["reception.leader.visits"] == 1


def test_the_same_log_twice_adds_nothing_but_identical_rows_are_distinct_visits(
    db, province, tmp_path
):
    same = log_row(persons="Nguyễn Văn An, Số 5 Lê Lợi")
    path = write_csv(tmp_path / "so.csv", [same, same, log_row(content="Khác")], headers=HEADERS)
    first = run_import(path, unit=province["province"])
    assert first.status == ImportStatus.done and len(visits()) == 3
    again = run_import(path, unit=province["province"])
    assert (again.valid_rows, again.skipped_rows) == (0, 3)
    assert len(visits()) == 3
    bigger = write_csv(tmp_path / "so2.csv", [same, same, same], headers=HEADERS)
    third = run_import(bigger, unit=province["province"])
    assert (third.valid_rows, third.skipped_rows) == (1, 2)  # the third visit is new
    assert third.status == ImportStatus.done and len(visits()) == 4


def test_a_visit_recorded_in_the_app_is_not_imported_again(db, province, tmp_path):
    hp = province["province"]
    officer = factories.UserFactory(unit=hp, roles=[Role.reception_officer])
    session = reception_ops.create_session(
        officer,
        reception_ops.SessionData(
            unit=hp, kind=SessionKind.regular, session_date=D(2026, 3, 2), place="Trụ sở",
            host_name="A", status=SessionStatus.held,
        ),
    )  # fmt: skip
    reception_ops.create_visit(
        officer,
        session,
        reception_ops.VisitData(
            kind=PetitionKind.complaint, content="Khiếu nại thu hồi đất",
            outcome=VisitOutcome.answered,
            persons=[reception_ops.PersonData("Nguyễn Văn An", "Số 5 Lê Lợi", "031085001234")],
        ),
    )  # fmt: skip
    path = write_csv(
        tmp_path / "so.csv",
        [
            log_row(guided=ANSWERED),
            log_row(persons="Người Mới", identity="031085009999", guided=ANSWERED),
        ],
        headers=HEADERS,
    )  # fmt: skip
    job = run_import(path, unit=hp)
    assert (job.skipped_rows, job.created_counts) == (1, {"visits": 1})
    assert db.session.scalar(sa.select(sa.func.count(ReceptionSession.id))) == 1  # reused


def test_the_reception_rules_apply_to_old_rows(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [
            log_row(identity=""),  # who was received must be established
            log_row(people_count="6", persons="Một người, Hải An\nHai, Hải An\nBa\n",
                    identity="031080000001\n031080000002\n031080000003"),
            log_row(guided="UBND phường", transferred="Thanh tra"),
            log_row(kind="Khác"),
            log_row(content="", visit_date=""),
        ],
        headers=HEADERS,
    )  # fmt: skip
    job = run_import(path, unit=province["province"])
    assert job.status == ImportStatus.checked
    found = {(line, column): message for line, column, message in issues_of(job)}
    assert found[(2, "Số CCCD/giấy tờ")].startswith("Nhập số CCCD/định danh cá nhân")
    assert "không quá 2 người đại diện" in found[(3, "Họ tên, địa chỉ")]
    assert "Chỉ ghi một kết quả tiếp" in found[(4, "Cơ quan thụ lý (số văn bản chuyển)")]
    assert "Không nhận ra loại đơn “Khác”" in found[(5, "Loại đơn")]
    assert found[(6, "Ngày tiếp")] == "Thiếu ngày tiếp."
    assert found[(6, "Nội dung tóm tắt")] == "Nhập nội dung tóm tắt."
    assert visits() == []


def test_identity_numbers_follow_the_rule_of_the_forms(db, province, tmp_path):
    bad = write_csv(tmp_path / "sai.csv", [log_row(identity="0310850012")], headers=HEADERS)
    job = run_import(bad, unit=province["province"])
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (2, "Số CCCD/giấy tờ", "Số CCCD, số định danh cá nhân gồm 12 chữ số (CMND cũ: 9 chữ số).")
    ]
    good = write_csv(
        tmp_path / "so.csv", [log_row(identity="031-085-001234", guided=ANSWERED)], headers=HEADERS
    )
    job = run_import(good, unit=province["province"])
    assert job.status == ImportStatus.done, issues_of(job)
    assert [p.identity_no for p in visits()[0].persons] == ["031085001234"]
