"""Importing and exporting the petition register: the round trip, idempotent re-import, the
register counter, cases with their state, all-or-nothing, and the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from complaints.cases import operations as case_ops
from complaints.cases.models import Case, CaseEvent, CaseState, Deadline
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db as _db
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import Petition, PetitionSource, RegisterCounter
from complaints.petitions.processing import ProcessingInput, process
from complaints.reception import operations as reception_ops
from complaints.reception.models import (
    HostMode,
    RefusalGround,
    SessionKind,
    SessionStatus,
    VisitOutcome,
)
from complaints.registers import exporter, importer
from complaints.registers.layout import PETITION_COLUMNS
from complaints.registers.models import ImportStatus, RegisterImport, RegisterKind
from complaints.reports import service
from complaints.reports.periods import date_range
from complaints.units.models import Unit

from . import factories

D = date
TODAY = D(2026, 6, 30)
HEADERS = [c.header for c in PETITION_COLUMNS]


@pytest.fixture(autouse=True)
def pinned_today(app, monkeypatch, tmp_path_factory):
    """Every register test runs on 30/06/2026, inline (no background thread), with uploads and
    exports in a temporary folder."""
    monkeypatch.setitem(app.config, "TODAY", TODAY.isoformat())
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_DIR", str(tmp_path_factory.mktemp("imports")))
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BACKGROUND", False)
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BATCH", 3)  # several batches, even here
    return TODAY


# --- history built through the real operations ----------------------------------------------


def _register(actor, unit, received, kind=PetitionKind.complaint, **kw):
    senders = kw.pop("senders", [("Nguyễn Văn An", "Số 5 Lê Lợi, Lê Chân", "031085001234")])
    data = petition_ops.PetitionData(
        received_date=received,
        source=kw.pop("source", PetitionSource.post),
        kind=kind,
        field=kw.pop("field", Field.land),
        summary=kw.pop("summary", "Khiếu nại quyết định thu hồi đất số 12/QĐ-UBND"),
        senders=[petition_ops.SenderData(*s) for s in senders],
        unit=unit,
        **kw,
    )
    return petition_ops.register_petition(actor, data, today=TODAY)


def _process(actor, p, outcome, on, **kw):
    return process(
        actor,
        p,
        ProcessingInput(
            eligible=kw.pop("eligible", True),
            competent=kw.pop("competent", outcome == "accept"),
            outcome=outcome,
            on=on,
            doc_no=kw.pop("doc_no", "12/TB"),
            body=kw.pop("body", ""),
            **kw,
        ),
    )


def _step(actor, case, action, on, **kw):
    return case_ops.perform(actor, case, action, case_ops.StepInput(on=on, **kw))


def build_history(units) -> dict:
    """Six months of a province's register and reception log, every step through the app."""
    hp, lc = units["province"], units["commune"]
    handler = factories.UserFactory(unit=hp, roles=[Role.petition_handler, Role.leader])
    officer = factories.UserFactory(unit=hp, roles=[Role.reception_officer])
    # A complaint accepted, verified; a second petition joins the case.
    p1 = _register(handler, hp, D(2026, 1, 5))
    _process(handler, p1, "accept", D(2026, 1, 8))
    _step(handler, p1.case, "start_verification", D(2026, 1, 10))
    p2 = _register(
        handler,
        hp,
        D(2026, 2, 2),
        summary="Tiếp tục khiếu nại quyết định thu hồi đất số 12/QĐ-UBND\nbổ sung tài liệu",
        senders=[
            ("Nguyễn Văn An", "Số 5 Lê Lợi, Lê Chân", "031085001234", "0912345678"),
            ("Trần Thị Bình", "", "", ""),
        ],
        signatory_count=2,
    )
    _process(handler, p2, "accept", D(2026, 2, 4), join_case=p1.case)
    # A forwarded denunciation, concluded and sent.
    p3 = _register(
        handler,
        hp,
        D(2026, 1, 20),
        PetitionKind.denunciation,
        field=Field.corruption,
        source=PetitionSource.deputy,
        source_body="Đoàn ĐBQH thành phố",
        source_doc_no="45/ĐĐBQH",
        summary="Tố cáo cán bộ địa chính nhận tiền; =ghi chú bắt đầu bằng dấu bằng",
        senders=[("Lê Văn Cường", "Hải An", "031090000111")],
    )
    _process(handler, p3, "accept", D(2026, 1, 25))
    _step(handler, p3.case, "start_verification", D(2026, 1, 26))
    _step(handler, p3.case, "decide", D(2026, 3, 10), doc_no="7/KL", outcome="partly_upheld")
    _step(handler, p3.case, "send", D(2026, 3, 12))
    # A complaint decided, sent and final.
    p4 = _register(handler, hp, D(2026, 2, 10), field=Field.housing, summary="Khiếu nại xử phạt")
    _process(handler, p4, "accept", D(2026, 2, 12), doc_no="3/TB")
    _step(handler, p4.case, "start_verification", D(2026, 2, 13))
    _step(handler, p4.case, "decide", D(2026, 3, 1), doc_no="9/QĐ", outcome="rejected")
    _step(handler, p4.case, "send", D(2026, 3, 2))
    _step(handler, p4.case, "make_final", D(2026, 4, 2))
    # A complaint withdrawn.
    p5 = _register(handler, hp, D(2026, 3, 3), summary="Khiếu nại bồi thường")
    _process(handler, p5, "accept", D(2026, 3, 4), doc_no="4/TB")
    _step(handler, p5.case, "terminate", D(2026, 3, 20), doc_no="1/QĐ-ĐC", reason="withdrawn")
    # A commune's feedback answered; a complaint transferred; one filed as ineligible.
    p6 = _register(
        handler, lc, D(2026, 3, 5), PetitionKind.feedback, field=Field.environment,
        summary="Phản ánh ô nhiễm tiếng ồn", senders=[("Phạm Thị Dung", "Lê Chân", "")],
    )  # fmt: skip
    _process(handler, p6, "accept", D(2026, 3, 6), doc_no="5/TB")
    _step(handler, p6.case, "answer", D(2026, 3, 25), doc_no="8/TL", note="Đã kiểm tra, xử lý")
    p7 = _register(handler, lc, D(2026, 4, 1), summary="Khiếu nại việc cấp sổ đỏ")
    _process(handler, p7, "transfer", D(2026, 4, 3), competent=False, body="UBND phường Hải An")
    p8 = _register(handler, hp, D(2026, 4, 8), summary="Đơn không ký tên")
    _process(
        handler, p8, "file", D(2026, 4, 9), eligible=False, competent=False,
        reasons=("no_signature", "no_date"), doc_no="",
    )  # fmt: skip
    # An anonymous denunciation and a complaint still waiting (carried over).
    _register(
        handler, hp, D(2026, 5, 2), PetitionKind.denunciation, senders=[], anonymous=True,
        summary="Tố cáo nặc danh về lấn chiếm đất công",
    )  # fmt: skip
    _register(handler, lc, D(2026, 6, 1), summary="+84 khiếu nại chưa xử lý")
    # The reception log.
    s1 = reception_ops.create_session(
        officer,
        reception_ops.SessionData(
            unit=hp, kind=SessionKind.regular, session_date=D(2026, 3, 2), place="Trụ sở",
            host_name="Cán bộ A", status=SessionStatus.held,
        ),
    )  # fmt: skip
    person = reception_ops.PersonData
    reception_ops.create_visit(
        officer,
        s1,
        reception_ops.VisitData(
            kind=PetitionKind.complaint, content="Khiếu nại thu hồi đất",
            outcome=VisitOutcome.petition_received,
            persons=[person("Nguyễn Văn An", "Số 5 Lê Lợi", "031085001234")],
        ),
    )  # fmt: skip
    reception_ops.create_visit(
        officer,
        s1,
        reception_ops.VisitData(
            kind=PetitionKind.feedback, content="Kiến nghị về đường ngập\nkhi mưa",
            outcome=VisitOutcome.guided, outcome_body="UBND phường Lê Chân",
            outcome_doc_no="12/HD", competent=False, previous_resolver="UBND phường",
            persons=[person("Trần Văn Bảo", "", "031099000222")], is_repeat=True,
            note="Đã đến lần thứ hai",
        ),
    )  # fmt: skip
    reception_ops.create_visit(
        officer,
        s1,
        reception_ops.VisitData(
            kind=PetitionKind.complaint, content="Gây rối", outcome=VisitOutcome.refused,
            refusal_ground=RefusalGround.other, refusal_detail="Không xuất trình giấy tờ",
            persons=[person("Người không rõ")],
        ),
    )  # fmt: skip
    s2 = reception_ops.create_session(
        officer,
        reception_ops.SessionData(
            unit=hp, kind=SessionKind.periodic, session_date=D(2026, 3, 24), place="Hội trường",
            host_name="Chủ tịch", host_mode=HostMode.in_person, status=SessionStatus.held,
        ),
    )  # fmt: skip
    reception_ops.create_visit(
        officer,
        s2,
        reception_ops.VisitData(
            kind=PetitionKind.denunciation, content="Tố cáo chung về bồi thường",
            outcome=VisitOutcome.transferred, outcome_body="Thanh tra thành phố",
            outcome_doc_no="3/PC", people_count=7, is_delegation=True,
            persons=[
                person("Đoàn Văn Một", "Hải An", "031080000001", is_representative=True),
                person("Đoàn Văn Hai", "Hải An", "031080000002", is_representative=True),
            ],
        ),
    )  # fmt: skip
    reception_ops.create_visit(
        officer,
        s2,
        reception_ops.VisitData(
            kind=PetitionKind.complaint, content="Hỏi về chính sách", outcome=VisitOutcome.answered,
            competent=True, persons=[person("Vũ Thị Hoa", "Kiến An", "031070000333")],
        ),
    )  # fmt: skip
    _db.session.flush()
    return {"handler": handler, "officer": officer}


# --- files ------------------------------------------------------------------------------------


def write_csv(path: Path, rows, headers=HEADERS, encoding="utf-8-sig", delimiter=",") -> Path:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter)
    out.writerow(headers)
    for row in rows:
        out.writerow(row)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows, headers=HEADERS, title_rows=()) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(row)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def row(**values) -> list:
    """A petition register row in layout order, with sensible defaults."""
    base = {
        "unit_code": "HP",
        "register_no": "1",
        "received_date": "05/01/2026",
        "source": "Qua bưu chính",
        "sender_name": "Nguyễn Văn An",
        "sender_address": "Số 5 Lê Lợi",
        "sender_identity": "031085001234",
        "kind": "Khiếu nại",
        "field": "Đất đai",
        "summary": "Khiếu nại quyết định thu hồi đất",
    }
    base.update(values)
    return [base.get(c.field, "") for c in PETITION_COLUMNS]


def run_import(path, *, unit=None, scope=None, actor=None, create_units=False, kind=None):
    """Dry run, then import when it passed: the job as it ended."""
    job = importer.create_job(
        actor,
        path=str(path),
        filename=Path(path).name,
        uploaded=False,
        kind=kind,
        default_unit=unit,
        scope_unit=scope,
    )
    job.create_units = create_units
    token = importer.start_check(actor, job)
    _db.session.commit()
    job = importer.run(job.id, token, "check")
    if importer.blocking_reason(job, actor) is None:
        token = importer.start_import(actor, job)
        _db.session.commit()
        job = importer.run(job.id, token, "import")
    return job


def issues_of(job) -> list[tuple[int, str, str]]:
    from complaints.registers.models import ImportIssue

    return [
        (i.line, i.column, i.message)
        for i in _db.session.scalars(
            sa.select(ImportIssue).where(ImportIssue.import_id == job.id).order_by(ImportIssue.id)
        )
    ]


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# --- the round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["petitions", "reception"])
def test_csv_round_trip_is_byte_identical(app, db, province, tmp_path, kind):
    build_history(province)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    result = invoke(
        app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30", "--unit", "HP",
        "--kind", kind, str(first),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    written = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8-sig"))))
    assert len(written) == 1 + (10 if kind == "petitions" else 5)
    db.session.rollback()  # an empty database: not even the units are left
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    result = invoke(app, "import-register", str(first), "--create-units")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Đã nhập" in result.output
    result = invoke(
        app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30", "--unit", "HP",
        "--kind", kind, str(second),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8


def _cells(path):
    wb = load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_xlsx_round_trip_gives_the_same_cells(app, db, province, tmp_path):
    build_history(province)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    assert invoke(app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30",
                  str(first)).exit_code == 0  # fmt: skip
    db.session.rollback()
    result = invoke(app, "import-register", str(first), "--create-units")
    assert result.exit_code == 0, result.output + result.stderr
    assert invoke(app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30",
                  str(second)).exit_code == 0  # fmt: skip
    cells = _cells(first)
    assert cells == _cells(second)
    assert len(cells) == 11  # the header and ten petitions
    # A text that starts like a formula stays a text.
    assert any(isinstance(c, str) and "=ghi chú" in c for r in cells for c in r)


def test_imported_history_counts_in_the_reports_as_it_did(app, db, province, tmp_path):
    build_history(province)
    period = date_range(D(2026, 1, 1), D(2026, 6, 30))
    before = {
        form: service.build(form, province["province"], period, with_subunits=True).as_dict()
        for form in ("01-XLD", "01-KQGQ", "03-KQGQ")
    }
    path = tmp_path / "so.csv"
    exporter.write(
        str(path), kind=RegisterKind.petitions, fmt="csv", start=period.start, end=period.end,
        root=province["province"],
    )  # fmt: skip
    db.session.rollback()
    job = run_import(path, create_units=True)
    assert job.status == ImportStatus.done, (job.message, issues_of(job))
    hp = db.session.scalar(sa.select(Unit).where(Unit.code == "HP"))
    for form, old in before.items():
        new = service.build(form, hp, period, with_subunits=True).as_dict()
        assert new["figures"] == old["figures"], form
        assert all(check["ok"] for check in new["identities"])


# --- the import itself ----------------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [row(register_no=str(n), received_date=f"0{n}/02/2026") for n in range(1, 6)],
    )
    first = run_import(path)
    assert first.status == ImportStatus.done
    assert first.created_counts == {"petitions": 5}
    count = db.session.scalar(sa.select(sa.func.count(Petition.id)))
    second = run_import(path)
    assert second.status == ImportStatus.checked  # nothing new: not even started
    assert (second.valid_rows, second.skipped_rows, second.error_rows) == (0, 5, 0)
    assert importer.blocking_reason(second) == (
        "Không có dòng mới nào để nhập (các dòng đều đã có trong sổ)."
    )
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == count


def test_register_numbers_are_kept_and_the_counter_continues_after_them(db, province, tmp_path):
    hp = province["province"]
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="HP-2026-00041", received_date="02/01/2026"),
            row(register_no="125", received_date="2026-02-03"),
            row(register_no="7/2025", received_date="3/12/25"),
        ],
    )
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    numbers = db.session.scalars(sa.select(Petition.register_no).order_by(Petition.id)).all()
    assert numbers == ["HP-2026-00041", "HP-2026-00125", "HP-2025-00007"]
    assert db.session.get(RegisterCounter, (hp.id, 2026)).last_seq == 125
    actor = factories.UserFactory(unit=hp, roles=[Role.petition_handler])
    new = _register(actor, hp, D(2026, 6, 1))
    assert new.register_no == "HP-2026-00126"


def test_cases_come_in_with_state_dates_outcome_and_deadlines(db, province, tmp_path):
    common = dict(
        outcome="Thụ lý", outcome_date="10/01/2026", outcome_doc_no="1/TB", eligible="Có",
        competent="Có",
    )  # fmt: skip
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1", case_key="K1", accepted_on="10/01/2026",
                case_state="Đã gửi quyết định / kết luận", decided_on="20/01/2026",
                decision_no="5/QĐ", case_outcome="Đúng một phần", **common),
            row(register_no="2", received_date="08/01/2026", case_key="K1",
                accepted_on="10/01/2026", case_state="Đã gửi quyết định / kết luận",
                decided_on="20/01/2026", decision_no="5/QĐ", case_outcome="Đúng một phần",
                **common),
            row(register_no="3", case_key="VV-HP-2026-00040", case_state="Đình chỉ",
                closed_on="15/02/2026", termination_reason="Rút đơn", **common),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    assert job.created_counts == {"petitions": 3, "cases": 2}
    cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    first, withdrawn = cases
    # A free key gets the unit's next number, after the case numbers the file keeps.
    assert first.case_no == "VV-HP-2026-00041"
    assert (first.state, first.received_on, first.accepted_on) == (
        CaseState.sent, D(2026, 1, 5), D(2026, 1, 10)
    )  # fmt: skip
    assert (first.decided_on, first.sent_on, first.outcome.value) == (
        D(2026, 1, 20), D(2026, 1, 20), "partly_upheld"
    )  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count(Petition.id)).where(
        Petition.case_id == first.id)) == 2  # fmt: skip
    events = [e.action for e in first.events]
    assert events == ["open", "accept", "start_verification", "decide", "send", "petition_joined"]
    resolve = [d for d in first.deadlines if d.step == "resolve" and d.active]
    assert resolve and resolve[0].met_on == D(2026, 1, 20)
    assert withdrawn.case_no == "VV-HP-2026-00040"  # a case number is kept
    assert withdrawn.termination_reason.value == "withdrawn"
    assert withdrawn.closed_on == D(2026, 2, 15)
    # New cases continue after the kept number.
    hp = province["province"]
    p = _register(factories.UserFactory(unit=hp, roles=[Role.petition_handler]), hp, TODAY)
    assert _process(p.created_by, p, "accept", TODAY).case.case_no == "VV-HP-2026-00042"
    report = service.build("01-KQGQ", hp, date_range(D(2026, 1, 1), D(2026, 3, 31)))
    figures = report.as_dict()["figures"]
    assert figures["competent.cases"] == 2
    assert figures["competent.resolved"] == 2
    assert figures["competent.outcomes.partly_upheld"] == 1
    assert figures["competent.outcomes.withdrawn"] == 1


def test_every_import_is_in_the_audit_log(db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(register_no=str(n)) for n in range(1, 8)])
    job = run_import(path)
    kinds = db.session.scalars(
        sa.select(AuditEvent.kind)
        .where(AuditEvent.entity_type == "register_import")
        .order_by(AuditEvent.seq)
    ).all()
    assert kinds.count("register_import.batch") == 3  # batches of 3 rows
    assert kinds[0] == "register_import.started" and kinds[-1] == "register_import.finished"
    registered = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.kind == "petition.registered")
    )
    assert registered == 7
    assert audit.verify().ok
    assert job.status == ImportStatus.done


def test_a_failing_batch_undoes_the_batches_before_it(db, province, tmp_path, monkeypatch):
    hp = province["province"]
    path = write_csv(tmp_path / "so.csv", [row(register_no=str(n)) for n in range(1, 9)])
    job = importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)
    token = importer.start_check(None, job)
    db.session.commit()
    job = importer.run(job.id, token, "check")
    assert job.valid_rows == 8
    original = petition_ops.registration_row  # the import's registration

    def refuse_the_last(actor, data, **kw):  # the database changed since the dry run
        if data.register_no == "HP-2026-00008":
            raise petition_ops.PetitionError("Số vào sổ HP-2026-00008 đã có trong sổ đơn.")
        return original(actor, data, **kw)

    monkeypatch.setattr(petition_ops, "registration_row", refuse_the_last)
    token = importer.start_import(None, job)
    db.session.commit()
    job = importer.run(job.id, token, "import")
    assert job.status == ImportStatus.failed
    assert job.message.startswith("Dòng 9: Số vào sổ HP-2026-00008 đã có trong sổ đơn.")
    # Batches of three: lines 2-4 and 5-7 had been committed; they are gone.
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
    assert db.session.get(RegisterCounter, (hp.id, 2026)).last_seq == 0
    kinds = db.session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert kinds.count("register_import.batch") == 2
    assert kinds[-1] == "register_import.undone"
    assert audit.verify().ok
    monkeypatch.undo()
    actor = factories.UserFactory(unit=hp, roles=[Role.petition_handler])
    assert _register(actor, hp, D(2026, 6, 1)).register_no == "HP-2026-00001"  # no gap


def test_units_named_in_the_file_are_listed_then_created_on_request(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(unit_code="HPXN", unit_name="UBND xã Nam Sơn", parent_code="HPQ", register_no="1"),
            row(unit_code="HPQ", unit_name="UBND quận Hồng Bàng", parent_code="HP",
                register_no="1"),
        ],
    )  # fmt: skip
    hp = province["province"]
    job = run_import(path, unit=hp)
    assert job.status == ImportStatus.checked
    assert [(u["code"], u["parent"]) for u in job.new_units] == [("HPQ", "HP"), ("HPXN", "HPQ")]
    assert "chưa có trong hệ thống" in importer.blocking_reason(job)
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "HPQ")) is None
    job = run_import(path, unit=hp, create_units=True)
    assert job.status == ImportStatus.done, issues_of(job)
    quan = db.session.scalar(sa.select(Unit).where(Unit.code == "HPQ"))
    xa = db.session.scalar(sa.select(Unit).where(Unit.code == "HPXN"))
    assert (quan.parent_id, quan.level.value) == (hp.id, "district")
    assert (xa.parent_id, xa.level.value, xa.name) == (quan.id, "commune", "UBND xã Nam Sơn")


def test_rows_of_units_outside_the_importers_scope_are_refused(db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(unit_code="HN"), row(unit_code="HPLC")])
    actor = factories.UserFactory(unit=province["province"], roles=[Role.report_maker])
    job = run_import(path, scope=actor.unit, unit=actor.unit, actor=actor)
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (2, "Mã đơn vị", "Đơn vị HN nằm ngoài phạm vi của bạn (hoặc của đơn vị đã chọn).")
    ]
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_the_dry_run_lists_every_rule_a_row_breaks(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1"),
            row(register_no="1"),  # the same number twice
            row(register_no="2", received_date="31/02/2026"),
            row(register_no="3", source="Bồ câu đưa thư", kind="Khen ngợi"),
            row(register_no="4", source="Đại biểu Quốc hội chuyển đến"),
            row(register_no="5", sender_name="", sender_identity="", sender_address=""),
            row(register_no="6", outcome="Thụ lý", outcome_date="01/01/2026"),
            row(register_no="7", outcome="Chuyển đơn", outcome_date="10/01/2026",
                eligible="Có", competent="Không"),
            row(register_no="8", received_date="01/07/2026"),
            row(register_no="HP-2025-00009"),
            row(register_no="9", case_key="K2"),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.checked
    found = issues_of(job)
    lines = sorted({line for line, _, _ in found})
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    text = "\n".join(f"{line}|{column}|{message}" for line, column, message in found)
    assert "3|Số vào sổ|Số vào sổ HP-2026-00001 trùng với dòng 2." in text
    assert "4|Ngày nhận đơn|Ngày nhận đơn không hợp lệ: “31/02/2026”" in text
    assert "5|Nguồn đơn|Không nhận ra nguồn đơn “Bồ câu đưa thư”" in text
    assert "5|Loại đơn|Không nhận ra loại đơn “Khen ngợi”" in text
    assert "6|Cơ quan chuyển đơn|Đơn được chuyển đến: nhập tên cơ quan" in text
    assert "7|Đơn nặc danh|Nhập ít nhất một người gửi đơn, hoặc đánh dấu" in text
    assert "8|Ngày xử lý|Ngày xử lý trước ngày nhận đơn (05/01/2026)." in text
    assert "8|Số văn bản xử lý|Ghi số văn bản (thông báo thụ lý, phiếu chuyển)." in text
    assert "9|Cơ quan nhận (chuyển, hướng dẫn, đôn đốc)|Ghi cơ quan, đơn vị nhận" in text
    assert "10|Ngày nhận đơn|Ngày nhận đơn 01/07/2026 sau ngày hôm nay (30/06/2026)." in text
    assert "11|Số vào sổ|Số vào sổ “HP-2025-00009” không khớp đơn vị HP và năm" in text
    assert "12|Mã vụ việc|Chỉ ghi thông tin vụ việc cho đơn đã thụ lý." in text
    assert job.valid_rows == 1  # only line 2: and still nothing is imported
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_identity_numbers_follow_the_rule_of_the_forms(db, province, tmp_path):
    """The same rule as reception and the register form: separators dropped, 9 or 12 digits."""
    bad = write_csv(tmp_path / "sai.csv", [row(register_no="1", sender_identity="0310850012")])
    job = run_import(bad)
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (2, "Số giấy tờ", "Số CCCD, số định danh cá nhân gồm 12 chữ số (CMND cũ: 9 chữ số).")
    ]
    good = write_csv(tmp_path / "so.csv", [row(register_no="1", sender_identity="031-085-001234")])
    job = run_import(good)
    assert job.status == ImportStatus.done, issues_of(job)
    petition = _db.session.scalars(sa.select(Petition)).one()
    assert petition.senders[0].identity_no == "031085001234"


def test_petitions_of_one_case_must_agree_about_it(db, province, tmp_path):
    accepted = dict(
        outcome="Thụ lý", outcome_date="10/01/2026", outcome_doc_no="1/TB", case_key="K9"
    )
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1", accepted_on="10/01/2026", **accepted),
            row(register_no="2", accepted_on="11/01/2026", **accepted),
            row(register_no="3", kind="Tố cáo", accepted_on="10/01/2026", **accepted),
        ],
    )
    job = run_import(path)
    lines = [(line, column) for line, column, _ in issues_of(job)]
    assert lines == [(3, "Mã vụ việc"), (4, "Mã vụ việc")]
    assert "khác với dòng 2" in issues_of(job)[0][2]


def test_case_states_are_checked_against_the_workflow(db, province, tmp_path):
    accepted = dict(outcome="Thụ lý", outcome_date="10/01/2026", outcome_doc_no="1/TB")
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1", case_state="Đã ban hành quyết định / kết luận", **accepted),
            row(register_no="2", kind="Kiến nghị, phản ánh", case_state="Đã công khai kết luận",
                **accepted),
            row(register_no="3", case_state="Tạm đình chỉ", **accepted),
            row(register_no="4", case_state="Đang xác minh", decided_on="12/01/2026",
                **accepted),
            row(register_no="5", case_state="Đình chỉ", closed_on="12/01/2026", **accepted),
        ],
    )  # fmt: skip
    job = run_import(path)
    found = {(line, column) for line, column, _ in issues_of(job)}
    assert found == {
        (2, "Ngày quyết định, kết luận"),
        (2, "Kết quả giải quyết"),
        (2, "Số quyết định, kết luận"),
        (3, "Trạng thái vụ việc"),
        (4, "Ngày tạm đình chỉ"),
        (5, "Ngày quyết định, kết luận"),
        (6, "Lý do đình chỉ"),
    }


def test_batches_commit_separately_and_progress_is_in_the_database(db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(register_no=str(n)) for n in range(1, 8)])
    seen = []
    job = importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)
    token = importer.start_check(None, job)
    db.session.commit()
    importer.run(job.id, token, "check")
    token = importer.start_import(None, job)
    db.session.commit()

    def watch(j):
        stored = db.session.execute(
            sa.select(RegisterImport.phase_done, RegisterImport.phase_total).where(
                RegisterImport.id == j.id
            )
        ).one()
        seen.append(tuple(stored))

    job = importer.run(job.id, token, "import", progress=watch)
    assert seen[:3] == [(3, 7), (6, 7), (7, 7)]
    assert job.percent == 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("register_import_row"))) == 0  # fmt: skip


def test_a_job_claimed_by_another_runner_is_left_to_it(db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row()])
    job = importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)
    token = importer.start_check(None, job)
    db.session.commit()
    with pytest.raises(importer.ImportProblem):
        importer.start_check(None, job)  # still running, not stale
    result = importer.run(job.id, "not-the-runner", "check")
    assert result.status == ImportStatus.checking  # the impostor stopped at once
    assert importer.run(job.id, token, "check").status == ImportStatus.checked


def test_only_one_import_writes_at_a_time(db, province, tmp_path):
    jobs = []
    for n in (1, 2):
        path = write_csv(tmp_path / f"so{n}.csv", [row(register_no=str(n))])
        job = importer.create_job(None, path=str(path), filename=path.name, uploaded=False)
        token = importer.start_check(None, job)
        db.session.commit()
        jobs.append(importer.run(job.id, token, "check"))
    importer.start_import(None, jobs[0])
    db.session.commit()
    with pytest.raises(importer.ImportProblem, match="Đang có một lượt nhập sổ khác"):
        importer.start_import(None, jobs[1])


def test_imported_case_timeline_and_deadlines_exist(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [row(outcome="Thụ lý", outcome_date="06/01/2026", outcome_doc_no="1/TB",
             case_state="Đang xác minh")],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    case = db.session.scalar(sa.select(Case))
    assert case.state == CaseState.verifying and case.accepted_on == D(2026, 1, 6)
    assert db.session.scalar(
        sa.select(sa.func.count(Deadline.id)).where(
            Deadline.case_id == case.id, Deadline.step == "resolve"
        )
    )
    notes = db.session.scalars(sa.select(CaseEvent.note).where(CaseEvent.case_id == case.id))
    assert all("sổ cũ" in n for n in notes)


class _WorkerDied(BaseException):
    """The process running the import stops dead (not an error the runner could handle)."""


def test_a_job_whose_worker_died_is_continued_where_it_stopped(db, province, tmp_path):
    from datetime import UTC, datetime

    path = write_csv(tmp_path / "so.csv", [row(register_no=str(n)) for n in range(1, 8)])
    job = importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)
    token = importer.start_check(None, job)
    db.session.commit()
    importer.run(job.id, token, "check")
    token = importer.start_import(None, job)
    db.session.commit()

    def die(j):
        raise _WorkerDied

    with pytest.raises(_WorkerDied):
        importer.run(job.id, token, "import", progress=die)  # after the first batch
    db.session.rollback()
    job = db.session.get(RegisterImport, job.id)
    assert job.status == ImportStatus.running and job.phase_done == 3
    assert not importer.is_stale(job)
    with pytest.raises(importer.ImportProblem):
        importer.start_import(None, job)  # still thought alive
    job.heartbeat_at = datetime(2026, 1, 1, tzinfo=UTC)  # silent for a long while
    db.session.commit()
    assert importer.is_stale(job)
    token = importer.start_import(None, job)
    db.session.commit()
    job = importer.run(job.id, token, "import")
    assert job.status == ImportStatus.done
    numbers = db.session.scalars(sa.select(Petition.register_no).order_by(Petition.id)).all()
    assert numbers == [f"HP-2026-{n:05d}" for n in range(1, 8)]
    assert job.created_counts == {"petitions": 7}
